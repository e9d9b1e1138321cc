"""The packaged partnership policies and example directory say what the policy texts say.

Each fact below is read from one of the five policy texts in the shared policy
folder (see the ``source`` and ``clause`` keys of each TOML file); where a text
is silent the TOML carries a commented default and only its presence is tested.
The ConfigError cases prove a broken file is reported by file and key.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import typing
from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from datetime import date
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import pytest

from escalations.intake.notices.model import Notice
from escalations.routing.calendar import Timescale
from escalations.routing.policy import (
    AGENCY_ROLES,
    PARTNERSHIP_ROLES,
    RETENTION_UNSET,
    ConfigError,
    Policy,
    Tier,
    load_policies,
    load_policy,
)

IDS = ("bury-children", "salford", "barnet", "bury-adults", "bnes")
SAME_DAY = Timescale.parse("same working day")
CLOCK_DAY = Timescale.parse("same day")
ONE_HOUR = Timescale.parse("1 hour")
CSV_HEADER = ["partnership", "agency", "agency_domains", "name", "email", "role", "phone", "agency_aliases"]


@pytest.fixture(scope="module")
def partnerships_dir() -> Iterator[Path]:
    with as_file(files("escalations.config") / "partnerships") as path:
        yield Path(path)


@pytest.fixture(scope="module")
def policies(partnerships_dir: Path) -> dict[str, Policy]:
    return load_policies(partnerships_dir)


@pytest.fixture(scope="module")
def directory_rows() -> list[dict[str, str]]:
    text = (files("escalations.config") / "directory.example.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames == CSV_HEADER
    return list(reader)


# --------------------------------------------------------------------------- facts


def _ts(text: str) -> Timescale:
    return Timescale.parse(text)


def _copy(policy: Policy, name: str) -> tuple[Any, ...]:
    (rule,) = [c for c in policy.copies if c.name == name]
    return rule.trigger, rule.stages, rule.who, rule.within


def _fact(pid: str, what: str, get: Callable[[Policy], Any], expected: Any) -> Any:
    return pytest.param(pid, get, expected, id=f"{pid}: {what}")


FACTS = [
    # identity and routing keys
    _fact("bury-children", "prefix BURYC", lambda p: p.prefix, "BURYC"),
    _fact("bury-adults", "prefix BURYA", lambda p: p.prefix, "BURYA"),
    _fact("salford", "prefix SAL", lambda p: p.prefix, "SAL"),
    _fact("barnet", "prefix BAR", lambda p: p.prefix, "BAR"),
    _fact("bnes", "prefix BNES", lambda p: p.prefix, "BNES"),
    _fact("bury-children", "shared Bury mailbox", lambda p: p.mailbox, "bsp@bury.example"),
    _fact("bury-adults", "shared Bury mailbox", lambda p: p.mailbox, "bsp@bury.example"),
    _fact("salford", "mailbox", lambda p: p.mailbox, "escalations@salford.example"),
    _fact("barnet", "mailbox", lambda p: p.mailbox, "escalations@barnet.example"),
    _fact("bnes", "mailbox", lambda p: p.mailbox, "escalations@bnes.example"),
    _fact("bury-children", "protects children", lambda p: p.protects, ("child",)),
    _fact("bury-adults", "protects adults", lambda p: p.protects, ("adult",)),
    _fact("salford", "protects children", lambda p: p.protects, ("child",)),
    _fact("barnet", "protects children", lambda p: p.protects, ("child",)),
    _fact("bnes", "protects children and adults", lambda p: p.protects, ("child", "adult")),
    _fact("bury-children", "source text 000", lambda p: p.source, "000_ae438432b27ced32.txt"),
    _fact("salford", "source text 001", lambda p: p.source, "001_0547fa605d3d985f.txt"),
    _fact("barnet", "source text 002", lambda p: p.source, "002_6fc4803fc70b7bd1.txt"),
    _fact("bury-adults", "source text 003", lambda p: p.source, "003_fb1901d4b83135c4.txt"),
    _fact("bnes", "source text 004", lambda p: p.source, "004_7d1a4b8186d06945.txt"),
    _fact("salford", "short name SSCB", lambda p: p.short_name, "SSCB"),
    _fact("barnet", "short name BSCB", lambda p: p.short_name, "BSCB"),
    _fact("bnes", "short name BCSSP", lambda p: p.short_name, "BCSSP"),
    # stage counts
    _fact("bury-children", "4 tiers", lambda p: len(p.stages), 4),
    _fact("salford", "3 stages", lambda p: len(p.stages), 3),
    _fact("barnet", "4 stages", lambda p: len(p.stages), 4),
    _fact("bury-adults", "4 steps", lambda p: len(p.stages), 4),
    _fact("bnes", "5 stages", lambda p: len(p.stages), 5),
    # overall timescale: only Barnet sets one
    _fact("barnet", "overall 5 working days (3)", lambda p: p.overall, _ts("5 working days")),
    _fact("barnet", "overall cites section 3", lambda p: p.overall_clause.startswith("Barnet 3"), True),
    _fact("salford", "no overall timescale", lambda p: p.overall, None),
    _fact("bury-children", "no overall timescale", lambda p: p.overall, None),
    _fact("bury-adults", "no overall timescale", lambda p: p.overall, None),
    _fact("bnes", "no overall timescale", lambda p: p.overall, None),
    # immediate risk
    _fact("barnet", "immediately: one clock hour (local)", lambda p: p.immediate_risk.respond_within, ONE_HOUR),
    _fact("barnet", "immediately: the hour is local", lambda p: p.is_local("immediate_risk", "respond_within"), True),
    _fact(
        "barnet",
        "immediate: own DSL, then Head of Safeguarding and QA",
        lambda p: p.immediate_risk.who,
        Tier(("designated_safeguarding_lead",), (), ("head_of_safeguarding",)),
    ),
    _fact("salford", "immediate: the same day, clock time (1.6)", lambda p: p.immediate_risk.respond_within, CLOCK_DAY),
    _fact(
        "salford",
        "immediate: raising DSL and challenged service manager (3.1)",
        lambda p: p.immediate_risk.who,
        Tier(("designated_safeguarding_lead",), ("service_manager",), ()),
    ),
    _fact("bury-children", "immediate: the same day, clock time (5)", lambda p: p.immediate_risk.respond_within, CLOCK_DAY),
    _fact("bury-adults", "imminent: one clock hour (local)", lambda p: p.immediate_risk.respond_within, ONE_HOUR),
    _fact("bury-adults", "out of hours: 999 from the text", lambda p: p.immediate_risk.out_of_hours.number, "999"),
    _fact("bury-adults", "imminent risk: call 999", lambda p: "999" in p.immediate_risk.advice, True),
    _fact(
        "bury-adults",
        "imminent risk: safeguarding adults referral",
        lambda p: "safeguarding adults referral" in p.immediate_risk.advice,
        True,
    ),
    _fact("bnes", "immediate harm: the same day, within the 24 hours", lambda p: p.immediate_risk.respond_within, CLOCK_DAY),
    # Barnet ladder
    _fact("barnet", "every stage the same working day", lambda p: {s.respond_within for s in p.stages}, {SAME_DAY}),
    _fact("barnet", "stage 1 professionals", lambda p: p.stage(1).who, Tier(("practitioner",), ("practitioner",), ())),
    _fact(
        "barnet",
        "stage 2 Deputy TM, then TM, then Head of Service, both sides, one level at a time",
        lambda p: [p.stage(2).who_at(level) for level in (1, 2, 3)],
        [Tier((role,), (role,), ()) for role in ("line_manager", "team_manager", "head_of_service")],
    ),
    _fact(
        "barnet",
        "stage 3 BSCB representatives are DSLs",
        lambda p: p.stage(3).who,
        Tier(("designated_safeguarding_lead",), ("designated_safeguarding_lead",), ()),
    ),
    _fact(
        "barnet",
        "stage 4 Board Manager and Head of Safeguarding",
        lambda p: p.stage(4).who.partnership,
        ("board_manager", "head_of_safeguarding"),
    ),
    _fact("barnet", "stage 4 names an agency not involved", lambda p: "not involved" in p.stage(4).guidance, True),
    _fact(
        "barnet",
        "resolution: learning to Board Manager, Action Log (4)",
        lambda p: _copy(p, "action-log"),
        ("resolution", (), Tier((), (), ("board_manager",)), None),
    ),
    # Salford ladder, copies, signposts, form
    _fact("salford", "every stage the same working day", lambda p: {s.respond_within for s in p.stages}, {SAME_DAY}),
    _fact("salford", "stage 1 practitioners", lambda p: p.stage(1).who, Tier(("practitioner",), ("practitioner",), ())),
    _fact(
        "salford",
        "stage 2 line manager or safeguarding lead, opposite numbers (2.4)",
        lambda p: p.stage(2).who,
        Tier(
            ("line_manager", "designated_safeguarding_lead"),
            ("line_manager", "designated_safeguarding_lead"),
            (),
        ),
    ),
    _fact(
        "salford",
        "stage 3 manager to Operational/Service Manager, QA unit advises (3.1, 3.2)",
        lambda p: p.stage(3).who,
        Tier(("line_manager",), ("service_manager",), ("quality_assurance_unit",)),
    ),
    _fact(
        "salford",
        "notice copied to Service Manager within 2 working days (3.4)",
        lambda p: _copy(p, "service-manager-copy"),
        ("every_notice", (), Tier((), ("service_manager",), ()), _ts("2 working days")),
    ),
    _fact(
        "salford",
        "every notice to the Business Manager (4.2)",
        lambda p: _copy(p, "business-manager-monitoring"),
        ("every_notice", (), Tier((), (), ("business_manager",)), None),
    ),
    _fact(
        "salford",
        "general issues to the Business Manager on resolution (5)",
        lambda p: _copy(p, "general-issues"),
        ("resolution", (), Tier((), (), ("business_manager",)), None),
    ),
    _fact("salford", "LADO signpost", lambda p: "LADO" in {s.name: s.text for s in p.signposts}["lado"], True),
    _fact("salford", "Appendix 2 form id", lambda p: p.form.id, "salford-escalation-notice"),
    _fact(
        "salford",
        "Appendix 2 requires name, D.O.B, concern",
        lambda p: p.form.required,
        ("subject.name", "subject.dob", "concern"),
    ),
    _fact(
        "salford",
        "Appendix 2 label for the child's name",
        lambda p: "Name of Child/Young Person" in p.form.labels["subject.name"],
        True,
    ),
    _fact("salford", "Appendix 2 label D.O.B", lambda p: "D.O.B" in p.form.labels["subject.dob"], True),
    _fact("salford", "Appendix 2 label Signed", lambda p: p.form.labels["signed.name"], ("Signed",)),
    # Bury children tiers
    _fact("bury-children", "tier 1 practitioners", lambda p: p.stage(1).who, Tier(("practitioner",), ("practitioner",), ())),
    _fact("bury-children", "tier 2 line managers", lambda p: p.stage(2).who, Tier(("line_manager",), ("line_manager",), ())),
    _fact(
        "bury-children",
        "tier 3 senior manager / DSL",
        lambda p: set(p.stage(3).who.raising) | set(p.stage(3).who.challenged),
        {"senior_manager", "designated_safeguarding_lead"},
    ),
    _fact("bury-children", "tier 4 the partnership", lambda p: p.stage(4).who.partnership, ("business_manager",)),
    _fact("bury-children", "no copies named", lambda p: p.copies, ()),
    # Bury adults steps
    _fact("bury-adults", "step 1 practitioners", lambda p: p.stage(1).who, Tier(("practitioner",), ("practitioner",), ())),
    _fact("bury-adults", "step 2 line managers", lambda p: p.stage(2).who, Tier(("line_manager",), ("line_manager",), ())),
    _fact(
        "bury-adults",
        "step 3 safeguarding leads or senior managers",
        lambda p: p.stage(3).who,
        Tier(
            ("designated_safeguarding_lead", "senior_manager"),
            ("designated_safeguarding_lead", "senior_manager"),
            (),
        ),
    ),
    _fact(
        "bury-adults",
        "step 4 referral by email to the board, independent chair",
        lambda p: p.stage(4).who.partnership,
        ("board_referrals", "chair"),
    ),
    _fact(
        "bury-adults",
        "step 4 decisions stay with statutory agencies",
        lambda p: "statutory agencies" in p.stage(4).guidance,
        True,
    ),
    # B&NES ladder, copies, signposts
    _fact("bnes", "stage 1 the people who disagree", lambda p: p.stage(1).who, Tier(("practitioner",), ("practitioner",), ())),
    _fact(
        "bnes",
        "stages 2-4 up the management line to the Service Manager",
        lambda p: [(p.stage(n).who.raising, p.stage(n).who.challenged) for n in (2, 3, 4)],
        [
            (("line_manager",), ("line_manager",)),
            (("team_manager",), ("team_manager",)),
            (("service_manager",), ("service_manager",)),
        ],
    ),
    _fact(
        "bnes",
        "stage 5 goes via the Business Manager to the Chair",
        lambda p: {"chair", "business_manager"} <= set(p.stage(5).who.partnership),
        True,
    ),
    _fact(
        "bnes",
        "stage 5 panel: Chair decides, Director of Safeguarding and QA chairs, three agencies",
        lambda p: (p.stage(5).panel.decided_by, p.stage(5).panel.chaired_by, p.stage(5).panel.agencies),
        ("chair", "director_quality_assurance", 3),
    ),
    _fact(
        "bnes",
        "whistle-blowing stops escalation within one agency",
        lambda p: [(s.when, s.stops_escalation) for s in p.signposts if s.name == "whistle-blowing"],
        [("same_agency", True)],
    ),
    _fact(
        "barnet",
        "past five working days the line manager is asked for reasons",
        lambda p: p.overall_breach.ask.raising,
        ("line_manager",),
    ),
    _fact(
        "barnet",
        "stage 4: Board Manager and Head of Safeguarding agree the way forward; a DSL not involved may chair",
        lambda p: (p.stage(4).way_forward.agreed_by, p.stage(4).way_forward.chair_role),
        (("board_manager", "head_of_safeguarding"), "designated_safeguarding_lead"),
    ),
    _fact("bnes", "stage 5 panel of three agencies", lambda p: "three agencies" in p.stage(5).guidance, True),
    _fact(
        "bnes",
        "stages 2-4 resolution: Appendix A to Business Manager",
        lambda p: _copy(p, "appendix-a-on-resolution"),
        ("resolution", (2, 3, 4), Tier((), (), ("business_manager",)), None),
    ),
    _fact(
        "bnes",
        "stage 5 entry: report via Business Manager to Chair",
        lambda p: _copy(p, "service-manager-report-to-chair"),
        ("stage", (5,), Tier((), (), ("business_manager", "chair")), None),
    ),
    _fact(
        "bnes",
        "own-manager disagreement: whistle-blowing",
        lambda p: "whistle-blowing" in {s.name: s.text for s in p.signposts}["whistle-blowing"],
        True,
    ),
    # the calendar: England, no closure days and no cut-off shipped; a local setting
    *[_fact(pid, "calendar ENG", lambda p: p.nation, "ENG") for pid in IDS],
    *[_fact(pid, "no closure days shipped", lambda p: p.calendar.closures, frozenset()) for pid in IDS],
    *[_fact(pid, "no cut-off before close", lambda p: p.calendar.same_day_cutoff == p.calendar.closes, True) for pid in IDS],
    *[_fact(pid, "the calendar is local", lambda p: p.is_local("calendar", "closes"), True) for pid in IDS],
    *[_fact(pid, "chasers are local", lambda p: p.is_local("chasers", "escalate_after"), True) for pid in IDS],
    *[_fact(pid, "29 Dec 2026 is a working day", lambda p: p.calendar.is_working_day(date(2026, 12, 29)), True) for pid in IDS],
    *[_fact(pid, "immediate risk in clock time", lambda p: p.immediate_risk.respond_within.clock_time, True) for pid in IDS],
    _fact("barnet", "an unanswered stage moves on at its deadline", lambda p: p.chasers.escalate_after, 0),
    _fact(
        "salford",
        "stage times are local (3.1: at the earliest opportunity)",
        lambda p: all(p.is_local(f"stages[{i}]", "respond_within") for i in range(3)),
        True,
    ),
    _fact("salford", "no stage cites 1.6", lambda p: any("1.6" in s.clause for s in p.stages), False),
    _fact(
        "bury-children",
        "tiers 2-4 are local (GM policy not among the texts)",
        lambda p: [p.is_local(f"stages[{i}]", "raising") for i in range(4)],
        [False, True, True, True],
    ),
    *[
        _fact(pid, "policy-silent stage timescales have defaults", lambda p: all(s.respond_within for s in p.stages), True)
        for pid in ("bury-children", "bury-adults", "bnes")
    ],
]


@pytest.mark.parametrize(("pid", "get", "expected"), FACTS)
def test_policy_fact(policies: dict[str, Policy], pid: str, get: Callable[[Policy], Any], expected: Any) -> None:
    assert get(policies[pid]) == expected


def test_all_five_partnerships_load(policies: dict[str, Policy]) -> None:
    assert sorted(policies) == sorted(IDS)


def test_prefixes_unique(policies: dict[str, Policy]) -> None:
    prefixes = [p.prefix for p in policies.values()]
    assert len(set(prefixes)) == len(prefixes)


def test_bury_mailbox_split_by_subject(policies: dict[str, Policy]) -> None:
    at_bury = {kind: p.id for p in policies.values() if p.mailbox == "bsp@bury.example" for kind in p.protects}
    assert at_bury == {"child": "bury-children", "adult": "bury-adults"}


def test_each_mailbox_and_kind_has_one_policy(policies: dict[str, Policy]) -> None:
    pairs = [(p.mailbox, kind) for p in policies.values() for kind in p.protects]
    assert len(set(pairs)) == len(pairs)


@pytest.mark.parametrize("pid", IDS)
def test_every_rule_cites_its_policy(policies: dict[str, Policy], pid: str) -> None:
    policy = policies[pid]
    assert policy.immediate_risk.clause and policy.immediate_risk.advice
    for stage in policy.stages:
        assert stage.name and stage.guidance and stage.clause, stage.number
    for rule in policy.copies:
        assert rule.reason, rule.name
    for signpost in policy.signposts:
        assert signpost.text and signpost.clause, signpost.name


def _canonical_paths(cls: type, prefix: str = "") -> set[str]:
    """Field paths of the canonical notice: "subject.name", "attempts.date", "copies_to"…"""
    paths: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        path = f"{prefix}{f.name}"
        paths.add(path)
        kind = hints[f.name]
        inner = typing.get_args(kind)[0] if typing.get_origin(kind) is list else kind
        if is_dataclass(inner):
            paths |= _canonical_paths(inner, f"{path}.")
    return paths


@pytest.mark.parametrize("pid", IDS)
def test_form_fields_are_canonical_paths(policies: dict[str, Policy], pid: str) -> None:
    known = _canonical_paths(Notice) - {"problems", "problems.field", "problems.message"}
    form = policies[pid].form
    assert set(form.required) <= known
    assert set(form.labels) <= known
    assert all(form.labels.values())


def test_packaged_file_names_match_ids(partnerships_dir: Path) -> None:
    assert sorted(p.stem for p in partnerships_dir.glob("*.toml")) == sorted(IDS)


# --------------------------------------------------------------------------- directory

EXPECTED_AGENCIES = {
    "salford": {
        "Northside Health": "northside-health.example",
        "Salford Children's Services": "childrens.salford.example",
        "Salford Police": "police.salford.example",
        "Oakfield Primary School": "oakfield-primary.example",
    },
    "barnet": {
        "Barnet Community Health": "barnet-health.example",
        "Barnet Children's Social Care": "childrens.barnet.example",
        "Barnet Police": "police.barnet.example",
        "Hillside Academy": "hillside-academy.example",
    },
    "bury-children": {
        "Bury Health Visiting": "bury-health.example",
        "Bury Children's Social Care": "childrens.bury.example",
        "Bury Police": "police.bury.example",
    },
    "bury-adults": {
        "Bury Community Health": "bury-health.example",
        "Bury Adult Social Care": "adults.bury.example",
        "Bury Housing": "housing.bury.example",
    },
    "bnes": {
        "B&NES Community Health": "bnes-health.example",
        "B&NES Social Care": "social-care.bnes.example",
        "Avon Police": "police.bnes.example",
    },
}
# Ofcom's numbers reserved for drama: 0161 496 0000-0999, 020 7946 0000-0999, 01632 960000-960999.
DRAMA_PHONE = re.compile(r"^(0161 496 0\d{3}|020 7946 0\d{3}|01632 960\d{3})$")


def _named_roles(policy: Policy) -> set[tuple[str, str]]:
    """("agency" | "partnership", role) for every role a stage, copy or the immediate-risk path names."""
    tiers = [s.who for s in policy.stages] + [c.who for c in policy.copies] + [policy.immediate_risk.who]
    named: set[tuple[str, str]] = set()
    for tier in tiers:
        named |= {("agency", r) for r in tier.raising + tier.challenged}
        named |= {("partnership", r) for r in tier.partnership}
    return named


def test_directory_partnerships_are_the_policies(policies: dict[str, Policy], directory_rows: list[dict[str, str]]) -> None:
    assert {row["partnership"] for row in directory_rows} == set(policies)


@pytest.mark.parametrize("pid", IDS)
def test_every_named_role_has_a_contact(policies: dict[str, Policy], directory_rows: list[dict[str, str]], pid: str) -> None:
    rows = [r for r in directory_rows if r["partnership"] == pid]
    partnership_roles = {r["role"] for r in rows if not r["agency"]}
    agencies: dict[str, set[str]] = {}
    for r in rows:
        if r["agency"]:
            agencies.setdefault(r["agency"], set()).add(r["role"])
    for side, role in sorted(_named_roles(policies[pid]) | {("partnership", "business_manager")}):
        if side == "partnership":
            assert role in partnership_roles, f"{pid}: no partnership contact for {role}"
        else:
            missing = [a for a, roles in agencies.items() if role not in roles]
            assert agencies and not missing, f"{pid}: no {role} at {missing}"


@pytest.mark.parametrize("pid", IDS)
def test_every_agency_has_every_agency_role(directory_rows: list[dict[str, str]], pid: str) -> None:
    rows = [r for r in directory_rows if r["partnership"] == pid and r["agency"]]
    agencies: dict[str, set[str]] = {}
    domains: dict[str, set[str]] = {}
    for r in rows:
        agencies.setdefault(r["agency"], set()).add(r["role"])
        domains.setdefault(r["agency"], set()).add(r["agency_domains"])
    assert {a: d.pop() for a, d in domains.items() if len(d) == 1} == EXPECTED_AGENCIES[pid]
    for agency, roles in agencies.items():
        assert roles == set(AGENCY_ROLES), agency


@pytest.mark.parametrize("pid", IDS)
def test_directory_rows_are_well_formed(policies: dict[str, Policy], directory_rows: list[dict[str, str]], pid: str) -> None:
    rows = [r for r in directory_rows if r["partnership"] == pid]
    emails = [r["email"] for r in rows]
    assert len(set(emails)) == len(emails), "emails must be unique within a partnership"
    for r in rows:
        email = r["email"]
        assert r["name"].strip() and email == email.lower() and email.count("@") == 1, r
        domain = email.split("@")[1]
        assert domain.endswith(".example"), r
        assert email != policies[pid].mailbox, "a contact must not be the intake mailbox"
        assert DRAMA_PHONE.match(r["phone"]), r
        if r["agency"]:
            assert r["role"] in AGENCY_ROLES, r
            agency_domains = r["agency_domains"].split(";")
            assert domain in agency_domains, r
        else:
            assert r["role"] in PARTNERSHIP_ROLES and not r["agency_domains"], r
            assert domain == policies[pid].mailbox.split("@")[1], r


# --------------------------------------------------------------------------- ConfigError


@pytest.fixture
def config_copy(partnerships_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the five packaged policies."""
    target = tmp_path / "partnerships"
    target.mkdir()
    for path in partnerships_dir.glob("*.toml"):
        shutil.copy(path, target / path.name)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _error(directory: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_policies(directory)
    return caught.value


def _assert_names(error: ConfigError, path: Path, key: str) -> None:
    assert error.path == str(path)
    assert error.key == key
    message = str(error)
    assert str(path) in message and key in message


def test_copy_is_valid(config_copy: Path) -> None:
    assert sorted(load_policies(config_copy)) == sorted(IDS)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        pytest.param('mailbox = "escalations@salford.example"\n', "", "mailbox", id="top-level"),
        pytest.param('nation = "ENG"\n', "", "calendar.nation", id="calendar"),
        pytest.param('name = "Practitioner / case worker"\n', "", "stages[0].name", id="stage"),
        pytest.param('reason = "Salford 3.4:', '# reason = "Salford 3.4:', "copies[0].reason", id="copy"),
        pytest.param('id = "salford-escalation-notice"\n', "", "form.id", id="form"),
    ],
)
def test_missing_key(config_copy: Path, old: str, new: str, key: str) -> None:
    path = config_copy / "salford.toml"
    _edit(path, old, new)
    error = _error(config_copy)
    _assert_names(error, path, key)
    assert "is required" in str(error)


