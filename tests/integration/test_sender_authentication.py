"""Sender authentication against a DNS server on loopback that the test controls.

Real DKIM signatures (keys made here), SPF records evaluated by pyspf through
our resolver, DMARC alignment relaxed and strict, forged From: lines, and a
DNS server that stops answering.
"""

from __future__ import annotations

import pytest

from escalations.intake.authentication import Authentication, Authenticator, Origin
from escalations.intake.authentication.dmarc import organisational_domain
from escalations.intake.authentication.dns import Resolver, parse_nameserver
from tests.support.authentication import UPSTREAM, dkim_key, upstream
from tests.support.dns import Zone, closed_port, dns_server

MANAGER = "lowri.dalby@childrens.salford.example"
DOMAIN = "childrens.salford.example"
PEER = "192.0.2.7"
RELAY = "192.0.2.25"


def message(sender: str = MANAGER, extra: bytes = b"") -> bytes:
    return (
        extra
        + (
            f"From: Lowri Dalby <{sender}>\r\nTo: escalations@salford.example\r\nSubject: RE: [SAL-2026-0001] Escalation\r\n"
            f"Date: Tue, 10 Mar 2026 10:00:00 +0000\r\nMessage-ID: <reply-1@{sender.split('@')[1]}>\r\n\r\nResolved - no further action\r\n"
        ).encode()
    )


def authenticator(nameserver: str | None = None, **kwargs: object) -> Authenticator:
    resolver = Resolver([parse_nameserver(nameserver or dns_server().address)], timeout=0.5)
    return Authenticator(resolver, **kwargs)  # type: ignore[arg-type]


def smtp(mail_from: str | None, peer: str = PEER, helo: str = "mail.childrens.salford.example") -> Origin:
    return Origin("smtp", mail_from, peer, helo)


def check(auth: Authentication, authenticated: bool, method: str | None = None, words: str = "") -> None:
    assert auth.authenticated is authenticated, auth.reason
    if method is not None:
        assert auth.method == method, auth.reason
    assert words in auth.reason


# -- SPF ---------------------------------------------------------------------------


def test_spf_pass_for_the_from_domain_authenticates(dns_zone: Zone) -> None:
    dns_zone.txt(DOMAIN, f"v=spf1 ip4:{PEER} -all")
    auth = authenticator().authenticate(message(), smtp(MANAGER))
    check(auth, True, "spf", "aligned with the From: domain")
    assert auth.by == "service" and auth.domain == DOMAIN
    assert ("_dmarc.childrens.salford.example", "TXT") not in dns_zone.questions, (
        "the same name aligns in any mode: no DMARC look-up"
    )


def test_the_swaks_attack_spf_passes_for_the_attackers_domain_only(dns_zone: Zone) -> None:
    dns_zone.txt("evil.example", f"v=spf1 ip4:{PEER} -all")
    auth = authenticator().authenticate(message(), smtp("attacker@evil.example", helo="evil.example"))
    check(auth, False, None, "not aligned with the From: domain childrens.salford.example")
    [spf] = auth.checks
    assert (spf.method, spf.result, spf.domain, spf.aligned) == ("spf", "pass", "evil.example", False)


@pytest.mark.parametrize(
    ("record", "result"),
    [("v=spf1 ip4:192.0.2.99 -all", "fail"), ("v=spf1 ~all", "softfail"), ("v=spf1 ?all", "neutral"), (None, "none")],
)
def test_spf_other_results_do_not_authenticate(dns_zone: Zone, record: str | None, result: str) -> None:
    if record:
        dns_zone.txt(DOMAIN, record)
    auth = authenticator().authenticate(message(), smtp(MANAGER))
    check(auth, False)
    assert [c.result for c in auth.checks] == [result]


def test_spf_include_and_mx_are_followed_through_our_resolver(dns_zone: Zone) -> None:
    dns_zone.txt(DOMAIN, "v=spf1 include:_spf.council-mail.example mx -all")
    dns_zone.txt("_spf.council-mail.example", "v=spf1 ip4:198.51.100.0/24 -all")
    dns_zone.add(DOMAIN, "MX", (10, "mx1.childrens.salford.example"))
    dns_zone.add("mx1.childrens.salford.example", "A", PEER)
    check(authenticator().authenticate(message(), smtp(MANAGER, peer="198.51.100.20")), True, "spf")
    check(authenticator().authenticate(message(), smtp(MANAGER, peer=PEER)), True, "spf")
    check(authenticator().authenticate(message(), smtp(MANAGER, peer="203.0.113.1")), False)


@pytest.mark.parametrize(
    ("dmarc", "authenticated"), [(None, True), ("v=DMARC1; p=reject", True), ("v=DMARC1; p=reject; aspf=s", False)]
)
def test_spf_for_a_subdomain_aligns_only_under_relaxed_alignment(dns_zone: Zone, dmarc: str | None, authenticated: bool) -> None:
    dns_zone.txt("bounce.childrens.salford.example", f"v=spf1 ip4:{PEER} -all")
    if dmarc:
        dns_zone.txt("_dmarc.childrens.salford.example", dmarc)
    auth = authenticator().authenticate(message(), smtp("bounces@bounce.childrens.salford.example"))
    check(auth, authenticated, "spf" if authenticated else None)


