"""Board reports (issue 14): a seeded month walked through every partnership's ladder by the real pipeline.

Each partnership gets the same six cases in March 2026 (GMT until the 29th, so
the times below are London times too); Barnet, the one policy with an overall
maximum (Barnet 3: five working days), gets three more things: a case the
scheduler moves on for want of an answer, a case a year before, and a message
held in review. Every figure is then checked against the number worked out by
hand beside it. Working days count the closes (17:00) passed after the day of
receipt (routing.calendar); no bank holiday falls in March 2026.

  W1  Tue 10 Mar 10:00 notice (thresholds); 12:00 the raiser: resolved        stage 1 in time, 0 working days
  W2  Wed 11 Mar 10:00 notice (thresholds, information sharing); 11:00 escalate; Fri 13 Mar 11:00 resolved
      stage 1 in time; stage 2 entered 11:00 Wed, answered Fri: 1 working day (in time only where stage 2
      has five working days: B&NES, both Bury policies; Salford's and Barnet's "same working day" was Wed 17:00)
  W3  Thu 12 Mar 13:00 notice; 15:00 withdrawn                                   stage 1 concluded in time
  W4  Fri 13 Mar 10:00 notice, immediate risk; never answered                    open and overdue
  W5  Mon 16 Mar 10:00 notice, immediate risk; 12:30 resolved                    first response 2.5 clock hours
  W6  Tue 17 Mar 10:00 notice naming "the council": held for information; Thu 19 Mar 10:00 the agency is
      given (1 working day waited: Wed's close passed); routed, never answered  open and overdue
  Barnet only:
  X0  Thu 12 Mar 2025 10:00 notice, resolved 11:00                               the year before
  X1  Mon 9 Mar 10:00 notice; the scheduler at 17:00 moves it to stage 2 (escalate_after = 0); Tue 10 Mar
      09:30 resolved                                                              stage 1 not in time; stage 2 in time
  R   Wed 18 Mar 10:00 a reply naming a case that does not exist: review; rejected at 14:00 (4 hours)
"""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from starlette.testclient import TestClient

from escalations.console.app import create_app
from escalations.reports.facts import Period, load
from escalations.reports.figures import Figures, Spread, compute
from escalations.reports.summary import summary
from escalations.service.cli import main
from escalations.service.held import decide_review
from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings
from escalations.storage.models import ConsoleAccess, InboundMessage, InboundStatus, OutboxMessage, ReportSend
from tests.conftest import REPO, Clock, write_settings
from tests.support.console import sign_in
from tests.support.scenario import Scenario, contact, notice_rows

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
NOW = T(2026, 3, 31, 12, 0)  # Tuesday 31 March, 13:00 BST
PAGES = REPO / "var" / "report-pages"  # README, "Board reports": the PDF's pages as PNG, for a reviewer to look at
NOT_KNOWN = "(not known)"


def adult_rows(name: str, dob: str, challenged: str, stage: str, risk: str = "No", **more: str) -> list[tuple[str, str]]:
    """Bury's adults' notice (test_policy_bury_adults), for someone born sixty years before the child of the same walk."""
    day, month, year = dob.split("/")
    return [
        ("Name of adult", name),
        ("Date of birth", f"{day}/{month}/{int(year) - 60}"),
        ("Agency you disagree with", challenged),
        ("Details of the disagreement", "Discharged home without the agreed care package."),
        ("Step", stage),
        ("Is the adult at imminent risk of harm?", risk),
        *more.items(),
    ]


@dataclass(frozen=True)
class Party:
    partnership: str
    mailbox: str
    raising: str
    challenged: str
    rows: Callable[..., list[tuple[str, str]]]
    raised_none: tuple[str, ...]  # the directory's other agencies (config/directory.example.csv), by name
    stage2_days: bool  # stage 2 has five working days (so W2's answer on day 1 was in time)

    def raiser(self) -> str:
        return contact(self.partnership, self.raising, "practitioner")


