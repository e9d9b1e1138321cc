"""Our own checks on a message: SPF for the connecting host (pyspf) and DKIM signatures (dkimpy).

Both use the configured ``Resolver`` (pyspf through a ``query`` whose ``dns``
method asks it; dkimpy through its ``dnsfunc`` hook), so a test's DNS server
on loopback answers every question. A DNS failure comes back as
``temperror``, never as a pass or a fail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import dkim
import spf

from escalations.intake.authentication.dns import DnsTemporaryError, Resolver

log = logging.getLogger(__name__)

MAX_SIGNATURES = 5  # more DKIM-Signature headers than this are not looked at (each costs a DNS question)
MIN_KEY_BITS = 1024  # RFC 8301: shorter RSA keys are not believed


@dataclass(frozen=True)
class Verified:
    method: str  # spf | dkim
    result: str  # pass | fail | softfail | neutral | none | permerror | temperror
    domain: str | None  # the domain the result is about (MAIL FROM or HELO domain; the signature's d=)
    reason: str


class _Query(spf.query):  # type: ignore[misc]
    """pyspf's RFC 7208 evaluation, asking our resolver instead of its module-level one."""

    def __init__(self, resolver: Resolver, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._resolver = resolver

    def dns(self, name, qtype, cnames=None, ignore_void=False):  # type: ignore[no-untyped-def]
        name = str(name).rstrip(".").lower()
        if not name or not all(0 < len(label) < 64 for label in name.split(".")):
            return []
        try:
            if qtype == "TXT":
                result: list = [[record] for record in self._resolver.txt(name)]
            elif qtype in ("A", "AAAA"):
                result = self._resolver.addresses(name, qtype)
            elif qtype == "MX":
                result = self._resolver.mx(name)
            elif qtype == "PTR":
                result = self._resolver.ptr(name)
            else:
                result = []  # type 99 (SPF) records are obsolete (RFC 7208 3.1)
        except DnsTemporaryError as exc:
            raise spf.TempError(str(exc)) from exc
        if not result and not ignore_void:
            self.void_lookups += 1
            if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                raise spf.PermError(f"void lookup limit of {spf.MAX_VOID_LOOKUPS} exceeded")
        return result


def check_spf(resolver: Resolver, ip: str, mail_from: str | None, helo: str | None) -> Verified:
    """SPF for the MAIL FROM domain (or, with a null MAIL FROM, the HELO name), RFC 7208."""
    if not mail_from and not helo:
        return Verified("spf", "none", None, "no MAIL FROM and no HELO name to check")
    try:
        query = _Query(resolver, i=ip, s=mail_from or "", h=helo or "", timeout=resolver.timeout, querytime=resolver.timeout * 4)
    except Exception as exc:  # pyspf refuses what it cannot parse (a bad IP, say)
        return Verified("spf", "permerror", None, f"cannot evaluate: {type(exc).__name__}")
    domain = query.d or None
    result, _code, explanation = query.check()
    identity = "MAIL FROM" if query.ident == "mailfrom" else "HELO"
    return Verified(
        "spf",
        result,
        domain,
        f"SPF {result} for the {identity} domain {domain} from {ip}"
        + (f": {explanation}" if result != "pass" and explanation else ""),
    )


def check_dkim(resolver: Resolver, raw: bytes) -> list[Verified]:
    """Each DKIM signature (up to MAX_SIGNATURES), verified against the key its selector publishes."""

    def txt(name: bytes | str, timeout: float = 5) -> bytes | None:
        records = resolver.txt(name.decode("ascii", "replace") if isinstance(name, bytes) else name)
        return records[0] if records else None

    try:
        signer = dkim.DKIM(raw, logger=log, minkey=MIN_KEY_BITS, timeout=resolver.timeout)
        count = sum(1 for name, _ in signer.headers if name.lower() == b"dkim-signature")
    except dkim.DKIMException as exc:
        return [Verified("dkim", "permerror", None, f"the message cannot be checked: {exc}")]
    out = []
    for index in range(min(count, MAX_SIGNATURES)):
        signer = dkim.DKIM(raw, logger=log, minkey=MIN_KEY_BITS, timeout=resolver.timeout)
        try:
            ok = signer.verify(idx=index, dnsfunc=txt)
            domain = _domain(signer)
            out.append(
                Verified(
                    "dkim",
                    "pass" if ok else "fail",
                    domain,
                    f"DKIM signature by {domain} " + ("verified" if ok else "does not verify"),
                )
            )
        except DnsTemporaryError as exc:
            out.append(Verified("dkim", "temperror", _domain(signer), f"DKIM key look-up failed: {exc}"))
        except dkim.ValidationError as exc:
            result = "fail" if "body hash mismatch" in str(exc) else "permerror"  # a changed body, or a malformed signature
            out.append(
                Verified(
                    "dkim", result, _domain(signer), f"DKIM signature by {_domain(signer)} does not verify: {str(exc)[:200]}"
                )
            )
        except dkim.DKIMException as exc:
            out.append(Verified("dkim", "permerror", _domain(signer), f"DKIM signature unusable: {str(exc)[:200]}"))
    return out


def _domain(signer: dkim.DKIM) -> str | None:
    domain = getattr(signer, "domain", None)
    return domain.decode("ascii", "replace").lower() if isinstance(domain, bytes) else None