def test_misspelt_table_is_refused_not_ignored(config_copy: Path) -> None:
    path = config_copy / "barnet.toml"
    _edit(path, "[immediate_risk]", "[immediate_risks]")
    error = _error(config_copy)
    _assert_names(error, path, "immediate_risks")
    assert "not a key this schema knows" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        pytest.param('name = "Practitioner / case worker"', 'nmae = "Practitioner / case worker"', "stages[0].nmae", id="stage"),
        pytest.param('reason = "Salford 3.4:', 'why = "Salford 3.4:', "copies[0].why", id="copy"),
        pytest.param('nation = "ENG"', 'nashun = "ENG"', "calendar.nashun", id="calendar"),
    ],
)
def test_unknown_key_is_refused(config_copy: Path, old: str, new: str, key: str) -> None:
    path = config_copy / "salford.toml"
    _edit(path, old, new)
    error = _error(config_copy)
    _assert_names(error, path, key)
    assert "not a key this schema knows" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        pytest.param('within = "2 working days"', 'within = "3 wrking days"', "copies[0].within", id="copy"),
        pytest.param(
            'resolve_within = "5 working days"', 'resolve_within = "3 wrking days"', "overall.resolve_within", id="overall"
        ),
    ],
)
def test_bad_timescale(config_copy: Path, old: str, new: str, key: str) -> None:
    path = config_copy / ("salford.toml" if key.startswith("copies") else "barnet.toml")
    _edit(path, old, new)
    error = _error(config_copy)
    _assert_names(error, path, key)
    assert "3 wrking days" in str(error)