PARTIES = {
    "barnet": Party(
        "barnet",
        "escalations@barnet.example",
        "Barnet Community Health",
        "Barnet Children's Social Care",
        notice_rows,
        ("Barnet Children's Social Care", "Barnet Police", "Hillside Academy"),
        False,
    ),
    "salford": Party(
        "salford",
        "escalations@salford.example",
        "Northside Health",
        "Salford Children's Services",
        notice_rows,
        ("Oakfield Primary School", "Salford Children's Services", "Salford Police"),
        False,
    ),
    "bnes": Party(
        "bnes",
        "escalations@bnes.example",
        "B&NES Community Health",
        "B&NES Social Care",
        notice_rows,
        ("Avon Police", "B&NES Social Care"),
        True,
    ),
    "bury-children": Party(
        "bury-children",
        "bsp@bury.example",
        "Bury Health Visiting",
        "Bury Children's Social Care",
        notice_rows,
        ("Bury Children's Social Care", "Bury Police"),
        True,
    ),
    "bury-adults": Party(
        "bury-adults",
        "bsp@bury.example",
        "Bury Community Health",
        "Bury Adult Social Care",
        adult_rows,
        ("Bury Adult Social Care", "Bury Housing"),
        True,
    ),
}
CATEGORY = "Disagreement relates to"


def walk(runtime: Runtime, clock: Clock, p: Party) -> dict[str, str]:
    """W1 to W6 for one partnership; their references."""
    s = Scenario(runtime, clock, p.mailbox)
    me = p.raiser()
    refs = {}
    refs["W1"] = s.at(T(2026, 3, 10, 10, 0)).notice(
        me, p.rows("Ash One", "01/02/2015", p.challenged, "1", **{CATEGORY: "Thresholds"})
    )
    s.at(T(2026, 3, 10, 12, 0)).reply(refs["W1"], me, "Resolved: agreed at stage 1.")
    refs["W2"] = s.at(T(2026, 3, 11, 10, 0)).notice(
        me, p.rows("Bea Two", "02/03/2014", p.challenged, "1", **{CATEGORY: "Thresholds; information sharing"})
    )
    s.at(T(2026, 3, 11, 11, 0)).reply(refs["W2"], me, "Escalate")
    refs["W3"] = s.at(T(2026, 3, 12, 13, 0)).notice(me, p.rows("Cal Three", "03/04/2013", p.challenged, "1"))
    s.at(T(2026, 3, 12, 15, 0)).reply(refs["W3"], me, "Withdrawn: the family moved away.")
    refs["W4"] = s.at(T(2026, 3, 13, 10, 0)).notice(me, p.rows("Dee Four", "04/05/2012", p.challenged, "1", risk="Yes"))
    s.at(T(2026, 3, 13, 11, 0)).reply(refs["W2"], me, "Resolved: agreed by the managers.")
    refs["W5"] = s.at(T(2026, 3, 16, 10, 0)).notice(me, p.rows("Eli Five", "05/06/2011", p.challenged, "1", risk="Yes"))
    s.at(T(2026, 3, 16, 12, 30)).reply(refs["W5"], me, "Resolved: a safety plan was agreed.")
    refs["W6"] = s.at(T(2026, 3, 17, 10, 0)).held_notice(me, p.rows("Fay Six", "06/07/2010", "the council", "1"))
    s.at(T(2026, 3, 19, 10, 0)).reply(refs["W6"], me, p.challenged)
    for ref in ("W1", "W2", "W5"):
        assert s.case(refs[ref]).state == "resolved", ref
    assert s.case(refs["W2"]).stage == 2 and s.case(refs["W6"]).state == "open"
    return refs


def barnet_extras(runtime: Runtime, clock: Clock) -> None:
    p = PARTIES["barnet"]
    s = Scenario(runtime, clock, p.mailbox)
    me = p.raiser()
    x0 = s.at(T(2025, 3, 12, 10, 0)).notice(me, p.rows("Gus Before", "07/08/2016", p.challenged, "1"))
    s.at(T(2025, 3, 12, 11, 0)).reply(x0, me, "Resolved: settled the same morning.")
    x1 = s.at(T(2026, 3, 9, 10, 0)).notice(me, p.rows("Hal Moved", "08/09/2017", p.challenged, "1"))
    s.at(T(2026, 3, 9, 17, 0)).tick()
    assert s.case(x1).stage == 2, "Barnet 3: moved on at the same working day's close"
    s.at(T(2026, 3, 10, 9, 30)).reply(x1, me, "Resolved: the line managers agreed a plan.")


def review_hold(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, PARTIES["barnet"].mailbox)
    s.at(T(2026, 3, 18, 10, 0)).reply("BAR-2026-0999", PARTIES["barnet"].raiser(), "Escalate")
    with runtime.sessions.begin() as session:
        held = session.scalars(select(InboundMessage).where(InboundMessage.status == InboundStatus.REVIEW)).one()
        decide_review(
            session, held.id, "reject", None, "no such case", T(2026, 3, 18, 14, 0), by="business.manager@barnet.example"
        )


