"""Authentication-Results (RFC 8601): parsing, and believing only what a trusted upstream wrote.

The samples follow the forms Google and Microsoft 365 write (addresses and
domains made fictional): Google with the authserv-id ``mx.google.com`` below
its own Received line; Microsoft 365 with no authserv-id at all.
"""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.policy import compat32

import pytest

from escalations.intake.authentication.results import MICROSOFT_365, parse, strip_comments, trusted_results

FORGED = (
    b"Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=childrens.salford.example;\r\n"
    b" dkim=pass header.d=childrens.salford.example; dmarc=pass header.from=childrens.salford.example\r\n"
)

GMAIL = (
    b"""Delivered-To: escalations@salford.example\r
Received: by 2002:a05:6a10:8e0b:b0:5d1:12:abcd with SMTP id x11csp1234pxx;\r
        Tue, 10 Mar 2026 03:00:01 -0700 (PDT)\r
ARC-Authentication-Results: i=1; mx.google.com;\r
       dkim=pass header.i=@evil.example header.s=s1 header.b=AbCdEf12;\r
       spf=pass (google.com: domain of attacker@evil.example designates 192.0.2.66 as permitted sender) smtp.mailfrom=attacker@evil.example;\r
       dmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from=childrens.salford.example\r
Return-Path: <attacker@evil.example>\r
Received: from mail.evil.example (mail.evil.example. [192.0.2.66])\r
        by mx.google.com with ESMTPS id a1si123.2026.03.10.03.00.01;\r
        Tue, 10 Mar 2026 03:00:01 -0700 (PDT)\r
Received-SPF: pass (google.com: domain of attacker@evil.example designates 192.0.2.66 as permitted sender) client-ip=192.0.2.66;\r
Authentication-Results: mx.google.com;\r
       dkim=pass header.i=@evil.example header.s=s1 header.b=AbCdEf12;\r
       spf=pass (google.com: domain of attacker@evil.example designates 192.0.2.66 as permitted sender) smtp.mailfrom=attacker@evil.example;\r
       dmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from=childrens.salford.example\r
"""
    + FORGED
    + b"""From: Lowri Dalby <lowri.dalby@childrens.salford.example>\r
Subject: RE: [SAL-2026-0001] Escalation\r
\r
Resolved - no further action\r
"""
)

M365 = b"""Received: from DM6PR12MB1234.namprd12.prod.outlook.com (2603:10b6:5:1::1) by\r
 BN8PR12MB5678.namprd12.prod.outlook.com with HTTPS; Tue, 10 Mar 2026 10:00:03 +0000\r
Received: from mail.childrens.salford.example (192.0.2.7) by\r
 DM6NAM11FT012.mail.protection.outlook.com (10.13.173.111) with Microsoft SMTP Server\r
 id 15.20.8000.1 via Frontend Transport; Tue, 10 Mar 2026 10:00:02 +0000\r
Authentication-Results: spf=pass (sender IP is 192.0.2.7)\r
 smtp.mailfrom=childrens.salford.example; dkim=pass (signature was verified)\r
 header.d=childrens.salford.example;dmarc=pass action=none\r
 header.from=childrens.salford.example;compauth=pass reason=100\r
Received-SPF: Pass (protection.outlook.com: domain of childrens.salford.example\r
 designates 192.0.2.7 as permitted sender) receiver=protection.outlook.com;\r
 client-ip=192.0.2.7; helo=mail.childrens.salford.example; pr=C\r
X-MS-Exchange-Organization-AuthSource: DM6NAM11FT012.eop-nam11.prod.protection.outlook.com\r
X-MS-Exchange-Organization-AuthAs: Anonymous\r
From: Lowri Dalby <lowri.dalby@childrens.salford.example>\r
Subject: RE: [SAL-2026-0001] Escalation\r
\r
Resolved\r
"""


def headers(raw: bytes) -> list[tuple[str, str]]:
    message = BytesHeaderParser(policy=compat32).parsebytes(raw)
    return [(n, " ".join(str(v).split())) for n, v in message.items()]


def test_google_header_is_parsed_with_its_comments_removed() -> None:
    [gmail] = trusted_results(headers(GMAIL), ["mx.google.com"])
    assert gmail.authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in gmail.results] == [("dkim", "pass"), ("spf", "pass"), ("dmarc", "fail")]
    assert gmail.results[1].get("smtp.mailfrom") == "attacker@evil.example"
    assert gmail.results[2].get("header.from") == "childrens.salford.example"


def test_a_forged_header_below_the_trusted_one_is_never_read() -> None:
    run = trusted_results(headers(GMAIL), ["mx.google.com"])
    assert len(run) == 1 and run[0].results[2].result == "fail", "the sender's own dmarc=pass lower down must not count"


