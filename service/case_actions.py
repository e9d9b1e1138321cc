"""Case actions: apply an engine decision to a stored case, in the caller's transaction.

Shared by the worker (notices and replies) and the scheduler (chasers): each
action changes the case, records why on its timeline, sets or meets deadlines
and writes the outbox rows for the emails it causes, all in one transaction
(DESIGN.md invariant 3). Nothing here commits or sends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from escalations.intake import mime
from escalations.intake.notices.formats import is_notice_file
from escalations.intake.notices.model import Notice
from escalations.intake.notices.reader import Attachment
from escalations.outbound.compose import (
    Letter,
    Sender,
    case_context,
    deadline_lines,
    partnership_context,
    people,
    stage_context,
)
from escalations.outbound.letters import case_letters
from escalations.outbound.letters import letter as catalogue_letter
from escalations.outbound.letters import outbox_row
from escalations.routing import escalation as engine
from escalations.routing.calendar import Timescale
from escalations.routing.deadlines import INFORMATION, OVERRUN
from escalations.routing.directory import Directory
from escalations.routing.escalation import Decision, DeadlinePlan, Parties, Recipient
from escalations.routing.policy import Policy, Stage
from escalations.service.directory import load_directory
from escalations.service.matching import matching_columns
from escalations.service.rehearsal import Rehearsal
from escalations.storage.models import Case, CaseEvent, CaseState, Deadline, InboundMessage, NoticeRecord, OutboxMessage
from escalations.storage.repositories import CaseRepository, ChaserRepository, OutboxRepository

RESPONSE_KINDS = ("stage_response", "immediate_risk", "panel_decision")
CHALLENGED_REASSIGNED = "challenged:reassigned"  # its data: who the challenged side's person now is (name, email)
AWAITING_RULE = "awaiting-information"  # its data: the problems and the question the sender was asked
# Local setting (the policies are silent): how long a held notice waits before its sender is chased,
# when the case's stage has no timescale of its own. Never longer than a stage's own.
INFORMATION_WITHIN = Timescale("working_days", 1)
WAY_FORWARD_OPTIONS = "way-forward-options"  # its data: the numbered possible chairs as sent (Barnet 4)
PANEL_OPTIONS = "panel-options"  # its data: the numbered agencies the Chair may name as the panel's third (B&NES 5)
DOCUMENTS_FORWARDED = "documents-forwarded"  # its data: the inbound message whose documents travelled on (B&NES 4→5)


@dataclass(frozen=True)
class CaseView:
    """A stored case with what the engine needs: its policy, directory and parties."""

    case: Case
    policy: Policy
    directory: Directory
    agency_ids: dict[str, int]
    parties: Parties


class CaseActions:
    def __init__(
        self,
        session: Session,
        policies: Mapping[str, Policy],
        sender: Sender,
        now: datetime,
        inbound_id: int | None = None,
        directories: dict[str, tuple[Directory, dict[str, int]]] | None = None,
        rehearsal: Rehearsal | None = None,
    ) -> None:
        self.session = session
        # Letters rendered ahead of the write transaction (service.rehearsal), or rendered here and kept for it.
        self.rehearsal = rehearsal
        # Shared by the caller across its actions (the scheduler: one load per partnership per pass).
        self.directories: dict[str, tuple[Directory, dict[str, int]]] = {} if directories is None else directories
        self.policies = policies
        self.sender = sender
        self.now = now
        self.inbound_id = inbound_id
        self.cases = CaseRepository(session)
        self._views: dict[tuple[int, int | None, int | None], CaseView] = {}

    # -- views -------------------------------------------------------------------

    def view(self, case: Case) -> CaseView:
        """The case with its policy, directory and parties; the directory is loaded once per action."""
        key = (case.id, case.raising_agency_id, case.challenged_agency_id)
        if key not in self._views:
            self._views[key] = self._load_view(case)
        return self._views[key]

    def _load_view(self, case: Case) -> CaseView:
        policy = self.policies[case.partnership]
        if policy.id not in self.directories:
            self.directories[policy.id] = load_directory(self.session, policy.id)
        directory, agency_ids = self.directories[policy.id]
        names = {v: k for k, v in agency_ids.items()}
        parties = engine.parties_for_case(
            directory,
            names.get(case.raising_agency_id or -1),
            names.get(case.challenged_agency_id or -1),
            case.raised_by_email,
            self.challenged_name(case),
        )
        return CaseView(case, policy, directory, agency_ids, parties)

    def challenged_name(self, case: Case) -> str | None:
        """The person the case is with: whom a person reassigned the challenged side to, else as its latest
        notice names them (None: nobody named)."""
        reassigned = self.cases.latest_event_data(case.id, CHALLENGED_REASSIGNED)
        if reassigned and reassigned.get("name"):
            return str(reassigned["name"])
        return ((self.cases.latest_notice(case.id) or {}).get("challenged") or {}).get("name")

    # -- routing -----------------------------------------------------------------

    def apply_decision(
        self,
        case: Case,
        decision: Decision,
        agency_ids: dict[str, int],
        subject_kind: str | None = None,
        again: bool = False,
    ) -> None:
        """``again``: the stage is entered anew (its stage set by a person), so its deadlines run again from now
        even where the case was at this stage before and they were met."""
        level_up = case.stage == decision.stage.number and decision.level > (case.level or 1)
        case.stage = decision.stage.number
        case.level = decision.level
        case.immediate_risk = case.immediate_risk or decision.immediate_risk
        case.subject_kind = case.subject_kind or subject_kind
        if decision.raising_agency is not None:
            case.raising_agency_id = agency_ids.get(decision.raising_agency.name)
        if decision.challenged_agency is not None:
            case.challenged_agency_id = agency_ids.get(decision.challenged_agency.name)
        case.updated_at = self.now
        for reason in decision.reasons:
            self.event(case, "decision", reason.rule, reason.text)
        if decision.stage.way_forward is not None:
            # The list as sent: "Chair 2" is read against it, whatever the directory says later.
            chairs = [{"email": r.email, "name": r.name, "agency": r.agency} for r in decision.chairs]
            self.event(case, "decision", WAY_FORWARD_OPTIONS, f"{len(chairs)} possible chair(s) listed", data={"chairs": chairs})
        if decision.stage.panel is not None:
            self.event(
                case,
                "decision",
                PANEL_OPTIONS,
                f"{len(decision.panel_options)} agencies listed for the Chair to name a panel's third",
                data={"agencies": list(decision.panel_options)},
            )
        # A new level of the same stage (Barnet 2) answers afresh, as a stage entered again does.
        self.set_deadlines(case, decision.deadlines, again or level_up)

    def set_deadlines(self, case: Case, plans: Sequence[DeadlinePlan], again: bool = False) -> None:
        """The plans' deadlines, one per stage and kind. ``again``: the stage is entered anew, so a met
        deadline of that stage and kind runs again from now (the same row: one per stage and kind)."""
        existing = {(d.stage, d.kind): d for d in case.deadlines}
        for plan in plans:
            if plan.met and plan.kind.startswith("copy:"):
                # The copy went out now: an earlier stage's deadline for the same copy is done too.
                self.meet(case, lambda d, kind=plan.kind: d.kind == kind, f"the copy was sent at stage {plan.stage}")
            found = existing.get((plan.stage, plan.kind))
            if found is not None and not (again and found.met and not plan.met):
                continue
            met_at = self.now if plan.met else None
            if found is None:
                self.cases.add_deadline(
                    Deadline(
                        case=case,
                        kind=plan.kind,
                        stage=plan.stage,
                        due=plan.due,
                        set_at=self.now,
                        met=plan.met,
                        met_at=met_at,
                        rule=plan.rule,
                        reason=plan.reason,
                    )
                )
            else:
                found.due, found.set_at, found.rule, found.reason = plan.due, self.now, plan.rule, plan.reason
                found.met, found.met_at = plan.met, met_at
            state = "met at once" if plan.met else f"due {plan.due.isoformat()}"
            self.event(case, "deadline", plan.rule, f"{plan.kind} {state}: {plan.reason}")

    def route(
        self,
        case: Case,
        policy: Policy,
        decision: Decision,
        notice: Notice,
        agency_ids: dict[str, int],
        acknowledge: str | None,
        in_reply_to: str | None,
        files: Sequence[Attachment],
    ) -> None:
        """Apply a notice's decision and queue the acknowledgement, routed case and any gap notice."""
        self.apply_decision(case, decision, agency_ids, notice.subject.kind)
        if decision.stopped_by is not None:
            return self.not_escalated(case, policy, decision, acknowledge, in_reply_to)
        context = case_context(case.reference, policy, decision, notice, self.now)
        for letter in case_letters(case.reference, decision, acknowledge, in_reply_to, files):
            self.queue(case, policy, letter, context)

    def not_escalated(
        self, case: Case, policy: Policy, decision: Decision, acknowledge: str | None, in_reply_to: str | None
    ) -> None:
        """B&NES: a disagreement within one agency is signposted (whistle-blowing), not escalated."""
        case.state = CaseState.CLOSED
        case.closed_at = self.now
        case.outcome = f"not escalated: {decision.stopped_by.name if decision.stopped_by else ''}"
        if acknowledge:
            letter = catalogue_letter("not_escalated", (acknowledge,), reference=case.reference, in_reply_to=in_reply_to)
            self.queue(
                case,
                policy,
                letter,
                stage_context(
                    case.reference,
                    policy,
                    decision.stage,
                    signposts=[{"text": s.text} for s in decision.signposts],
                    subject_word=_subject_word(policy, case),
                ),
            )

    def escalate(self, view: CaseView, why: str, actor: str | None, documents: Sequence[Attachment] = ()) -> None:
        """Move the case up a level or to its next stage; at the top, hand it to the business manager.
        ``documents``: what the reply that moved it carried (B&NES: the Service Manager's report and Appendix A)."""
        case, policy = view.case, view.policy
        decision = engine.escalate(
            policy, case.stage, view.parties, view.directory, self.now, case.immediate_risk, why, level=case.level or 1
        )
        if decision is None:
            self.event(case, "decision", "final-stage-unresolved", f"{why} at stage {case.stage}, the policy's last stage")
            return self.needs_attention(
                view, f"{why}, and stage {case.stage} is the last stage of the policy: the matter is unresolved."
            )
        moved = "moved up line management within stage" if decision.stage.number == case.stage else "escalated to stage"
        update = f"{moved} {decision.stage.number} ({decision.stage.name_at(decision.level)}). {why}."
        self.move(view, decision, "escalated", update, actor, documents=documents)

    def set_stage(self, view: CaseView, number: int, why: str, actor: str) -> None:
        """A person moved an open case to another stage of its policy (up or down): as an escalation, the
        current stage is concluded and the stage's people get the case, with its deadlines from now."""
        case, policy = view.case, view.policy
        before = case.stage
        self.event(
            case,
            "decision",
            "stage:set",
            f"{actor} set the stage to {number} (was {before}): {why}",
            data={"by": actor, "from": before, "to": number},
        )
        decision = engine.route_stage(
            policy, policy.stage(number), view.parties, view.directory, self.now, immediate=case.immediate_risk, opening=False
        )
        self.move(view, decision, f"the stage was set to {number}", f"moved to stage {number} by {actor}. {why}.", actor, True)

    def move(
        self,
        view: CaseView,
        decision: Decision,
        concluded: str,
        update: str,
        actor: str | None,
        again: bool = False,
        documents: Sequence[Attachment] = (),
    ) -> None:
        """The case leaves its stage (or level) for the decision's: the stage's response is concluded, the new
        stage's people get the case (with ``documents``, where the stage forwards them), and the raiser and the
        person who moved it are told."""
        case, policy = view.case, view.policy
        self.meet(
            case, lambda d: d.stage == case.stage and d.kind in RESPONSE_KINDS, f"stage {case.stage} concluded: {concluded}"
        )
        self.apply_decision(case, decision, view.agency_ids, again=again)
        # The next tier sees what the first did: the notice's details and the original document.
        notice, files = self.original_notice(case)
        forwarded = self._forward(view, decision, actor, documents)
        context = case_context(case.reference, policy, decision, notice, self.now) | {"forwarded": len(forwarded)}
        for letter in case_letters(case.reference, decision, None, None, forwarded + files):
            self.queue(case, policy, letter, context)
        tell = [a for a in dict.fromkeys([case.raised_by_email, actor]) if a]
        if tell:
            told = stage_context(
                case.reference,
                policy,
                decision.stage,
                event=update,
                routed_to=people(decision.to),
                deadlines=deadline_lines(policy, decision.deadlines),
            )
            self.queue(
                case,
                policy,
                catalogue_letter("case_update", tell, reference=case.reference, stage=decision.stage.number),
                told,
            )

    def introduce(self, view: CaseView, stage: Stage, to: Sequence[Recipient]) -> None:
        """People now at the stage who were never sent the case get it before any chaser (issue 11:
        a contact who replaced another was chased about a case they had never seen)."""
        case, policy = view.case, view.policy
        has_it = self.cases.recipients_of_kind(case.id, "routed_case")
        newcomers = tuple(dict.fromkeys(r.email for r in to if r.email not in has_it))
        if not newcomers:
            return
        decision = engine.route_stage(
            policy, stage, view.parties, view.directory, self.now, immediate=case.immediate_risk, opening=False
        )
        notice, files = self.original_notice(case)
        context = case_context(case.reference, policy, decision, notice, self.now)
        context["deadlines"] = deadline_lines(policy, [d for d in case.deadlines if d.stage == stage.number])
        routed = next(
            letter for letter in case_letters(case.reference, decision, None, None, files) if letter.kind == "routed_case"
        )
        routed = catalogue_letter(
            "routed_case", newcomers, reference=case.reference, stage=stage.number, attachments=routed.attachments
        )
        self.event(
            case,
            "decision",
            "newcomer",
            f"{', '.join(newcomers)} joined stage {stage.number} after the case was sent; they get the case before any chaser",
        )
        self.queue(case, policy, routed, context)

    def _forward(
        self, view: CaseView, decision: Decision, actor: str | None, documents: Sequence[Attachment]
    ) -> tuple[Attachment, ...]:
        """B&NES 4→5: the documents on the reply travel to the stage's people; the timeline says so only if they did."""
        stage = decision.stage
        if not stage.forward_documents:
            return ()
        if documents:
            self.event(
                view.case,
                "decision",
                DOCUMENTS_FORWARDED,
                f"the {len(documents)} document(s) attached to {actor or 'the reply'}'s reply (the report and Appendix A) "
                f"are attached to the stage {stage.number} email to {', '.join(r.email for r in decision.to)}. {stage.clause}",
                data={"inbound_id": self.inbound_id, "count": len(documents)},
            )
            return tuple(documents)
        self.event(
            view.case,
            "decision",
            "documents-missing",
            f"the reply that moved the case to stage {stage.number} carried no report or Appendix A: nothing was forwarded; "
            "the business manager is asked to obtain them",
        )
        self.needs_attention(
            view,
            f"Case moved to stage {stage.number}, but the reply carried no Service Manager's report or Appendix A. "
            "Please obtain them and send them to the Chair.",
        )
        return ()

    def original_notice(self, case: Case) -> tuple[Notice, tuple[Attachment, ...]]:
        """The case's notice as read, and the documents it came in (from the stored raw message)."""
        record = self.cases.first_notice_record(case.id)
        if record is None:
            return Notice(), ()
        inbound = self.session.get(InboundMessage, record.inbound_id)
        try:
            mail = mime.parse(inbound.raw) if inbound is not None else None
        except mime.MalformedMessage:
            mail = None
        files = notice_documents(mail, inbound.raw) if mail is not None and inbound is not None else ()
        return Notice.from_json(record.data), files

    def close(self, view: CaseView, state: str, outcome: str, actor: str | None) -> None:
        case, policy = view.case, view.policy
        stage = policy.stage(case.stage)
        closing = engine.close(
            policy,
            stage,
            view.parties,
            view.directory,
            state,
            f"{state} by {actor or 'the service'}: {outcome or 'no text given'}",
            level=case.level or 1,
        )
        case.state = CaseState.RESOLVED if state == "resolved" else CaseState.WITHDRAWN
        case.outcome = outcome or None
        case.closed_at = case.updated_at = self.now
        self.meet(case, lambda d: True, f"case {state}")
        for reason in closing.reasons:
            self.event(case, "decision", reason.rule, reason.text)
        context = stage_context(
            case.reference,
            policy,
            stage,
            state=state,
            outcome=outcome,
            copies=people(closing.cc),
            copy_reasons=[r.text for r in closing.reasons if r.rule.startswith("copy:")],
        )
        # B&NES 5 and Additional notes: everyone, the panel included, gets the outcome in writing.
        panel = (self.cases.latest_event_data(case.id, "panel-convened") or {}).get("members") or []
        to = tuple(dict.fromkeys(addresses_of(closing.to) + tuple(panel)))
        self.queue(
            case,
            policy,
            catalogue_letter(state, to, addresses_of(closing.cc), reference=case.reference, stage=stage.number),
            context,
        )

    def wait_for_information(self, case: Case, policy: Policy, urgent: bool) -> None:
        """A held notice has a deadline too: its sender is chased from the stage's timescale, or the
        immediate-risk one when the notice says or does not rule out immediate risk (``urgent``)."""
        if any(d.kind == INFORMATION for d in case.deadlines):
            return  # the wait runs from the first time the notice was held
        stage = policy.stage(case.stage).respond_within
        if urgent:
            within, source = policy.immediate_risk.respond_within, "the immediate-risk timescale"
        elif stage is not None:
            within, source = stage, "the stage's timescale"
        else:
            within, source = INFORMATION_WITHIN, "local setting"
        due = policy.calendar.due(self.now, within)
        reason = f"the missing information {within.describe()} ({source}); its sender is chased after that"
        self.cases.add_deadline(
            Deadline(
                case=case,
                kind=INFORMATION,
                stage=case.stage,
                due=due,
                set_at=self.now,
                met=False,
                rule="information-timescale",
                reason=reason,
            )
        )
        self.event(case, "deadline", "information-timescale", f"{INFORMATION} due {due.isoformat()}: {reason}")

    def information_needed(
        self,
        case: Case | None,
        policy: Policy,
        to: str,
        problems: list[str],
        question: dict | None = None,
        understood: list[str] | None = None,
        in_reply_to: str | None = None,
        kind: str = "information_needed",
    ) -> OutboxMessage:
        """What a held notice still needs, to its sender (and on a reply, what the reply gave)."""
        reference = case.reference if case else None
        letter = catalogue_letter(kind, (to,), reference=reference, in_reply_to=in_reply_to, partnership=policy.short_name)
        context = {
            "reference": reference,
            "partnership": partnership_context(policy),
            "problems": problems,
            "question": question,
            "understood": understood,
            "subject_word": _subject_word(policy, case),
            "reminder": kind == "information_chaser",  # a day on: not "thank you for your email" again
        }
        return self.queue(case, policy, letter, context)

    def needs_attention(self, view: CaseView, what: str) -> None:
        managers = engine.business_managers(view.directory)
        if not managers:
            self.event(view.case, "decision", "no-business-manager", "the directory has no business manager to tell")
            return
        stage = view.policy.stage(view.case.stage)
        context = stage_context(view.case.reference, view.policy, stage, event=what)
        self.queue(
            view.case,
            view.policy,
            catalogue_letter("needs_attention", addresses_of(managers), reference=view.case.reference, stage=stage.number),
            context,
        )

    def record_response(self, view: CaseView, actor: str | None) -> None:
        """A reply from one of the stage's people counts as its response; anyone else's is recorded only
        (issue 11: the raising agency's line manager answering Barnet's reasons request is not stage 4)."""
        case = view.case
        if actor and actor in self.stage_people(view):
            self.meet(case, lambda d: d.stage == case.stage and d.kind in RESPONSE_KINDS, f"response received from {actor}")
        elif actor and actor != case.raised_by_email:
            self.event(
                case,
                "inbound",
                "response-not-counted",
                f"recorded, but not counted as the stage {case.stage} response: {actor} is not one of the people at this stage",
            )
        breach = view.policy.overall_breach
        asked_for_reasons = any(f":{OVERRUN}:" in key for key in ChaserRepository(self.session).keys_for_case(case.id))
        if breach is None or not actor or not asked_for_reasons:
            return
        asked, _ = engine.tier_contacts(breach.ask, view.parties, view.directory)
        if actor in {r.email for r in asked}:
            # Barnet 3: the reasons for the delay and the manager's confirmation of the child's safety are recorded.
            self.event(
                case,
                "decision",
                "overrun-response",
                f"{actor} replied to the request for reasons and confirmation of safety; their reply is kept with the case. {view.policy.overall_clause}",
            )

    def stage_people(self, view: CaseView) -> set[str]:
        """Who answers for the case's current stage: its tier (and the immediate-risk path), and a panel's chair and members."""
        policy, case = view.policy, view.case
        stage = policy.stage(case.stage)
        people: tuple = ()
        for level in range(1, (case.level or 1) + 1):  # Barnet 2: each level the case has reached still answers for it
            people += engine.stage_contacts(
                policy, stage, view.parties, view.directory, immediate=case.immediate_risk, level=level
            )
        if stage.panel is not None:
            named = (self.cases.latest_event_data(case.id, "chair-decision:panel") or {}).get("third_agency") or ""
            call = engine.convene_panel(policy, stage, view.parties, view.directory, named)
            people += call.chair + call.members
        return {r.email for r in people}

    # -- a person's actions (the web console; the same records an email command makes) ----

    def note(self, case: Case, text: str, actor: str) -> None:
        """An internal note: kept on the timeline with who wrote it, never emailed."""
        case.updated_at = self.now
        self.event(case, "note", "note", text, data={"by": actor})

    def set_agency(self, view: CaseView, side: str, agency: str, actor: str) -> None:
        """Correct the raising or challenged agency (a directory agency of the case's partnership)."""
        case = view.case
        column = f"{side}_agency_id"
        names = {v: k for k, v in view.agency_ids.items()}
        before = names.get(getattr(case, column) or -1)
        setattr(case, column, view.agency_ids[agency])
        case.updated_at = self.now
        was = f" (was {before})" if before else " (none was known)"
        self.event(
            case, "decision", f"agency:{side}:corrected", f"{actor} set the {side} agency to {agency}{was}", data={"by": actor}
        )

    def reassign_raiser(self, case: Case, email: str, actor: str) -> None:
        """The raising side's person is now another contact: updates go to them and their replies count as the raiser's."""
        before = case.raised_by_email
        case.raised_by_email = email
        case.updated_at = self.now
        self.event(
            case,
            "decision",
            "raiser:reassigned",
            f"{actor} reassigned the raising side to {email} (was {before or 'nobody'})",
            data={"by": actor, "from": before, "to": email},
        )

    def reassign_challenged(self, view: CaseView, email: str, actor: str) -> None:
        """The challenged side's person is now another contact of the challenged agency: where the stage's
        tier has several contacts of their role there, the case goes to them (as to a person a notice names),
        and if they are at the case's stage and were never sent it, they get it now."""
        case = view.case
        contact = next(c for c in view.directory.contacts if c.email.lower() == email)
        before = self.challenged_name(case)
        self.event(
            case,
            "decision",
            CHALLENGED_REASSIGNED,
            f"{actor} reassigned the challenged side to {contact.name} ({contact.email}) (was {before or 'nobody named'})",
            data={"by": actor, "from": before, "to": contact.email, "name": contact.name},
        )
        case.updated_at = self.now
        self.session.flush()
        self._views.clear()  # the parties changed: the next view reads the new name
        if case.state == CaseState.OPEN:
            view = self.view(case)
            stage = view.policy.stage(case.stage)
            to = engine.stage_contacts(view.policy, stage, view.parties, view.directory, immediate=case.immediate_risk)
            self.introduce(view, stage, to)

    def reopen(self, view: CaseView, why: str, actor: str) -> None:
        """A closed case open again at its stage: deadlines met at closing stay met, and the stage's response
        (and immediate-risk) deadlines run again from now, so the reopened case is chased."""
        case = view.case
        before = case.state
        case.state = CaseState.OPEN
        case.closed_at = None
        case.updated_at = self.now
        self.event(
            case,
            "decision",
            "reopened",
            f"{actor} reopened the case ({before}, outcome {case.outcome or 'none'}): {why}",
            data={"by": actor},
        )
        case.outcome = None
        decision = engine.route_stage(
            view.policy,
            view.policy.stage(case.stage),
            view.parties,
            view.directory,
            self.now,
            immediate=case.immediate_risk,
            opening=False,
        )
        self.set_deadlines(case, [p for p in decision.deadlines if p.kind in RESPONSE_KINDS], again=True)

    def meet(self, case: Case, which: Callable[[Deadline], bool], why: str) -> None:
        for deadline in case.deadlines:
            if not deadline.met and which(deadline):
                deadline.met, deadline.met_at = True, self.now
                self.event(case, "deadline", f"met:{deadline.kind}", f"stage {deadline.stage} {deadline.kind} met: {why}")

    # -- writing -----------------------------------------------------------------

    def open_case(
        self,
        policy: Policy,
        notice: Notice,
        raised_by: str | None,
        rule: str,
        reason: str,
        document_sha256: str | None = None,
        inbound_id: int | None = None,
    ) -> Case:
        """A new case; ``inbound_id``: the message the notice came in, when not the one being processed."""
        year = policy.calendar.local(self.now).year
        number = self.cases.next_number(policy.id, year)
        case = self.cases.add(
            Case(
                reference=f"{policy.prefix}-{year}-{number:04d}",
                partnership=policy.id,
                year=year,
                number=number,
                state=CaseState.OPEN,
                stage=1,
                immediate_risk=False,
                subject_kind=notice.subject.kind,
                **matching_columns(notice.subject.name, notice.subject.dob),
                raised_by_email=raised_by,
                opened_at=self.now,
                updated_at=self.now,
            )
        )
        self.event(case, "inbound", "new-notice", f"a new notice with no case reference opened case {case.reference}")
        self.event(case, "decision", f"policy:{rule}", reason)
        self.add_notice(case, notice, document_sha256, inbound_id)
        return case

    def add_notice(self, case: Case, notice: Notice, document_sha256: str | None = None, inbound_id: int | None = None) -> None:
        inbound_id = inbound_id or self.inbound_id
        if inbound_id is not None:
            self.cases.add_notice(
                NoticeRecord(
                    case_id=case.id,
                    inbound_id=inbound_id,
                    form=notice.form,
                    data=notice.to_json(),
                    document_sha256=document_sha256,
                    read_at=self.now,
                )
            )

    def queue(self, case: Case | None, policy: Policy, letter: Letter, context: dict[str, Any]) -> OutboxMessage:
        reference = case.reference if case else None
        row = OutboxRepository(self.session).add(
            outbox_row(
                letter,
                context,
                policy,
                self.sender,
                self.now,
                reference,
                case.id if case else None,
                kept=self.rehearsal.letters if self.rehearsal is not None else None,
            )
        )
        if case is not None:
            self.event(
                case,
                "outbound",
                f"send:{row.kind}",
                f"{row.kind.replace('_', ' ')} queued for {len(row.recipients)} recipient(s)",
                outbox_id=row.id,
                data={"recipients": list(row.recipients), "message_id": row.message_id},
            )
        return row

    def event(
        self, case: Case, kind: str, rule: str, reason: str, outbox_id: int | None = None, data: dict[str, Any] | None = None
    ) -> None:
        self.cases.add_event(
            CaseEvent(
                case_id=case.id,
                at=self.now,
                kind=kind,
                rule=rule,
                reason=reason,
                inbound_id=self.inbound_id,
                outbox_id=outbox_id,
                data=data or {},
            )
        )


def notice_documents(mail: mime.InboundEmail, raw: bytes) -> tuple[Attachment, ...]:
    """What "the original notice" is when it travels on: its documents, or, for a notice written in
    the email itself (Bury adults 6: the board referral is a plain email), that email's text. As text,
    not as an attached message: a mail program would show the inner message's subject line as the
    attachment's name, and that subject may name the child (DESIGN.md invariant 6)."""
    files = tuple(a for a in mail.attachments if is_notice_file(a))
    if files:
        return files
    sent = f" on {mail.date.isoformat()}" if mail.date else ""
    text = f"Escalation notice sent by email by {mail.from_address or 'an unknown sender'}{sent}:\n\n{mime.body_text(mail) or ''}"
    return (Attachment("notice.txt", "text/plain", text.encode("utf-8")),)


def addresses_of(recipients: Sequence[Recipient]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r.email for r in recipients))


def _subject_word(policy: Policy, case: Case | None) -> str:
    if case is not None and case.subject_kind in ("child", "adult"):
        return case.subject_kind
    return {("child",): "child", ("adult",): "adult"}.get(tuple(policy.protects), "child or adult")
