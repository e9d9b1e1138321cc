"""How well and how fast the notice reader reads: field accuracy over the corpus, parse time, memory.

Run from the repository root with the test dependencies installed:

    .venv/bin/python benchmarks/notices.py [--repeat 50] [--write]

Accuracy: every notice of tests/corpus (development, probe, seen, seen 2 and held-out 3 designs apart,
and the five partnerships' ``forms make`` forms filled in), read as production
reads it, scored field by field (tests/corpus/README.md says how), per field and
per format. Time: one notice read in the worker's way (``read_notice``, the
document parsed in one of the sandbox's long-lived reader children), repeated;
median and 95th percentile, for a one-page Word notice and a two-page printed
PDF; and the first read, which starts the forkserver and a child. Memory: this
process's peak RSS over the whole run, a reader child's (the document parsed in
a fresh process that has the readers imported, as a forkserver child has), and
the pooled children's resident memory after all the timed reads.
``--write`` replaces this script's section of benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from escalations.intake import mime  # noqa: E402
from escalations.intake.notices import sandbox  # noqa: E402
from escalations.intake.notices.formats import is_notice_file  # noqa: E402
from escalations.intake.notices.reader import read_notice  # noqa: E402
from tests.corpus.build import build  # noqa: E402
from tests.corpus.cases import TODAY  # noqa: E402
from tests.corpus.design import SCORED  # noqa: E402
from tests.corpus.reading import POLICIES, by, convert_legacy, percent, read_all, score  # noqa: E402

PARTS = ("development", "probe", "seen", "seen2", "heldout3", "forms-make")
TITLES = {
    "development": "development",
    "probe": "probe",
    "seen": "seen",
    "seen2": "seen 2",
    "heldout3": "held-out 3",
    "forms-make": "`forms make`",
}
# Each probe set (tests/corpus/designs_probe.py) read by the reader as it was before any change made for
# that set: the reader's figure on forms it had not seen, measured in-process on branch reader-text.
PROBES_FIRST_READ = (
    ("1 (ten designs)", 428, 555, 0),
    ("2 (seven)", 210, 355, 0),
    ("3 (six)", 235, 305, 0),
    ("4 (five)", 180, 230, 5),
    ("5 (four)", 175, 205, 5),
    ("6 (four; round 2, branch reader-text2)", 145, 210, 5),
    ("7 (four)", 131, 170, 0),
    ("8 (four)", 151, 165, 0),
    ("9 (five; round 3, branch reader-probe3: printed and fillable PDFs)", 197, 305, 5),
    ("10 (five; mail and Word: names and roles written every way)", 200, 290, 0),
    ("11 (six; round 4, branch reader-probe4: letters, mail in sentences)", 152, 355, 0),
    ("12 (five; letters with traps, categories, stage and risk in prose)", 108, 310, 0),
    ("13 (two; a letter printed to PDF and one Word saved as RTF, read by reader-probe4's reader)", 55, 110, 0),
)
# The seen designs (tests/corpus/designs_seen.py, the first held-out part until branch reader-seen spent
# it; designs_seen2.py, the second until branch reader-seen2 spent it) as the reader read them before any
# change made for them: (right, given), in all and by format.
SEEN_FIRST_READ = {
    "seen": ((265, 390), {}),
    "seen2": (
        (550, 635),
        {
            "doc": (40, 75),
            "docx": (140, 140),
            "email-html": (65, 70),
            "email-text": (55, 60),
            "odt": (80, 80),
            "pdf": (115, 155),
            "rtf": (55, 55),
        },
    ),
}
TARGETS = (
    "Targets (issue 9): ≥ 97% of fields on the held-out part, 100% on the `forms make` forms; "
    "a one-page Word notice ≤ 30 ms median, a two-page PDF ≤ 250 ms."
)
TIMED = {"one-page Word notice": "question-table-1", "two-page PDF": "printed-two-pages-1"}
START, END = "<!-- notices.py figures -->", "<!-- /notices.py figures -->"


def accuracy_tables(corpus) -> tuple[str, list]:
    readings = read_all(corpus.notices, convert_legacy(corpus.notices))
    results = [r for notice, reading in zip(corpus.notices, readings) for r in score(notice, reading)]
    parts = {part: [r for r in results if r.part == part] for part in PARTS}
    head = "| | " + " | ".join(TITLES[p] for p in PARTS) + " |\n|---|" + "---|" * len(PARTS)
    total = "| **all fields** | " + " | ".join(_cell(by(parts[p], "part").get(p)) for p in PARTS) + " |"
    fields = [f"| `{path}` | " + " | ".join(_cell(by(parts[p], "path").get(path)) for p in PARTS) + " |" for path in SCORED]
    kinds = sorted({r.kind for r in results})
    formats = [f"| {kind} | " + " | ".join(_cell(by(parts[p], "kind").get(kind)) for p in PARTS) + " |" for kind in kinds]
    seen = parts["development"] + parts["probe"] + parts["seen"] + parts["seen2"]
    designs = [f"| {name} | {_cell(pair)} |" for name, pair in by(seen, "design").items()]
    first = [f"| {name} | {_cell((right, given))} | {wrong} |" for name, right, given, wrong in PROBES_FIRST_READ]
    invented = sum(r.invented for r in results)
    text = "\n".join(
        [
            "Fields read right, of the fields the notices give:",
            "",
            head,
            total,
            *fields,
            "",
            "By format:",
            "",
            head,
            *formats,
            "",
            "Each probe set as the reader first read it, before any change made for it (the figure for",
            "forms it had not seen; the probe column above is after the changes):",
            "",
            "| probe set | fields read right | fields invented |",
            "|---|---|---|",
            *first,
            "",
            "The seen designs (once held out, then spent to teach the reader) as it first read them, before any "
            "change made for them (the seen columns above are after the changes):",
            "",
            *_first_reads(),
            "",
            "By development, probe and seen design (held-out designs are reported only in total, by format):",
            "",
            "| design | right |",
            "|---|---|",
            *designs,
            "",
            f"Fields read although the notice does not give them: {invented}.",
        ]
    )
    return text, results


def _first_reads() -> list[str]:
    lines = []
    for part, (total, formats) in SEEN_FIRST_READ.items():
        by_format = "; by format " + ", ".join(f"{kind} {_cell(pair)}" for kind, pair in formats.items()) if formats else ""
        lines.append(f"- {TITLES[part]}: {_cell(total)}{by_format}.")
    return lines


def _cell(pair: tuple[int, int] | None) -> str:
    return "–" if not pair or not pair[1] else f"{percent(pair):.1f}% ({pair[0]}/{pair[1]})"


# --- reader-formats: every format against the .docx (tests/corpus/equivalence.py) -------------------


def equivalence_table() -> str:
    """Fields each format reads as the .docx of the same notice reads them (LibreOffice's conversions
    of every development Word/HTML/RTF design, and seven reportlab layouts of one content)."""
    from escalations.intake.notices import conversion
    from tests.corpus import equivalence

    results = equivalence.layout_comparisons()
    soffice = conversion.soffice()
    if soffice:
        results = equivalence.libreoffice_comparisons(equivalence.sources(), soffice) + results
    rows = [f"| {fmt} | {_cell(pair)} |" for fmt, pair in equivalence.agreement(results).items()]
    missing = (
        "" if soffice else "\n\nLibreOffice is not installed here: the .doc, .rtf, .odt and .pdf conversions were not measured."
    )
    return (
        "\n".join(
            [
                "Every format against the .docx (fields agreeing with the .docx reading, of the fields either reading fills in;",
                "LibreOffice conversions of the development designs, and reportlab layouts of one content):",
                "",
                "| format | agrees with the .docx |",
                "|---|---|",
                *rows,
            ]
        )
        + missing
    )


def timings(corpus, repeat: int) -> str:
    rows = [
        "| notice | median | p95 | first read | parsing alone (CPU, median) | reader child peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for label, ident in TIMED.items():
        notice = next(n for n in corpus.notices if n.id == ident)
        files = [a for a in mime.parse(notice.message).attachments if is_notice_file(a)]
        policy = POLICIES[notice.partnership]
        read = lambda: read_notice(files, None, today=TODAY, partnership=policy.id, form=policy.form)  # noqa: E731
        sandbox.close_readers()  # the first read starts a child (and, the first time, the forkserver)
        start = time.perf_counter()
        read()
        first = 1000 * (time.perf_counter() - start)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            read()
            times.append(1000 * (time.perf_counter() - start))
        p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
        rows.append(
            f"| {label} ({len(files[0].data) // 1024} KB) | {statistics.median(times):.1f} ms | {p95:.1f} ms | {first:.0f} ms | "
            f"{_cpu(notice.kind, files[0].data, policy.form.labels, repeat):.1f} ms | {_child_peak(notice.kind, files[0].data)} |"
        )
    pooled = ", ".join(f"{_resident(pid)} MB" for pid in sandbox.readers().children())
    return "\n".join(rows) + f"\n\nReader children kept after the timed reads: {pooled} resident."


def _resident(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS:"))


def _cpu(kind: str, data: bytes, labels, repeat: int) -> float:
    """The CPU time of the parse itself, in this process: what the machine's load does not change."""
    job = {
        "kind": f".{kind}",
        "labels": {path: list(words) for path, words in (labels or {}).items()},
        "limits": sandbox.Limits(),
    }
    times = []
    for _ in range(repeat):
        start = time.process_time()
        sandbox.parse(job, data)
        times.append(1000 * (time.process_time() - start))
    return statistics.median(times)