def test_bad_stage_timescale(config_copy: Path) -> None:
    path = config_copy / "bnes.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('respond_within = "5 working days"', 'respond_within = "3 wrking days"', 1), encoding="utf-8")
    _assert_names(_error(config_copy), path, "stages[0].respond_within")


def test_bad_immediate_timescale(config_copy: Path) -> None:
    path = config_copy / "bnes.toml"
    _edit(path, 'respond_within = "same day"', 'respond_within = "a day"')
    _assert_names(_error(config_copy), path, "immediate_risk.respond_within")


def test_immediate_risk_never_waits_for_a_working_day(config_copy: Path) -> None:
    path = config_copy / "bnes.toml"
    _edit(path, 'respond_within = "same day"', 'respond_within = "same working day"')
    error = _error(config_copy)
    _assert_names(error, path, "immediate_risk.respond_within")
    assert "clock time" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "key", "says"),
    [
        pytest.param(
            'local = true\nwhy_local = "The policy text says',
            'local = "yes"\nwhy_local = "The policy text says',
            "calendar.local",
            "must be true",
            id="not-a-bool",
        ),
        pytest.param(
            'local = ["raising"]', 'local = ["raisin"]', "immediate_risk.local", "not a key of this table", id="unknown-key"
        ),
        pytest.param(
            'why_local = "1.6 leaves', '# why_local = "1.6 leaves', "immediate_risk.why_local", "is required", id="no-why"
        ),
        pytest.param('local = ["raising"]\n', "", "immediate_risk.why_local", "no `local`", id="why-without-local"),
    ],
)
def test_local_marking_is_checked(config_copy: Path, old: str, new: str, key: str, says: str) -> None:
    path = config_copy / "salford.toml"
    _edit(path, old, new)
    error = _error(config_copy)
    _assert_names(error, path, key)
    assert says in str(error)


