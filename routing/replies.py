"""Reply commands: the first unquoted line of a reply says what happens to the case.

``Resolved``, ``Unresolved``, ``Escalate`` and ``Withdrawn`` (any case, then the
outcome or reason in free text) move the case; ``In progress`` (then what is being
done) is recorded and told to the others, and pauses chasers, but moves nothing; at a stage with a Resolution
Panel the Chair's ``Panel`` or ``No panel`` records the decision to convene;
at Barnet's stage 4 ``Mediation`` or ``Chair N`` records the way forward agreed.
Anything else is correspondence, recorded on the timeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COMMANDS = {
    "in progress": "in_progress",
    "resolved": "resolved",
    "unresolved": "escalate",
    "escalate": "escalate",
    "escalated": "escalate",
    "withdrawn": "withdrawn",
    "withdraw": "withdrawn",
    "panel": "panel",
    "convene": "panel",
    "no panel": "no_panel",
    "do not convene": "no_panel",
    "mediation": "mediation",
    "chair": "chair",
    "chaired by": "chair",
}
_COMMAND = re.compile(
    r"^\s*(in progress|no panel|do not convene|unresolved|resolved|escalated|escalate|withdrawn|withdraw|panel|convene|mediation|chaired by|chair)\b[\s:.,;–—-]*(.*)$",
    re.I,
)
# Where quoted history starts, in the common mail clients' words. Linear: matched once per
# line from its start, and the only wide gaps (".{3,200}") are bounded.
_HISTORY = re.compile(
    r"^\s*(>|-{2,}\s*original message\s*-{2,}|_{5,}|on .{3,200} wrote:\s*$|from:\s|sent from my |"
    r"le .{3,200} a écrit|am .{3,200} schrieb)",
    re.I,
)
# A mail client that wraps a long "On …, Name <address> wrote:" over two lines (bounded, matched from the start).
_ATTRIBUTION_START = re.compile(r"^\s*on\s.{3,200}$", re.I)
_ATTRIBUTION_END = re.compile(r"^.{0,200}\bwrote:\s*$", re.I)


@dataclass(frozen=True)
class Command:
    kind: str  # resolved | escalate | withdrawn | in_progress | panel | no_panel | mediation | chair
    word: str  # as written
    text: str  # the outcome or reason that followed


def own_words(body: str | None) -> str:
    """The reply's own text: everything above the quoted history and signature."""
    every = (body or "").splitlines()
    lines = []
    for i, line in enumerate(every):
        if _HISTORY.match(line) or line.strip() == "--":
            break
        if i + 1 < len(every) and _ATTRIBUTION_START.match(line) and _ATTRIBUTION_END.match(every[i + 1]):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def parse_command(body: str | None) -> Command | None:
    """The command on the first non-empty line of the reply's own text, if it starts with one."""
    text = own_words(body)
    first = next((line for line in text.splitlines() if line.strip()), "")
    match = _COMMAND.match(first)
    if not match:
        return None
    word = match.group(1)
    rest = " ".join([match.group(2).strip()] + [line.strip() for line in text.splitlines()[1:] if line.strip()]).strip()
    return Command(COMMANDS[word.lower()], word, rest)
