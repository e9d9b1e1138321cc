"""The `escalations report` command's work, given what service/cli.py wires: sessions, policies and the time."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from escalations.reports.command import ReportError, make, period
from escalations.routing.policy import Policy

EX_OK, EX_FAIL, EX_USAGE = 0, 1, 2


def run_report(args: argparse.Namespace, sessions: sessionmaker[Session], policies: Mapping[str, Policy], now: datetime) -> int:
    policy = policies.get(args.partnership)
    if policy is None:
        print(f"report: no partnership {args.partnership!r} (known: {', '.join(sorted(policies))})", file=sys.stderr)
        return EX_USAGE
    try:
        span = period(args.start, args.end)
        with sessions.begin() as session:  # one transaction: the access-log entry commits with the report made
            report = make(session, policy, span, args.report_format, now, args.include_personal_data, _who())
    except ReportError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return EX_USAGE
    if args.output == "-":
        sys.stdout.buffer.write(report.data)
        sys.stdout.flush()
        return EX_OK
    try:
        Path(args.output).write_bytes(report.data)
    except OSError as exc:
        print(f"report: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return EX_FAIL
    print(f"wrote {args.output} ({len(report.data):,} bytes)", file=sys.stderr)
    return EX_OK


def _who() -> str:
    """Who asked, for the access log: the operating-system account that ran the command."""
    try:
        return f"command line: {getpass.getuser()}"
    except (KeyError, OSError):
        return "command line: unknown account"
