"""Automated mail as it reaches us in the wild, modelled on public examples of each format.

Out-of-office replies from Outlook/Exchange in several languages and from
Gmail's vacation responder, with their standard headers (Auto-Submitted,
X-Auto-Response-Suppress, Precedence) stripped, as a council mail gateway or
a forwarding rule leaves them; and bounces of our own mail: Exchange Online's
plain-text NDR, Postfix's and Gmail's RFC 3464 DSNs. All fictional, all on
``.example`` domains.
"""

from __future__ import annotations

OUR_ID = "<sal-2026-0001.0a1b2c3d4e.5f6a7b8c9d0e@partnership.example>"
MANAGER = "elin.everard@northside-health.example"


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def outlook_ooo(subject: str, body: str, sender: str = MANAGER, in_reply_to: str = OUR_ID, language: str = "en-GB") -> bytes:
    """Exchange Online's automatic reply after a gateway dropped Auto-Submitted and X-Auto-Response-Suppress."""
    return _crlf(f"""\
Received: from GBR01-LO2-obe.outbound.protection.outlook.example (192.0.2.44) by mx.partnership.example
 with ESMTPS id 4ZcR7n0Q2Tz1; Tue, 10 Mar 2026 10:03:12 +0000
From: Elin Everard <{sender}>
To: "SSCB Safeguarding escalations" <escalations@salford.example>
Subject: {subject}
Thread-Topic: [SAL-2026-0001] Escalation - stage 1
Thread-Index: AQHakf7xYk2vN3WbT0K7m1Q2c3d4eQ==
Date: Tue, 10 Mar 2026 10:03:11 +0000
Message-ID: <LO2P265MB5512C0FFEE0123456789ABCDEF@LO2P265MB5512.GBRP265.PROD.OUTLOOK.EXAMPLE>
In-Reply-To: {in_reply_to}
References: {in_reply_to}
Content-Language: {language}
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
x-ms-exchange-transport-fromentityheader: Hosted
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit
MIME-Version: 1.0

{body}
""")


