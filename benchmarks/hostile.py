"""Hostile cases by outcome: every case of tests/hostile through the real SMTP intake and worker, counted.

    .venv/bin/python benchmarks/hostile.py [--write] [--family mime] [--postgres URL]

Prints two counts per outcome class: the outcome issue 12 requires of each case
(the catalogue in tests/hostile/cases.py) and the outcome observed on this
checkout, with the cases still showing an issue 12 defect and any case whose
outcome or invariants differ from what is required. ``--write`` puts the table in
docs/reliability.md between its ``hostile-figures`` markers.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.hostile import cases as catalogue  # noqa: E402
from tests.hostile.harness import OUTCOMES, Databases, Intake, run_case, warm_up  # noqa: E402
from tests.hostile.test_hostile_intake import FetchListener, check_invariants, check_outcome  # noqa: E402

DOC = REPO / "docs" / "reliability.md"
START, END = "<!-- hostile-figures -->", "<!-- /hostile-figures -->"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="put the table in docs/reliability.md")
    parser.add_argument("--family", help="only this family of cases")
    parser.add_argument("--postgres", help="run on this PostgreSQL server (a database per set-up is made and dropped)")
    args = parser.parse_args()
    chosen = [c for c in catalogue.CASES if not args.family or c.family == args.family]
    backend = "postgres" if args.postgres else "sqlite"
    required: Counter[str] = Counter(c.outcome for c in chosen)
    observed: Counter[str] = Counter()
    differing: list[str] = []
    warm_up()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as root, Intake() as intake, FetchListener() as fetches:
        databases = Databases(Path(root), backend, args.postgres)
        try:
            for case in chosen:
                with databases.fresh(case.setup, catalogue.SETUPS[case.setup]) as runtime:
                    fetched = fetches.connections
                    seen = run_case(intake, runtime, case.build, isolate=case.isolate)
                observed[seen.outcome if seen.outcome in OUTCOMES else "unfinished"] += 1
                try:
                    check_invariants(case, seen)
                    assert fetches.connections == fetched, "a document made the service fetch a URL"
                    check_outcome(case, seen)
                except AssertionError as failure:
                    differing.append(f"{case.id}: {str(failure).splitlines()[0][:200]}")
                print(f"{case.id:60} {seen}", file=sys.stderr)
        finally:
            databases.close()
    seconds = time.monotonic() - started
    table = _table(chosen, required, observed, backend, seconds)
    print(table)
    print(f"\n{len(differing)} cases differ from what issue 12 requires:")
    for line in differing:
        print(f"- {line}")
    if args.write:
        text = DOC.read_text(encoding="utf-8")
        before, _, rest = text.partition(START)
        _, _, after = rest.partition(END)
        DOC.write_text(f"{before}{START}\n\n{table}\n\n{END}{after}", encoding="utf-8")
    return 0


def _table(chosen: list[catalogue.Case], required: Counter[str], observed: Counter[str], backend: str, seconds: float) -> str:
    rows = ["| outcome | required by issue 12 | observed on this checkout |", "|---|---|---|"]
    for outcome in (*OUTCOMES, "unfinished"):
        if required[outcome] or observed[outcome]:
            rows.append(f"| {outcome} | {required[outcome]} | {observed[outcome]} |")
    rows.append(f"| **total** | **{sum(required.values())}** | **{sum(observed.values())}** |")
    defects = Counter(c.defect for c in chosen if c.xfail_reason(backend))
    shown = ", ".join(f"defect {d}: {n}" for d, n in sorted(defects.items()))
    families = Counter(c.family for c in chosen)
    either = sum(1 for c in chosen if set(c.alternatives) - {c.outcome})
    rows.append("")
    rows.append(
        f"The required column counts each case's first outcome; {either} cases also accept another where issue 12 "
        "leaves the choice open (a long line accepted or refused, a notice read or held): see `alternatives` in "
        "`tests/hostile/cases.py`. *unfinished*: the worker was still busy at the bound and was killed (the freeze of defect 1)."
    )
    rows.append("")
    rows.append(
        f"{len(chosen)} cases in {len(families)} families ({', '.join(f'{f} {n}' for f, n in families.items())}); "
        f"cases still showing a defect (strict xfail): {shown or 'none'}. {backend}, {seconds:.0f} s "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores), "
        f"Python {platform.python_version()}, {platform.machine()}, measured {date.today().isoformat()}."
    )
    return "\n".join(rows)


if __name__ == "__main__":
    raise SystemExit(main())
