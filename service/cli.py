"""The `escalations` command line (DESIGN.md, "The command line")."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from escalations.intake.receiving import Envelope, receive
from escalations.outbound.compose import Sender
from escalations.routing.directory import DirectoryError, parse_csv, to_csv
from escalations.routing.policy import ConfigError
from escalations.service import views
from escalations.service.clock import fixed_clock, system_clock
from escalations.service.directory import Orphan, current_rows, import_rows, plan, rows_for_export
from escalations.service.paging import add_paging, print_listing
from escalations.service.runtime import Runtime
from escalations.storage import listings
from escalations.storage.listings import Listing
from escalations.service.settings import load_settings
from escalations.storage.crypto import SealError
from escalations.storage.models import InboundStatus
from escalations.storage.repositories import CaseRepository, InboundRepository, OutboxRepository

log = logging.getLogger("escalations")

EX_OK = 0
EX_FAIL = 1
EX_USAGE = 2
EX_DATAERR = 65
EX_TEMPFAIL = 75
EX_CONFIG = 78


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _logging(args.verbose)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EX_USAGE
    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EX_TEMPFAIL if args.command == "ingest" else EX_CONFIG
    except DirectoryError as exc:
        print("directory errors:\n" + str(exc), file=sys.stderr)
        return EX_DATAERR
    except SealError as exc:  # a stored document and the key file do not fit (README, "Data protection")
        print(f"encryption: {exc}", file=sys.stderr)
        return EX_CONFIG


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # aiosmtpd logs envelopes and peers at INFO; our own lines say what matters.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # imapclient logs whole messages at DEBUG, and a line per logout at INFO.
    logging.getLogger("imapclient").setLevel(logging.WARNING)
    # flufl.bounce logs a line per detector per bounce at INFO.
    logging.getLogger("flufl.bounce").setLevel(logging.WARNING)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="escalations", description=__doc__)
    config_help = "settings file (default ./escalations.toml, else the packaged defaults)"
    # --config and -v may come before the command or after it (DESIGN.md): the command's own copies
    # default to SUPPRESS so that, when not given there, they leave what came before the command.
    parser.add_argument("--config", metavar="FILE", default=None, help=config_help)
    parser.add_argument("-v", "--verbose", action="store_true", default=False)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=config_help)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    p = command("serve", cmd_serve, "run the SMTP intake, worker and outbox sender")
    p.add_argument(
        "--only",
        metavar="LIST",
        help="components to run, comma-separated: intake,worker,sender,scheduler,console (default all)",
    )
    p = command("ingest", cmd_ingest, "store one RFC 5322 message from FILE or stdin (exit 0 stored, 75 retry later)")
    p.add_argument("file", nargs="?", default="-")
    p.add_argument("--sender", default=os.environ.get("SENDER"), help="envelope sender (Postfix pipe: ${sender})")
    p.add_argument("--recipient", action="append", help="envelope recipient (Postfix pipe: ${recipient}); repeatable")
    p = command("parse", cmd_parse, "read a notice (.docx, .pdf or .eml) and print the canonical fields")
    p.add_argument("file")
    p.add_argument("--partnership")
    p.add_argument("--json", action="store_true")
    p = command("check-config", cmd_check_config, "validate the settings, policies and seed directory")
    p.add_argument(
        "--explain",
        metavar="PARTNERSHIP",
        help="print that partnership's rules, each with its clause, and its local settings apart",
    )
    command("migrate", cmd_migrate, "apply database migrations")
    p = command("status", cmd_status, "show each watched IMAP mailbox's state")
    p.add_argument("--json", action="store_true")

    imap = sub.add_parser("imap", help="watched IMAP mailboxes").add_subparsers(dest="action", metavar="ACTION")
    p = imap.add_parser(
        "backfill", parents=[common], help="take the mail already in a mailbox's folder since DATE (safe to run twice)"
    )
    p.add_argument("--mailbox", required=True, metavar="NAME", help="the [[imap]] name")
    p.add_argument(
        "--since", required=True, metavar="DATE", type=date.fromisoformat, help="YYYY-MM-DD, by the server's arrival date"
    )
    p.set_defaults(handler=cmd_imap_backfill)

    directory = sub.add_parser("directory", help="import or export the agency directory").add_subparsers(
        dest="action", metavar="ACTION"
    )
    p = directory.add_parser("import", parents=[common], help="replace the directory of the partnerships the CSV names")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="print the change and import nothing")
    p.add_argument("--yes", action="store_true", help="import even though contacts are removed")
    p.add_argument("--force", action="store_true", help="import even though open cases are left with nobody on a side")
    p.set_defaults(handler=cmd_directory_import)
    p = directory.add_parser("export", parents=[common], help="write the directory as CSV")
    p.add_argument("file", nargs="?")
    p.set_defaults(handler=cmd_directory_export)

    cases = sub.add_parser("cases", help="list or show cases").add_subparsers(dest="action", metavar="ACTION")
    p = cases.add_parser("list", parents=[common])
    p.add_argument("--json", action="store_true")
    p.add_argument("--now", type=_moment, help="count waiting times to this moment (ISO 8601 with an offset)")
    add_paging(p, _count)
    p.set_defaults(handler=cmd_cases_list)
    p = cases.add_parser("show", parents=[common])
    p.add_argument("reference")
    p.add_argument("--json", action="store_true")
    p.add_argument("--now", type=_moment, help="count waiting times to this moment (ISO 8601 with an offset)")
    p.set_defaults(handler=cmd_cases_show)

    review = sub.add_parser("review", help="messages waiting for a person to decide").add_subparsers(
        dest="action", metavar="ACTION"
    )
    p = review.add_parser("list", parents=[common])
    p.add_argument("--json", action="store_true")
    add_paging(p, _count)
    p.set_defaults(handler=cmd_review_list)
    p = review.add_parser(
        "decide", parents=[common], help="settle a waiting message: attach it to a case, open a new one, or reject it"
    )
    p.add_argument("id", type=int)
    choice = p.add_mutually_exclusive_group(required=True)
    choice.add_argument("--case", metavar="REF", help="it belongs to this case")
    choice.add_argument("--new", action="store_true", help="it opens a new case")
    choice.add_argument("--reject", action="store_true", help="it is not for the service: record it and send nothing")
    p.add_argument("--partnership", metavar="ID", help="with --new: whose policy the new case follows (a shared mailbox, Bury)")
    p.add_argument("--note", default="", help="why (kept with the message)")
    p.set_defaults(handler=cmd_review_decide)

    outbox = sub.add_parser("outbox", help="outgoing mail").add_subparsers(dest="action", metavar="ACTION")
    p = outbox.add_parser("list", parents=[common])
    p.add_argument("--json", action="store_true")
    p.add_argument("--status", choices=("pending", "sent", "dead"))
    p.add_argument(
        "--dead", action="store_true", help="only mail that did not reach someone: dead, or some recipients not reached"
    )
    add_paging(p, _count)
    p.set_defaults(handler=cmd_outbox_list)
    p = outbox.add_parser("send", parents=[common], help="one delivery pass")
    p.set_defaults(handler=cmd_outbox_send)
    p = outbox.add_parser("retry", parents=[common], help="send a dead message again (to the recipients it did not reach)")
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_outbox_retry)

    deadlines = sub.add_parser("deadlines", help="reminders, chasers and move-ons").add_subparsers(
        dest="action", metavar="ACTION"
    )
    p = deadlines.add_parser("run", parents=[common], help="one scheduler pass (for cron and tests)")
    p.add_argument("--now", type=_moment, help="pretend it is this moment (ISO 8601 with an offset)")
    p.set_defaults(handler=cmd_deadlines_run)

    quarantine = sub.add_parser("quarantine", help="messages that could not be processed").add_subparsers(
        dest="action", metavar="ACTION"
    )
    p = quarantine.add_parser("list", parents=[common])
    p.add_argument("--json", action="store_true")
    add_paging(p, _count)
    p.set_defaults(handler=cmd_quarantine_list)
    p = quarantine.add_parser("retry", parents=[common])
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_quarantine_retry)

    console = sub.add_parser("console", help="the web console").add_subparsers(dest="action", metavar="ACTION")
    p = console.add_parser(
        "link", parents=[common], help="print a one-time sign-in link (15 minutes) for a business manager or admin"
    )
    p.add_argument("--email", required=True, metavar="ADDRESS")
    p.set_defaults(handler=cmd_console_link)
    p = console.add_parser("revoke", parents=[common], help="end every console session of one person now")
    p.add_argument("--email", required=True, metavar="ADDRESS")
    p.set_defaults(handler=cmd_console_revoke)

    p = command("report", cmd_report, "a partnership's board report for a period: html, pdf, or the csv escalation log")
    p.add_argument("--partnership", required=True, metavar="ID")
    p.add_argument("--from", required=True, dest="start", type=date.fromisoformat, metavar="DATE")
    p.add_argument("--to", required=True, dest="end", type=date.fromisoformat, metavar="DATE")
    p.add_argument("--format", required=True, choices=("html", "pdf", "csv"), dest="report_format")
    p.add_argument("-o", "--output", default="-", metavar="FILE", help="where to write it (default stdout)")
    p.add_argument("--include-personal-data", action="store_true", help="names and dates of birth in the csv (access-logged)")

    forms = sub.add_parser("forms", help="the partnerships' own notice forms").add_subparsers(dest="action", metavar="ACTION")
    p = forms.add_parser(
        "make",
        parents=[common],
        help="write a partnership's blank notice form (Word content controls or fillable PDF, named by field path)",
    )
    p.add_argument("--partnership", required=True, metavar="ID")
    p.add_argument("--format", required=True, choices=("docx", "pdf"), dest="form_format")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write it (- for stdout)")
    p.set_defaults(handler=cmd_forms_make)

    from escalations.service import privacy_cli  # retention, subject, keys, backup, restore (issue 16)

    privacy_cli.register(sub, common)
    return parser


def _runtime(args: argparse.Namespace, migrate: bool = True) -> Runtime:
    runtime = Runtime(load_settings(args.config), clock=system_clock)
    if migrate:
        try:
            runtime.prepare_database()
        except BaseException:
            runtime.close()
            raise
    return runtime


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 moment") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs an offset, for example 2026-03-10T09:00:00+00:00")
    return moment


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return int(text)


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


# -- commands -----------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    from escalations.service.serve import Service, parse_only

    try:
        only = parse_only(args.only) if args.only is not None else None
    except ValueError as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return EX_USAGE
    # The processing process reads the same settings (the working directory is inherited too).
    child_args = [*(["--config", args.config] if args.config else []), *(["-v"] if args.verbose else [])]
    Service(_runtime(args, migrate=False), only, child_args).run()
    return EX_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    """Store one message for a mail server pipe: 0 once committed, 75 on any temporary failure."""
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"ingest: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EX_TEMPFAIL if args.file == "-" else EX_DATAERR
    settings = load_settings(args.config)
    limit = settings.smtp.max_message_bytes
    if len(raw) > limit:
        print(f"ingest: message of {len(raw)} bytes is over the {limit}-byte limit", file=sys.stderr)
        return EX_DATAERR
    if not raw.strip():
        print("ingest: empty message", file=sys.stderr)
        return EX_DATAERR
    recipients = tuple(args.recipient or ([os.environ["RECIPIENT"]] if os.environ.get("RECIPIENT") else []))
    try:
        with Runtime(settings, clock=system_clock) as runtime:
            runtime.prepare_database()
            stored = receive(runtime.sessions, raw, Envelope("ingest", args.sender, recipients), runtime.clock())
    except ConfigError:
        raise
    except Exception as exc:
        log.error("ingest: could not store the message (%s); exit 75 so the mail server retries", type(exc).__name__)
        return EX_TEMPFAIL
    print(f"stored inbound {stored.id}{' (duplicate of a message already stored)' if stored.duplicate else ''}")
    return EX_OK


def cmd_parse(args: argparse.Namespace) -> int:
    from escalations.service.parsing import parse_file

    notice = parse_file(Path(args.file), partnership=args.partnership, today=system_clock().date(), config=args.config)
    if args.json:
        _print_json(notice.to_json())
    else:
        print(views.notice_text(notice))
    return EX_OK


def cmd_check_config(args: argparse.Namespace) -> int:
    from escalations.routing.explain import explain

    settings = load_settings(args.config)
    runtime = Runtime(settings)
    for policy in runtime.policies.values():
        for warning in policy.warnings():
            print(f"warning: partnership {policy.id}: {warning}", file=sys.stderr)
    if args.explain is not None:
        policy = runtime.policies.get(args.explain)
        if policy is None:
            print(f"unknown partnership {args.explain!r}; expected one of: {', '.join(runtime.policies)}", file=sys.stderr)
            return EX_USAGE
        print("\n".join(explain(policy)))
        return EX_OK
    print(f"settings: {settings.path}")
    print(f"storage: {views.safe_url(settings.storage_url)}")
    for policy in runtime.policies.values():
        print(
            f"partnership {policy.id}: {len(policy.stages)} stages, mailbox {policy.mailbox}, references {policy.prefix}-YYYY-NNNN"
        )
    if settings.directory_seed is not None:
        rows = runtime.seed_rows(settings.directory_seed)
        print(f"directory seed: {len(rows)} contacts")
    for i, mailbox in enumerate(settings.imap):
        served = [p.id for p in runtime.policies.values() if p.mailbox == mailbox.address]
        if mailbox.address and not served:
            raise ConfigError(settings.path, f"imap[{i}].address", f"{mailbox.address} is not a partnership mailbox")
        print(
            f"imap {mailbox.name}: {mailbox.folder} on {mailbox.host}:{mailbox.port} for {', '.join(served) or 'the partnership in To/Cc'}"
        )
    print("configuration OK")
    return EX_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    with _runtime(args):
        print("database is up to date")
    return EX_OK


def cmd_status(args: argparse.Namespace) -> int:
    from escalations.service.imap_status import mailbox_status, status_text

    with _runtime(args) as runtime:
        entries = mailbox_status(runtime)
    if args.json:
        _print_json({"mailboxes": entries})
    else:
        print(status_text(entries))
    return EX_OK


def cmd_imap_backfill(args: argparse.Namespace) -> int:
    from escalations.service.imap_runner import backfill

    with _runtime(args) as runtime:
        return backfill(runtime, args.mailbox, args.since)


def cmd_directory_import(args: argparse.Namespace) -> int:
    """Print the change first; refuse removals without --yes and orphaned open cases without --force."""
    with _runtime(args) as runtime:
        rows = parse_csv(Path(args.file).read_text(encoding="utf-8"), runtime.policies)
        sender = runtime.context().sender  # before the transaction: it reads the Message-ID secret
        with runtime.sessions.begin() as session:
            planned = plan(session, rows, runtime.policies)
            print("\n".join(planned.lines()))
            count = len(planned.changes) + len(planned.renames)
            if args.dry_run:
                print(f"dry run: {count} change(s) not applied")
                session.rollback()
                return EX_OK
            if planned.orphans and not args.force:
                print(
                    f"refused: {len(planned.orphans)} open case side(s) would be left with nobody (listed above); "
                    "fix the file, or import anyway with --force",
                    file=sys.stderr,
                )
                return EX_FAIL
            if planned.removes and not args.yes:
                removed = sum(c.action == "remove" for c in planned.changes)
                print(f"refused: {removed} contact(s) would be removed (listed above); run again with --yes", file=sys.stderr)
                return EX_FAIL
            import_rows(session, rows)
            if planned.orphans:
                _tell_business_managers(runtime, session, sender, planned.orphans)
        print(f"imported {len(rows)} contact(s); {count} change(s)")
        return EX_OK


def _tell_business_managers(runtime: Runtime, session: Session, sender: Sender, orphans: Sequence[Orphan]) -> None:
    """A forced import left a side of open cases with nobody: each case's business manager is told, on its timeline."""
    from escalations.service.case_actions import CaseActions

    actions = CaseActions(session, runtime.policies, sender, runtime.clock())
    cases = CaseRepository(session)
    for orphan in orphans:
        case = cases.by_reference(orphan.reference)
        if case is None:
            continue
        what = (
            f"After a directory import (--force), nobody in the directory is on the {orphan.side} side"
            f" ({orphan.agency or 'its agency is gone'}) at stage {orphan.stage}: reminders and chasers reach only the"
            " other side. Add the right people to the directory."
        )
        actions.event(case, "decision", "directory-gap", what)
        actions.needs_attention(actions.view(case), what)


