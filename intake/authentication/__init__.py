"""Sender authentication: is the ``From:`` address really the sender's (DESIGN.md invariant 10)?

A sender is authenticated when SPF or DKIM passes for a domain aligned with
the ``From:`` domain (DMARC's rule, RFC 7489 3.1), checked either

* by a trusted upstream, whose ``Authentication-Results`` we read (mail
  taken over IMAP from Microsoft 365 or Google, piped in by the local mail
  server, or handed to our SMTP intake by a configured relay), or
* by us: SPF for the host that connected to our SMTP intake, and DKIM
  signatures (on any message: a signature survives relaying).

Pure apart from DNS, which goes through the injected ``Resolver``. A DNS
failure gives ``temporary`` (unauthenticated for now, with that reason).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from typing import Any

from escalations.intake.authentication.dmarc import Alignment, aligned, alignment_modes
from escalations.intake.authentication.dns import DnsTemporaryError, Resolver
from escalations.intake.authentication.results import AuthResults, trusted_results
from escalations.intake.authentication.verify import Verified, check_dkim, check_spf

HEADER_BYTES = 262_144  # the header section we read (as intake.receiving does for the Message-ID)


@dataclass(frozen=True)
class Origin:
    """How a stored message reached us: the inbound row's envelope."""

    source: str  # smtp | imap | ingest
    mail_from: str | None = None
    peer_ip: str | None = None
    helo: str | None = None


@dataclass(frozen=True)
class Check:
    method: str  # spf | dkim | dmarc
    result: str  # pass | fail | none | temperror | …
    domain: str | None
    aligned: bool
    by: str  # "service" or the upstream's authserv-id
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "result": self.result,
            "domain": self.domain,
            "aligned": self.aligned,
            "by": self.by,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Authentication:
    authenticated: bool
    from_domain: str | None
    method: str | None  # the method that authenticated (spf | dkim | dmarc), None when none did
    domain: str | None  # the domain it authenticated
    by: str | None  # "service" or the trusted upstream's authserv-id
    reason: str  # one sentence, for the timeline and the review listing
    temporary: bool = False  # DNS failed: unauthenticated for now
    checks: tuple[Check, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "authenticated": self.authenticated,
            "from_domain": self.from_domain,
            "method": self.method,
            "domain": self.domain,
            "by": self.by,
            "reason": self.reason,
            "temporary": self.temporary,
            "checks": [c.to_json() for c in self.checks],
        }


def unauthenticated(reason: str) -> Authentication:
    return Authentication(False, None, None, None, None, reason)


class Authenticator:
    def __init__(self, resolver: Resolver, authserv_ids: Collection[str] = (), relays: Sequence[str] = ()) -> None:
        self.resolver = resolver
        self.authserv_ids = frozenset(a.lower() for a in authserv_ids)
        self.relays = tuple(ipaddress.ip_network(r, strict=False) for r in relays)

    def authenticate(self, raw: bytes, origin: Origin) -> Authentication:
        headers = _headers(raw)
        from_domain, problem = _from_domain(headers)
        if from_domain is None:
            return unauthenticated(problem)
        checks: list[Check] = []
        temporary: list[str] = []
        if self._upstream_may_speak(origin):
            for results in trusted_results(headers, self.authserv_ids):
                checks += _upstream_checks(results, from_domain)
        needs = lambda: not any(c.aligned and c.result == "pass" for c in checks)  # noqa: E731
        verified: list[Verified] = []
        if needs() and origin.source == "smtp" and origin.peer_ip and not self._relay(origin.peer_ip):
            verified.append(check_spf(self.resolver, origin.peer_ip, origin.mail_from, origin.helo))
        if needs():
            verified += check_dkim(self.resolver, raw)
        try:
            checks += self._aligned(verified, from_domain)
        except DnsTemporaryError as exc:
            temporary.append(f"the DMARC record of {from_domain} could not be looked up: {exc}")
            checks += [Check(v.method, v.result, v.domain, False, "service", v.reason) for v in verified]
        temporary += [c.reason for c in checks if c.result == "temperror"]
        return _verdict(from_domain, checks, temporary, self._upstream_may_speak(origin))

    def _upstream_may_speak(self, origin: Origin) -> bool:
        """Whose mail can carry a trusted upstream's header: not a stranger's direct SMTP connection."""
        if origin.source in ("imap", "ingest"):
            return True
        return origin.source == "smtp" and bool(origin.peer_ip) and self._relay(origin.peer_ip or "")

    def _relay(self, ip: str) -> bool:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in network for network in self.relays)

    def _aligned(self, verified: list[Verified], from_domain: str) -> list[Check]:
        """Our own passes, checked for alignment; the DMARC record is read only when it can matter."""
        modes: Alignment | None = None
        out = []
        for v in verified:
            is_aligned = False
            if v.result == "pass" and v.domain:
                if v.domain == from_domain:
                    is_aligned = True  # the same name aligns in both modes
                else:
                    modes = modes or alignment_modes(self.resolver, from_domain)
                    is_aligned = aligned(v.domain, from_domain, modes.spf if v.method == "spf" else modes.dkim)
            out.append(
                Check(
                    v.method,
                    v.result,
                    v.domain,
                    is_aligned,
                    "service",
                    v.reason + _alignment_note(v, is_aligned, from_domain, modes),
                )
            )
        return out