OOO_SAMPLES = {
    # Outlook's own subject prefix in each language, body in the same language.
    "en-outlook": (
        "Automatic reply: [SAL-2026-0001] Escalation - stage 1",
        "Thank you for your email. I am currently out of the office with limited access to email, returning on Monday 16 March.\n"
        "For urgent safeguarding matters please contact the duty team on 0161 496 0999.",
    ),
    "cy-outlook": (
        "Ateb awtomatig: [SAL-2026-0001] Escalation - stage 1",
        "Diolch am eich e-bost. Rydw i allan o'r swyddfa tan ddydd Llun 16 Mawrth.\n"
        "Thank you for your email. I am out of the office until Monday 16 March.",
    ),
    "de-outlook": (
        "Automatische Antwort: [SAL-2026-0001] Escalation - stage 1",
        "Vielen Dank für Ihre Nachricht. Ich bin derzeit nicht im Büro und ab dem 16. März wieder erreichbar.\n"
        "Ihre Nachricht wird nicht weitergeleitet.",
    ),
    "de-abwesenheitsnotiz": (
        "Abwesenheitsnotiz: [SAL-2026-0001] Escalation - stage 1",
        "Ich bin bis einschließlich 13.03.2026 nicht im Büro.",
    ),
    "fr-outlook": (
        "Réponse automatique : [SAL-2026-0001] Escalation - stage 1",
        "Bonjour, je suis absente du bureau jusqu'au 16 mars inclus. Je serai de retour le lundi 16 mars.",
    ),
    "es-outlook": (
        "Respuesta automática: [SAL-2026-0001] Escalation - stage 1",
        "Gracias por su mensaje. Estoy fuera de la oficina hasta el 16 de marzo.",
    ),
    "nl-outlook": (
        "Automatisch antwoord: [SAL-2026-0001] Escalation - stage 1",
        "Bedankt voor uw bericht. Ik ben momenteel afwezig tot en met 13 maart.",
    ),
    "pl-outlook": (
        "Odpowiedź automatyczna: [SAL-2026-0001] Escalation - stage 1",
        "Dziękuję za wiadomość. Jestem poza biurem do 16 marca.",
    ),
    "pt-outlook": (
        "Resposta automática: [SAL-2026-0001] Escalation - stage 1",
        "Obrigado pelo seu e-mail. Estou fora do escritório até 16 de março.",
    ),
    "it-outlook": (
        "Risposta automatica: [SAL-2026-0001] Escalation - stage 1",
        "Grazie per il messaggio. Sono fuori ufficio fino al 16 marzo.",
    ),
    "ar-outlook": ("رد تلقائي: [SAL-2026-0001] Escalation - stage 1", "شكرا لرسالتك. أنا خارج المكتب حتى 16 مارس."),
    "ur-outlook": (
        "خودکار جواب: [SAL-2026-0001] Escalation - stage 1",
        "آپ کی ای میل کا شکریہ۔ میں دفتر سے باہر ہوں اور 16 مارچ کو واپس آؤں گا۔",
    ),
    # A reply subject ("RE: …", as Gmail's vacation responder and some gateways write it): the wording tells.
    "en-gmail-vacation": (
        "Re: [SAL-2026-0001] Escalation - stage 1",
        "Hello,\n\nI'm on annual leave until Monday 16 March and will have no access to email.\n"
        "I will respond to your email on my return.\n\nZara",
    ),
    "en-annual-leave": (
        "RE: [SAL-2026-0001] Escalation - stage 1",
        "I am currently on annual leave, returning Monday 16 March. This mailbox is not monitored while I am away.",
    ),
    "fr-plain-subject": (
        "RE: [SAL-2026-0001] Escalation - stage 1",
        "Je suis actuellement absent, avec un accès limité à mes e-mails. Ceci est une réponse automatique.",
    ),
    "es-plain-subject": (
        "RE: [SAL-2026-0001] Escalation - stage 1",
        "Estoy de vacaciones hasta el lunes. Esta es una respuesta automática.",
    ),
    "nl-plain-subject": ("RE: [SAL-2026-0001] Escalation - stage 1", "Ik ben met vakantie. Dit is een automatisch antwoord."),
    "pl-plain-subject": (
        "RE: [SAL-2026-0001] Escalation - stage 1",
        "Jestem na urlopie do 16 marca. To jest automatyczna odpowiedź.",
    ),
    "pt-plain-subject": ("RE: [SAL-2026-0001] Escalation - stage 1", "Estou de férias até 16 de março."),
    "it-plain-subject": ("RE: [SAL-2026-0001] Escalation - stage 1", "Sono in ferie fino al 16 marzo."),
    "cy-plain-subject": ("RE: [SAL-2026-0001] Escalation - stage 1", "Rwyf allan o'r swyddfa ar hyn o bryd."),
    "de-plain-subject": ("RE: [SAL-2026-0001] Escalation - stage 1", "Ich bin im Urlaub. Dies ist eine automatische Antwort."),
}


def exchange_ndr_plain(
    failed: str, message_id: str = OUR_ID, subject: str = "Undeliverable: [SAL-2026-0001] Escalation - stage 1"
) -> bytes:
    """Exchange Online's NDR as a gateway that flattens reports delivers it: text/plain, no report headers."""
    user, domain = failed.split("@")
    return _crlf(f"""\
From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@northside-health.example>
To: <escalations@partnership.example>
Date: Tue, 10 Mar 2026 10:04:55 +0000
Subject: {subject}
Message-ID: <8c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f@LO2P265MB1234.GBRP265.PROD.OUTLOOK.EXAMPLE>
Content-Type: text/plain; charset="us-ascii"
MIME-Version: 1.0

Your message to {failed} couldn't be delivered.

{user} wasn't found at {domain}.

Delivery has failed to these recipients or groups:

{failed}
The email address you entered couldn't be found. Please check the recipient's email address and try to resend the message.

Diagnostic information for administrators:

Generating server: LO2P265MB1234.GBRP265.PROD.OUTLOOK.EXAMPLE

{failed}
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'

Original message headers:

Received: from mx.partnership.example (192.0.2.10) by LO2P265MB1234.GBRP265.PROD.OUTLOOK.EXAMPLE
From: SSCB Safeguarding escalations <escalations@partnership.example>
To: {failed}
Subject: [SAL-2026-0001] Escalation - stage 1
Message-ID: {message_id}
""")