def test_the_organisational_domains_dmarc_record_applies_to_its_subdomains(dns_zone: Zone) -> None:
    dns_zone.txt("bounce.mail.northside-health.example", f"v=spf1 ip4:{PEER} -all")
    dns_zone.txt("_dmarc.northside-health.example", "v=DMARC1; p=none; aspf=s")
    sender = "dev.vellacott@mail.northside-health.example"
    auth = authenticator().authenticate(message(sender), smtp("b@bounce.mail.northside-health.example"))
    check(auth, False, None, "strict alignment")
    assert organisational_domain("mail.northside-health.example") == "northside-health.example"


def test_a_sibling_under_a_public_suffix_is_not_aligned(dns_zone: Zone) -> None:
    # nhs.uk is a public suffix: two trusts under it are two organisations.
    dns_zone.txt("other-trust.nhs.uk", f"v=spf1 ip4:{PEER} -all")
    auth = authenticator().authenticate(message("a.person@my-trust.nhs.uk"), smtp("x@other-trust.nhs.uk"))
    check(auth, False)


def test_a_null_mail_from_is_checked_against_the_helo_name(dns_zone: Zone) -> None:
    dns_zone.txt("mail.childrens.salford.example", f"v=spf1 ip4:{PEER} -all")
    auth = authenticator().authenticate(message(), smtp(None, helo="mail.childrens.salford.example"))
    check(auth, True, "spf", "HELO")


# -- DKIM --------------------------------------------------------------------------


def test_a_real_dkim_signature_of_the_from_domain_authenticates(dns_zone: Zone) -> None:
    key = dkim_key(DOMAIN)
    key.publish(dns_zone)
    auth = authenticator().authenticate(key.sign(message()), Origin("ingest", MANAGER))
    check(auth, True, "dkim", "DKIM signature by childrens.salford.example verified")


def test_dkim_survives_a_relay_spf_does_not(dns_zone: Zone) -> None:
    key = dkim_key(DOMAIN)
    key.publish(dns_zone)
    dns_zone.txt(DOMAIN, "v=spf1 ip4:192.0.2.7 -all")
    auth = authenticator().authenticate(key.sign(message()), smtp(MANAGER, peer="203.0.113.9"))
    check(auth, True, "dkim")
    assert [(c.method, c.result) for c in auth.checks] == [("spf", "fail"), ("dkim", "pass")]


def test_a_changed_body_breaks_the_signature(dns_zone: Zone) -> None:
    key = dkim_key(DOMAIN)
    key.publish(dns_zone)
    signed = key.sign(message()).replace(b"Resolved - no further action", b"Escalate - no agreement")
    auth = authenticator().authenticate(signed, Origin("ingest", MANAGER))
    check(auth, False)
    assert [(c.method, c.result) for c in auth.checks] == [("dkim", "fail")]


def test_a_signature_by_another_domain_is_not_aligned(dns_zone: Zone) -> None:
    key = dkim_key("evil.example")
    key.publish(dns_zone)
    auth = authenticator().authenticate(key.sign(message()), Origin("ingest", "attacker@evil.example"))
    check(auth, False, None, "not aligned")


@pytest.mark.parametrize(("dmarc", "authenticated"), [(None, True), ("v=DMARC1; p=quarantine; adkim=s", False)])
def test_a_parent_domain_signature_aligns_only_under_relaxed_alignment(
    dns_zone: Zone, dmarc: str | None, authenticated: bool
) -> None:
    key = dkim_key("salford.example")  # the council signs for its departments' subdomains
    key.publish(dns_zone)
    if dmarc:
        dns_zone.txt("_dmarc.childrens.salford.example", dmarc)
    auth = authenticator().authenticate(key.sign(message()), Origin("imap", MANAGER))
    check(auth, authenticated)


def test_a_signature_whose_key_is_not_published_does_not_authenticate(dns_zone: Zone) -> None:
    signed = dkim_key(DOMAIN).sign(message())
    auth = authenticator().authenticate(signed, Origin("ingest", MANAGER))
    check(auth, False)
    assert [(c.method, c.result) for c in auth.checks] == [("dkim", "fail")]


def test_a_second_from_field_authenticates_nothing(dns_zone: Zone) -> None:
    key = dkim_key("evil.example")
    key.publish(dns_zone)
    raw = key.sign(message("attacker@evil.example"), headers=(b"from", b"subject"))
    doubled = raw.replace(b"To: ", f"From: <{MANAGER}>\r\nTo: ".encode(), 1)
    check(authenticator().authenticate(doubled, Origin("ingest", None)), False, None, "2 From: fields")


# -- DNS failure -------------------------------------------------------------------


