"""Chasers: what an open deadline needs at a given moment (a reminder, a chaser, or to move on).

Pure. A reminder goes at the start of the due day (or some hours before a
deadline that falls on the day it was set); a chaser at breach, then one each
working day; after the policy's number of chasers the matter moves to the next
stage or to the business manager. A breached immediate-risk deadline is chased
in clock time instead (every few hours, any day): no weekend or office hours
hold it up. Every action has a deterministic key built
from ids and ISO dates (STYLE.md 6), so a restart, a rerun or two schedulers
never send one twice: the database refuses the second key.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from escalations.routing.policy import Policy

REMINDER = "reminder"
CHASER = "chaser"
ESCALATE = "escalate"
OVERRUN = "overrun"  # Barnet 3: past the overall timescale, ask for reasons
INFORMATION = "information"  # a deadline's kind: a held notice waits for its sender's missing details


@dataclass(frozen=True)
class OpenDeadline:
    id: int
    case_id: int
    kind: str
    stage: int
    due: datetime
    set_at: datetime
    level: int = 1  # a stage's level up line management (Barnet 2): each level is chased afresh


@dataclass(frozen=True)
class Action:
    deadline_id: int
    kind: str  # reminder | chaser | escalate | overrun
    number: int  # the nth chaser; 1 for the others
    for_date: date
    key: str
    reason: str


def action_key(deadline: OpenDeadline, kind: str, day: date) -> str:
    stage = f"{deadline.stage}" if deadline.level <= 1 else f"{deadline.stage}.{deadline.level}"
    return f"case:{deadline.case_id}:stage:{stage}:{deadline.kind}:{kind}:{day.isoformat()}"


def chased(kind: str, awaiting_information: bool) -> bool:
    """Whether a deadline of this kind is chased while its case is (or is not) waiting for information: a held
    notice for its missing information only, a routed case for its stages only."""
    return (kind == INFORMATION) == awaiting_information


def breached(due: datetime, now: datetime) -> bool:
    """A deadline is breached from its due moment on: reminders before, chasers from then."""
    return now >= due


def overdue(kind: str, due: datetime, met: bool, awaiting_information: bool, now: datetime) -> bool:
    """The chasers' rule for "overdue", and the only one: an unmet deadline its case is chased for, past its due
    moment. The scheduler chases exactly these; the console and the board report count and filter by them."""
    return not met and chased(kind, awaiting_information) and breached(due, now)


def due_actions(policy: Policy, deadline: OpenDeadline, sent: Collection[str], now: datetime) -> list[Action]:
    """What this deadline needs now, given the keys of actions already taken."""
    if deadline.kind == "overall_resolution":
        return _overrun(policy, deadline, sent, now)
    if not breached(deadline.due, now):
        # The sender of a held notice was told what is missing a moment ago: chased once it is due.
        return [] if deadline.kind == INFORMATION else _reminder(policy, deadline, sent, now)
    return _after_breach(policy, deadline, sent, now)


def _reminder(policy: Policy, deadline: OpenDeadline, sent: Collection[str], now: datetime) -> list[Action]:
    if not policy.chasers.reminder:
        return []
    calendar = policy.calendar
    due_day = calendar.local(deadline.due).date()
    if calendar.local(deadline.set_at).date() == due_day:
        remind_at = deadline.due - timedelta(hours=policy.chasers.same_day_reminder_hours)
        if remind_at <= deadline.set_at:
            return []  # set too close to the deadline for a reminder to mean anything
    else:
        remind_at = calendar.start_of_day(due_day)
    key = action_key(deadline, REMINDER, due_day)
    if now < remind_at or key in sent:
        return []
    return [Action(deadline.id, REMINDER, 1, due_day, key, f"{_what(policy, deadline)} is due {_when(policy, deadline.due)}")]


def _after_breach(policy: Policy, deadline: OpenDeadline, sent: Collection[str], now: datetime) -> list[Action]:
    """At breach a chaser; then one each working day; after enough chasers, move on."""
    if deadline.kind == "immediate_risk":
        return _after_immediate_breach(policy, deadline, sent, now)
    days = _chaser_days(policy, deadline, now)
    limit = policy.chasers.escalate_after
    if len(days) > limit:
        key = action_key(deadline, ESCALATE, days[limit])
        if key in sent:
            return []
        return [
            Action(
                deadline.id,
                ESCALATE,
                1,
                days[limit],
                key,
                f"{_what(policy, deadline)} was due {_when(policy, deadline.due)}; {_chasers(limit)} brought no response",
            )
        ]
    latest = days[-1]
    key = action_key(deadline, CHASER, latest)
    if key in sent:
        return []
    return [
        Action(
            deadline.id,
            CHASER,
            len(days),
            latest,
            key,
            f"{_what(policy, deadline)} was due {_when(policy, deadline.due)} and is overdue ({lateness(policy, deadline.due, now)})",
        )
    ]


def _after_immediate_breach(policy: Policy, deadline: OpenDeadline, sent: Collection[str], now: datetime) -> list[Action]:
    """Immediate risk: a chaser at breach and every few clock hours, any day; after enough, move on."""
    every = timedelta(hours=policy.chasers.immediate_risk_every_hours)
    number = (now - deadline.due) // every + 1  # the chasers due by now; only the latest is sent
    limit = policy.chasers.escalate_after
    today = policy.calendar.local(now).date()
    late = f"{_what(policy, deadline)} was due {_when(policy, deadline.due)}"
    if number > limit:
        key = action_key(deadline, ESCALATE, policy.calendar.local(deadline.due).date())
        reason = f"{late}; {_chasers(limit)} brought no response"
        return [] if key in sent else [Action(deadline.id, ESCALATE, 1, today, key, reason)]
    key = f"case:{deadline.case_id}:stage:{deadline.stage}:{deadline.kind}:{CHASER}:{number}"
    return [] if key in sent else [Action(deadline.id, CHASER, number, today, key, f"{late} and is overdue")]


def _chaser_days(policy: Policy, deadline: OpenDeadline, now: datetime) -> list[date]:
    """The breach day, then every working day since whose working hours have begun."""
    calendar = policy.calendar
    days = [calendar.local(deadline.due).date()]
    today = calendar.local(now).date()
    day = calendar.next_working_day(days[0])
    while day <= today and calendar.start_of_day(day) <= now:
        days.append(day)
        day = calendar.next_working_day(day)
    return days


def _overrun(policy: Policy, deadline: OpenDeadline, sent: Collection[str], now: datetime) -> list[Action]:
    if not breached(deadline.due, now) or policy.overall_breach is None:
        return []
    day = policy.calendar.local(deadline.due).date()
    key = action_key(deadline, OVERRUN, day)
    if key in sent:
        return []
    return [
        Action(
            deadline.id,
            OVERRUN,
            1,
            day,
            key,
            f"the whole matter was to be resolved {_when(policy, deadline.due)}. {policy.overall_clause}".strip(),
        )
    ]


def _what(policy: Policy, deadline: OpenDeadline) -> str:
    return describe(policy, deadline.kind, deadline.stage)


def describe(policy: Policy, kind: str, stage: int) -> str:
    """A deadline as a person reads it, mid-sentence ("the stage 2 response"): never its internal kind."""
    if kind == "stage_response":
        return f"the stage {stage} response"
    if kind == "immediate_risk":
        return "action on the immediate risk"
    if kind == INFORMATION:
        return "the information missing from the notice"
    if kind == "overall_resolution":
        return "the resolution of the whole matter"
    if kind == "panel_decision":
        return "the panel's decision"
    if kind.startswith("copy:"):
        rule = next((c for c in policy.copies if f"copy:{c.name}" == kind), None)
        if rule is not None:
            roles = rule.who.raising + rule.who.challenged + rule.who.partnership
            what = "the outcome" if rule.trigger == "resolution" else "the notice"
            return f"the copy of {what} to the " + " and the ".join(dict.fromkeys(r.replace("_", " ") for r in roles))
        return "a copy the policy asks for"
    return kind.replace("_", " ").replace("-", " ")


def lateness(policy: Policy, due: datetime, now: datetime) -> str:
    """How late, in the working days that have closed since ``due``: "1 working day late", "late since 17:00 today"."""
    calendar = policy.calendar
    day = calendar.local(due).date()
    if not calendar.is_working_day(day) or calendar.start_of_day(day) < due:
        day = calendar.next_working_day(day)  # due at or during its day's close: the next working day is the first late one
    count = 0
    while calendar.end_of_day(day) <= now:
        count, day = count + 1, calendar.next_working_day(day)
    if count:
        return f"{count} working day{'' if count == 1 else 's'} late"
    local_due = calendar.local(due)
    if local_due.date() == calendar.local(now).date():
        return f"late since {local_due:%H:%M} today"
    return f"late since {_when(policy, due)}"


def _chasers(count: int) -> str:
    return f"{count} chaser{'' if count == 1 else 's'}"


def _when(policy: Policy, moment: datetime) -> str:
    return policy.calendar.local(moment).strftime("%A %-d %B %Y, %H:%M")
