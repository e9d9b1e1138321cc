"""`cases list`, `review list` and `outbox list` page: --limit/--offset, a default page, a "more" line, JSON intact."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from escalations.service.cli import main
from escalations.service.runtime import Runtime
from escalations.service.views import case_summary
from escalations.storage.listings import DEFAULT_LIMIT, Listing, cases_query, held_query
from escalations.storage.models import Case, InboundMessage, InboundStatus, OutboxMessage

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _fill(runtime: Runtime, cases: int = 7, held: int = 5, outbox: int = 4) -> None:
    with runtime.sessions.begin() as session:
        session.execute(
            insert(Case),
            [
                {
                    "reference": f"SAL-2026-{i:04d}",
                    "partnership": "salford",
                    "year": 2026,
                    "number": i,
                    "state": "open",
                    "stage": 1,
                    "immediate_risk": False,
                    "opened_at": NOW + timedelta(minutes=i),
                    "updated_at": NOW,
                }
                for i in range(1, cases + 1)
            ],
        )
        for i in range(1, held + 1):
            session.add(
                InboundMessage(
                    received_at=NOW,
                    source="smtp",
                    envelope_to=[],
                    raw_sha256="x",
                    dedupe_key=f"held-{i}",
                    raw=b"Subject: held\r\n\r\nbody",
                    size=20,
                    status=InboundStatus.REVIEW,
                    outcome=f"possible-same-case: held {i}",
                    review={"rule": "possible-same-case", "candidates": [], "partnership": "salford"},
                )
            )
        for i in range(1, outbox + 1):
            session.add(
                OutboxMessage(
                    kind="acknowledgement",
                    message_id=f"<out-{i}@partnership.example>",
                    mail_from="escalations@partnership.example",
                    recipients=["a.khan@northside-health.example"],
                    raw=b"x",
                    next_attempt_at=NOW,
                    created_at=NOW,
                )
            )


def _run(runtime: Runtime, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    assert main([*args, "--config", str(runtime.settings.path)]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_cases_list_pages_with_a_more_line(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    _fill(runtime)
    out, _ = _run(runtime, capsys, "cases", "list", "--limit", "3", "--offset", "2")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["SAL-2026-0003", "SAL-2026-0004", "SAL-2026-0005"]
    assert lines[-1] == "more: use --offset 5"
    out, _ = _run(runtime, capsys, "cases", "list", "--offset", "5")
    assert [line.split()[0] for line in out.splitlines()] == ["SAL-2026-0006", "SAL-2026-0007"], "the last page: no more line"


def test_json_listings_stay_whole_and_say_more_on_stderr(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    _fill(runtime)
    out, err = _run(runtime, capsys, "cases", "list", "--json", "--limit", "2")
    assert [c["reference"] for c in json.loads(out)] == ["SAL-2026-0001", "SAL-2026-0002"]
    assert err.strip() == "more: use --offset 2"
    out, err = _run(runtime, capsys, "review", "list", "--json", "--limit", "2", "--offset", "4")
    assert [m["reason"] for m in json.loads(out)] == ["possible-same-case: held 5"] and err == ""
    out, err = _run(runtime, capsys, "outbox", "list", "--json", "--offset", "9")
    assert json.loads(out) == [] and err == ""
    out, _ = _run(runtime, capsys, "outbox", "list", "--limit", "3")
    assert out.splitlines()[-1] == "more: use --offset 3" and len(out.splitlines()) == 4


def test_an_empty_list_says_so(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(runtime, capsys, "review", "list")[0].strip() == f"nothing in {InboundStatus.REVIEW}"
    assert _run(runtime, capsys, "cases", "list", "--json")[0].strip() == "[]"


@pytest.mark.parametrize("bad", [["--limit", "-1"], ["--offset", "x"], ["--limit", "1e9"]])
def test_a_bad_page_is_refused_clearly(runtime: Runtime, capsys: pytest.CaptureFixture[str], bad: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["cases", "list", *bad, "--config", str(runtime.settings.path)])
    assert stopped.value.code == 2
    assert "whole number" in capsys.readouterr().err


def test_a_listing_reads_in_batches_across_which_nothing_is_lost_or_repeated(runtime: Runtime) -> None:
    _fill(runtime, cases=11)
    listing = Listing(runtime.sessions, cases_query(["salford"]), lambda c: case_summary(c)["reference"], 7, 2, batch=3)
    assert list(listing) == [f"SAL-2026-{i:04d}" for i in range(3, 10)]
    assert (listing.more, listing.next_offset) == (True, 9)
    held = Listing(runtime.sessions, held_query(), lambda m: m.id, DEFAULT_LIMIT, 0, batch=2)
    assert len(list(held)) == 5 and not held.more
