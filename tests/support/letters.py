"""What no letter may say to a person: internal names, half-formatted dates and words, template leftovers.

One guard for every letter, used by the compose unit tests and by every Scenario
(each email a scenario sends is checked, text and HTML).
"""

from __future__ import annotations

import re

WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
UNREADABLE = {
    "an internal copy rule name": re.compile(r"\bcopy:"),
    # (not a setting's dotted name, "immediate_risk.out_of_hours.number", which a placeholder names on purpose)
    "an internal deadline kind": re.compile(r"\b(?:stage_response|overall_resolution|immediate_risk|panel_decision)\b(?!\.)"),
    "a lower-case weekday": re.compile(rf"\b(?:{WEEKDAYS})\b"),
    "a lower-case month": re.compile(rf"\b\d{{1,2}} (?:{MONTHS})\b"),
    "a '(s)' plural": re.compile(r"\w\(s\)"),
    "'a' before a vowel": re.compile(r"(?:\ba|(?:^|[.!?:]\s+)A) (?:adult|immediate|[aeio]\w*)\b", re.M),
    "a missing value printed as None": re.compile(r"\bNone\b"),
    "a template leftover": re.compile(r"\{\{|\}\}|\{%|%\}"),
}


def unreadable(text: str) -> list[str]:
    """Each thing in ``text`` no person should read, as "what: the words"."""
    return [f"{what}: {m.group(0)!r}" for what, pattern in UNREADABLE.items() for m in pattern.finditer(text)]
