"""Screening: automated mail is recognised, named and never answered (DESIGN.md invariant 7).

Every message here is raw RFC 5322 bytes, parsed by the real ``intake.mime``.
Each firing case names the rule that must fire first; each case a person sent
must pass through unscreened, because screening a real notice means no case is
ever opened for a child.
"""

from __future__ import annotations

import pytest

from escalations.intake.mime import parse
from escalations.intake.screening import RULES, Screen, screen
from tests.support.automated_mail import OOO_SAMPLES, exchange_ndr_plain, outlook_ooo

US = "escalations@partnership.example"
SCREEN = Screen(own_addresses=frozenset({US}), message_id_domain="partnership.example")
PRACTITIONER = "dev.vellacott@northside-health.example"
RULE = {rule.name: rule for rule in RULES}

# A plain message from a practitioner: each case replaces or adds a header.
BASE = {
    "Return-Path": f"<{PRACTITIONER}>",
    "From": f"Dev Vellacott <{PRACTITIONER}>",
    "To": "escalations@salford.example",
    "Subject": "Escalation notice",
    "Date": "Tue, 10 Mar 2026 09:58:40 +0000",
    "Message-ID": "<20260310095840.4f1c@northside-health.example>",
    "MIME-Version": "1.0",
    "Content-Type": 'text/plain; charset="utf-8"',
}


def message(*headers: str, drop: tuple[str, ...] = (), body: str = "Please find the escalation notice attached.") -> bytes:
    """BASE with each ``"Name: value"`` replacing (or adding) that header, and ``drop`` removed."""
    fields = {k: v for k, v in BASE.items() if k.lower() not in {d.lower() for d in drop}}
    for header in headers:
        name, _, value = header.partition(": ")
        fields = {k: v for k, v in fields.items() if k.lower() != name.lower()}
        fields[name] = value
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return (head + "\r\n" + body + "\r\n").encode("utf-8")


# Postfix's bounce of one of our routed-case emails, as delivered to our mailbox.
POSTFIX_DSN = b"""\
Return-Path: <>
Received: by mx.partnership.example (Postfix) id 4ZcQ1k2Lm3z9; Tue, 10 Mar 2026 10:02:13 +0000 (GMT)
Date: Tue, 10 Mar 2026 10:02:13 +0000 (GMT)
From: MAILER-DAEMON@mx.partnership.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: escalations@partnership.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4ZcQ1k2Lm3z9.1773136933/mx.partnership.example"
Content-Transfer-Encoding: 8bit
Message-Id: <4ZcQ1k2Lm3z9@mx.partnership.example>

This is a MIME-encapsulated message.

--4ZcQ1k2Lm3z9.1773136933/mx.partnership.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.partnership.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<gareth.upton@northside-health.example>: host mx.northside-health.example[192.0.2.25]
    said: 550 5.1.1 <gareth.upton@northside-health.example>: Recipient address
    rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)

--4ZcQ1k2Lm3z9.1773136933/mx.partnership.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.partnership.example
X-Postfix-Queue-ID: 4ZcQ1k2Lm3z9
X-Postfix-Sender: rfc822; escalations@partnership.example
Arrival-Date: Tue, 10 Mar 2026 10:02:11 +0000 (GMT)

Final-Recipient: rfc822; gareth.upton@northside-health.example
Original-Recipient: rfc822;gareth.upton@northside-health.example
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.northside-health.example
Diagnostic-Code: smtp; 550 5.1.1 <gareth.upton@northside-health.example>:
    Recipient address rejected: User unknown in virtual mailbox table

--4ZcQ1k2Lm3z9.1773136933/mx.partnership.example
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <escalations@partnership.example>
From: SSCB Safeguarding escalations <escalations@partnership.example>
To: gareth.upton@northside-health.example
Subject: =?utf-8?q?=5BSAL-2026-0007=5D_Escalation_=E2=80=93_stage_1?=
Message-ID: <sal-2026-0007.0123456789abcdef@partnership.example>
Auto-Submitted: auto-generated
X-Auto-Response-Suppress: All
X-Escalations-Origin: salford

--4ZcQ1k2Lm3z9.1773136933/mx.partnership.example--
""".replace(b"\n", b"\r\n")

