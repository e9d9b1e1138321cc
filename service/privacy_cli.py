"""The data protection commands (issue 16): `retention`, `subject`, `keys`, `backup` and `restore`.

Registered on the `escalations` parser by ``register``; each handler is one
unit of work with one commit, like the rest of the command line.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select

from escalations.service import cli
from escalations.service.backup import BackupError, backup, restore, sqlite_path
from escalations.service.clock import fixed_clock
from escalations.service.paging import add_paging, print_listing
from escalations.service.settings import load_settings
from escalations.storage.crypto import SealError, new_key_line


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    def group(name: str, help: str) -> argparse._SubParsersAction:  # type: ignore[type-arg]
        return sub.add_parser(name, help=help).add_subparsers(dest="action", metavar="ACTION")

    retention = group("retention", "anonymise cases past their partnership's retention_years")
    p = retention.add_parser("run", parents=[common], help="one retention pass (serve runs one a day)")
    p.add_argument("--dry-run", action="store_true", help="list what would be anonymised and change nothing")
    p.add_argument("--now", type=cli._moment, help="pretend it is this moment (ISO 8601 with an offset)")
    p.set_defaults(handler=cmd_retention_run)
    p = retention.add_parser(
        "log", parents=[common], help="every anonymisation: the case, when, the rule (and an erasure's decision)"
    )
    p.add_argument("--json", action="store_true")
    add_paging(p, cli._count)
    p.set_defaults(handler=cmd_retention_log)

    subject = group("subject", "subject access requests and erasure decisions")
    for action, handler, help in (
        ("export", cmd_subject_export, "write everything stored about one person to a zip, with a manifest"),
        ("erase", cmd_subject_erase, "anonymise every case about one person, for a confirmed erasure decision"),
    ):
        p = subject.add_parser(action, parents=[common], help=help)
        p.add_argument("--name", required=True, help="the child's or adult's name, as on the notices")
        p.add_argument("--dob", required=True, type=_date, help="their date of birth, YYYY-MM-DD")
        p.add_argument("--by", help="who asks, for the access log (default cli:<your user name>)")
        p.set_defaults(handler=handler)
        if action == "export":
            p.add_argument("-o", "--output", required=True, metavar="FILE.zip")
        else:
            p.add_argument("--decision", required=True, help="the decision: who made it, when, on what grounds (no names)")
            p.add_argument("--yes", action="store_true", help="erase; without it, list what would be erased")

    keys = group("keys", "the keys that encrypt stored messages ([storage] encryption_key_file)")
    p = keys.add_parser("generate", parents=[common], help="print a new random key as a line for the key file's [keys]")
    p.add_argument("--id", required=True, dest="key_id", help="the new key's id, e.g. 2027-01")
    p.set_defaults(handler=cmd_keys_generate)
    p = keys.add_parser("rotate", parents=[common], help="re-encrypt every stored message under the key file's current key")
    p.set_defaults(handler=cmd_keys_rotate)

    p = sub.add_parser("backup", parents=[common], help="copy the SQLite database, consistently, while serve runs")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.set_defaults(handler=cmd_backup)
    p = sub.add_parser("restore", parents=[common], help="copy a backup into an empty database (serve stopped)")
    p.add_argument("file")
    p.set_defaults(handler=cmd_restore)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _by(args: argparse.Namespace) -> str:
    if args.by:
        return str(args.by)
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in this environment
        return "cli"


def _fail(command: str, problem: object) -> int:
    print(f"{command}: {problem}", file=sys.stderr)
    return cli.EX_FAIL


def cmd_retention_run(args: argparse.Namespace) -> int:
    from escalations.service import retention

    with cli._runtime(args) as runtime:
        if args.now is not None:
            runtime.clock = fixed_clock(args.now)
        report = retention.run(runtime.sessions, runtime.policies, runtime.clock(), dry_run=args.dry_run)
    print("\n".join(report.lines(args.dry_run)))
    return cli.EX_OK


def cmd_retention_log(args: argparse.Namespace) -> int:
    from escalations.storage.listings import Listing
    from escalations.storage.models import Anonymisation

    def row(r: Anonymisation) -> dict[str, str | None]:
        return {"reference": r.reference, "at": r.at.isoformat(), "rule": r.rule, "decision": r.decision, "by": r.by}

    with cli._runtime(args) as runtime:
        listing = Listing(runtime.sessions, select(Anonymisation), row, args.limit, args.offset)
        print_listing(args.json, listing, _log_line, "nothing has been anonymised")
    return cli.EX_OK


def _log_line(row: dict[str, str | None]) -> str:
    decided = f" ({row['decision']}, by {row['by']})" if row["decision"] else ""
    return f"{row['at']}  {row['reference']}  {row['rule']}{decided}"


def cmd_subject_export(args: argparse.Namespace) -> int:
    from escalations.service.subject import SubjectError, export

    with cli._runtime(args) as runtime:
        with runtime.sessions.begin() as session:
            try:
                manifest = export(session, args.name, args.dob, Path(args.output), runtime.clock(), _by(args))
            except (SubjectError, OSError) as exc:
                return _fail("subject export", exc)
    print(f"wrote {args.output}: {len(manifest['cases'])} case(s), {len(manifest['files'])} file(s) and a manifest")
    return cli.EX_OK


def cmd_subject_erase(args: argparse.Namespace) -> int:
    from escalations.service.subject import SubjectError, erase, find

    with cli._runtime(args) as runtime:
        if not args.yes:
            with runtime.sessions() as session:
                found = find(session, args.name, args.dob)
                refs = [c.reference for c in found.cases]
            print(
                f"would erase {len(refs)} case(s): {', '.join(refs) or 'none'}; {len(found.loose_notices)} notice(s) on no case"
            )
            return _fail("subject erase", "nothing erased: run again with --yes to erase")
        with runtime.sessions.begin() as session:
            try:
                records = erase(session, args.name, args.dob, args.decision, runtime.clock(), _by(args))
            except SubjectError as exc:
                return _fail("subject erase", exc)
            done = [r.reference for r in records]
    print(f"erased {len(done)}: {', '.join(str(r) for r in done) or 'nothing was found'}")
    return cli.EX_OK


def cmd_keys_generate(args: argparse.Namespace) -> int:
    try:
        print(new_key_line(args.key_id))
    except SealError as exc:
        return _fail("keys generate", exc)
    return cli.EX_OK


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from escalations.storage.keys import rotate

    with cli._runtime(args) as runtime:
        done = rotate(runtime.sessions, runtime.keyring)
        current = runtime.keyring.current
    for table in done:
        print(f"{table.table}: {table.resealed} re-encrypted, {table.kept} already under the current key")
    print(f"every stored message is now {'under key ' + repr(current) if current else 'unencrypted'}; older keys may go")
    return cli.EX_OK


def cmd_backup(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    try:
        size = backup(settings.storage_url, Path(args.output))
    except (BackupError, OSError) as exc:  # OSError: a folder that is not there, a full disk
        return _fail("backup", exc)
    print(f"backup written to {args.output} ({size:,} bytes); keep the encryption key file apart from it")
    return cli.EX_OK


def cmd_restore(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    try:
        sqlite_path(settings.storage_url)
        rows = restore(settings.storage_url, Path(args.file))
    except (BackupError, OSError) as exc:
        return _fail("restore", exc)
    with cli._runtime(args):  # a backup from an older version is migrated now
        pass
    print("restored: " + ", ".join(f"{n} {table}" for table, n in rows.items()))
    return cli.EX_OK