def cmd_directory_export(args: argparse.Namespace) -> int:
    from escalations.service.delivery import bouncing_notes

    with _runtime(args) as runtime:
        with runtime.sessions() as session:
            rows = rows_for_export(current_rows(session))
            text = to_csv(rows)
            notes = bouncing_notes(session, {r.email for r in rows})
        for note in notes:  # the CSV contract stays as it is
            print(note, file=sys.stderr)
        if args.file:
            Path(args.file).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return EX_OK


def cmd_cases_list(args: argparse.Namespace) -> int:
    with _runtime(args) as runtime:
        now = args.now or runtime.clock()
        summary = lambda c: views.case_summary(c, runtime.policies.get(c.partnership), now)  # noqa: E731
        listing = Listing(runtime.sessions, listings.cases_query(), summary, args.limit, args.offset)
        print_listing(args.json, listing, views.case_line, "no cases")
    return EX_OK


def cmd_cases_show(args: argparse.Namespace) -> int:
    with _runtime(args) as runtime:
        with runtime.sessions() as session:
            case = CaseRepository(session).by_reference(args.reference)
            if case is None:
                print(f"no case {args.reference}", file=sys.stderr)
                return EX_FAIL
            inbound = InboundRepository(session)
            ids = {e.inbound_id for e in case.events if e.kind == "inbound" and e.inbound_id}
            messages = {i: views.inbound_for_display(m) for i in ids if (m := inbound.get(i)) is not None}
            detail = views.case_detail(case, messages, runtime.policies.get(case.partnership), args.now or runtime.clock())
        if args.json:
            _print_json(detail)
        else:
            print(views.case_text(detail))
        return EX_OK