def seed(runtime: Runtime, clock: Clock) -> None:
    barnet_extras(runtime, clock)
    for party in PARTIES.values():
        walk(runtime, clock, party)
    review_hold(runtime, clock)
    clock.moment = NOW


def figures_of(runtime: Runtime, partnership: str) -> Figures:
    policy = runtime.policies[partnership]
    with runtime.sessions() as session:
        return compute(policy, load(session, policy, MARCH, NOW))


def expected(p: Party) -> dict[str, object]:
    """Every figure of p's March report, worked out by hand from the walks above."""
    barnet = p.partnership == "barnet"
    w2_in_time = 1 if p.stage2_days else 0
    stage2 = (
        # X1 (in time, 0 days: entered Mon 17:00, answered Tue 09:30) and W2 (late, 1 day)
        dict(reached=2, judged=2, timely=1, waiting=0, days=Spread(2, 0.5, 1, 1))
        if barnet
        else dict(reached=1, judged=1, timely=w2_in_time, waiting=0, days=Spread(1, 1, 1, 1))
    )
    return {
        "raised": 7 if barnet else 6,
        "raised_year_before": 1 if barnet else 0,
        "by_month": (("Mar 2026", 7 if barnet else 6),),
        "matrix": {(p.raising, p.challenged): 7 if barnet else 6},
        "raised_none": p.raised_none,
        "stage_reached": {"Stage 1": 5, "Stage 2": 2 if barnet else 1},
        "categories": ((NOT_KNOWN, 5 if barnet else 4), ("thresholds", 2), ("information_sharing", 1)),
        "outcomes": (
            ("resolved at stage 1", 2),
            ("resolved at stage 2", 2),
            ("still open", 2),
            ("withdrawn", 1),
        )
        if barnet
        else (("resolved at stage 1", 2), ("still open", 2), ("resolved at stage 2", 1), ("withdrawn", 1)),
        # Stage 1: W1, W2, W3, W5 answered the same day (0 days, in time); W4 and W6 unanswered past due;
        # Barnet's X1 moved on unanswered.
        "stage1": dict(reached=7 if barnet else 6, judged=7 if barnet else 6, timely=4, waiting=0, days=Spread(4, 0, 0, 0)),
        "stage2": stage2,
        # All stages at the one challenged agency: days [0, 0, 0, 0] + stage 2's.
        "by_agency": dict(
            reached=9 if barnet else 7,
            judged=9 if barnet else 7,
            timely=5 if barnet else 4 + w2_in_time,
            days=Spread(6, 0, 1, 1) if barnet else Spread(5, 0, 1, 1),
        ),
        # Resolved: W1 (0), W2 (1: Thu's close passed), W5 (0); Barnet's X1 (0: Tue 09:30 is before Tue's close).
        "resolution": dict(
            maximum="within 5 working days" if barnet else None,
            resolved=4 if barnet else 3,
            within=4 if barnet else None,
            days=Spread(4, 0, 1, 1) if barnet else Spread(3, 0, 1, 1),
            # W4 (due Fri 20 Mar 17:00) and W6 (Tue 24 Mar) are past Barnet's five working days.
            open_past_maximum=2 if barnet else None,
        ),
        "immediate": dict(notices=2, answered=1, hours=Spread(1, 2.5, 2.5, 2.5)),
        # W4: Fri 13 Mar to Tue 31 Mar 13:00 BST: closes passed 16-20, 23-27, 30 = 11 working days, 18 days.
        # W6: Tue 17 Mar: 18-20, 23-27, 30 = 9 working days, 14 days.
        "open_now": [(11, 18, True), (9, 14, True)],
        "holds": dict(
            information=1,
            information_waiting=0,
            information_days=Spread(1, 1, 1, 1),
            review=1 if barnet else 0,
            review_waiting=0,
            review_hours=Spread(1, 4.0, 4.0, 4.0) if barnet else Spread(0, None, None, None),
        ),
    }


