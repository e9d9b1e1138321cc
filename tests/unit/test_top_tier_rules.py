"""The engine's top-tier rules on plain values: stage levels, who may chair, the panel's third agency.

Pure: the packaged policies and a small directory, no database, no mail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import pytest

from escalations.routing import escalation as engine
from escalations.routing.directory import AgencyEntry, ContactEntry, Directory
from escalations.routing.escalation import Parties
from escalations.routing.policy import ConfigError, load_policies, load_policy
from escalations.service.top_tiers import pick

POLICIES = load_policies(Path(str(files("escalations.config") / "partnerships")))
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
HEALTH, CARE, POLICE, SCHOOL = (
    AgencyEntry("Health", ("health.example",)),
    AgencyEntry("Care", ("care.example",)),
    AgencyEntry("Police", ("police.example",)),
    AgencyEntry("School", ("school.example",)),
)
ROLES = ("line_manager", "team_manager", "head_of_service", "designated_safeguarding_lead")


def _directory(partnership: str) -> Directory:
    contacts = [
        ContactEntry(f"{role} {a.name}", f"{role}@{a.domains[0]}", role, a.name)
        for a in (HEALTH, CARE, POLICE, SCHOOL)
        for role in ROLES
    ]
    contacts += [ContactEntry(role, f"{role}@partnership.example", role, None) for role in ("board_manager", "chair")]
    return Directory(partnership, (HEALTH, CARE, POLICE, SCHOOL), tuple(contacts))


PARTIES = Parties(HEALTH, CARE, "practitioner@health.example")


@pytest.mark.parametrize(
    ("level", "expected_stage", "expected_level", "role"),
    [
        (1, 2, 2, "team_manager"),
        (2, 2, 3, "head_of_service"),
        (3, 3, 1, "designated_safeguarding_lead"),
    ],
)
def test_barnet_stage_2_goes_up_one_level_at_a_time(level: int, expected_stage: int, expected_level: int, role: str) -> None:
    policy, where = POLICIES["barnet"], _directory("barnet")
    decision = engine.escalate(policy, 2, PARTIES, where, NOW, False, "unresolved", level=level)
    assert decision is not None
    assert (decision.stage.number, decision.level) == (expected_stage, expected_level)
    assert {r.email for r in decision.to} == {f"{role}@health.example", f"{role}@care.example"}
    assert decision.reasons[0].rule == ("level-up" if expected_stage == 2 else "escalated")


def test_barnet_stage_4_lists_chairs_from_agencies_not_involved_and_picks_none() -> None:
    policy, where = POLICIES["barnet"], _directory("barnet")
    decision = engine.route_stage(policy, policy.stage(4), PARTIES, where, NOW, immediate=False, opening=False)
    assert [r.agency for r in decision.chairs] == ["Police", "School"]
    assert not {r.email for r in decision.chairs} & {r.email for r in decision.to + decision.cc}
    assert "way-forward-asked" in [r.rule for r in decision.reasons]


def test_bnes_panel_is_the_two_in_dispute_and_the_agency_the_chair_names() -> None:
    policy, where = POLICIES["bnes"], _directory("bnes")
    stage = policy.stage(5)
    decision = engine.route_stage(policy, stage, PARTIES, where, NOW, immediate=False, opening=False)
    assert decision.panel_options == ("Police", "School")
    call = engine.convene_panel(policy, stage, PARTIES, where, "School")
    assert call.agencies == ("Health", "Care", "School")
    call = engine.convene_panel(policy, stage, PARTIES, where, "Care")  # an agency in dispute is not a third
    assert call.agencies == ("Health", "Care")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 0),
        ("2. Thursday", 1),
        ("3", None),
        ("School's lead please", 1),
        ("police", 0),
        ("anyone", None),
        ("", None),
    ],
)
def test_a_choice_is_read_against_the_list_sent(text: str, expected: int | None) -> None:
    assert pick(text, [["Police"], ["School"]]) == expected


def test_a_level_naming_no_roles_is_refused(tmp_path: Path) -> None:
    source = (Path(str(files("escalations.config") / "partnerships")) / "barnet.toml").read_text(encoding="utf-8")
    broken = source.replace('raising = ["team_manager"]\nchallenged = ["team_manager"]\n', "")
    assert broken != source
    path = tmp_path / "barnet.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"stages\[1\]\.then\[0\]"):
        load_policy(path)
