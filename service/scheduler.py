"""The deadline scheduler: one pass takes every reminder, chaser and move-on that is due.

`escalations deadlines run` runs one pass (for cron and tests); `serve` runs one
a minute. Each case is its own transaction; each action is recorded under its
unique key before its emails are queued, so two schedulers, a restart or a
rerun never send anything twice (DESIGN.md invariant 2).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from escalations.outbound.compose import ROLE_LABELS, chaser_context, stage_context
from escalations.outbound.letters import letter as catalogue_letter
from escalations.routing import escalation as engine
from escalations.routing.deadlines import (
    CHASER,
    ESCALATE,
    INFORMATION,
    OVERRUN,
    REMINDER,
    Action,
    OpenDeadline,
    chased,
    due_actions,
)
from escalations.service import reply_updates, retention
from escalations.service.case_actions import AWAITING_RULE, CaseActions, CaseView
from escalations.service.pipeline import Context
from escalations.routing.policy import Policy
from escalations.service.directory import load_directory
from escalations.service.report_sends import send_due_reports
from escalations.service.quarantine_report import failure_kind, partnerships_of
from escalations.service.rehearsal import Rehearsal, quiet_in_rehearsal, rehearse
from escalations.service.views import waiting as views_waiting
from escalations.service.views import waiting_text
from escalations.storage.engine import read_sessions
from escalations.storage.models import Case, CaseState, Chaser, Deadline, InboundMessage, InboundStatus, OutboxMessage
from escalations.storage.listings import held_query
from escalations.storage.repositories import CaseRepository, ChaserRepository, NotificationRepository

log = quiet_in_rehearsal(logging.getLogger(__name__))

LOOKAHEAD = timedelta(hours=12)  # reminders go out before the due time
CHASED = (CaseState.OPEN, CaseState.AWAITING_INFORMATION)


class Scheduler:
    def __init__(self, sessions: sessionmaker[Session], context: Context, report_period: str | None = None) -> None:
        self.sessions = sessions
        self.context = context
        self.report_period = report_period  # [reports] period: the board report sent without asking (None: not sent)

    def run_once(self) -> int:
        """One pass over every open case with a deadline near or past; returns the actions taken.

        An idle pass is one read transaction of a few index look-ups: the unmet
        deadlines due soon, what waits in review or quarantine (without the raw
        bytes), and whether any partnership has a case held for information."""
        now = self.context.clock()
        with read_sessions(self.sessions)() as session:  # reads only: no write lock on SQLite
            case_ids = ChaserRepository(session).cases_with_open_deadlines(now + LOOKAHEAD)
            review = session.scalars(held_query(InboundStatus.REVIEW).order_by(InboundMessage.id)).all()
            stuck = session.scalars(held_query(InboundStatus.QUARANTINED).order_by(InboundMessage.id)).all()
            quarantined = [(m, partnerships_of(m, self.context.policies)) for m in stuck]
            holding = {p for p in self.context.policies if CaseRepository(session).any_awaiting_information(p)}
        taken = 0
        directories: dict = {}  # each partnership's directory, loaded once for the whole pass
        for case_id in case_ids:
            # Rehearsed in a read snapshot first (service.rehearsal): the chasers' letters are rendered
            # there, and the write transaction holds SQLite's write lock for reads and rows only.
            moment = self.context.clock()
            rehearsal, nothing = _rehearse(
                self.sessions, partial(self._case, case_id=case_id, directories=directories, now=moment)
            )
            if nothing:
                continue  # nothing due yet (a reminder already sent, say): no write transaction at all
            with self.sessions.begin() as session:
                taken += self._case(session, rehearsal, case_id, directories, moment)
        for policy in self.context.policies.values():
            if policy.id in holding or any(policy.id in theirs for _, theirs in quarantined) or _for(review, policy):
                # The same for the summary: its letter rendered ahead, and no write at all once today's is sent.
                moment = self.context.clock()
                summary = partial(self._review_summary, policy=policy, review=review, quarantine=quarantined, now=moment)
                rehearsal, nothing = _rehearse(self.sessions, summary)
                if nothing:
                    continue
                with self.sessions.begin() as session:
                    taken += summary(session, rehearsal)
        taken += retention.daily(self.sessions, self.context.policies, now)  # issue 16: once a day
        if self.report_period is not None:
            taken += send_due_reports(self.sessions, self.context, self.report_period)
        return taken

    def _review_summary(
        self,
        session: Session,
        rehearsal: Rehearsal,
        policy: Policy,
        review: Sequence[InboundMessage],
        quarantine: Sequence[tuple[InboundMessage, set[str]]],
        now: datetime,
    ) -> int:
        """Once a working day, from opening time: what waits in review, and what is in quarantine, for this partnership."""
        waiting = _for(review, policy)
        quarantined = [m for m, theirs in quarantine if policy.id in theirs]
        held = CaseRepository(session).awaiting_information(policy.id)
        if not waiting and not quarantined and not held:
            return 0  # before the calendar: an idle pass needs no bank holidays (building them costs a second)
        calendar = policy.calendar
        today = calendar.local(now).date()
        if not calendar.is_working_day(today) or now < calendar.start_of_day(today):
            return 0
        directory, _ = load_directory(session, policy.id)
        managers = [r.email for r in engine.business_managers(directory)]
        key = f"review-summary:{policy.id}:{today.isoformat()}"
        if not managers or not NotificationRepository(session).take(key, "review_summary", now):
            return 0

        def received(message: InboundMessage) -> str:
            return calendar.local(message.received_at).strftime("%-d %B %Y, %H:%M")

        items = [
            # The reason in words (the review's), not the outcome line that starts with its internal rule name.
            {
                "id": m.id,
                "received": received(m),
                "reason": (m.review or {}).get("reason") or m.outcome or "",
                "candidates": (m.review or {}).get("candidates", []),
            }
            for m in waiting
        ]
        stuck = [{"id": m.id, "received": received(m), "kind": failure_kind(m.last_error)} for m in quarantined]
        information = [
            {"reference": c.reference, "waiting": waiting_text(wait, policy)}
            for c in held
            if (wait := views_waiting(c, policy, now)) is not None
        ]
        context = {
            "reference": None,
            "partnership": {"id": policy.id, "name": policy.name, "short_name": policy.short_name},
            "items": items,
            "quarantined": stuck,
            "information": information,
        }
        counts = [f"{len(items)} waiting for review"] if items else []
        counts += [f"{len(stuck)} in quarantine"] if stuck else []
        counts += [f"{len(information)} waiting for information"] if information else []
        letter = catalogue_letter("review_summary", tuple(managers), partnership=policy.short_name, counts=", ".join(counts))
        CaseActions(session, self.context.policies, self.context.sender, now, rehearsal=rehearsal).queue(
            None, policy, letter, context
        )
        log.info(
            "scheduler: review summary for %s (%s waiting, %s in quarantine, %s held for information)",
            policy.id,
            len(items),
            len(stuck),
            len(information),
        )
        return 1

    def _case(self, session: Session, rehearsal: Rehearsal, case_id: int, directories: dict, now: datetime) -> int:
        case = session.get(Case, case_id)
        if case is None or case.state not in CHASED or case.partnership not in self.context.policies:
            return 0
        state = case.state
        actions = CaseActions(
            session, self.context.policies, self.context.sender, now, directories=directories, rehearsal=rehearsal
        )
        view = actions.view(case)
        sent = ChaserRepository(session).keys_for_case(case.id)
        paused = reply_updates.chasers_paused(CaseRepository(session), case, now)
        taken = 0
        for deadline in list(case.deadlines):
            if deadline.met:  # met before this pass, or by an escalation a moment ago in this one
                continue
            if not chased(deadline.kind, case.state == CaseState.AWAITING_INFORMATION):
                continue  # a held notice is chased for its information only; a routed case for its stages
            open_deadline = OpenDeadline(
                deadline.id,
                case.id,
                deadline.kind,
                deadline.stage,
                deadline.due,
                deadline.set_at or case.opened_at,
                level=case.level if deadline.stage == case.stage else 1,
            )
            for action in due_actions(view.policy, open_deadline, sent, now):
                if action.kind in (REMINDER, CHASER) and reply_updates.held(deadline.kind, paused):
                    continue  # "In progress" (service/reply_updates.py): chased from the next working day
                if self._take(session, actions, view, deadline, action):
                    taken += 1
            if case.state != state:
                break  # an escalation or closing changed the case: the next pass sees it afresh
        return taken

    def _take(self, session: Session, actions: CaseActions, view: CaseView, deadline: Deadline, action: Action) -> bool:
        case = view.case
        chaser = ChaserRepository(session).take(
            Chaser(
                case_id=case.id,
                deadline_id=deadline.id,
                kind=action.kind,
                number=action.number,
                for_date=action.for_date,
                key=action.key,
                created_at=actions.now,
            )
        )
        if chaser is None:
            return False  # another pass or scheduler already took it
        actions.event(case, "deadline", f"{action.kind}:{deadline.kind}", action.reason, data={"key": action.key})
        log.info("scheduler: case %s %s for %s (stage %s)", case.reference, action.kind, deadline.kind, deadline.stage)
        if action.kind in (REMINDER, CHASER):
            row = self._remind_or_chase(actions, view, deadline, action)
            chaser.outbox_id = row.id if row is not None else None
        elif action.kind == ESCALATE:
            self._move_on(actions, view, action, deadline)
        elif action.kind == OVERRUN:
            self._ask_reasons(actions, view, action)
        return True

    def _remind_or_chase(self, actions: CaseActions, view: CaseView, deadline: Deadline, action: Action):  # type: ignore[no-untyped-def]
        policy, case = view.policy, view.case
        stage = policy.stage(deadline.stage)
        if deadline.kind == INFORMATION:
            return self._chase_information(actions, view)
        if deadline.kind.startswith("copy:"):
            to = engine.business_managers(view.directory)
        else:
            level = case.level if deadline.stage == case.stage else 1
            to = engine.stage_contacts(
                policy, stage, view.parties, view.directory, immediate=deadline.kind == "immediate_risk", level=level
            )
        if to and not deadline.kind.startswith("copy:"):
            actions.introduce(view, stage, to)
        managers = engine.business_managers(view.directory)
        to = to or managers
        if not to:
            actions.event(case, "decision", "directory-gap", f"nobody in the directory to send the {action.kind} to")
            return None
        to_business_manager = {r.email for r in to} <= {r.email for r in managers}
        context = chaser_context(case.reference, policy, stage, action, to_business_manager, to, _waiting(view, to))
        letter = catalogue_letter(action.kind, [r.email for r in to], reference=case.reference, stage=stage.number)
        return actions.queue(case, policy, letter, context)

    def _chase_information(self, actions: CaseActions, view: CaseView) -> OutboxMessage | None:
        """The sender of a held notice, asked again for what is still missing."""
        case = view.case
        if not case.raised_by_email:
            return None
        asked = CaseRepository(actions.session).latest_event_data(case.id, AWAITING_RULE) or {}
        return actions.information_needed(
            case,
            view.policy,
            case.raised_by_email,
            list(asked.get("problems") or []),
            asked.get("question"),
            kind="information_chaser",
        )

    def _move_on(self, actions: CaseActions, view: CaseView, action: Action, deadline: Deadline) -> None:
        if deadline.kind == INFORMATION:
            since = view.policy.calendar.local(deadline.set_at or view.case.opened_at).strftime("%-d %B %Y")
            return actions.needs_attention(
                view,
                f"The notice has been waiting for information since {since}, and chasing its sender brought nothing: {action.reason}.",
            )
        if view.policy.chasers.escalate_to == "next_stage":
            actions.escalate(view, f"no response: {action.reason}", None)
        else:
            actions.needs_attention(view, f"No response after chasing: {action.reason}.")

    def _ask_reasons(self, actions: CaseActions, view: CaseView, action: Action) -> None:
        """Barnet 3: the escalating agency's manager gives the reasons and confirms the child's safety."""
        breach = view.policy.overall_breach
        assert breach is not None
        asked, gaps = engine.tier_contacts(breach.ask, view.parties, view.directory)
        for gap in gaps:
            actions.event(view.case, "decision", "directory-gap", gap.reason)
        to = asked or engine.business_managers(view.directory)
        if not to:
            return
        stage = view.policy.stage(view.case.stage)
        # The reasons are answered in the asker's own words: "Resolved" here would close the case.
        context = stage_context(
            view.case.reference, view.policy, stage, what=action.reason, request=breach.request, reply_words=[]
        )
        letter = catalogue_letter("overrun", [r.email for r in to], reference=view.case.reference, stage=stage.number)
        actions.queue(view.case, view.policy, letter, context)


def _rehearse(sessions: sessionmaker[Session], run: Callable[[Session, Rehearsal], int]) -> tuple[Rehearsal, bool]:
    """A rehearsal of one of the pass's write transactions, and whether it found nothing to do there.

    Only a rehearsal that ran to its end and took nothing says so; one that stopped (before a
    write, or on a failure) leaves the decision to the write transaction, as ever. The pass's
    time is the rehearsal's, so what it saw due is what the write transaction would see, but
    for another process's change in between, which the next pass takes."""
    said: list[int] = []
    rehearsal = rehearse(sessions, lambda session, r: said.append(run(session, r)))
    return rehearsal, said == [0]


def _for(review: Sequence[InboundMessage], policy: Policy) -> list[InboundMessage]:
    """The messages held in review for this partnership."""
    return [m for m in review if (m.review or {}).get("partnership") == policy.id]


def _waiting(view: CaseView, to: Sequence[engine.Recipient]) -> list[dict[str, str]]:
    """Who else waits for the answer a reminder or chaser asks for: the person who raised the concern."""
    raised_by = view.case.raised_by_email
    if not raised_by or raised_by in {r.email for r in to}:
        return []
    known = next((c for c in view.directory.contacts if c.email == raised_by.lower()), None)
    if known is not None:
        return [
            {
                "name": known.name,
                "role_label": ROLE_LABELS.get(known.role, known.role),
                "agency": known.agency or "",
                "why": "raised the concern",
            }
        ]
    agency = view.parties.raising.name if view.parties.raising else ""
    return [{"name": raised_by, "role_label": "", "agency": agency, "why": "raised the concern"}]