def cmd_review_list(args: argparse.Namespace) -> int:
    return _inbound_list(args, InboundStatus.REVIEW)


def cmd_review_decide(args: argparse.Namespace) -> int:
    from escalations.service.held import NotHeld, decide_review

    kind = "reject" if args.reject else ("case" if args.case else "new")
    with _runtime(args) as runtime:
        with runtime.sessions.begin() as session:
            try:
                decide_review(
                    session,
                    args.id,
                    kind,
                    args.case,
                    args.note,
                    runtime.clock(),
                    partnership=args.partnership,
                    policies=runtime.policies,
                )
            except NotHeld as exc:
                print(exc, file=sys.stderr)
                return EX_FAIL
        if args.reject:
            print(f"inbound {args.id} rejected; nothing was sent")
            return EX_OK
        runtime.worker().run_message(args.id)
        with runtime.sessions() as session:
            done = InboundRepository(session).get(args.id)
            outcome = f"{done.status}: {done.outcome or done.last_error}" if done else "gone"
    print(f"inbound {args.id} {outcome}")
    return EX_OK


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    return _inbound_list(args, InboundStatus.QUARANTINED)


def _inbound_list(args: argparse.Namespace, status: str) -> int:
    with _runtime(args) as runtime:
        listing = Listing(runtime.sessions, listings.held_query(status), views.inbound_summary, args.limit, args.offset)
        print_listing(getattr(args, "json", False), listing, views.inbound_line, f"nothing in {status}")
    return EX_OK