def test_out_of_hours_number_must_be_a_number(config_copy: Path) -> None:
    path = config_copy / "bury-adults.toml"
    _edit(path, 'number = "999"', 'number = "call the police"')
    _assert_names(_error(config_copy), path, "immediate_risk.out_of_hours.number")


def test_unset_out_of_hours_number_is_a_marked_placeholder_and_a_warning(policies: dict[str, Policy]) -> None:
    barnet = policies["barnet"]
    assert barnet.warnings() == [
        "immediate_risk.out_of_hours.number is not set: acknowledgements show a placeholder, not a number",
        RETENTION_UNSET,  # issue 16: no partnership file ships a retention period
    ]
    assert "[number not set" in barnet.immediate_risk.instructions and "999" in barnet.immediate_risk.instructions
    assert policies["bury-adults"].warnings() == [RETENTION_UNSET]


def test_retention_years_is_a_local_setting_or_refused(config_copy: Path) -> None:
    path = config_copy / "salford.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text("retention_years = 7\n" + text, encoding="utf-8")
    _assert_names(_error(config_copy), path, "retention_years")
    path.write_text(
        'retention_years = 7\nlocal = ["retention_years"]\nwhy_local = "The board decided."\n' + text, encoding="utf-8"
    )
    salford = load_policies(config_copy)["salford"]
    assert salford.retention_years == 7 and RETENTION_UNSET not in salford.warnings()


