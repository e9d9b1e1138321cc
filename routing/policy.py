"""A partnership's escalation policy as data, loaded and validated from TOML.

Each file in ``config/partnerships/`` describes one policy: its stages (who is
involved on the raising side, the challenged side and at the partnership, by
directory role), their timescales, the immediate-risk path, and the copy and
signpost rules. The engine in ``routing.escalation`` applies it; nothing here
knows about email or storage.

A file says only what its policy text says, each rule with its clause. What the
text does not say but the service needs (working hours, chaser counts, a stage
time where the text sets none) is a local setting: the table carries
``local = true`` (every key in it) or ``local = ["key", ...]``, and
``why_local`` saying why the setting exists. ``explain`` prints both apart.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from escalations.routing.calendar import Timescale, WorkingCalendar

AGENCY_ROLES = (
    "practitioner",
    "line_manager",
    "team_manager",
    "service_manager",
    "head_of_service",
    "designated_safeguarding_lead",
    "senior_manager",
)
PARTNERSHIP_ROLES = (
    "business_manager",
    "board_manager",
    "chair",
    "head_of_safeguarding",
    "director_quality_assurance",
    "quality_assurance_unit",
    "board_referrals",
    "lado",
)
CONSOLE_ROLES = ("admin",)  # directory roles that only sign in to the web console; no policy routes to them
SUBJECT_KINDS = ("child", "adult")
COPY_TRIGGERS = ("every_notice", "stage", "resolution", "immediate_risk")
SIGNPOST_WHEN = ("always", "same_agency")
ESCALATE_TO = ("next_stage", "business_manager")
RETENTION_UNSET = (
    "retention_years is not set: no case is ever anonymised (README, 'Data protection': the partnership sets its own)"
)
_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_PREFIX = re.compile(r"^[A-Z]{2,6}$")
# A partnership's acronym ("SSCB", "B&NES"): it is the only partnership word a subject line may carry.
SHORT_NAME = re.compile(r"[A-Z&]{2,12}")


class ConfigError(Exception):
    """A configuration file is wrong; the message names the file, the key and what is wrong."""

    def __init__(self, path: str | Path, key: str, problem: str) -> None:
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{path}: {key}: {problem}")


@dataclass(frozen=True)
class Tier:
    """Who is involved: roles at the raising agency, the challenged agency and the partnership."""

    raising: tuple[str, ...] = ()
    challenged: tuple[str, ...] = ()
    partnership: tuple[str, ...] = ()


@dataclass(frozen=True)
class WayForward:
    """Barnet 4: who agree the way forward (mediation, or a meeting chaired by a safeguarding lead of
    an agency not involved), and which agency role may chair; a reply records their choice."""

    agreed_by: tuple[str, ...]  # partnership roles
    chair_role: str  # agency role of the independent chair


@dataclass(frozen=True)
class Panel:
    """B&NES stage 5: the Chair decides whether to convene; representatives of ``agencies`` agencies."""

    decided_by: str  # partnership role that decides whether to convene (the Chair)
    chaired_by: str  # partnership role that chairs the panel and owns its final decision
    member_role: str  # agency role that represents each agency on the panel
    agencies: int


@dataclass(frozen=True)
class Level:
    """A further level up line management within a stage, asked only when the one before has not resolved it."""

    name: str
    who: Tier
    clause: str


@dataclass(frozen=True)
class Stage:
    number: int
    name: str
    who: Tier
    respond_within: Timescale | None
    guidance: str
    clause: str
    panel: Panel | None = None
    then: tuple[Level, ...] = ()  # Barnet 2, Stage 2: level 1 is ``who``; these follow one at a time
    way_forward: WayForward | None = None
    forward_documents: bool = False  # B&NES 4→5: the documents on the reply that brings the case here travel on

    @property
    def levels(self) -> int:
        return 1 + len(self.then)

    def who_at(self, level: int) -> Tier:
        """Who answers at a level of this stage (1: the stage's own people)."""
        return self.who if level <= 1 else self.then[min(level, self.levels) - 2].who

    def name_at(self, level: int) -> str:
        return self.name if level <= 1 else f"{self.name}: {self.then[min(level, self.levels) - 2].name}"


@dataclass(frozen=True)
class Chasers:
    """When to remind and chase a stage's contacts, and what happens when chasing fails."""

    reminder: bool = True  # at the start of the due day
    same_day_reminder_hours: int = 2  # before a deadline that falls on the day it was set
    escalate_after: int = 3  # chasers sent before the matter moves on; 0: it moves on at the deadline
    escalate_to: str = "business_manager"
    immediate_risk_every_hours: int = 1  # a breached immediate-risk deadline: chased this often, any day


@dataclass(frozen=True)
class OverallBreach:
    """Barnet 3: past the overall timescale, ask the escalating agency's manager why, and for the child's safety."""

    ask: Tier
    request: str


@dataclass(frozen=True)
class OutOfHours:
    """What to do out of hours or in an emergency: the text, and the number the partnership sets."""

    text: str  # may hold {number}
    number: str  # "" until the partnership sets it
    clause: str

    def instruction(self) -> str:
        return self.text.replace("{number}", self.number or NUMBER_NOT_SET)


NUMBER_NOT_SET = "[number not set: the partnership must set immediate_risk.out_of_hours.number]"


@dataclass(frozen=True)
class ImmediateRisk:
    who: Tier
    respond_within: Timescale
    advice: str
    clause: str
    out_of_hours: OutOfHours | None = None

    @property
    def instructions(self) -> str:
        """The advice and the out-of-hours instruction, as an acknowledgement carries them."""
        if self.out_of_hours is None:
            return self.advice
        return f"{self.advice} {self.out_of_hours.instruction()}"


@dataclass(frozen=True)
class LocalSetting:
    """Keys of one table that the policy text does not give: the partnership's own choice, and why."""

    table: str  # "calendar", "chasers", "stages[1]" ...
    keys: tuple[str, ...]
    values: tuple[tuple[str, Any], ...]  # as written in the file; a missing key is the service default
    why: str

    def covers(self, key: str) -> bool:
        return key in self.keys


@dataclass(frozen=True)
class CopyRule:
    """Send a copy to ``who`` when ``trigger`` happens (at ``stages``, if given), ``within`` a timescale."""

    name: str
    trigger: str
    who: Tier
    stages: tuple[int, ...]
    within: Timescale | None
    reason: str


@dataclass(frozen=True)
class Signpost:
    name: str
    text: str
    clause: str
    when: str = "always"  # or "same_agency": the disagreement is within one agency
    stops_escalation: bool = False  # B&NES: a disagreement with your own manager is whistle-blowing, not escalation


@dataclass(frozen=True)
class FormProfile:
    id: str
    required: tuple[str, ...]
    labels: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Policy:
    id: str
    name: str
    short_name: str
    prefix: str
    mailbox: str
    protects: tuple[str, ...]
    source: str
    nation: str
    calendar: WorkingCalendar
    stages: tuple[Stage, ...]
    overall: Timescale | None
    overall_clause: str
    overall_breach: OverallBreach | None
    chasers: Chasers
    immediate_risk: ImmediateRisk
    copies: tuple[CopyRule, ...]
    signposts: tuple[Signpost, ...]
    form: FormProfile
    local: tuple[LocalSetting, ...] = ()
    retention_years: int | None = None  # local: years after a case closes before it is anonymised (service.retention)

    def is_local(self, table: str, key: str) -> bool:
        return any(s.table == table and s.covers(key) for s in self.local)

    def warnings(self) -> list[str]:
        """What the partnership must still set before this policy is safe to run."""
        retention = [] if self.retention_years else [RETENTION_UNSET]
        return self._out_of_hours_warnings() + retention

    def _out_of_hours_warnings(self) -> list[str]:
        out_of_hours = self.immediate_risk.out_of_hours
        if out_of_hours is None:
            return ["immediate_risk.out_of_hours is missing: acknowledgements carry no out-of-hours instruction"]
        if "{number}" in out_of_hours.text and not out_of_hours.number:
            return ["immediate_risk.out_of_hours.number is not set: acknowledgements show a placeholder, not a number"]
        return []

    def stage(self, number: int) -> Stage:
        for stage in self.stages:
            if stage.number == number:
                return stage
        raise KeyError(number)

    @property
    def last_stage(self) -> int:
        return self.stages[-1].number

    def next_stage(self, number: int) -> Stage | None:
        return self.stage(number + 1) if number < self.last_stage else None


def load_policies(directory: str | Path) -> dict[str, Policy]:
    """Every ``*.toml`` policy in ``directory``, by id; raise ConfigError on the first fault."""
    directory = Path(directory)
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ConfigError(directory, "partnerships.dir", "no partnership *.toml files found")
    policies: dict[str, Policy] = {}
    for path in files:
        policy = load_policy(path)
        if policy.id in policies:
            raise ConfigError(path, "id", f"{policy.id!r} is defined twice")
        policies[policy.id] = policy
    _check_shared(policies, directory)
    return policies


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(file)", f"not valid TOML: {exc}") from exc
    return _Reader(path, data).policy()


def _check_shared(policies: dict[str, Policy], directory: Path) -> None:
    """Policies sharing a mailbox must be told apart by who they protect (Bury)."""
    seen: dict[tuple[str, str], str] = {}
    for policy in policies.values():
        for kind in policy.protects:
            key = (policy.mailbox, kind)
            if key in seen:
                raise ConfigError(
                    directory / f"{policy.id}.toml",
                    "protects",
                    f"{policy.mailbox} already takes {kind} notices for {seen[key]!r}",
                )
            seen[key] = policy.id
    prefixes = [p.prefix for p in policies.values()]
    for policy in policies.values():
        if prefixes.count(policy.prefix) > 1:
            raise ConfigError(directory / f"{policy.id}.toml", "reference_prefix", "is not unique")


class _Reader:
    """Reads one policy table, naming the key of anything wrong."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path, self.data = path, data
        self.local: list[LocalSetting] = []

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.path, key, problem)

    def get(self, table: dict[str, Any], key: str, kind: type, where: str, default: Any = ...) -> Any:
        if key not in table:
            if default is ...:
                raise self.fail(f"{where}{key}", "is required")
            return default
        value = table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{where}{key}", f"must be a {kind.__name__}, not {type(value).__name__}")
        return value

    def only(self, table: dict[str, Any], where: str, keys: str) -> None:
        """Refuse keys the schema does not know: a misspelt key must not silently drop a rule.
        Record the table's local settings (``local``, ``why_local``)."""
        known = keys.split()
        unknown = sorted(set(table) - set(known) - {"local", "why_local"})
        if unknown:
            raise self.fail(
                f"{where}{unknown[0]}",
                f"is not a key this schema knows (expected one of: {', '.join(known + ['local', 'why_local'])})",
            )
        self.local_keys(table, where, known)

    def local_keys(self, table: dict[str, Any], where: str, known: list[str]) -> None:
        if "local" not in table:
            if "why_local" in table:
                raise self.fail(f"{where}why_local", "says why a setting is local, but the table has no `local`")
            return
        marked = table["local"]
        if marked is True:
            keys = tuple(k for k in known if k in table and not isinstance(table[k], dict))
        elif isinstance(marked, list) and marked and all(isinstance(k, str) for k in marked):
            for key in marked:
                if key not in known:
                    raise self.fail(f"{where}local", f"names {key!r}, which is not a key of this table")
            keys = tuple(marked)
        else:
            raise self.fail(f"{where}local", "must be true (the whole table) or a list of the table's keys")
        why = self.get(table, "why_local", str, where, "").strip()
        if not why:
            raise self.fail(f"{where}why_local", "is required with `local`: say why the setting exists")
        values = tuple((k, table.get(k, "(service default)")) for k in keys)
        self.local.append(LocalSetting(where.rstrip("."), keys, values, why))

    def policy(self) -> Policy:
        d = self.data
        self.only(
            d,
            "",
            "id name short_name reference_prefix mailbox protects source calendar overall immediate_risk stages copies signposts form chasers"
            " retention_years",
        )
        pid = self.get(d, "id", str, "")
        if not _ID.match(pid):
            raise self.fail("id", "must be lower-case letters, digits and hyphens")
        if pid != self.path.stem:
            raise self.fail("id", f"{pid!r} must match the file name {self.path.stem!r}")
        prefix = self.get(d, "reference_prefix", str, "")
        if not _PREFIX.match(prefix):
            raise self.fail("reference_prefix", "must be 2 to 6 capital letters")
        short_name = self.get(d, "short_name", str, "")
        if not SHORT_NAME.fullmatch(short_name):
            raise self.fail("short_name", "must be the partnership's acronym: 2 to 12 capital letters or '&'")
        mailbox = self.get(d, "mailbox", str, "").strip().lower()
        if "@" not in mailbox:
            raise self.fail("mailbox", f"{mailbox!r} is not an email address")
        protects = tuple(self.get(d, "protects", list, ""))
        for kind in protects:
            if kind not in SUBJECT_KINDS:
                raise self.fail("protects", f"{kind!r} is not one of {', '.join(SUBJECT_KINDS)}")
        if not protects:
            raise self.fail("protects", "must name child, adult or both")
        calendar, nation = self.calendar(self.get(d, "calendar", dict, ""))
        stages = self.stages(self.get(d, "stages", list, ""))
        overall_table = self.get(d, "overall", dict, "", {})
        self.only(overall_table, "overall.", "resolve_within clause on_breach_ask on_breach_request")
        form = self.form(self.get(d, "form", dict, ""))
        return Policy(
            id=pid,
            name=self.get(d, "name", str, ""),
            short_name=short_name,
            prefix=prefix,
            mailbox=mailbox,
            protects=protects,
            source=self.get(d, "source", str, ""),
            nation=nation,
            calendar=calendar,
            stages=stages,
            overall=self.timescale(overall_table, "resolve_within", "overall.", optional=True),
            overall_clause=self.get(overall_table, "clause", str, "overall.", ""),
            overall_breach=self.overall_breach(overall_table),
            chasers=self.chasers(self.get(d, "chasers", dict, "", {})),
            immediate_risk=self.immediate_risk(self.get(d, "immediate_risk", dict, "")),
            copies=tuple(self.copy(c, i, stages) for i, c in enumerate(self.get(d, "copies", list, "", []))),
            signposts=tuple(self.signpost(s, i) for i, s in enumerate(self.get(d, "signposts", list, "", []))),
            form=form,
            local=tuple(self.local),
            retention_years=self.retention_years(d),
        )

    def retention_years(self, d: dict[str, Any]) -> int | None:
        """Years after a case closes before its personal data goes: no policy text sets it, so it must be marked local."""
        years = self.get(d, "retention_years", int, "", None)
        if years is None:
            return None
        if not 1 <= years <= 100:
            raise self.fail("retention_years", f"is {years}; a number of years from 1 to 100")
        if not any(s.table == "" and s.covers("retention_years") for s in self.local):
            raise self.fail(
                "retention_years", 'is a local setting: add local = ["retention_years"] and why_local (who decided it, and why)'
            )
        return years

    def calendar(self, table: dict[str, Any]) -> tuple[WorkingCalendar, str]:
        self.only(table, "calendar.", "nation timezone opens closes same_day_cutoff closures")
        nation = self.get(table, "nation", str, "calendar.")
        closures = []
        for i, text in enumerate(self.get(table, "closures", list, "calendar.", [])):
            try:
                closures.append(date.fromisoformat(str(text)))
            except ValueError:
                raise self.fail(f"calendar.closures[{i}]", f"{text!r} is not an ISO date (YYYY-MM-DD)")
        try:
            cal = WorkingCalendar(
                nation,
                timezone=self.get(table, "timezone", str, "calendar.", "Europe/London"),
                opens=self.clock(table, "opens", "09:00"),
                closes=self.clock(table, "closes", "17:00"),
                same_day_cutoff=self.clock(table, "same_day_cutoff", None),
                closures=closures,
            )
        except (ValueError, KeyError) as exc:  # zoneinfo reports an unknown zone as a KeyError
            raise self.fail("calendar", str(exc).strip("'\"")) from exc
        return cal, nation

    def clock(self, table: dict[str, Any], key: str, default: str | None) -> time | None:
        text = self.get(table, key, str, "calendar.", default)
        if text is None:
            return None
        try:
            return time.fromisoformat(text)
        except ValueError:
            raise self.fail(f"calendar.{key}", f"{text!r} is not a time of day (HH:MM)") from None

    def timescale(self, table: dict[str, Any], key: str, where: str, optional: bool = False) -> Timescale | None:
        text = self.get(table, key, str, where, None if optional else ...)
        if text is None:
            return None
        try:
            return Timescale.parse(text)
        except ValueError as exc:
            raise self.fail(f"{where}{key}", str(exc)) from None

    def tier(self, table: dict[str, Any], where: str) -> Tier:
        roles = {}
        for side, allowed in (("raising", AGENCY_ROLES), ("challenged", AGENCY_ROLES), ("partnership", PARTNERSHIP_ROLES)):
            values = tuple(self.get(table, side, list, where, []))
            for role in values:
                if role not in allowed:
                    raise self.fail(f"{where}{side}", f"{role!r} is not one of {', '.join(allowed)}")
            roles[side] = values
        return Tier(**roles)

    def stages(self, items: list[Any]) -> tuple[Stage, ...]:
        stages = []
        for i, table in enumerate(items):
            where = f"stages[{i}]."
            if not isinstance(table, dict):
                raise self.fail(f"stages[{i}]", "must be a table")
            self.only(
                table,
                where,
                "number name raising challenged partnership respond_within guidance clause panel then way_forward forward_documents",
            )
            number = self.get(table, "number", int, where)
            if number != i + 1:
                raise self.fail(f"{where}number", f"is {number}; stages must be numbered 1, 2, 3… in order")
            stages.append(
                Stage(
                    number=number,
                    name=self.get(table, "name", str, where),
                    who=self.tier(table, where),
                    respond_within=self.timescale(table, "respond_within", where, optional=True),
                    guidance=self.get(table, "guidance", str, where, ""),
                    clause=self.get(table, "clause", str, where, ""),
                    panel=self.panel(table, where),
                    then=self.levels(table, where),
                    way_forward=self.way_forward(table, where),
                    forward_documents=self.get(table, "forward_documents", bool, where, False),
                )
            )
        if not stages:
            raise self.fail("stages", "at least one stage is required")
        return tuple(stages)

    def levels(self, table: dict[str, Any], where: str) -> tuple[Level, ...]:
        levels = []
        for i, level in enumerate(self.get(table, "then", list, where, [])):
            here = f"{where}then[{i}]."
            if not isinstance(level, dict):
                raise self.fail(here.rstrip("."), "must be a table")
            self.only(level, here, "name raising challenged partnership clause")
            who = self.tier(level, here)
            if not (who.raising or who.challenged or who.partnership):
                raise self.fail(here.rstrip("."), "names no roles (raising, challenged or partnership)")
            levels.append(Level(self.get(level, "name", str, here), who, self.get(level, "clause", str, here, "")))
        return tuple(levels)

    def way_forward(self, table: dict[str, Any], where: str) -> WayForward | None:
        way = self.get(table, "way_forward", dict, where, None)
        if way is None:
            return None
        here = f"{where}way_forward."
        self.only(way, here, "agreed_by chair_role")
        agreed_by = tuple(self.get(way, "agreed_by", list, here))
        for role in agreed_by:
            if role not in PARTNERSHIP_ROLES:
                raise self.fail(f"{here}agreed_by", f"{role!r} is not one of {', '.join(PARTNERSHIP_ROLES)}")
        return WayForward(agreed_by, self.role(way, "chair_role", here, AGENCY_ROLES, ...) or "")

    def immediate_risk(self, table: dict[str, Any]) -> ImmediateRisk:
        where = "immediate_risk."
        self.only(table, where, "raising challenged partnership respond_within advice clause out_of_hours")
        respond = self.timescale(table, "respond_within", where)
        assert respond is not None
        if not respond.clock_time:
            raise self.fail(
                f"{where}respond_within",
                "must run in clock time from arrival ('same day' or 'N hours'): immediate risk never waits for a working day",
            )
        return ImmediateRisk(
            who=self.tier(table, where),
            respond_within=respond,
            advice=self.get(table, "advice", str, where),
            clause=self.get(table, "clause", str, where, ""),
            out_of_hours=self.out_of_hours(self.get(table, "out_of_hours", dict, where, None)),
        )

    def out_of_hours(self, table: dict[str, Any] | None) -> OutOfHours | None:
        if table is None:
            return None
        where = "immediate_risk.out_of_hours."
        self.only(table, where, "text number clause")
        number = self.get(table, "number", str, where, "").strip()
        if number and not re.fullmatch(r"[0-9 +()-]{3,20}", number):
            raise self.fail(f"{where}number", f"{number!r} is not a telephone number (digits, spaces, + ( ) -)")
        return OutOfHours(
            text=self.get(table, "text", str, where), number=number, clause=self.get(table, "clause", str, where, "")
        )

    def copy(self, table: dict[str, Any], i: int, stages: tuple[Stage, ...]) -> CopyRule:
        where = f"copies[{i}]."
        if not isinstance(table, dict):
            raise self.fail(f"copies[{i}]", "must be a table")
        self.only(table, where, "name when stages raising challenged partnership within reason")
        trigger = self.get(table, "when", str, where)
        if trigger not in COPY_TRIGGERS:
            raise self.fail(f"{where}when", f"{trigger!r} is not one of {', '.join(COPY_TRIGGERS)}")
        numbers = tuple(self.get(table, "stages", list, where, []))
        known = {s.number for s in stages}
        for n in numbers:
            if n not in known:
                raise self.fail(f"{where}stages", f"{n!r} is not a stage of this policy")
        who = self.tier(table, where)
        if not (who.raising or who.challenged or who.partnership):
            raise self.fail(where.rstrip("."), "names no roles (raising, challenged or partnership)")
        return CopyRule(
            name=self.get(table, "name", str, where),
            trigger=trigger,
            who=who,
            stages=numbers,
            within=self.timescale(table, "within", where, optional=True),
            reason=self.get(table, "reason", str, where),
        )

    def signpost(self, table: dict[str, Any], i: int) -> Signpost:
        where = f"signposts[{i}]."
        if not isinstance(table, dict):
            raise self.fail(f"signposts[{i}]", "must be a table")
        self.only(table, where, "name text clause when stops_escalation")
        when = self.get(table, "when", str, where, "always")
        if when not in SIGNPOST_WHEN:
            raise self.fail(f"{where}when", f"{when!r} is not one of {', '.join(SIGNPOST_WHEN)}")
        return Signpost(
            name=self.get(table, "name", str, where),
            text=self.get(table, "text", str, where),
            clause=self.get(table, "clause", str, where, ""),
            when=when,
            stops_escalation=self.get(table, "stops_escalation", bool, where, False),
        )

    def role(self, table: dict[str, Any], key: str, where: str, allowed: tuple[str, ...], default: Any = None) -> str | None:
        role = self.get(table, key, str, where, default)
        if role is not None and role not in allowed:
            raise self.fail(f"{where}{key}", f"{role!r} is not one of {', '.join(allowed)}")
        return role

    def panel(self, table: dict[str, Any], where: str) -> Panel | None:
        panel = self.get(table, "panel", dict, where, None)
        if panel is None:
            return None
        here = f"{where}panel."
        self.only(panel, here, "decided_by chaired_by member_role agencies")
        agencies = self.get(panel, "agencies", int, here)
        if agencies < 2:
            raise self.fail(f"{here}agencies", "a panel needs at least the two agencies in dispute")
        return Panel(
            decided_by=self.role(panel, "decided_by", here, PARTNERSHIP_ROLES, ...) or "",
            chaired_by=self.role(panel, "chaired_by", here, PARTNERSHIP_ROLES, ...) or "",
            member_role=self.role(panel, "member_role", here, AGENCY_ROLES, ...) or "",
            agencies=agencies,
        )

    def chasers(self, table: dict[str, Any]) -> Chasers:
        where = "chasers."
        self.only(table, where, "reminder same_day_reminder_hours escalate_after escalate_to immediate_risk_every_hours")
        escalate_to = self.get(table, "escalate_to", str, where, "business_manager")
        if escalate_to not in ESCALATE_TO:
            raise self.fail(f"{where}escalate_to", f"{escalate_to!r} is not one of {', '.join(ESCALATE_TO)}")
        after = self.get(table, "escalate_after", int, where, 3)
        hours = self.get(table, "same_day_reminder_hours", int, where, 2)
        if after < 0:
            raise self.fail(f"{where}escalate_after", "must be 0 (move on at the deadline) or more")
        if not 0 <= hours <= 8:
            raise self.fail(f"{where}same_day_reminder_hours", "must be between 0 and 8")
        every = self.get(table, "immediate_risk_every_hours", int, where, 1)
        if not 1 <= every <= 4:
            raise self.fail(f"{where}immediate_risk_every_hours", "must be between 1 and 4: immediate risk is chased in hours")
        return Chasers(
            reminder=self.get(table, "reminder", bool, where, True),
            same_day_reminder_hours=hours,
            escalate_after=after,
            escalate_to=escalate_to,
            immediate_risk_every_hours=every,
        )

    def overall_breach(self, table: dict[str, Any]) -> OverallBreach | None:
        if "on_breach_ask" not in table:
            return None
        where = "overall."
        roles = tuple(self.get(table, "on_breach_ask", list, where))
        for role in roles:
            if role not in AGENCY_ROLES:
                raise self.fail(f"{where}on_breach_ask", f"{role!r} is not one of {', '.join(AGENCY_ROLES)}")
        return OverallBreach(ask=Tier(raising=roles), request=self.get(table, "on_breach_request", str, where))

    def form(self, table: dict[str, Any]) -> FormProfile:
        self.only(table, "form.", "id required labels")
        labels = self.get(table, "labels", dict, "form.", {})
        for key, value in labels.items():
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise self.fail(f"form.labels.{key}", "must be a list of label strings")
        return FormProfile(
            id=self.get(table, "id", str, "form."),
            required=tuple(self.get(table, "required", list, "form.", [])),
            labels={k: tuple(v) for k, v in labels.items()},
        )