def test_a_trusted_id_written_by_the_sender_under_an_untrusted_header_is_not_believed() -> None:
    raw = (
        b"Authentication-Results: mx.evil.example; dmarc=pass header.from=childrens.salford.example\r\n"
        + FORGED
        + b"From: x@childrens.salford.example\r\n\r\n"
    )
    assert trusted_results(headers(raw), ["mx.google.com"]) == ()


def test_an_untrusted_authserv_id_is_not_believed() -> None:
    assert trusted_results(headers(GMAIL), ["gateway.partnership.example"]) == ()
    assert trusted_results(headers(GMAIL), []) == ()


def test_microsoft_365_header_has_no_authserv_id_and_is_believed_only_when_exchange_took_the_mail_in() -> None:
    [m365] = trusted_results(headers(M365), [MICROSOFT_365])
    assert m365.authserv_id is None
    assert {r.method: r.result for r in m365.results} == {"spf": "pass", "dkim": "pass", "dmarc": "pass", "compauth": "pass"}
    assert m365.results[2].get("header.from") == "childrens.salford.example"
    internal = M365.replace(b"AuthAs: Anonymous", b"AuthAs: Internal")
    assert trusted_results(headers(internal), [MICROSOFT_365]) == (), (
        "on internal mail Exchange writes no header: any there is the sender's"
    )
    assert trusted_results(headers(M365), ["mx.google.com"]) == (), "an id-less header needs microsoft-365 trusted"


def test_microsoft_365_only_the_topmost_id_less_header_counts() -> None:
    forged_below = M365.replace(
        b"Received-SPF:",
        b"Authentication-Results: spf=pass smtp.mailfrom=childrens.salford.example; dmarc=pass header.from=childrens.salford.example\r\nReceived-SPF:",
    )
    failed = forged_below.replace(b"dmarc=pass action=none", b"dmarc=fail action=oreject", 1)
    [m365] = trusted_results(headers(failed), [MICROSOFT_365])
    assert {r.method: r.result for r in m365.results}["dmarc"] == "fail"


def test_the_pseudo_id_cannot_be_claimed_by_a_header() -> None:
    raw = b"Authentication-Results: microsoft-365; dmarc=pass header.from=childrens.salford.example\r\nFrom: x@childrens.salford.example\r\n\r\n"
    assert trusted_results(headers(raw), [MICROSOFT_365]) == ()


@pytest.mark.parametrize(
    ("value", "authserv_id", "results"),
    [
        ("mx.example.org 1; none", "mx.example.org", []),
        (
            "mx.example.org; spf = pass smtp.mailfrom = a@b.example",
            "mx.example.org",
            [("spf", "pass", {"smtp.mailfrom": "a@b.example"})],
        ),
        (
            'mx.example.org; dkim=pass (good; really) header.d="b.example"',
            "mx.example.org",
            [("dkim", "pass", {"header.d": "b.example"})],
        ),
        ("MX.Example.ORG; DMARC=PASS header.from=b.example", "mx.example.org", [("dmarc", "pass", {"header.from": "b.example"})]),
        ("spf=fail smtp.mailfrom=b.example", None, [("spf", "fail", {"smtp.mailfrom": "b.example"})]),
        ("mx.example.org; dkim/1=pass header.d=b.example", "mx.example.org", [("dkim", "pass", {"header.d": "b.example"})]),
    ],
)
def test_parse(value: str, authserv_id: str | None, results: list[tuple[str, str, dict[str, str]]]) -> None:
    parsed = parse(value)
    assert parsed.authserv_id == authserv_id
    assert [(r.method, r.result, r.properties) for r in parsed.results] == results


def test_comment_stripping_is_linear_and_handles_nesting_and_escapes() -> None:
    assert strip_comments('a (b (c) d) e "f (g)" \\( h').split() == ["a", "e", "f", "(g)", "(", "h"]
    hostile = "(" * 100_000 + "x;" * 100_000
    assert len(parse(hostile).results) == 0  # bounded by MAX_HEADER, no recursion


def test_arc_authentication_results_are_not_read_as_authentication_results() -> None:
    # ARC (RFC 8617) records what an intermediary saw; we do not evaluate ARC chains, so its results never count.
    raw = (
        b"ARC-Authentication-Results: i=1; mx.google.com; dmarc=pass header.from=childrens.salford.example\r\n"
        b"From: x@childrens.salford.example\r\n\r\n"
    )
    assert trusted_results(headers(raw), ["mx.google.com"]) == ()