@pytest.mark.parametrize(
    ("file", "old", "new", "key"),
    [
        pytest.param(
            "salford.toml",
            'challenged = ["service_manager"]\npartnership = ["quality_assurance_unit"]',
            'challenged = ["service_mgr"]\npartnership = ["quality_assurance_unit"]',
            "stages[2].challenged",
            id="unknown-agency-role",
        ),
        pytest.param(
            "salford.toml",
            'partnership = ["quality_assurance_unit"]',
            'partnership = ["qa_unit"]',
            "stages[2].partnership",
            id="unknown-partnership-role",
        ),
        pytest.param(
            "barnet.toml",
            'raising = ["designated_safeguarding_lead"]\nchallenged = []\npartnership = ["head_of_safeguarding"]',
            'raising = ["head_of_safeguarding"]\nchallenged = []\npartnership = ["head_of_safeguarding"]',
            "immediate_risk.raising",
            id="partnership-role-on-agency-side",
        ),
        pytest.param(
            "barnet.toml",
            'partnership = ["board_manager"]\nreason',
            'partnership = ["board_mgr"]\nreason',
            "copies[0].partnership",
            id="copy",
        ),
    ],
)
def test_unknown_role(config_copy: Path, file: str, old: str, new: str, key: str) -> None:
    path = config_copy / file
    _edit(path, old, new)
    error = _error(config_copy)
    _assert_names(error, path, key)
    assert "is not one of" in str(error)