def check(f: Figures, want: dict[str, object]) -> None:
    assert f.raised == want["raised"]
    assert f.raised_year_before == want["raised_year_before"]
    assert f.by_month == want["by_month"]
    assert f.matrix == want["matrix"]
    assert f.raised_none == want["raised_none"]
    reached = dict(f.stage_reached)
    assert {k: v for k, v in reached.items() if v} == want["stage_reached"]
    assert sum(reached.values()) == want["raised"]
    assert f.categories == want["categories"]
    assert f.outcomes == want["outcomes"]
    for t, stage in ((f.timeliness[0], "stage1"), (f.timeliness[1], "stage2")):
        got = dict(reached=t.reached, judged=t.judged, timely=t.timely, waiting=t.waiting, days=t.days)
        assert got == want[stage], stage
    assert all(t.reached == 0 for t in f.timeliness[2:])
    [agency] = f.timeliness_by_agency
    assert dict(reached=agency.reached, judged=agency.judged, timely=agency.timely, days=agency.days) == want["by_agency"]
    r = f.resolution
    got = dict(maximum=r.maximum, resolved=r.resolved, within=r.within, days=r.days, open_past_maximum=r.open_past_maximum)
    assert got == want["resolution"]
    i = f.immediate
    assert dict(notices=i.notices, answered=i.answered, hours=i.hours) == want["immediate"]
    assert [(c.age_working_days, c.age_days, bool(c.overdue)) for c in f.open_now] == want["open_now"]
    assert f.overdue_now == 2
    h = f.holds
    assert {k: getattr(h, k) for k in want["holds"]} == want["holds"]  # type: ignore[union-attr]


def test_every_figure_of_every_partnerships_report_matches_the_hand_count(runtime: Runtime, clock: Clock) -> None:
    seed(runtime, clock)
    for name, party in PARTIES.items():
        f = figures_of(runtime, name)
        check(f, expected(party))
    barnet = figures_of(runtime, "barnet")
    words = summary(barnet)
    assert (
        words[0]
        == "Seven escalations were raised between 1 March 2026 and 31 March 2026, against one in the same period a year before."
    )
    assert "Four of four resolved escalations were resolved within the policy's maximum (within 5 working days)." in " ".join(
        words
    )
    assert "Two escalations are open now, two of them overdue." in words
    assert (
        "Two notices reported an immediate risk; one had a response. The first response came after a median of 2.5 clock hours (longest 2.5)."
        in words
    )


def _cli(settings: Path, *args: str) -> int:
    return main(["report", "--config", str(settings), *args])


