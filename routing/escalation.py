"""The escalation engine: (policy, notice, directory, clock) into a routing Decision.

Pure: values in, a value out. Every choice carries the rule that made it and
why, so the case timeline can explain it (DESIGN.md invariant 9).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from escalations.intake.notices.model import Notice
from escalations.routing.directory import AgencyEntry, Directory
from escalations.routing.policy import CopyRule, Policy, Signpost, Stage, Tier

SIDES = ("raising", "challenged", "partnership")


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    role: str
    side: str
    agency: str | None


@dataclass(frozen=True)
class DirectoryGap:
    side: str
    role: str
    agency: str | None
    reason: str


@dataclass(frozen=True)
class DeadlinePlan:
    kind: str
    stage: int
    due: datetime
    rule: str
    reason: str


@dataclass(frozen=True)
class Reason:
    rule: str
    text: str


@dataclass(frozen=True)
class Decision:
    stage: Stage
    immediate_risk: bool
    raising_agency: AgencyEntry | None
    challenged_agency: AgencyEntry | None
    to: tuple[Recipient, ...]
    cc: tuple[Recipient, ...]
    gaps: tuple[DirectoryGap, ...]
    business_managers: tuple[Recipient, ...]
    deadlines: tuple[DeadlinePlan, ...]
    reasons: tuple[Reason, ...]
    signposts: tuple[Signpost, ...]


def decide(
    policy: Policy,
    notice: Notice,
    directory: Directory,
    sender: str | None,
    now: datetime,
    current_stage: int | None = None,
) -> Decision:
    """Route a notice: a new case (``current_stage`` None) or the next step of an open one."""
    reasons: list[Reason] = []
    stage = _stage(policy, notice, current_stage, reasons)
    raising = directory.agency_for_address(sender) or directory.agency_named(notice.raised_by.agency)
    challenged = directory.agency_named(notice.challenged.agency)
    reasons.append(_agency_reason("raising", raising, "the sender's email domain or the notice's own agency"))
    reasons.append(_agency_reason("challenged", challenged, "the agency the notice challenges"))
    immediate = bool(notice.immediate_risk)
    resolver = _Resolver(directory, raising, challenged, exclude=sender)
    resolver.add(stage.who, f"stage-{stage.number}", into="to")
    if immediate:
        resolver.add(policy.immediate_risk.who, "immediate-risk", into="to")
        reasons.append(Reason("immediate-risk", f"the notice says the subject is at immediate risk: {policy.immediate_risk.clause}".rstrip(": ")))
    for rule in _copy_rules(policy, stage.number, immediate, opening=current_stage is None):
        resolver.add(rule.who, f"copy:{rule.name}", into="cc")
        reasons.append(Reason(f"copy:{rule.name}", rule.reason))
    deadlines = _deadlines(policy, stage, immediate, now, opening=current_stage is None)
    return Decision(
        stage=stage,
        immediate_risk=immediate,
        raising_agency=raising,
        challenged_agency=challenged,
        to=resolver.recipients("to"),
        cc=resolver.recipients("cc"),
        gaps=tuple(resolver.gaps),
        business_managers=_business_managers(directory),
        deadlines=deadlines,
        reasons=tuple(reasons) + tuple(Reason("directory-gap", g.reason) for g in resolver.gaps),
        signposts=policy.signposts,
    )


def _stage(policy: Policy, notice: Notice, current: int | None, reasons: list[Reason]) -> Stage:
    asked = notice.stage
    if current is None:
        if asked is not None and 1 <= asked <= policy.last_stage:
            reasons.append(Reason("stage-from-notice", f"the notice names stage {asked}"))
            return policy.stage(asked)
        why = "the notice names no stage" if asked is None else f"the notice names stage {asked}, which {policy.short_name}'s policy does not have"
        reasons.append(Reason("stage-default", f"{why}; a new case starts at stage 1"))
        return policy.stage(1)
    if asked is not None and current < asked <= policy.last_stage:
        reasons.append(Reason("stage-from-notice", f"the notice escalates from stage {current} to stage {asked}"))
        return policy.stage(asked)
    following = min(current + 1, policy.last_stage)
    reasons.append(Reason("stage-next", f"a further notice on a case at stage {current} moves it to stage {following}"))
    return policy.stage(following)


def _agency_reason(side: str, agency: AgencyEntry | None, source: str) -> Reason:
    if agency is None:
        return Reason(f"{side}-agency-unknown", f"the {side} agency could not be recognised from {source}")
    return Reason(f"{side}-agency", f"the {side} agency is {agency.name}, from {source}")


def _copy_rules(policy: Policy, stage: int, immediate: bool, opening: bool) -> Iterable[CopyRule]:
    for rule in policy.copies:
        if rule.stages and stage not in rule.stages:
            continue
        if rule.trigger == "every_notice" or (rule.trigger == "stage" and rule.stages):
            yield rule
        elif rule.trigger == "immediate_risk" and immediate:
            yield rule


def _deadlines(policy: Policy, stage: Stage, immediate: bool, now: datetime, opening: bool) -> tuple[DeadlinePlan, ...]:
    plans = []
    calendar = policy.calendar
    if stage.respond_within is not None:
        plans.append(
            DeadlinePlan(
                "stage_response",
                stage.number,
                calendar.due(now, stage.respond_within),
                f"stage-{stage.number}-timescale",
                f"stage {stage.number} ({stage.name}): respond {stage.respond_within.describe()}. {stage.clause}".strip(),
            )
        )
    if immediate:
        risk = policy.immediate_risk
        plans.append(
            DeadlinePlan(
                "immediate_risk",
                stage.number,
                calendar.due(now, risk.respond_within),
                "immediate-risk-timescale",
                f"immediate risk: act {risk.respond_within.describe()}. {risk.clause}".strip(),
            )
        )
    if opening and policy.overall is not None:
        plans.append(
            DeadlinePlan(
                "overall_resolution",
                stage.number,
                calendar.due(now, policy.overall),
                "overall-timescale",
                f"the whole matter resolved {policy.overall.describe()}. {policy.overall_clause}".strip(),
            )
        )
    return tuple(plans)


def _business_managers(directory: Directory) -> tuple[Recipient, ...]:
    return tuple(
        Recipient(c.email, c.name, c.role, "partnership", None) for c in directory.contacts_for("business_manager")
    )


class _Resolver:
    """Looks a tier's roles up in the directory, collecting recipients and gaps."""

    def __init__(self, directory: Directory, raising: AgencyEntry | None, challenged: AgencyEntry | None, exclude: str | None) -> None:
        self.directory = directory
        self.agencies = {"raising": raising, "challenged": challenged, "partnership": None}
        self.exclude = (exclude or "").lower()
        self.found: dict[str, dict[str, Recipient]] = {"to": {}, "cc": {}}
        self.gaps: list[DirectoryGap] = []

    def add(self, tier: Tier, why: str, into: str) -> None:
        for side in SIDES:
            for role in getattr(tier, side):
                self._role(side, role, why, into)

    def _role(self, side: str, role: str, why: str, into: str) -> None:
        agency = self.agencies[side]
        if side != "partnership" and agency is None:
            self._gap(side, role, None, f"{why}: the {side} agency is not known, so no {role} can be found")
            return
        contacts = self.directory.contacts_for(role, agency)
        if not contacts:
            where = agency.name if agency else "the partnership"
            self._gap(side, role, agency.name if agency else None, f"{why}: the directory has no {role} for {where}")
        for c in contacts:
            if c.email == self.exclude or c.email in self.found["to"]:
                continue
            self.found[into].setdefault(c.email, Recipient(c.email, c.name, role, side, c.agency))

    def _gap(self, side: str, role: str, agency: str | None, reason: str) -> None:
        gap = DirectoryGap(side, role, agency, reason)
        if gap not in self.gaps:
            self.gaps.append(gap)

    def recipients(self, into: str) -> tuple[Recipient, ...]:
        chosen = self.found[into]
        if into == "cc":
            return tuple(r for email, r in chosen.items() if email not in self.found["to"])
        return tuple(chosen.values())