def test_stages_out_of_order(config_copy: Path) -> None:
    path = config_copy / "salford.toml"
    text = path.read_text(encoding="utf-8")
    text = (
        text.replace("number = 2\n", "number = @\n")
        .replace("number = 3\n", "number = 2\n")
        .replace("number = @\n", "number = 3\n")
    )
    path.write_text(text, encoding="utf-8")
    error = _error(config_copy)
    _assert_names(error, path, "stages[1].number")
    assert "in order" in str(error)


def test_copy_names_unknown_stage(config_copy: Path) -> None:
    path = config_copy / "bnes.toml"
    _edit(path, "stages = [5]", "stages = [6]")
    _assert_names(_error(config_copy), path, "copies[1].stages")


def test_duplicate_mailbox_and_kind(config_copy: Path) -> None:
    path = config_copy / "salford.toml"
    _edit(path, 'mailbox = "escalations@salford.example"', 'mailbox = "bsp@bury.example"')
    error = _error(config_copy)
    _assert_names(error, path, "protects")
    assert "bsp@bury.example" in str(error) and "child" in str(error)


def test_bury_policies_cannot_both_take_children(config_copy: Path) -> None:
    _edit(config_copy / "bury-adults.toml", 'protects = ["adult"]', 'protects = ["adult", "child"]')
    error = _error(config_copy)
    _assert_names(error, config_copy / "bury-children.toml", "protects")
    assert "bury-adults" in str(error)


