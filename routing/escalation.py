"""The escalation engine: (policy, case or notice, directory, clock) into a routing Decision.

Pure: values in, a value out. Every choice carries the rule that made it and
why, so the case timeline can explain it (DESIGN.md invariant 9). Recipients
come only from the directory (invariant 5).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from escalations.intake.notices.model import Notice
from escalations.routing.directory import AgencyEntry, ContactEntry, Directory
from escalations.routing.matching import CONFIDENT_NAME, name_score
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
    met: bool = False


@dataclass(frozen=True)
class Reason:
    rule: str
    text: str


@dataclass(frozen=True)
class Parties:
    """Who the disagreement is between: the two agencies, and who raised it."""

    raising: AgencyEntry | None
    challenged: AgencyEntry | None
    raised_by: str | None
    challenged_name: str | None = None  # the person the notice disagrees with: their own case goes to them

    @property
    def same_agency(self) -> bool:
        return self.raising is not None and self.raising == self.challenged


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
    stopped_by: Signpost | None = None  # not escalated (B&NES: whistle-blowing)
    level: int = 1  # how far up line management within the stage (Barnet 2, Stage 2)
    chairs: tuple[Recipient, ...] = ()  # Barnet 4: who may chair, from agencies not involved; the people agreeing choose
    panel_options: tuple[str, ...] = ()  # B&NES 5: the agencies the Chair may name as the panel's third
    raised_by: str | None = None  # the raiser's address, and their directory entry where it has one: how to reach them
    raiser: ContactEntry | None = None


@dataclass(frozen=True)
class Closing:
    """A case resolved or withdrawn: who is told, and the copies the policy asks for."""

    state: str
    to: tuple[Recipient, ...]
    cc: tuple[Recipient, ...]
    gaps: tuple[DirectoryGap, ...]
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class PanelCall:
    """B&NES stage 5: the Chair convened a Resolution Panel."""

    chair: tuple[Recipient, ...]
    members: tuple[Recipient, ...]
    agencies: tuple[str, ...]
    gaps: tuple[DirectoryGap, ...]
    reasons: tuple[Reason, ...] = field(default=())


def parties_for_notice(directory: Directory, notice: Notice, sender: str | None) -> Parties:
    raising = directory.agency_for_address(sender) or directory.agency_named(notice.raised_by.agency)
    return Parties(raising, directory.agency_named(notice.challenged.agency), sender, notice.challenged.name)


def parties_for_case(
    directory: Directory,
    raising: str | None,
    challenged: str | None,
    raised_by: str | None,
    challenged_name: str | None = None,
) -> Parties:
    by_name = {a.name: a for a in directory.agencies}
    return Parties(by_name.get(raising or ""), by_name.get(challenged or ""), raised_by, challenged_name)


def decide(
    policy: Policy,
    notice: Notice,
    directory: Directory,
    sender: str | None,
    now: datetime,
    current_stage: int | None = None,
    parties: Parties | None = None,
) -> Decision:
    """Route a notice: a new case (``current_stage`` None) or the next step of an open one.
    ``parties``: the two agencies already resolved with all the message's evidence (routing/agencies.py)."""
    reasons: list[Reason] = []
    stage = _stage(policy, notice, current_stage, reasons)
    parties = parties or parties_for_notice(directory, notice, sender)
    reasons.append(_agency_reason("raising", parties.raising, "the sender's email domain or the notice's own agency"))
    reasons.append(_agency_reason("challenged", parties.challenged, "the agency the notice challenges"))
    return route_stage(
        policy,
        stage,
        parties,
        directory,
        now,
        immediate=bool(notice.immediate_risk),
        opening=current_stage is None,
        reasons=reasons,
    )