def test_the_command_writes_the_escalation_log_without_names_unless_asked_and_logs_the_asking(
    runtime: Runtime, clock: Clock, tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(runtime, clock)
    refs = _refs(runtime, "barnet")
    settings = write_settings(tmp_path, database_url, name="cli.toml")
    out = tmp_path / "log.csv"
    assert (
        _cli(settings, "--partnership", "barnet", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv", "-o", str(out))
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert "Bea Two" not in text and "2014" not in text, "no name or date of birth"
    rows = {r["reference"]: r for r in csv.DictReader(io.StringIO(text))}
    assert len(rows) == 7 and "subject_name" not in next(iter(rows.values()))
    w2 = rows[refs["Bea Two"]]
    assert (w2["raised"], w2["closed"], w2["stage_reached"], w2["stage_1_reached"], w2["stage_2_reached"]) == (
        "2026-03-11",
        "2026-03-13",
        "2",
        "2026-03-11",
        "2026-03-11",
    )
    assert (w2["stage_1_within_timescale"], w2["stage_2_within_timescale"], w2["working_days_to_resolve"]) == ("yes", "no", "1")
    assert (w2["categories"], w2["outcome"], w2["immediate_risk"]) == (
        "thresholds;information_sharing",
        "resolved at stage 2",
        "no",
    )
    assert (w2["raising_agency"], w2["challenged_agency"]) == ("Barnet Community Health", "Barnet Children's Social Care")
    x1 = rows[refs["Hal Moved"]]
    assert (x1["stage_1_within_timescale"], x1["stage_2_within_timescale"], x1["working_days_to_resolve"]) == ("no", "yes", "0")
    w4 = rows[refs["Dee Four"]]
    assert (w4["immediate_risk"], w4["outcome"], w4["closed"], w4["stage_1_within_timescale"]) == (
        "yes",
        "still open",
        "",
        "open",
    )
    with runtime.sessions() as session:
        assert session.scalars(select(ConsoleAccess)).all() == [], "nothing personal given, nothing logged"

    personal = tmp_path / "personal.csv"
    args = ["--partnership", "barnet", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv", "-o", str(personal)]
    assert _cli(settings, *args, "--include-personal-data") == 0
    named = {r["reference"]: r for r in csv.DictReader(io.StringIO(personal.read_text(encoding="utf-8")))}
    assert (named[refs["Bea Two"]]["subject_name"], named[refs["Bea Two"]]["subject_dob"]) == ("Bea Two", "2014-03-02")
    with runtime.sessions() as session:
        [logged] = session.scalars(select(ConsoleAccess)).all()
    assert logged.action == "report_personal_data" and logged.email.startswith("command line: ")
    assert "barnet 2026-03-01 to 2026-03-31 (7 cases)" in logged.what

    # Bad input: a clear error, nothing written, nothing logged.
    capsys.readouterr()
    assert _cli(settings, "--partnership", "nowhere", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv") == 2
    assert "no partnership 'nowhere'" in capsys.readouterr().err
    assert _cli(settings, "--partnership", "barnet", "--from", "2026-03-31", "--to", "2026-03-01", "--format", "html") == 2
    assert "ends (2026-03-01) before it starts" in capsys.readouterr().err
    assert (
        _cli(
            settings,
            "--partnership",
            "barnet",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--format",
            "pdf",
            "--include-personal-data",
        )
        == 2
    )
    with runtime.sessions() as session:
        assert len(session.scalars(select(ConsoleAccess)).all()) == 1


def _refs(runtime: Runtime, partnership: str) -> dict[str, str]:
    """Case references by the subject's name (from the notices as read)."""
    from escalations.storage.models import Case, NoticeRecord

    with runtime.sessions() as session:
        found = session.execute(
            select(NoticeRecord.data, Case.reference)
            .join(Case, Case.id == NoticeRecord.case_id)
            .where(Case.partnership == partnership)
        ).all()
    return {data["subject"]["name"]: ref for data, ref in found if data.get("subject", {}).get("name")}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_pdf_is_a4_with_pages_that_are_not_blank(runtime: Runtime, clock: Clock, tmp_path: Path, database_url: str) -> None:
    seed(runtime, clock)
    settings = write_settings(tmp_path, database_url, name="cli.toml")
    pdf = tmp_path / "barnet.pdf"
    assert (
        _cli(settings, "--partnership", "barnet", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "pdf", "-o", str(pdf))
        == 0
    )
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    PAGES.mkdir(parents=True, exist_ok=True)
    for old in PAGES.glob("barnet-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(PAGES / "barnet")], check=True, timeout=120)
    pages = sorted(PAGES.glob("barnet-*.png"))
    assert len(pages) >= 2, "the figures, tables and four charts do not fit one page"
    for page in pages:
        with Image.open(page) as image:
            width, height = image.size
            assert abs(height / width - 297 / 210) < 0.01, "A4 portrait"
            # The page's body, between the running header and footer (which every page has), carries ink.
            body = image.convert("L").crop((0, height // 10, width, height * 9 // 10))
            dark = sum(body.histogram()[:128])
            assert dark > 0.002 * width * height, f"{page.name} is blank"
    info = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60).stdout
    assert info.count("OFFICIAL-SENSITIVE") >= 2 * len(pages), "marked at the top and bottom of every page"
    assert f"Page 1 of {len(pages)}" in info and f"Page {len(pages)} of {len(pages)}" in info
    assert "Barnet Safeguarding Children Board" in info and "1 Mar 2026 to 31 Mar 2026" in info
    assert "Hal Moved" not in info, "no names in the report"


def test_the_html_report_has_charts_with_titles_text_alternatives_and_their_data(
    runtime: Runtime, clock: Clock, tmp_path: Path, database_url: str
) -> None:
    seed(runtime, clock)
    settings = write_settings(tmp_path, database_url, name="cli.toml")
    out = tmp_path / "barnet.html"
    assert (
        _cli(
            settings, "--partnership", "barnet", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "html", "-o", str(out)
        )
        == 0
    )
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == 4 and 'role="img"' in html and "style=" not in html.split("<svg", 1)[1]
    assert (
        'aria-label="Escalations raised and challenged by agency. Barnet Children&#39;s Social Care: raised 0, challenged 7; '
        'Barnet Community Health: raised 7, challenged 0."' in html
    )
    assert (
        "Stage responses within the policy&#39;s timescale and late. Stage 1: 4 within, 3 late or unanswered; Stage 2: 1 within, 1 late"
        in html
    )
    assert "<caption>Escalations by agency: the data</caption>" in html
    assert "OFFICIAL-SENSITIVE" in html and "Seven escalations were raised" in html


def test_the_console_reports_page_shows_the_report_and_gives_the_log(runtime: Runtime, clock: Clock) -> None:
    seed(runtime, clock)
    manager = "business.manager@barnet.example"
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        sign_in(client, runtime, manager)
        form = client.get("/reports")
        assert form.status_code == 200 and 'name="from" value="2026-02-01"' in form.text, "the month before this one by default"
        page = client.get(
            "/reports", params={"partnership": "barnet", "from": "2026-03-01", "to": "2026-03-31", "format": "html"}
        )
        assert page.status_code == 200 and "Seven escalations were raised" in page.text and page.text.count("<svg") == 4
        assert client.get("/reports/report.css").status_code == 200
        other = client.get("/reports", params={"partnership": "salford", "from": "2026-03-01", "to": "2026-03-31"})
        assert other.status_code == 404, "another partnership's report is not theirs to see"
        bad = client.get("/reports", params={"partnership": "barnet", "from": "yesterday", "to": "2026-03-31"})
        assert bad.status_code == 400 and "is not a date" in bad.text
        log = client.get(
            "/reports",
            params={"partnership": "barnet", "from": "2026-03-01", "to": "2026-03-31", "format": "csv", "personal": "1"},
        )
        assert log.status_code == 200 and "Bea Two" in log.text
        assert 'filename="BAR-report-2026-03-01-2026-03-31.csv"' in log.headers["content-disposition"]
    with runtime.sessions() as session:
        [logged] = session.scalars(select(ConsoleAccess).where(ConsoleAccess.action == "report_personal_data")).all()
    assert logged.email == manager


def test_the_previous_month_goes_to_each_business_manager_once_on_the_first_working_day(
    tmp_path: Path, database_url: str, clock: Clock
) -> None:
    runtime = Runtime(load_settings(write_settings(tmp_path, database_url, reports=True)), clock=clock)
    runtime.prepare_database()
    try:
        seed(runtime, clock)
        s = Scenario(runtime, clock, PARTIES["barnet"].mailbox)
        s.sent()
        s.at(T(2026, 3, 31, 9, 0)).tick()
        assert [m for m in s.sent() if m.kind == "board_report"] == [], "not the first working day of a month"
        s.at(T(2026, 4, 1, 7, 30)).tick()  # Wednesday 1 April 08:30 BST: before opening time
        assert [m for m in s.sent() if m.kind == "board_report"] == []
        s.at(T(2026, 4, 1, 8, 0)).tick()  # 09:00 BST
        sent = [m for m in s.sent() if m.kind == "board_report"]
        assert sorted(m.to for m in sent) == sorted(
            frozenset({contact(p, None, "business_manager")})
            for p in ("barnet", "bnes", "bury-adults", "bury-children", "salford")
        )
        barnet = next(m for m in sent if contact("barnet", None, "business_manager") in m.to)
        assert barnet.subject == "BSCB escalations report, 1 Mar 2026 to 31 Mar 2026", "no personal data in the subject"
        assert "Seven escalations were raised between 1 March 2026 and 31 March 2026" in barnet.text
        # Again, and from a second scheduler (another process on the same database): nothing more.
        s.at(T(2026, 4, 1, 10, 0)).tick()
        second = Runtime(load_settings(write_settings(tmp_path, database_url, reports=True, name="second.toml")), clock=clock)
        try:
            second.scheduler().run_once()
        finally:
            second.close()
        assert [m for m in s.sent() if m.kind == "board_report"] == []
        with runtime.sessions() as session:
            sends = session.scalars(select(ReportSend)).all()
            # February's went during the seeding in March (the service's first day running was after 2 March's
            # first working day: a missed report still goes, once); March's on 1 April.
            assert sorted((r.partnership, r.period_start, r.period_end) for r in sends) == sorted(
                (p, date(2026, month, 1), end) for p in PARTIES for month, end in ((2, date(2026, 2, 28)), (3, date(2026, 3, 31)))
            )
            row = session.get(
                OutboxMessage, next(r.outbox_id for r in sends if r.partnership == "barnet" and r.period_start.month == 3)
            )
            assert row is not None and b'filename="BAR-report-2026-03-01-2026-03-31.pdf"' in row.raw
    finally:
        runtime.close()