def cmd_quarantine_retry(args: argparse.Namespace) -> int:
    from escalations.service.held import NotHeld, retry_quarantined

    with _runtime(args) as runtime:
        with runtime.sessions.begin() as session:
            try:
                retry_quarantined(session, args.id)
            except NotHeld as exc:
                print(exc, file=sys.stderr)
                return EX_FAIL
        print(f"inbound {args.id} will be processed again")
        return EX_OK


def cmd_outbox_list(args: argparse.Namespace) -> int:
    with _runtime(args) as runtime:
        listing = Listing(
            runtime.sessions, listings.outbox_query(args.status, args.dead), views.outbox_summary, args.limit, args.offset
        )
        print_listing(args.json, listing, views.outbox_line, "no undelivered mail" if args.dead else "the outbox is empty")
    return EX_OK


def cmd_outbox_retry(args: argparse.Namespace) -> int:
    """Put a dead row (or a row with recipients not reached) back in the queue, for those recipients."""
    from escalations.service.delivery import requeue

    with _runtime(args) as runtime:
        with runtime.sessions.begin() as session:
            row = OutboxRepository(session).get(args.id)
            if row is None:
                print(f"no outbox message {args.id}", file=sys.stderr)
                return EX_FAIL
            recipients = requeue(session, row, runtime.clock())
            if recipients is None:
                print(f"outbox message {args.id} is {row.status} and reached every recipient; nothing to retry", file=sys.stderr)
                return EX_FAIL
        print(f"outbox message {args.id} will be sent again to {len(recipients)} recipient(s)")
        return EX_OK


