"""Reply commands: the first unquoted line, in the words managers actually write."""

from __future__ import annotations

import pytest

from escalations.routing.replies import own_words, parse_command


@pytest.mark.parametrize(
    ("body", "kind", "text"),
    [
        ("Resolved: strategy meeting agreed", "resolved", "strategy meeting agreed"),
        ("resolved", "resolved", ""),
        ("RESOLVED - assessment starts Monday", "resolved", "assessment starts Monday"),
        ("  Unresolved. They still refuse.", "escalate", "They still refuse."),
        ("Escalate", "escalate", ""),
        ("Escalated – no reply from the team", "escalate", "no reply from the team"),
        ("Withdrawn: family moved away", "withdrawn", "family moved away"),
        ("\n\nResolved\nThe school will attend the conference.", "resolved", "The school will attend the conference."),
        ("Panel: convene for Thursday", "panel", "convene for Thursday"),
        ("No panel - mediation instead", "no_panel", "mediation instead"),
        ("In progress: a visit is booked for Thursday", "in_progress", "a visit is booked for Thursday"),
        ("in progress", "in_progress", ""),
    ],
)
def test_commands(body: str, kind: str, text: str) -> None:
    command = parse_command(body)
    assert command is not None and (command.kind, command.text) == (kind, text)


@pytest.mark.parametrize(
    "body",
    [
        "Thanks, will call you later.",
        "Is this resolved?",
        "Resolvedly yours",
        "> Resolved: quoted from someone else",
        "On Tue, 10 Mar 2026 at 10:00, Case Worker <cw@x.example> wrote:\n> Resolved",
        "-----Original Message-----\nFrom: someone\nResolved",
        "",
        None,
    ],
)
def test_not_commands(body: str | None) -> None:
    assert parse_command(body) is None


@pytest.mark.parametrize(
    ("body", "own"),
    [
        ("We will visit.\n\nOn Mon, 9 Mar 2026, A wrote:\n> old", "We will visit."),
        ("We will visit.\n--\nJane, Team Manager", "We will visit."),
        ("Agreed.\n________________________________\nFrom: A\nSent: Monday", "Agreed."),
        ("Vu.\nLe lun. 9 mars 2026, A a écrit :\n> old", "Vu."),
        ("Sent from my iPhone", ""),
        # Gmail wraps a long attribution over two lines (issue 11: the history reached the raiser).
        (
            "Visit booked.\n\nOn Tue, 10 Mar 2026 at 10:00, SSCB Safeguarding escalations <e@salford.example>\nwrote:\n> Child: Jo",
            "Visit booked.",
        ),
        ("Visit booked.\nOn Thursday we meet.\nThanks", "Visit booked.\nOn Thursday we meet.\nThanks"),
    ],
)
def test_own_words_strip_history_and_signatures(body: str, own: str) -> None:
    assert own_words(body) == own