def route_stage(
    policy: Policy,
    stage: Stage,
    parties: Parties,
    directory: Directory,
    now: datetime,
    *,
    immediate: bool,
    opening: bool,
    reasons: Iterable[Reason] = (),
    level: int = 1,
) -> Decision:
    """Everyone a stage (at a level of it) involves, its copies, deadlines and signposts."""
    reasons = list(reasons)
    stopper = next((s for s in policy.signposts if s.stops_escalation and _applies(s, parties)), None)
    if stopper is not None:
        reasons.append(Reason(f"signpost:{stopper.name}", f"not escalated: {stopper.clause or stopper.text}"))
    resolver = _Resolver(directory, parties)
    if stopper is None:
        resolver.add(stage.who_at(level), f"stage-{stage.number}", into="to")
        if immediate:
            resolver.add(policy.immediate_risk.who, "immediate-risk", into="to")
            reasons.append(
                Reason(
                    "immediate-risk", f"the notice says the subject is at immediate risk. {policy.immediate_risk.clause}".strip()
                )
            )
        for rule in _copy_rules(policy, stage.number, immediate, opening):
            resolver.add(rule.who, f"copy:{rule.name}", into="cc")
            reasons.append(Reason(f"copy:{rule.name}", rule.reason))
    chairs = possible_chairs(stage, parties, directory, reasons) if stopper is None else ()
    panel_options = possible_panel_agencies(stage, parties, directory, reasons) if stopper is None else ()
    deadlines = () if stopper is not None else _deadlines(policy, stage, immediate, now, opening, resolver)
    return Decision(
        stage=stage,
        immediate_risk=immediate,
        raising_agency=parties.raising,
        challenged_agency=parties.challenged,
        to=resolver.recipients("to"),
        cc=resolver.recipients("cc"),
        gaps=tuple(resolver.gaps),
        business_managers=business_managers(directory),
        deadlines=deadlines,
        reasons=tuple(reasons) + tuple(resolver.notes) + tuple(Reason("directory-gap", g.reason) for g in resolver.gaps),
        signposts=tuple(s for s in policy.signposts if _applies(s, parties)),
        stopped_by=stopper,
        level=level,
        chairs=chairs,
        panel_options=panel_options,
        raised_by=parties.raised_by,
        raiser=directory.contact(parties.raised_by),
    )


def escalate(
    policy: Policy,
    current: int,
    parties: Parties,
    directory: Directory,
    now: datetime,
    immediate: bool,
    why: str,
    level: int = 1,
) -> Decision | None:
    """The next level of the stage, if it has one, else the next stage; None at the very top."""
    stage = policy.stage(current)
    if level < stage.levels:
        up = stage.then[level - 1]
        reasons = [
            Reason(
                "level-up",
                f"{why}: stage {current} moves up line management to {up.name} (level {level + 1} of {stage.levels}); "
                f"the next level is asked only because the one before has not resolved it. {up.clause}".strip(),
            )
        ]
        return route_stage(
            policy, stage, parties, directory, now, immediate=immediate, opening=False, reasons=reasons, level=level + 1
        )
    following = policy.next_stage(current)
    if following is None:
        return None
    reasons = [Reason("escalated", f"{why}: stage {current} → stage {following.number} ({following.name})")]
    return route_stage(policy, following, parties, directory, now, immediate=immediate, opening=False, reasons=reasons)


def close(policy: Policy, stage: Stage, parties: Parties, directory: Directory, state: str, why: str, level: int = 1) -> Closing:
    """A case resolved or withdrawn: the stage's people (every level asked) and the raiser are told;
    resolution copies go out."""
    resolver = _Resolver(directory, parties, exclude_raiser=False)
    for asked in range(1, level + 1):
        resolver.add(stage.who_at(asked), f"stage-{stage.number}", into="to")
    reasons = [Reason(state, why)]
    if state == "resolved":
        for rule in policy.copies:
            if rule.trigger == "resolution" and (not rule.stages or stage.number in rule.stages):
                resolver.add(rule.who, f"copy:{rule.name}", into="cc")
                reasons.append(Reason(f"copy:{rule.name}", rule.reason))
    to = resolver.recipients("to")
    if parties.raised_by and parties.raised_by not in {r.email for r in to}:
        to = (Recipient(parties.raised_by, "the person who raised it", "raised_by", "raising", None),) + to
    return Closing(state, to, resolver.recipients("cc"), tuple(resolver.gaps), tuple(reasons))