def test_duplicate_prefix(config_copy: Path) -> None:
    _edit(config_copy / "bnes.toml", 'reference_prefix = "BNES"', 'reference_prefix = "SAL"')
    error = _error(config_copy)
    assert error.key == "reference_prefix" and "reference_prefix" in str(error)
    assert error.path in {str(config_copy / "bnes.toml"), str(config_copy / "salford.toml")}
    assert error.path in str(error)


def test_short_name_must_be_an_acronym_a_subject_line_may_carry(config_copy: Path) -> None:
    path = config_copy / "barnet.toml"
    _edit(path, 'short_name = "BSCB"', 'short_name = "Jo Bloggs board"')
    _assert_names(_error(config_copy), path, "short_name")


def test_id_must_match_file_name(config_copy: Path) -> None:
    path = config_copy / "bnes.toml"
    _edit(path, 'id = "bnes"', 'id = "bath"')
    _assert_names(_error(config_copy), path, "id")


def test_invalid_toml(config_copy: Path) -> None:
    path = config_copy / "barnet.toml"
    _edit(path, 'short_name = "BSCB"', 'short_name = "BSCB')
    error = _error(config_copy)
    _assert_names(error, path, "(file)")
    assert "not valid TOML" in str(error)


def test_load_policy_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    _assert_names(caught.value, path, "id")


def test_empty_directory(tmp_path: Path) -> None:
    error = _error(tmp_path)
    _assert_names(error, tmp_path, "partnerships.dir")


def test_explain_marks_bury_childrens_tiers_two_to_four_local(policies: dict[str, Policy]) -> None:
    from escalations.routing.explain import explain

    lines = explain(policies["bury-children"])
    rules = lines[: lines.index("Local settings (the policy text is silent; the partnership's own choice):")]
    clauses = [line for line in rules if line.strip().startswith("clause:")]
    assert [("[who: local setting, below]" in c) for c in clauses[:4]] == [False, True, True, True]
    assert all("Not in the Bury text" in c for c in clauses[1:4])
    assert any(line.startswith("  stages[1]: name = 'Line managers'") for line in lines)