# An Exchange non-delivery report fetched over IMAP (no envelope, no Return-Path
# kept), from a MicrosoftExchange system mailbox and without Auto-Submitted:
# only its multipart/report content type says what it is.
EXCHANGE_NDR = b"""\
From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@northside-health.example>
To: <escalations@salford.example>
Date: Tue, 10 Mar 2026 10:04:55 +0000
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="9a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
Content-Language: en-GB
Message-ID: <9a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d@LO2P265MB1234.GBRP265.PROD.OUTLOOK.COM>
In-Reply-To: <sal-2026-0007.0123456789abcdef@partnership.example>
Subject: Undeliverable: [SAL-2026-0007] Escalation - stage 1
MIME-Version: 1.0

--9a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
Content-Type: text/plain; charset="us-ascii"

Your message to gareth.upton@northside-health.example couldn't be delivered.
gareth.upton wasn't found at northside-health.example.

--9a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
Content-Type: message/delivery-status

Reporting-MTA: dns;LO2P265MB1234.GBRP265.PROD.OUTLOOK.COM
Received-From-MTA: dns;mx.partnership.example
Arrival-Date: Tue, 10 Mar 2026 10:04:54 +0000

Final-Recipient: rfc822;gareth.upton@northside-health.example
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup

--9a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d--
""".replace(b"\n", b"\r\n")

# An Outlook read receipt: from a person's own address, no Auto-Submitted.
READ_RECEIPT = b"""\
From: Gareth Upton <Gareth.Upton@northside-health.example>
To: escalations@partnership.example
Subject: Read: [SAL-2026-0007] Escalation - stage 1
Date: Tue, 10 Mar 2026 11:15:02 +0000
Message-ID: <LO2P265MB9876A1B2C3D4E5F6@LO2P265MB9876.GBRP265.PROD.OUTLOOK.COM>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification;
\tboundary="_002_LO2P265MB9876_"

--_002_LO2P265MB9876_
Content-Type: text/plain; charset="us-ascii"

Your message was read on Tuesday, 10 March 2026 11:15:02 (UTC+00:00) Dublin, Edinburgh, Lisbon, London.

--_002_LO2P265MB9876_
Content-Type: message/disposition-notification

Final-Recipient: rfc822;Gareth.Upton@northside-health.example
Original-Message-ID: <sal-2026-0007.0123456789abcdef@partnership.example>
Disposition: automatic-action/MDN-sent-automatically; displayed

--_002_LO2P265MB9876_--
""".replace(b"\n", b"\r\n")

OUTLOOK_HEADERS = """\
Received: from LO2P265MB1234.GBRP265.PROD.OUTLOOK.COM ([fe80::1c2d:3e4f:5a6b:7c8d]) by
 LO2P265MB1234.GBRP265.PROD.OUTLOOK.COM ([fe80::1c2d:3e4f:5a6b:7c8d%4]) with mapi id
 15.20.8511.017; Tue, 10 Mar 2026 09:58:41 +0000
From: "Vellacott, Dev" <Dev.Vellacott@northside-health.example>
To: "escalations@salford.example" <escalations@salford.example>
Subject: {subject}
Thread-Topic: {subject}
Thread-Index: AdqS0m1bQ2c3RDRlNWY2ZzdoOGk5ajBrTG1OQQ==
Date: Tue, 10 Mar 2026 09:58:40 +0000
Message-ID: <LO2P265MB12345678ABCDEF0123456789ABCDEF@LO2P265MB1234.GBRP265.PROD.OUTLOOK.COM>
{extra}Accept-Language: en-GB, en-US
Content-Language: en-GB
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
msip_labels:
x-ms-publictraffictype: Email
x-ms-traffictypediagnostic: LO2P265MB1234:EE_|CWLP265MB5678:EE_
x-ms-exchange-senderadcheck: 1
x-ms-exchange-antispam-relay: 0
X-MS-Exchange-CrossTenant-originalarrivaltime: 10 Mar 2026 09:58:40.9876 (UTC)
X-MS-Exchange-CrossTenant-fromentityheader: Hosted
X-MS-Exchange-Transport-CrossTenantHeadersStamped: CWLP265MB5678
Content-Type: multipart/alternative;
\tboundary="_000_LO2P265MB1234_"
MIME-Version: 1.0

--_000_LO2P265MB1234_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

{body}

--_000_LO2P265MB1234_
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

<html><head><meta http-equiv=3D"Content-Type" content=3D"text/html; charset=3D=
us-ascii"></head><body><div class=3D"WordSection1"><p class=3D"MsoNormal">{body}</p></div></body></html>

--_000_LO2P265MB1234_--
"""