def convene_panel(policy: Policy, stage: Stage, parties: Parties, directory: Directory, named: str) -> PanelCall:
    """B&NES: a panel of the agencies in dispute plus the one the Chair named, one representative each."""
    panel = stage.panel
    assert panel is not None
    involved = [a for a in (parties.raising, parties.challenged) if a is not None]
    third = [a for a in directory.agencies if a.name == named and a not in involved]
    chosen = involved + third
    resolver = _Resolver(directory, parties, exclude_raiser=False)
    resolver.add(Tier(partnership=(panel.chaired_by,)), "panel-chair", into="to")
    members: list[Recipient] = []
    for agency in chosen:
        contacts = directory.contacts_for(panel.member_role, agency)
        if contacts:
            members.append(_recipient(contacts[0], panel.member_role, "panel"))
        else:
            resolver._gap(
                "panel", panel.member_role, agency.name, f"panel: the directory has no {panel.member_role} for {agency.name}"
            )
    reasons = (
        Reason(
            "panel-convened",
            f"a Resolution Panel of {len(chosen)} agencies ({', '.join(a.name for a in chosen)}): the agencies in dispute "
            f"and {named}, named by the Chair; chaired by the {panel.chaired_by.replace('_', ' ')}. {stage.clause}".strip(),
        ),
    )
    return PanelCall(resolver.recipients("to"), tuple(members), tuple(a.name for a in chosen), tuple(resolver.gaps), reasons)


def possible_panel_agencies(stage: Stage, parties: Parties, directory: Directory, reasons: list[Reason]) -> tuple[str, ...]:
    """B&NES 5: the panel is the agencies in dispute and a third the Chair names; these are the ones they may name."""
    if stage.panel is None:
        return ()
    involved = {parties.raising, parties.challenged}
    options = tuple(sorted(a.name for a in directory.agencies if a not in involved))
    reasons.append(
        Reason(
            "panel-agency-asked",
            f"if the Chair convenes a Resolution Panel, they name its third agency ({len(options)} listed); "
            f"the service names none. {stage.clause}".strip(),
        )
    )
    return options


def stage_contacts(
    policy: Policy, stage: Stage, parties: Parties, directory: Directory, immediate: bool = False, level: int = 1
) -> tuple[Recipient, ...]:
    """Who answers for a stage at its level (and its immediate-risk path): the people chasers go to."""
    resolver = _Resolver(directory, parties)
    resolver.add(stage.who_at(level), f"stage-{stage.number}", into="to")
    if immediate:
        resolver.add(policy.immediate_risk.who, "immediate-risk", into="to")
    return resolver.recipients("to")


def tier_contacts(tier: Tier, parties: Parties, directory: Directory) -> tuple[tuple[Recipient, ...], tuple[DirectoryGap, ...]]:
    resolver = _Resolver(directory, parties, exclude_raiser=False)
    resolver.add(tier, "tier", into="to")
    return resolver.recipients("to"), tuple(resolver.gaps)


def business_managers(directory: Directory) -> tuple[Recipient, ...]:
    return tuple(_recipient(c, c.role, "partnership") for c in directory.contacts_for("business_manager"))


def _applies(signpost: Signpost, parties: Parties) -> bool:
    return signpost.when == "always" or (signpost.when == "same_agency" and parties.same_agency)


def _stage(policy: Policy, notice: Notice, current: int | None, reasons: list[Reason]) -> Stage:
    asked = notice.stage
    if current is None:
        if asked is not None and 1 <= asked <= policy.last_stage:
            reasons.append(Reason("stage-from-notice", f"the notice names stage {asked}"))
            return policy.stage(asked)
        why = (
            "the notice names no stage"
            if asked is None
            else f"the notice names stage {asked}, which {policy.short_name}'s policy does not have"
        )
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


def possible_chairs(stage: Stage, parties: Parties, directory: Directory, reasons: list[Reason]) -> tuple[Recipient, ...]:
    """Barnet 4: the safeguarding leads of agencies not involved in the dispute, any of whom the
    people agreeing the way forward may choose to chair; the service chooses none of them."""
    way = stage.way_forward
    if way is None:
        return ()
    involved = {parties.raising, parties.challenged}
    chairs = tuple(
        _recipient(contact, way.chair_role, "partnership")
        for agency in sorted(directory.agencies, key=lambda a: a.name)
        if agency not in involved
        for contact in directory.contacts_for(way.chair_role, agency)
    )
    agree = " and ".join(r.replace("_", " ") for r in way.agreed_by)
    reasons.append(
        Reason(
            "way-forward-asked",
            f"the {agree} are asked to agree mediation or a meeting chaired by one of {len(chairs)} safeguarding lead(s) "
            f"of agencies not involved; their reply records the choice. {stage.clause}".strip(),
        )
    )
    return chairs


