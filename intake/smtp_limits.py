"""Bounded SMTP intake: how many sessions at once, how many message bytes in flight, how long a line.

aiosmtpd holds a whole message in memory until ``handle_DATA`` sees it, so a
burst of large messages costs memory without bound (twelve 24 MB messages at
once took the service to 1.12 GB). Here a session beyond ``max_sessions`` is
told ``421`` and closed, and a message whose bytes would take the messages
being received past ``max_inflight_bytes`` is told ``452`` (a sending server
keeps it and tries again later): at MAIL FROM when its declared SIZE does not
fit, at DATA when nothing is left, or after its final dot when the budget ran
out while it arrived (its bytes are discarded as they come, never held).

RFC 5321 limits a line to 1000 octets, but real mail systems write longer
ones (HTML without line breaks); refusing those bounced whole notices. DATA
lines are therefore accepted up to ``MAX_LINE_BYTES``; a longer line refuses
that one message with a reply a person can act on.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiosmtpd.smtp import MISSING, SMTP, syntax

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 1_048_576
DEFAULT_MAX_SESSIONS = 50
DEFAULT_INFLIGHT_MESSAGES = 4  # the default byte budget: this many messages of the largest size at once
_CHUNK = 65_536  # the budget is taken in chunks of this size, not line by line

REPLY_BUSY = "421 4.3.2 Too many connections at once: please try again later"
REPLY_NO_ROOM = "452 4.3.1 Insufficient system storage: too much mail arriving at once, please try again later"
REPLY_TOO_BIG = "552 5.3.4 Message size exceeds fixed maximum message size"
REPLY_LINE_TOO_LONG = (
    f"552 5.3.4 Message refused: it has a line longer than {MAX_LINE_BYTES} octets. "
    "Please send the notice again as a Word or PDF attachment, or ask your IT team to send it with shorter lines"
)


class ByteBudget:
    """The message bytes all sessions may hold at once; taken before bytes are kept, given back after."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def take(self, amount: int) -> bool:
        with self._lock:
            if self.used + amount > self.limit:
                return False
            self.used += amount
            return True

    def give_back(self, amount: int) -> None:
        with self._lock:
            self.used -= amount


@dataclass
class IntakeLimits:
    """What one listener allows at once; shared by all its sessions."""

    max_sessions: int
    max_inflight_bytes: int
    sessions: int = 0
    budget: ByteBudget = field(init=False)

    def __post_init__(self) -> None:
        self.budget = ByteBudget(self.max_inflight_bytes)

    def open_session(self) -> bool:
        if self.sessions >= self.max_sessions:
            return False
        self.sessions += 1
        return True

    def close_session(self) -> None:
        self.sessions -= 1


def declared_size(mail_options: Iterable[str]) -> int:
    """The SIZE= a client declared on MAIL FROM (RFC 1870), 0 when none (aiosmtpd has checked the digits)."""
    for option in mail_options:
        name, _, value = option.partition("=")
        if name.upper() == "SIZE" and value.isdigit():
            return int(value)
    return 0


class Busy(asyncio.Protocol):
    """What a connection beyond ``max_sessions`` talks to: one 421 line, then the connection closes."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        log.warning("smtp intake: refused a connection with 421: too many sessions")
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(REPLY_BUSY.encode("ascii") + b"\r\n")
        transport.close()


class BoundedSMTP(SMTP):
    """aiosmtpd's SMTP with a share of the byte budget per session and long DATA lines accepted."""

    def __init__(self, handler: object, limits: IntakeLimits, **kwargs: object) -> None:
        super().__init__(handler, **kwargs)  # type: ignore[arg-type]
        self.limits = limits
        self.held = 0  # bytes of the budget this session holds
        self._counted = True  # the factory opened this session in ``limits``

    def reserve(self, amount: int) -> bool:
        """Hold ``amount`` bytes of the budget for this session's message (SIZE= on MAIL FROM)."""
        if amount <= self.held:
            return True
        if not self.limits.budget.take(amount - self.held):
            return False
        self.held = amount
        return True

    def _chunk(self, amount: int) -> int:
        """Never more than the largest message: one message of that size must always fit an empty budget."""
        return min(amount, self.data_size_limit) if self.data_size_limit else amount

    def release(self) -> None:
        if self.held:
            self.limits.budget.give_back(self.held)
            self.held = 0

    def _set_rset_state(self) -> None:  # RSET, a new greeting, STARTTLS: the message is gone
        self.release()
        super()._set_rset_state()

    def connection_lost(self, error: Exception | None) -> None:
        self.release()
        if self._counted:
            self._counted = False
            self.limits.close_session()
        super().connection_lost(error)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        # aiosmtpd's DATA, with the budget charged as bytes arrive and lines up to MAX_LINE_BYTES.
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        if not self.reserve(self._chunk(max(self.held, _CHUNK))):
            log.warning("smtp intake: answered 452 at DATA: %s bytes in flight", self.limits.budget.used)
            await self.push(REPLY_NO_ROOM)
            return
        try:
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            reply, content = await self._receive()
            if reply is None:
                self.envelope.content = self.envelope.original_content = content
                del content
                status = await self._call_handler_hook("DATA")
                reply = "250 OK" if status is MISSING else status
            self._set_post_data_state()
        finally:
            self.release()  # before the reply: a client told 250 or 452 may send its next message at once
        await self.push(reply)

    async def _receive(self) -> tuple[str | None, bytes]:
        """Read to the final dot; the refusal to send after it (None: accepted) and the message bytes."""
        body = bytearray()
        line_length = 0  # of the line being read, when it arrives in pieces
        refusal: str | None = None
        while True:
            try:
                piece = await self._reader.readuntil(b"\r\n")
            except asyncio.LimitOverrunError as overrun:  # longer than the reader's buffer: take what is there
                piece = await self._reader.read(overrun.consumed)
            at_line_start = line_length == 0
            if at_line_start and piece == b".\r\n":
                return refusal, bytes(body) if refusal is None else b""
            whole_line = line_length + len(piece)
            line_length = 0 if piece.endswith(b"\r\n") else whole_line
            if refusal is None:
                refusal = self._refusal(len(body) + len(piece), whole_line)
                if refusal is not None:
                    log.warning("smtp intake: refusing a message after its final dot: %s", refusal[:9])
                    body = bytearray()  # discard at once; the rest is drained, never kept
                elif at_line_start and piece.startswith(b"."):
                    body += piece[1:]  # RFC 5321 4.5.2: a leading dot was doubled by the client
                else:
                    body += piece

    def _refusal(self, received: int, line_length: int) -> str | None:
        if self.data_size_limit and received > self.data_size_limit:
            return REPLY_TOO_BIG
        if line_length > MAX_LINE_BYTES:
            return REPLY_LINE_TOO_LONG
        if received > self.held and not self.reserve(self._chunk(self.held + max(_CHUNK, received - self.held))):
            return REPLY_NO_ROOM
        return None