def outlook(subject: str, body: str = "Please find the escalation notice attached.", extra: str = "") -> bytes:
    """A message as Outlook / Exchange Online writes it, with its usual X-MS headers."""
    return OUTLOOK_HEADERS.format(subject=subject, body=body, extra=extra).replace("\n", "\r\n").encode("utf-8")


GMAIL = b"""\
Return-Path: <zara.stanway@oakfield-primary.example>
Received: from mail-wr1-f41.google.com (mail-wr1-f41.google.com [209.85.221.41])
\tby mx.salford.example (Postfix) with ESMTPS id 4ZcQ2a1b2c3d
\tfor <escalations@salford.example>; Tue, 10 Mar 2026 10:01:18 +0000 (GMT)
Received: by mail-wr1-f41.google.com with SMTP id ffacd0b85a97d-391342fc0b5so2981113f8f.3
        for <escalations@salford.example>; Tue, 10 Mar 2026 02:01:17 -0800 (PST)
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
        d=oakfield-primary.example; s=google; t=1773136877;
        h=to:subject:message-id:date:from:mime-version:from:to:cc:subject:date:message-id:reply-to;
        bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;
        b=VGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSwganVzdCBhIHRlc3QgdmFsdWU=
X-Google-DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
        d=1e100.net; s=20230601; t=1773136877;
        bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;
        b=bm90IGEgcmVhbCBzaWduYXR1cmUgZWl0aGVy
X-Gm-Message-State: AOJu0YwQ5b2nH1kq3Zx9mV0pL7tR8sU4wY6aB2cD3eF4gH5iJ6kL7mN8
X-Google-Smtp-Source: AGHT+IFa1b2c3d4e5f6g7h8i9j0kLmNoPqRsTuVwXyZ
X-Received: by 2002:a05:6000:1a8b:b0:391:2f2b:e8a1 with SMTP id
        ffacd0b85a97d-3913f6b0c1dmr1234567f8f.4.1773136877123; Tue, 10 Mar 2026 02:01:17 -0800 (PST)
MIME-Version: 1.0
From: Zara Stanway <zara.stanway@oakfield-primary.example>
Date: Tue, 10 Mar 2026 10:01:17 +0000
Message-ID: <CAF1x2y3z4Q-abcDEF_ghiJKL0mnoPQR+stu=vwx@mail.gmail.com>
Subject: Escalation notice - Salford Children's Services
To: escalations@salford.example
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"

--000000000000a1b2c3d4e5f60718
Content-Type: text/plain; charset="UTF-8"

Hello,

Please find attached our escalation notice about a child at Oakfield Primary.

Zara Stanway
Class Teacher

--000000000000a1b2c3d4e5f60718
Content-Type: text/html; charset="UTF-8"

<div dir="ltr">Hello,<div><br></div><div>Please find attached our escalation notice about a child at Oakfield Primary.</div><div><br></div><div>Zara Stanway<br>Class Teacher</div></div>

--000000000000a1b2c3d4e5f60718--
""".replace(b"\n", b"\r\n")

# A person answering our routed case: it refers to our Message-ID but is not ours.
REPLY_TO_OUR_CASE = outlook(
    "RE: [SAL-2026-0007] Escalation =?utf-8?q?=E2=80=93?= stage 1",
    body="Resolved - we have agreed a home visit on Thursday.",
    extra="In-Reply-To: <sal-2026-0007.0123456789abcdef@partnership.example>\n"
    "References: <sal-2026-0007.0123456789abcdef@partnership.example>\n",
)

