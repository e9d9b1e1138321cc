"""DMARC identifier alignment (RFC 7489 3.1): is an authenticated domain the From: domain's?

Relaxed alignment (the default) compares organisational domains, found with
the Public Suffix List that ``publicsuffixlist`` bundles (never fetched at
run time); strict alignment needs the same name. The From: domain's DMARC
record (or its organisational domain's) says which, in ``aspf`` and ``adkim``.
Its policy (``p=``) does not matter here: we act only on aligned passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from publicsuffixlist import PublicSuffixList

from escalations.intake.authentication.dns import Resolver


@cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def organisational_domain(domain: str) -> str:
    """``mail.nhs-trust.example`` → ``nhs-trust.example``; a public suffix stands for itself."""
    domain = domain.lower().rstrip(".")
    return _psl().privatesuffix(domain) or domain


@dataclass(frozen=True)
class Alignment:
    spf: str = "r"  # r(elaxed) | s(trict)
    dkim: str = "r"
    record: str | None = None  # where the modes came from: "_dmarc.example.org", or None for the defaults


def aligned(authenticated: str, from_domain: str, mode: str) -> bool:
    a, f = authenticated.lower().rstrip("."), from_domain.lower().rstrip(".")
    if mode == "s":
        return a == f
    return organisational_domain(a) == organisational_domain(f)


def _tags(record: str) -> dict[str, str]:
    tags = {}
    for part in record.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            tags.setdefault(key.strip().lower(), value.strip().lower())
    return tags


def _record(resolver: Resolver, name: str) -> dict[str, str] | None:
    records = [r.decode("utf-8", "replace") for r in resolver.txt(name)]
    dmarc = [r for r in records if r.strip().lower().startswith("v=dmarc1")]
    return _tags(dmarc[0]) if len(dmarc) == 1 else None  # none, or two: no record (RFC 7489 6.6.3)


def alignment_modes(resolver: Resolver, from_domain: str) -> Alignment:
    """The From: domain's (or its organisational domain's) aspf and adkim; relaxed where unsaid.

    Raises DnsTemporaryError when the DNS does not answer.
    """
    for domain in dict.fromkeys([from_domain.lower(), organisational_domain(from_domain)]):
        tags = _record(resolver, f"_dmarc.{domain}")
        if tags is not None:
            return Alignment(
                spf="s" if tags.get("aspf") == "s" else "r",
                dkim="s" if tags.get("adkim") == "s" else "r",
                record=f"_dmarc.{domain}",
            )
    return Alignment()
