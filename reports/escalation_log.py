"""The escalation log (``--format csv``): one row per case raised in the period.

No person's name or date of birth unless asked for (``personal``): the caller
records that in the access log (DESIGN.md invariant 12). A cell a spreadsheet
would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR at its start) is
written with a leading apostrophe: a notice's words are a stranger's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from escalations.reports.facts import CaseFact
from escalations.reports.figures import NOT_KNOWN, outcome
from escalations.routing.policy import Policy

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def header(policy: Policy, personal: bool) -> list[str]:
    stages = [s.number for s in policy.stages]
    return (
        ["reference", "partnership", "raised", "closed", "raising_agency", "challenged_agency", "stage_reached"]
        + [f"stage_{n}_reached" for n in stages]
        + ["categories", "immediate_risk", "outcome", "working_days_to_resolve"]
        + [f"stage_{n}_within_timescale" for n in stages]
        + (["subject_name", "subject_dob"] if personal else [])
    )


def row(policy: Policy, case: CaseFact, personal: bool) -> list[str]:
    calendar = policy.calendar
    by_stage = {s.stage: s for s in case.stages}
    reached = [
        calendar.local(by_stage[s.number].entered).date().isoformat() if s.number in by_stage else "" for s in policy.stages
    ]
    timely = [_timely(by_stage.get(s.number)) for s in policy.stages]
    resolve = str(calendar.working_days_between(case.opened, case.closed)) if case.closed and case.state == "resolved" else ""
    return (
        [
            case.reference,
            policy.id,
            calendar.local(case.opened).date().isoformat(),
            calendar.local(case.closed).date().isoformat() if case.closed else "",
            case.raising or NOT_KNOWN,
            case.challenged or NOT_KNOWN,
            str(case.stage),
        ]
        + reached
        + [";".join(case.categories), "yes" if case.immediate_risk else "no", outcome(case), resolve]
        + timely
        + ([case.subject_name or "", case.subject_dob or ""] if personal else [])
    )


def _timely(stage) -> str:  # type: ignore[no-untyped-def]
    if stage is None:
        return ""
    if stage.timely:
        return "yes"
    return "no" if stage.concluded is not None else "open"


def write(policy: Policy, cases: Sequence[CaseFact], personal: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(policy, personal))
    for case in cases:
        writer.writerow([_cell(v) for v in row(policy, case, personal)])
    return out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value