FIRES = [
    # RFC 3834 Auto-Submitted
    pytest.param(message("Auto-Submitted: auto-replied"), PRACTITIONER, "auto-submitted", id="auto-submitted-auto-replied"),
    pytest.param(message("Auto-Submitted: auto-generated"), PRACTITIONER, "auto-submitted", id="auto-submitted-auto-generated"),
    pytest.param(message("Auto-Submitted: auto-notified"), PRACTITIONER, "auto-submitted", id="auto-submitted-auto-notified"),
    pytest.param(
        message("Auto-Submitted: Auto-Replied (vacation)"), PRACTITIONER, "auto-submitted", id="auto-submitted-mixed-case-comment"
    ),
    # Precedence
    pytest.param(message("Precedence: bulk"), PRACTITIONER, "precedence", id="precedence-bulk"),
    pytest.param(message("Precedence: junk"), PRACTITIONER, "precedence", id="precedence-junk"),
    pytest.param(message("Precedence: list"), PRACTITIONER, "precedence", id="precedence-list"),
    pytest.param(message("Precedence: Bulk "), PRACTITIONER, "precedence", id="precedence-bulk-mixed-case"),
    # Mailing lists
    pytest.param(message("List-Id: Safeguarding leads <dsl.lists.salford.example>"), PRACTITIONER, "mailing-list", id="list-id"),
    pytest.param(
        message("List-Unsubscribe: <mailto:leave-dsl@lists.salford.example>"), PRACTITIONER, "mailing-list", id="list-unsubscribe"
    ),
    # Null return path
    pytest.param(message(), "", "null-sender", id="null-envelope-empty"),
    pytest.param(message(), "<>", "null-sender", id="null-envelope-brackets"),
    pytest.param(message("Return-Path: <>"), None, "null-sender", id="no-envelope-return-path-null"),
    # Automatic sender addresses
    pytest.param(
        message("From: Mail Delivery System <MAILER-DAEMON@mx.northside-health.example>"),
        PRACTITIONER,
        "daemon-sender",
        id="from-mailer-daemon",
    ),
    pytest.param(message("From: postmaster@northside-health.example"), PRACTITIONER, "daemon-sender", id="from-postmaster"),
    pytest.param(
        message("From: Northside Health <no-reply@northside-health.example>"), PRACTITIONER, "daemon-sender", id="from-no-reply"
    ),
    pytest.param(message(), "MAILER-DAEMON@mx.northside-health.example", "daemon-sender", id="envelope-mailer-daemon"),
    # Reports
    pytest.param(POSTFIX_DSN, "", "auto-submitted", id="postfix-dsn-as-delivered"),
    pytest.param(EXCHANGE_NDR, None, "delivery-report", id="exchange-ndr-over-imap"),
    pytest.param(READ_RECEIPT, "gareth.upton@northside-health.example", "delivery-report", id="outlook-read-receipt"),
    # Out-of-office and other automatic replies
    pytest.param(
        outlook("Automatic reply: Escalation notice"), PRACTITIONER, "auto-reply", id="outlook-automatic-reply-subject-only"
    ),
    pytest.param(
        outlook("=?utf-8?q?Automatic_reply=3A_=5BSAL-2026-0007=5D_Escalation_=E2=80=93_stage_1?="),
        PRACTITIONER,
        "auto-reply",
        id="outlook-automatic-reply-encoded-subject",
    ),
    pytest.param(outlook("Out of Office: Escalation notice"), PRACTITIONER, "auto-reply", id="out-of-office-subject"),
    pytest.param(
        outlook("Out of Office AutoReply: Escalation notice"), PRACTITIONER, "auto-reply", id="out-of-office-autoreply-subject"
    ),
    pytest.param(message("X-Autoreply: yes"), PRACTITIONER, "auto-reply", id="x-autoreply-yes"),
    pytest.param(message("X-Autorespond: Away until Monday"), PRACTITIONER, "auto-reply", id="x-autorespond"),
    # Without the standard headers (samples in tests/support/automated_mail.py; more in test_automated_mail.py)
    pytest.param(exchange_ndr_plain("gareth.upton@northside-health.example"), None, "bounce", id="exchange-plain-ndr-subject"),
    pytest.param(
        exchange_ndr_plain("gareth.upton@northside-health.example", subject="Escalation"),
        None,
        "bounce-text",
        id="exchange-plain-ndr-wording",
    ),
    pytest.param(outlook_ooo(*OOO_SAMPLES["en-gmail-vacation"]), None, "out-of-office-text", id="gmail-vacation-without-headers"),
    # Our own mail coming back
    pytest.param(message("X-Escalations-Origin: salford"), PRACTITIONER, "own-mail", id="own-origin-header"),
    pytest.param(message(f"From: SSCB Safeguarding escalations <{US}>"), PRACTITIONER, "own-mail", id="own-from-address"),
    pytest.param(
        message("From: Escalations <Escalations@Partnership.Example>"), PRACTITIONER, "own-mail", id="own-from-address-mixed-case"
    ),
    pytest.param(
        message("Message-ID: <sal-2026-0007.0123456789abcdef@partnership.example>"), PRACTITIONER, "own-mail", id="own-message-id"
    ),
]