def postfix_dsn(failed: str, message_id: str = OUR_ID) -> bytes:
    """Postfix's bounce (RFC 3464), returning only the headers of our message."""
    return _crlf(f"""\
Return-Path: <>
Date: Tue, 10 Mar 2026 10:02:13 +0000 (GMT)
From: MAILER-DAEMON@mx.partnership.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: escalations@partnership.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4ZcQ1k2Lm3z9.1773136933/mx.partnership.example"
Message-Id: <4ZcQ1k2Lm3z9@mx.partnership.example>

This is a MIME-encapsulated message.

--4ZcQ1k2Lm3z9.1773136933/mx.partnership.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.partnership.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<{failed}>: host mx.northside-health.example[192.0.2.25] said: 550
    5.1.1 <{failed}>: Recipient address rejected: User unknown in
    virtual mailbox table (in reply to RCPT TO command)

--4ZcQ1k2Lm3z9.1773136933/mx.partnership.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.partnership.example
X-Postfix-Queue-ID: 4ZcQ1k2Lm3z9
X-Postfix-Sender: rfc822; escalations@partnership.example
Arrival-Date: Tue, 10 Mar 2026 10:02:11 +0000 (GMT)

Final-Recipient: rfc822; {failed}
Original-Recipient: rfc822;{failed}
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.northside-health.example
Diagnostic-Code: smtp; 550 5.1.1 <{failed}>: Recipient address rejected:
    User unknown in virtual mailbox table

--4ZcQ1k2Lm3z9.1773136933/mx.partnership.example
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <escalations@partnership.example>
From: SSCB Safeguarding escalations <escalations@partnership.example>
To: {failed}
Subject: [SAL-2026-0001] Escalation - stage 1
Message-ID: {message_id}
Auto-Submitted: auto-generated
X-Auto-Response-Suppress: All
X-Escalations-Origin: salford

--4ZcQ1k2Lm3z9.1773136933/mx.partnership.example--
""")


def gmail_dsn(failed: str, message_id: str = OUR_ID, delayed: str | None = None) -> bytes:
    """Gmail's "Delivery Status Notification (Failure)", returning the whole message (message/rfc822)."""
    delay_block = (
        f"""
Final-Recipient: rfc822; {delayed}
Action: delayed
Status: 4.4.1
Will-Retry-Until: Fri, 13 Mar 2026 10:01:57 -0800 (PST)
"""
        if delayed
        else ""
    )
    return _crlf(f"""\
Return-Path: <>
From: Mail Delivery Subsystem <mailer-daemon@googlemail.example>
To: escalations@partnership.example
Auto-Submitted: auto-replied
Subject: Delivery Status Notification (Failure)
References: {message_id}
In-Reply-To: {message_id}
X-Failed-Recipients: {failed}
Message-ID: <69cf01a4.050a0220.2b8e5.abcd.GMR@mx.google.example>
Date: Tue, 10 Mar 2026 02:01:57 -0800 (PST)
MIME-Version: 1.0
Content-Type: multipart/report; boundary="000000000000f1e2d3c4b5a69788"; report-type=delivery-status

--000000000000f1e2d3c4b5a69788
Content-Type: text/plain; charset="UTF-8"

** Address not found **

Your message wasn't delivered to {failed} because the address couldn't be found, or is unable to receive mail.

The response from the remote server was:
550 5.1.1 The email account that you tried to reach does not exist.

--000000000000f1e2d3c4b5a69788
Content-Type: message/delivery-status

Reporting-MTA: dns; googlemail.example
Received-From-MTA: dns; mx.partnership.example
Arrival-Date: Tue, 10 Mar 2026 02:01:56 -0800 (PST)
X-Original-Message-ID: {message_id}

Final-Recipient: rfc822; {failed}
Action: failed
Status: 5.1.1
Remote-MTA: dns; gmail-smtp-in.l.google.example. (192.0.2.27, the server for the domain oakfield-primary.example.)
Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.
Last-Attempt-Date: Tue, 10 Mar 2026 02:01:57 -0800 (PST)
{delay_block}
--000000000000f1e2d3c4b5a69788
Content-Type: message/rfc822

From: SSCB Safeguarding escalations <escalations@partnership.example>
To: {failed}
Subject: [SAL-2026-0001] Escalation - stage 1
Message-ID: {message_id}
Auto-Submitted: auto-generated
Content-Type: text/plain; charset="utf-8"

Case SAL-2026-0001 has been routed to you.

--000000000000f1e2d3c4b5a69788--
""")