def cmd_deadlines_run(args: argparse.Namespace) -> int:
    with _runtime(args) as runtime:
        if args.now is not None:
            runtime.clock = fixed_clock(args.now)
        taken = runtime.scheduler().run_once()
    print(f"deadline pass: {taken} action(s) taken")
    return EX_OK


def cmd_outbox_send(args: argparse.Namespace) -> int:
    with _runtime(args) as runtime:
        sender = runtime.outbox_sender()
        total = 0
        while (tried := sender.run_once()) > 0:
            total += tried
        print(f"delivery pass: {total} message(s) tried")
        return EX_OK


def cmd_console_link(args: argparse.Namespace) -> int:
    from escalations.console.auth import printed_link

    with _runtime(args) as runtime:
        with runtime.sessions.begin() as session:
            link = printed_link(session, args.email, runtime.clock(), runtime.settings.console.base_url)
        if link is None:
            print(f"console link: {args.email} is no partnership's business_manager or admin in the directory", file=sys.stderr)
            return EX_FAIL
        if not runtime.settings.console.enabled:
            print("console link: note that [console] enabled is false in these settings", file=sys.stderr)
        print(link)
        return EX_OK


def cmd_console_revoke(args: argparse.Namespace) -> int:
    from escalations.console.auth import revoke_sessions

    with _runtime(args) as runtime:
        with runtime.sessions.begin() as session:
            ended = revoke_sessions(session, args.email, runtime.clock())
    print(f"{ended} console session(s) of {args.email.strip().lower()} ended")
    return EX_OK


def cmd_report(args: argparse.Namespace) -> int:
    from escalations.reports.cli import run_report

    with _runtime(args) as runtime:
        return run_report(args, runtime.sessions, runtime.policies, runtime.clock())


def cmd_forms_make(args: argparse.Namespace) -> int:
    from escalations.outbound.notice_forms import blank_form
    from escalations.routing.policy import load_policies

    settings = load_settings(args.config)
    policies = load_policies(settings.partnerships_dir)
    if args.partnership not in policies:
        print(f"forms make: no partnership {args.partnership!r} (known: {', '.join(sorted(policies))})", file=sys.stderr)
        return EX_USAGE
    data = blank_form(policies[args.partnership], args.form_format)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        return EX_OK
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        print(f"forms make: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return EX_FAIL
    print(f"wrote {args.output} ({len(data):,} bytes)")
    return EX_OK


if __name__ == "__main__":  # pragma: no cover  (serve starts its processing process this way)
    sys.exit(main())