# Peak RSS from /proc (VmHWM, reset by exec), not getrusage (whose maximum a child inherits from its parent).
_CHILD = """
import sys
from escalations.intake.notices import sandbox
def peak():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
data = sys.stdin.buffer.read()
before = peak()
sandbox.parse({"kind": "." + sys.argv[1], "labels": {}, "limits": sandbox.Limits()}, data)
print(before // 1024, peak() // 1024)
"""


def _child_peak(kind: str, data: bytes) -> str:
    """A fresh process's peak RSS after importing the readers, and after reading the document."""
    done = subprocess.run([sys.executable, "-c", _CHILD, kind], input=data, capture_output=True, check=True, cwd=REPO)
    before, after = done.stdout.decode().split()[-2:]
    return f"{after} MB ({before} MB before reading)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="reads of each timed notice")
    parser.add_argument("--write", action="store_true", help="write the figures into benchmarks/README.md")
    args = parser.parse_args()
    corpus = build()
    accuracy, results = accuracy_tables(corpus)
    accuracy += "\n\n" + equivalence_table()
    timing = timings(corpus, args.repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    notices = {part: len(corpus.part(part)) for part in PARTS}
    load = os.getloadavg()[0]
    machine = (
        f"{sum(notices.values())} notices ({', '.join(f'{n} {TITLES[p]}' for p, n in notices.items())}), "
        f"{len({n.design for n in corpus.notices if n.part != 'forms-make'})} corpus designs; this process's peak RSS {peak} MB; "
        f"{args.repeat} reads per timed notice; Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {load:.1f} at the end; measured {datetime.now(UTC):%Y-%m-%d}."
    )
    skipped = f"\n\nNot built here: {'; '.join(corpus.skipped)}." if corpus.skipped else ""
    text = f"{accuracy}\n\nParse time in the worker's way (a pooled sandbox child reads it):\n\n{timing}\n\n{machine}{skipped}\n\n{TARGETS}\n"
    print(text)
    if args.write:
        _write(text)


def _write(figures: str) -> None:
    """Put the figures in this script's own section of benchmarks/README.md, before the pipeline's."""
    readme = REPO / "benchmarks" / "README.md"
    current = readme.read_text(encoding="utf-8")
    if START in current:
        before, _, rest = current.partition(START)
        after = rest.partition(END)[2]
        readme.write_text(f"{before}{START}\n\n{figures}\n{END}{after}", encoding="utf-8")
        return
    anchor = "## `pipeline_throughput.py`"
    head, _, tail = current.partition(anchor)
    readme.write_text(f"{head}{SECTION}{START}\n\n{figures}\n{END}\n\n{anchor}{tail}", encoding="utf-8")


SECTION = """## `notices.py`

How well the notice reader reads notices laid out as other partnerships' forms
are (tests/corpus, built by code; tests/corpus/README.md), and how fast: field
accuracy per field and per format, the development, probe, seen and held-out designs apart,
and the five partnerships' own `forms make` forms filled in; parse time of one
notice in the worker's way (read by one of the sandbox's long-lived reader
children, intake/notices/sandbox.py), and peak memory. The
wall-clock times grow with the machine's load (given beside them); the CPU
column is the parse alone, which load hardly changes.

```sh
.venv/bin/python benchmarks/notices.py --write
```

(It sits above the pipeline's section because `pipeline_throughput.py --write`
rewrites everything below its own marker.)

"""


if __name__ == "__main__":
    main()