def test_a_silent_dns_server_is_a_temporary_failure_not_a_verdict(dns_zone: Zone) -> None:
    dns_zone.quiet(DOMAIN)
    auth = authenticator().authenticate(message(), smtp(MANAGER))
    assert not auth.authenticated and auth.temporary, auth.reason
    assert "temporary DNS failure" in auth.reason
    assert [c.result for c in auth.checks] == ["temperror"]


def test_no_dns_server_at_all_is_a_temporary_failure(dns_zone: Zone) -> None:
    key = dkim_key(DOMAIN)
    with closed_port() as nowhere:
        auth = authenticator(nowhere).authenticate(key.sign(message()), Origin("ingest", MANAGER))
    assert not auth.authenticated and auth.temporary, auth.reason


# -- a trusted upstream's Authentication-Results ----------------------------------


def test_the_upstreams_dmarc_pass_authenticates_mail_taken_over_imap(dns_zone: Zone) -> None:
    auth = authenticator(authserv_ids=[UPSTREAM]).authenticate(upstream(message(), DOMAIN), Origin("imap", None))
    check(auth, True, "dmarc", UPSTREAM)
    assert auth.by == UPSTREAM and dns_zone.questions == [], "the upstream's word needs no DNS"


def test_the_upstreams_header_on_a_strangers_direct_smtp_connection_is_not_believed(dns_zone: Zone) -> None:
    auth = authenticator(authserv_ids=[UPSTREAM], relays=[RELAY]).authenticate(
        upstream(message(), DOMAIN), smtp("attacker@evil.example", peer="203.0.113.5")
    )
    check(auth, False)
    assert all(c.by == "service" for c in auth.checks)


def test_the_upstreams_header_from_a_configured_relay_is_believed(dns_zone: Zone) -> None:
    auth = authenticator(authserv_ids=[UPSTREAM], relays=["192.0.2.16/28"]).authenticate(
        upstream(message(), DOMAIN), smtp(MANAGER, peer=RELAY)
    )
    check(auth, True, "dmarc")
    assert dns_zone.questions == [], "SPF for the relay's address would say nothing about the sender"


def test_the_upstreams_dmarc_for_another_domain_or_a_fail_does_not_authenticate(dns_zone: Zone) -> None:
    a = authenticator(authserv_ids=[UPSTREAM])
    check(a.authenticate(upstream(message(), "evil.example"), Origin("imap", None)), False)
    # Its DMARC verdict decides, even beside an SPF pass for the domain (strict alignment, say).
    check(a.authenticate(upstream(message(), DOMAIN, result="fail"), Origin("imap", None)), False)


def test_without_a_dmarc_verdict_the_upstreams_aligned_spf_or_dkim_pass_counts(dns_zone: Zone) -> None:
    a = authenticator(authserv_ids=[UPSTREAM])
    dkim_only = f"Authentication-Results: {UPSTREAM}; dkim=pass header.d=salford.example header.s=s1\r\n".encode()
    check(a.authenticate(message(extra=dkim_only), Origin("imap", None)), True, "dkim")
    other = f"Authentication-Results: {UPSTREAM}; spf=pass smtp.mailfrom=a@evil.example\r\n".encode()
    check(a.authenticate(message(extra=other), Origin("imap", None)), False)


def test_a_forged_pass_below_the_upstreams_fail_does_not_authenticate(dns_zone: Zone) -> None:
    forged = message(extra=f"Authentication-Results: {UPSTREAM}; dmarc=pass header.from={DOMAIN}\r\n".encode())
    auth = authenticator(authserv_ids=[UPSTREAM]).authenticate(upstream(forged, DOMAIN, result="fail"), Origin("imap", None))
    check(auth, False)


def test_microsoft_365_bestguesspass_counts_as_its_dmarc_pass(dns_zone: Zone) -> None:
    header = (
        b"Authentication-Results: spf=pass (sender IP is 192.0.2.7) smtp.mailfrom=childrens.salford.example;\r\n"
        b" dkim=none (message not signed) header.d=none;dmarc=bestguesspass action=none\r\n"
        b" header.from=childrens.salford.example;compauth=pass reason=109\r\n"
        b"X-MS-Exchange-Organization-AuthAs: Anonymous\r\n"
    )
    auth = authenticator(authserv_ids=["microsoft-365"]).authenticate(message(extra=header), Origin("imap", None))
    check(auth, True, "dmarc", "microsoft-365 says DMARC bestguesspass for childrens.salford.example")


def test_an_untrusted_upstream_is_ignored_and_our_own_dkim_check_still_runs(dns_zone: Zone) -> None:
    key = dkim_key(DOMAIN)
    key.publish(dns_zone)
    raw = upstream(key.sign(message()), DOMAIN, authserv_id="mx.somewhere.example")
    auth = authenticator(authserv_ids=[UPSTREAM]).authenticate(raw, Origin("imap", None))
    check(auth, True, "dkim")
    assert auth.by == "service"
