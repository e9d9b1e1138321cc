"""Sign-in by emailed one-time link, server-side sessions, CSRF tokens and rate limits.

Pure of HTTP: each function takes the caller's database session and the time,
and never commits (the page handler owns the transaction). Links and session
ids are random 256-bit values kept only as SHA-256 hashes; a link is bound to
the browser that asked for it by the hash of that browser's pre-sign-in cookie,
so a copy of the email (or of the outbox row that sent it) is no use elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalations.outbound.compose import Sender, partnership_context
from escalations.outbound.letters import letter, outbox_row
from escalations.routing.policy import Policy
from escalations.storage.models import Contact, ConsoleSession, ConsoleSignIn
from escalations.storage.repositories import OutboxRepository

CONSOLE_ROLES = ("business_manager", "admin")  # partnership-level directory roles that may sign in
LINK_LIFETIME = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=8)
RATE_WINDOW = timedelta(minutes=15)
PER_ADDRESS = 3  # links asked for one address per window (a person needs one; a few lost emails allowed)
PER_CLIENT = 10  # requests from one client address per window, whatever address they name
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often


@dataclass(frozen=True)
class Person:
    """Who is signed in, and the partnerships they may see (from the directory, read at every request)."""

    email: str
    partnerships: tuple[str, ...]
    roles: tuple[str, ...]
    csrf: str
    session_id: int


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a.encode(), b.encode())


def form_token(key: str, browser: str) -> str:
    """The CSRF token of the sign-in form, before there is a session: tied to the pre-sign-in cookie."""
    return hmac.new(key.encode(), b"sign-in\0" + browser.encode(), hashlib.sha256).hexdigest()


def who_may_sign_in(session: Session, email: str) -> dict[str, str]:
    """The partnerships (and role there) where this address is a business manager or admin."""
    rows = session.execute(
        select(Contact.partnership, Contact.role).where(
            func.lower(Contact.email) == email.lower(), Contact.role.in_(CONSOLE_ROLES), Contact.agency_id.is_(None)
        )
    ).all()
    found: dict[str, str] = {}
    for partnership, role in rows:
        found[partnership] = "admin" if "admin" in (role, found.get(partnership)) else role
    return found


class RateLimited(Exception):
    """Too many sign-in requests for this address or from this client in the window."""


def ask_for_link(
    session: Session,
    email: str,
    client: str | None,
    browser: str,
    now: datetime,
    base_url: str,
    policies: Mapping[str, Policy],
    sender: Sender,
) -> bool:
    """Record the request; if the address may sign in, queue the link's email. The answer is the same either way."""
    email = email.strip().lower()[:320]
    _check_rate(session, email, client, now)
    allowed = {p: r for p, r in who_may_sign_in(session, email).items() if p in policies}
    if not allowed:
        session.add(ConsoleSignIn(email=email, client=client, requested_at=now, via="refused"))
        return False
    token = new_secret()
    session.add(
        ConsoleSignIn(
            email=email,
            client=client,
            requested_at=now,
            via="email",
            token_hash=digest(token),
            browser_hash=digest(browser),
            expires_at=now + LINK_LIFETIME,
        )
    )
    policy = policies[sorted(allowed)[0]]
    context = {"link": sign_in_url(base_url, token), "minutes": int(LINK_LIFETIME.total_seconds() // 60)}
    context["partnership"] = partnership_context(policy)
    OutboxRepository(session).add(outbox_row(letter("console_sign_in", (email,)), context, policy, sender, now))
    return True


def printed_link(session: Session, email: str, now: datetime, base_url: str) -> str | None:
    """`escalations console link`: a link for a person the directory allows, for whoever runs the command.

    Bound to no browser (the operator has a shell on the server); still single use and short-lived.
    """
    email = email.strip().lower()
    if not who_may_sign_in(session, email):
        return None
    token = new_secret()
    session.add(
        ConsoleSignIn(
            email=email, requested_at=now, via="cli", token_hash=digest(token), expires_at=now + LINK_LIFETIME, client=None
        )
    )
    return sign_in_url(base_url, token)


def sign_in_url(base_url: str, token: str) -> str:
    return f"{base_url}/sign-in/{token}"


def _check_rate(session: Session, email: str, client: str | None, now: datetime) -> None:
    since = now - RATE_WINDOW
    recent = select(func.count()).select_from(ConsoleSignIn).where(ConsoleSignIn.requested_at > since)
    if session.scalar(recent.where(ConsoleSignIn.email == email)) >= PER_ADDRESS:
        raise RateLimited("address")
    if client is not None and session.scalar(recent.where(ConsoleSignIn.client == client)) >= PER_CLIENT:
        raise RateLimited("client")


def redeem(session: Session, token: str, browser: str | None, now: datetime) -> str | None:
    """Use a link once: the address it signs in, or None (unknown, used, expired, or another browser's)."""
    row = session.scalars(select(ConsoleSignIn).where(ConsoleSignIn.token_hash == digest(token))).first()
    if row is None or row.used_at is not None or row.expires_at is None or row.expires_at <= now:
        return None
    if row.browser_hash is not None and not same(row.browser_hash, digest(browser) if browser else None):
        return None
    row.used_at = now
    return row.email


def start_session(session: Session, email: str, client: str | None, now: datetime) -> str:
    """A new session id, never one the browser brought (no fixation); its hash is stored."""
    session_id = new_secret()
    session.add(
        ConsoleSession(
            id_hash=digest(session_id), email=email, csrf=new_secret(), client=client, created_at=now, last_seen_at=now
        )
    )
    return session_id


def current_person(session: Session, session_id: str | None, now: datetime) -> Person | None:
    """The person of a live session (not revoked, idle under 30 minutes, under 8 hours old, still in the directory)."""
    if not session_id:
        return None
    row = session.scalars(select(ConsoleSession).where(ConsoleSession.id_hash == digest(session_id))).first()
    if row is None or row.revoked_at is not None:
        return None
    if now - row.last_seen_at >= IDLE_TIMEOUT or now - row.created_at >= ABSOLUTE_TIMEOUT:
        row.revoked_at = now
        return None
    allowed = who_may_sign_in(session, row.email)
    if not allowed:
        row.revoked_at = now
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
    return Person(row.email, tuple(sorted(allowed)), tuple(sorted(set(allowed.values()))), row.csrf, row.id)


def end_session(session: Session, session_id: str | None, now: datetime) -> None:
    if not session_id:
        return
    row = session.scalars(select(ConsoleSession).where(ConsoleSession.id_hash == digest(session_id))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


def revoke_sessions(session: Session, email: str, now: datetime) -> int:
    """End every live session of one person at once (`escalations console revoke`)."""
    rows = session.scalars(
        select(ConsoleSession).where(
            func.lower(ConsoleSession.email) == email.strip().lower(), ConsoleSession.revoked_at.is_(None)
        )
    ).all()
    for row in rows:
        row.revoked_at = now
    return len(rows)