def _alignment_note(v: Verified, is_aligned: bool, from_domain: str, modes: Alignment | None) -> str:
    if v.result != "pass" or not v.domain:
        return ""
    if is_aligned:
        return f"; aligned with the From: domain {from_domain}"
    mode = (modes.spf if v.method == "spf" else modes.dkim) if modes else "r"
    return f"; not aligned with the From: domain {from_domain} ({'strict' if mode == 's' else 'relaxed'} alignment)"


def _upstream_checks(results: AuthResults, from_domain: str) -> list[Check]:
    """What a trusted upstream says, as checks. Its DMARC verdict for our From: domain decides when it gives
    one (``bestguesspass``: Microsoft 365's pass for a domain with no DMARC record); else its SPF or DKIM
    pass for a domain aligned (relaxed) with the From: domain."""
    by = results.authserv_id or "microsoft-365"
    verdict = any(r.method == "dmarc" and (r.get("header.from") or "").lower() == from_domain for r in results.results)
    out = []
    for r in results.results:
        if r.method == "dmarc":
            header_from = (r.get("header.from") or "").lower()
            about_us = header_from == from_domain
            ok = r.result in ("pass", "bestguesspass") and about_us
            why = f"{by} says DMARC {r.result} for {header_from or 'no domain'}" + (
                "" if about_us else f", not the From: domain {from_domain}"
            )
            out.append(Check("dmarc", "pass" if ok else r.result, header_from or None, ok, by, why))
        elif r.method in ("spf", "dkim"):
            domain = _result_domain(
                r.method,
                r.get("smtp.mailfrom") or r.get("smtp.helo") if r.method == "spf" else r.get("header.d") or r.get("header.i"),
            )
            ok = not verdict and r.result == "pass" and domain is not None and aligned(domain, from_domain, "r")
            why = f"{by} says {r.method.upper()} {r.result} for {domain or 'no domain'}" + (
                "; aligned with the From: domain" if ok else ""
            )
            out.append(Check(r.method, r.result, domain, ok, by, why))
    return out


def _result_domain(method: str, value: str | None) -> str | None:
    if not value:
        return None
    domain = value.rsplit("@", 1)[-1].strip().lower().rstrip(".")
    return domain or None


def _verdict(from_domain: str, checks: list[Check], temporary: list[str], upstream: bool) -> Authentication:
    passed = next((c for c in checks if c.aligned and c.result == "pass"), None)
    if passed is not None:
        reason = f"authenticated: {passed.reason}"
        return Authentication(True, from_domain, passed.method, passed.domain, passed.by, reason, False, tuple(checks))
    if temporary:
        reason = f"not authenticated for now (a temporary DNS failure): {temporary[0]}"
        return Authentication(False, from_domain, None, None, None, reason, True, tuple(checks))
    if checks:
        said = "; ".join(c.reason for c in checks[:4])
        reason = f"not authenticated: no SPF or DKIM pass aligned with the From: domain {from_domain} ({said})"
    elif upstream:
        reason = f"not authenticated: no trusted Authentication-Results and no DKIM signature for {from_domain}"
    else:
        reason = f"not authenticated: no SPF or DKIM result for {from_domain}"
    return Authentication(False, from_domain, None, None, None, reason, False, tuple(checks))


def _headers(raw: bytes) -> list[tuple[str, str]]:
    """The header fields in order (top first), unfolded; hostile bytes give what could be read."""
    try:
        message = BytesHeaderParser(policy=compat32).parsebytes(raw[:HEADER_BYTES])
    except Exception:  # noqa: BLE001 - a header section we cannot read authenticates nothing
        return []
    return [(str(name), " ".join(str(value).split())) for name, value in message.items()]


def _from_domain(headers: list[tuple[str, str]]) -> tuple[str | None, str]:
    """The one From: domain DMARC speaks for; two From: fields or two addresses authenticate nothing (RFC 7489 6.6.1)."""
    values = [v for n, v in headers if n.lower() == "from"]
    if len(values) != 1:
        return None, f"not authenticated: the message has {len(values)} From: fields, not one"
    addresses = [a for _, a in getaddresses(values) if a]
    if len(addresses) != 1 or "@" not in addresses[0]:
        return None, "not authenticated: the From: field does not hold exactly one address"
    domain = addresses[0].rsplit("@", 1)[1].strip().lower().rstrip(".")
    if not domain or "." not in domain:
        return None, "not authenticated: the From: address has no usable domain"
    return domain, ""