PASSES = [
    pytest.param(message(), PRACTITIONER, id="plain-practitioner"),
    pytest.param(message(), None, id="plain-practitioner-no-envelope"),
    pytest.param(message("Auto-Submitted: no"), PRACTITIONER, id="auto-submitted-no"),
    pytest.param(message("Precedence: first-class"), PRACTITIONER, id="precedence-first-class"),
    pytest.param(outlook("Escalation notice - stage 2"), PRACTITIONER, id="outlook-practitioner"),
    pytest.param(
        outlook("FW: Automatic reply not received from EDT"), PRACTITIONER, id="outlook-forward-mentioning-automatic-reply"
    ),
    pytest.param(GMAIL, "zara.stanway@oakfield-primary.example", id="gmail-practitioner"),
    pytest.param(REPLY_TO_OUR_CASE, "dev.vellacott@northside-health.example", id="reply-to-our-case"),
    pytest.param(
        outlook("Out of office hours decision by EDT - escalation notice attached"),
        PRACTITIONER,
        id="subject-about-out-of-office-hours",
    ),
]


@pytest.mark.parametrize(("raw", "envelope_from", "rule"), FIRES)
def test_automated_mail_is_screened_by_the_named_rule(raw: bytes, envelope_from: str | None, rule: str) -> None:
    verdict = screen(parse(raw), envelope_from, SCREEN)
    assert verdict is not None
    assert verdict.rule == rule
    assert verdict.reason.strip()


@pytest.mark.parametrize(("raw", "envelope_from"), PASSES)
def test_mail_from_a_person_is_not_screened(raw: bytes, envelope_from: str | None) -> None:
    assert screen(parse(raw), envelope_from, SCREEN) is None


@pytest.mark.parametrize(
    "rule",
    ["auto-submitted", "null-sender", "daemon-sender", "delivery-report"],
)
def test_a_postfix_bounce_is_caught_by_each_of_its_signs(rule: str) -> None:
    # Should one rule be loosened, the others still stop the bounce.
    reason = RULE[rule].check(parse(POSTFIX_DSN), "", SCREEN)
    assert reason and reason.strip()


def test_the_bounce_is_not_mistaken_for_our_own_mail() -> None:
    # Our headers sit in its text/rfc822-headers part, not on the bounce itself.
    assert RULE["own-mail"].check(parse(POSTFIX_DSN), "", SCREEN) is None


def test_every_rule_has_a_case_that_fires_it() -> None:
    fired = {param.values[2] for param in FIRES}
    assert fired == {rule.name for rule in RULES}
    assert all(rule.description.strip() for rule in RULES)
    assert len({rule.name for rule in RULES}) == len(RULES)