def _deadlines(
    policy: Policy, stage: Stage, immediate: bool, now: datetime, opening: bool, resolver: _Resolver
) -> tuple[DeadlinePlan, ...]:
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
    for rule in _copy_rules(policy, stage.number, immediate, opening):
        if rule.within is not None:
            # The service sends the copy at once; the deadline stays open (and is
            # chased with the business manager) only when the directory had nobody.
            sent = resolver.found_for(f"copy:{rule.name}")
            plans.append(
                DeadlinePlan(
                    f"copy:{rule.name}",
                    stage.number,
                    calendar.due(now, rule.within),
                    f"copy:{rule.name}",
                    f"{rule.reason}" + ("; copied at once by the service" if sent else "; nobody to copy it to"),
                    met=sent,
                )
            )
    return tuple(plans)


def _recipient(contact: ContactEntry, role: str, side: str) -> Recipient:
    return Recipient(contact.email, contact.name, role, side, contact.agency)


class _Resolver:
    """Looks a tier's roles up in the directory, collecting recipients and gaps."""

    def __init__(self, directory: Directory, parties: Parties, exclude_raiser: bool = True) -> None:
        self.directory = directory
        self.agencies = {"raising": parties.raising, "challenged": parties.challenged, "partnership": None}
        self.exclude = (parties.raised_by or "").lower() if exclude_raiser else ""
        self.named = parties.challenged_name
        self.notes: list[Reason] = []
        self.found: dict[str, dict[str, Recipient]] = {"to": {}, "cc": {}}
        self.why_found: set[str] = set()
        self.gaps: list[DirectoryGap] = []

    def add(self, tier: Tier, why: str, into: str) -> None:
        for side in SIDES:
            for role in getattr(tier, side):
                self._role(side, role, why, into)

    def found_for(self, why: str) -> bool:
        return why in self.why_found

    def _role(self, side: str, role: str, why: str, into: str) -> None:
        agency = self.agencies[side]
        if side != "partnership" and agency is None:
            self._gap(side, role, None, f"{why}: the {side} agency is not known, so no {role} can be found")
            return
        contacts = self.directory.contacts_for(role, agency)
        if not contacts:
            where = agency.name if agency else "the partnership"
            self._gap(side, role, agency.name if agency else None, f"{why}: the directory has no {role} for {where}")
            return
        self.why_found.add(why)
        for c in self._named(side, role, contacts):
            if c.email == self.exclude or c.email in self.found["to"]:
                continue
            self.found[into].setdefault(c.email, _recipient(c, role, side))

    def _named(self, side: str, role: str, contacts: tuple[ContactEntry, ...]) -> tuple[ContactEntry, ...]:
        """The person the notice names, when the directory knows them in this role; else everyone in the role."""
        if side != "challenged" or not self.named or len(contacts) < 2:
            return contacts
        named = tuple(c for c in contacts if name_score(c.name, self.named) >= CONFIDENT_NAME)
        if not named:
            return contacts
        note = Reason(
            "named-practitioner",
            f"the notice names {named[0].name}, the {role.replace('_', ' ')} it concerns: their own case goes to them, "
            f"not to every {role.replace('_', ' ')} of {named[0].agency}",
        )
        if note not in self.notes:
            self.notes.append(note)
        return named

    def _gap(self, side: str, role: str, agency: str | None, reason: str) -> None:
        gap = DirectoryGap(side, role, agency, reason)
        if gap not in self.gaps:
            self.gaps.append(gap)

    def recipients(self, into: str) -> tuple[Recipient, ...]:
        chosen = self.found[into]
        if into == "cc":
            return tuple(r for email, r in chosen.items() if email not in self.found["to"])
        return tuple(chosen.values())


__all__ = [
    "Closing",
    "Decision",
    "DeadlinePlan",
    "DirectoryGap",
    "PanelCall",
    "Parties",
    "Reason",
    "Recipient",
    "business_managers",
    "close",
    "convene_panel",
    "decide",
    "escalate",
    "parties_for_case",
    "parties_for_notice",
    "possible_chairs",
    "possible_panel_agencies",
    "route_stage",
    "stage_contacts",
    "tier_contacts",
]
