"""Probe sets 11 and 12 (round 4, issue 9): letters, mail in sentences, categories and dates of birth in prose.

Written before the reader was changed for them, after the third held-out part's aggregates said the
weakest were a letter layout, plain-text email, categories, the challenged side, the subject's name,
the stage, immediate risk and the date of birth. Letters as Word and LibreOffice write them (a
letterhead, an addressee block, a date line, "Dear …", a "Re:" or "Subject:" line naming the person
and the stage, paragraphs saying who disagrees with whom, "Yours sincerely" over a signature block);
plain emails in sentences with greetings, signatures, disclaimers and an earlier mail forwarded under
them; categories as prose ("my concerns are about neglect and the threshold decision") or a short
list; the stage in a sentence ("this is now at stage 2", "the second stage"); immediate risk in
prose, negatives included; dates of birth as people type them ("born 3.9.19", "d.o.b: 3rd Sept
2019", "aged 4 (DOB 03/09/2019)"). A letter's or mail's signature names the raiser (as in every mail
design here), not a form's signatory: ``signed`` is printed only where a label says so ("Signed:",
"Date:"). Their first measured figure is kept
in benchmarks/notices.py.
"""

from __future__ import annotations

import random
from datetime import date
from html import escape

from tests.corpus.cases import TODAY, Case
from tests.corpus.design import CHALLENGED, SUBJECT, Design, Rendered, date_text, subject_word
from tests.corpus.tools import WordDocument, html_page, mso, outlook_html, printed_pdf, rtf_document

ALL = ("salford", "barnet", "bury-children", "bury-adults", "bnes")

# How a category is said in a sentence, rather than as the form's option text.
CATEGORY_PROSE = {
    "thresholds": "the threshold decision",
    "roles_responsibilities": "roles and responsibilities",
    "action_communication": "a lack of action and communication",
    "information_sharing": "information sharing",
    "response_to_concern": "the response to a safeguarding concern",
    "referral_not_accepted": "a referral not being accepted",
    "assessment_outcome": "the outcome of an assessment",
    "step_up_down": "a step-down decision",
    "case_conference": "whether a case conference should be held",
    "plan_progression": "the progression of the plan",
    "resources": "resource and capacity issues",
    "statutory_roles": "statutory roles not being fulfilled",
    "non_attendance": "non-attendance at statutory meetings",
    "unilateral_decision": "unilateral decision making",
    "service_timeliness": "the timeliness of services",
}
# The same as one or two words in a list.
CATEGORY_SHORT = {
    "thresholds": "Thresholds",
    "roles_responsibilities": "Roles and responsibilities",
    "action_communication": "Action and communication",
    "information_sharing": "Information sharing",
    "response_to_concern": "Response to a concern",
    "referral_not_accepted": "Referral not accepted",
    "assessment_outcome": "Assessment outcome",
    "step_up_down": "Step up / step down",
    "case_conference": "Case conference",
    "plan_progression": "Plan progression",
    "resources": "Resources / capacity",
    "statutory_roles": "Statutory roles",
    "non_attendance": "Non-attendance at meetings",
    "unilateral_decision": "Unilateral decision",
    "service_timeliness": "Timeliness of services",
}
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _prose_categories(case: Case) -> str:
    return _and([CATEGORY_PROSE[slug] for slug in case.categories])


def _dob(day: date, style: str) -> str:
    """A date of birth as people type it: "3.9.19", "3rd Sept 2019", "03/09/2019"."""
    if style == "dots-short":
        return f"{day.day}.{day.month}.{day:%y}"
    if style == "ordinal-abbrev":
        month = "Sept" if day.month == 9 else day.strftime("%b")
        return f"{date_text(day, 'ordinal').split()[0]} {month} {day.year}"
    if style == "dashes":
        return day.strftime("%d-%m-%Y")
    return date_text(day, style)


def _age(day: date) -> int:
    return TODAY.year - day.year - ((TODAY.month, TODAY.day) < (day.month, day.day))


def _address(case: Case, rng: random.Random) -> list[str]:
    town = {"salford": "Salford", "barnet": "London", "bury-children": "Bury", "bury-adults": "Bury", "bnes": "Bath"}
    return [f"{rng.randint(2, 90)} Example Road", town[case.partnership], f"ZZ{rng.randint(1, 9)} {rng.randint(1, 9)}XX"]


def _business_unit(case: Case) -> str:
    names = {
        "salford": "Salford Safeguarding Partnership",
        "barnet": "Barnet Safeguarding Partnership",
        "bury-children": "Bury Safeguarding Partnership",
        "bury-adults": "Bury Safeguarding Adults Board",
        "bnes": "B&NES Community Safety and Safeguarding Partnership",
    }
    return names[case.partnership]


# --- probe set 11 (round 4): letters and mail in sentences ---------------------------------------------


def letter_odt(case: Case, rng: random.Random) -> Rendered:
    """A letter written in Writer (.odt): the raiser's agency as a letterhead with its address, the
    partnership's business unit as the addressee, a date line, "Dear …", a bold "Re:" line naming the
    person, their date of birth and the stage, a paragraph naming the other professional, the concern,
    the risk in a sentence, and "Yours sincerely" over name, role, agency and email."""
    first = case.subject_first
    risk = (
        f"I believe {first} is at immediate risk of significant harm and I have also made a referral today."
        if case.immediate_risk
        else f"I do not believe {first} is at immediate risk of harm."
    )
    head = "".join(f"<p align='right'>{escape(line)}</p>" for line in [case.raiser_agency_written, *_address(case, rng)])
    addressee = "".join(f"<p>{escape(line)}</p>" for line in ["Business Manager", _business_unit(case), "By email"])
    paragraphs = [
        f"I am writing to escalate a professional disagreement with {case.challenged_name}, "
        f"{case.challenged_role} at {case.challenged_agency_written}, under the partnership's escalation procedure.",
        case.concern,
        risk,
    ]
    body = (
        head
        + f"<p>{escape(date_text(case.signed_date, 'long'))}</p>"
        + addressee
        + "<p>Dear Business Manager,</p>"
        + f"<p><b>Re: {escape(case.subject_name)} (DOB {date_text(case.dob, 'slash')}) – stage {case.stage} escalation</b></p>"
        + "".join(f"<p>{escape(text)}</p>" for text in paragraphs)
        + "<p>Yours sincerely,</p><p></p>"
        + "".join(
            f"<p>{escape(line)}</p>"
            for line in (case.raiser_name, case.raiser_role, case.raiser_agency_written, case.raiser_email)
        )
    )
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency", "raised_by.email"}
        | CHALLENGED
        | {"concern", "stage", "immediate_risk"}
    )
    return Rendered("odt", html_page(body, title="Letter"), printed)


def letter_docx(case: Case, rng: random.Random) -> Rendered:
    """A Word letter: a bold letterhead and "Our ref:", the date as "2nd March 2026", "Dear Sir or
    Madam", a "Subject:" line with the name and "born 3.9.19", who the writer is and whose decision
    they dispute in sentences, the categories as prose ("My concerns are about …"), the stage as "this
    is now at stage 2", and "Yours faithfully" over name, role, agency and telephone."""
    first = case.subject_first
    form = WordDocument(font="Calibri")
    form.paragraph(case.raiser_agency_written, bold=True)
    form.paragraph("\n".join(_address(case, rng)))
    form.paragraph(f"Our ref: ESC/{rng.randint(1000, 9999)}")
    form.paragraph(date_text(case.signed_date, "ordinal"))
    form.paragraph(f"The Business Unit\n{_business_unit(case)}")
    form.paragraph("Dear Sir or Madam,")
    form.paragraph(f"Subject: Professional disagreement – {case.subject_name}, born {_dob(case.dob, 'dots-short')}", bold=True)
    form.paragraph(
        f"I am the {case.raiser_role} for {first}. I disagree with the decision made by "
        f"{case.challenged_agency_written} and I have been unable to resolve it with them."
    )
    form.paragraph(case.concern)
    form.paragraph(f"My concerns are about {_prose_categories(case)}.")
    form.paragraph(f"I have already spoken to my line manager, so this is now at stage {case.stage}.")
    form.paragraph("Yours faithfully,")
    form.paragraph("")
    form.paragraph(f"{case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}\nTel: {case.raiser_phone}")
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency", "raised_by.phone", "challenged.agency"}
        | {"concern", "categories", "stage"}
    )
    return Rendered("docx", form.bytes(), printed)


_NHS_DISCLAIMER = (
    "********************************************************************\n"
    "This message may contain confidential information. If you are not the intended recipient please "
    "inform the sender that you have received the message in error before deleting it. Please do not "
    "disclose, copy or distribute information in this e-mail or take any action in relation to its "
    "contents. To do so is strictly prohibited and may be unlawful. Thank you for your co-operation.\n"
    "NHSmail is the secure email and directory service available for all NHS staff in England and Scotland.\n"
    "********************************************************************"
)


def nhsmail_sentences(case: Case, rng: random.Random) -> Rendered:
    """A plain NHSmail email in sentences, no labels: the person "born 3.9.19", the other professional
    as "<Name>, the <Role> at <Agency>", the stage as "this is now at stage N", a signature with
    "Tel:" and the NHSmail disclaimer under it."""
    body = (
        "Good morning,\n\n"
        f"I would like to raise a professional disagreement about {case.subject_name}, born "
        f"{_dob(case.dob, 'dots-short')}.\n\n"
        f"{case.concern}\n\n"
        f"I have already discussed this with {case.challenged_name}, the {case.challenged_role} at "
        f"{case.challenged_agency_written}, and we could not agree, so this is now at stage {case.stage}.\n\n"
        "Kind regards\n\n"
        f"{case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}\nTel: {case.raiser_phone}\n\n"
        f"{_NHS_DISCLAIMER}\n"
    )
    printed = (
        SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "raised_by.phone"} | CHALLENGED | {"concern", "stage"}
    )
    return Rendered("email-text", body, printed)


def forwarded_own_mail(case: Case, rng: random.Random) -> Rendered:
    """A plain email forwarding the writer's own earlier mail to the other professional: a short note on
    top ("see my email below … I would now like to escalate this to stage N"), then "-----Original
    Message-----" headers and the earlier mail, which alone names the person ("d.o.b: 3rd Sept 2019"),
    the concern and the writer's signature."""
    other_first = case.challenged_name.split()[0]
    domain = case.challenged_agency.domain
    original = (
        f"From: {case.raiser_name} <{case.raiser_email}>\n"
        "Sent: 16 February 2026 14:02\n"
        f"To: {case.challenged_name} <{case.challenged_name.lower().replace(' ', '.')}@{domain}>\n"
        f"Subject: {case.subject_first} – decision\n\n"
        f"Dear {other_first},\n\n"
        f"I am writing about {case.subject_name} (d.o.b: {_dob(case.dob, 'ordinal-abbrev')}).\n\n"
        f"{case.concern}\n\n"
        "Could we discuss this week please?\n\n"
        "Best wishes\n"
        f"{case.raiser_name}\n{case.raiser_role} | {case.raiser_agency_written}\n"
    )
    body = (
        "Hello,\n\n"
        f"Please see my email below to {case.challenged_name} ({case.challenged_role}, "
        f"{case.challenged_agency_written}). We have not been able to resolve this, so I would now like to "
        f"escalate it to stage {case.stage}.\n\n"
        "Thanks,\n"
        f"{case.raiser_first}\n\n"
        "-----Original Message-----\n" + original
    )
    printed = (
        SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "raised_by.email"} | CHALLENGED | {"concern", "stage"}
    )
    return Rendered("email-text", body, printed)


def concerns_prose_outlook(case: Case, rng: random.Random) -> Rendered:
    """An Outlook email with two labels only (the person and "D.O.B"), the categories in a sentence
    that also names a kind of harm that is no category ("my concerns are about neglect and …"), the
    stage as "I have already spoken to the team manager and this is now at stage N", and immediate risk
    as a sentence, negatives included ("There is no immediate risk to … that needs an emergency response")."""
    first = case.subject_first
    risk = (
        f"{first} is at immediate risk: I have asked the police to do a welfare check today."
        if case.immediate_risk
        else f"There is no immediate risk to {first} that needs an emergency response."
    )
    inner = (
        mso("Hi,")
        + mso("")
        + mso(f"{subject_word(case).title()}: {case.subject_name}")
        + mso(f"D.O.B: {date_text(case.dob, 'slash')}")
        + mso("")
        + mso(f"I am escalating a disagreement with {case.challenged_agency_written}.")
        + mso("")
        + mso(case.concern)
        + mso("")
        + mso(f"My concerns are about neglect and {_prose_categories(case)}.")
        + mso("")
        + mso(f"I have already spoken to the team manager and this is now at stage {case.stage}.")
        + mso(risk)
        + mso("")
        + mso("Regards,")
        + mso(case.raiser_name)
        + mso(f"{case.raiser_role} – {case.raiser_agency_written}")
    )
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency"}
        | {"concern", "categories", "stage", "immediate_risk"}
    )
    return Rendered("email-html", outlook_html(inner), printed)


def aged_dob_email(case: Case, rng: random.Random) -> Rendered:
    """A plain email with the person as "<Name>, aged 4 (DOB 03/09/2019)" in a sentence, the other
    professional as "<Role> <Name> from <Agency>", the stage as an ordinal word ("the second stage"),
    and a signature with an email address."""
    body = (
        "Dear colleagues,\n\n"
        f"I am writing about {case.subject_name}, aged {_age(case.dob)} (DOB {date_text(case.dob, 'slash')}).\n\n"
        f"{case.concern}\n\n"
        f"I met {case.challenged_role} {case.challenged_name} from {case.challenged_agency_written} on Tuesday "
        f"and we still disagree. I understand this is the {ORDINAL_WORDS[case.stage]} stage of the process.\n\n"
        "With thanks,\n\n"
        f"{case.raiser_name}\n{case.raiser_role}, {case.raiser_agency_written}\n{case.raiser_email}\n"
    )
    printed = (
        SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "raised_by.email"} | CHALLENGED | {"concern", "stage"}
    )
    return Rendered("email-text", body, printed)


PROBE_11 = (
    Design("probe11-letter-odt", letter_odt.__doc__, "odt", ALL, letter_odt),
    Design("probe11-letter-docx", letter_docx.__doc__, "docx", ALL, letter_docx),
    Design("probe11-nhsmail-sentences", nhsmail_sentences.__doc__, "email-text", ALL, nhsmail_sentences),
    Design("probe11-forwarded-own-mail", forwarded_own_mail.__doc__, "email-text", ALL, forwarded_own_mail),
    Design("probe11-concerns-prose", concerns_prose_outlook.__doc__, "email-html", ALL, concerns_prose_outlook),
    Design("probe11-aged-dob", aged_dob_email.__doc__, "email-text", ALL, aged_dob_email),
)


# --- probe set 12: categories as lists, stage and risk in other words, letters with traps -----------


def letter_table_head_docx(case: Case, rng: random.Random) -> Rendered:
    """A Word letter whose head is a borderless table (addressee left, "Our ref / Date / Contact" right),
    a "Re:" line of the person with "DOB 03-09-2019", a sentence naming "<Name> (<Role>)" at the other
    agency, the categories as a bulleted list under "The disagreement concerns:", the risk as "I am not
    aware of any immediate risk", "Yours sincerely", and a "cc:" line naming the other professional."""
    first = case.subject_first
    form = WordDocument()
    form.heading(case.raiser_agency_written, level=2)
    form.table(
        [
            (f"The Business Manager\n{_business_unit(case)}", f"Our ref: {rng.randint(100, 999)}/{rng.randint(10, 99)}"),
            ("", f"Date: {date_text(case.signed_date, 'slash')}"),
            ("", f"Contact: {case.raiser_name}"),
        ],
        bold_first=False,
        style="Normal Table",
    )
    form.paragraph("Dear Business Manager,")
    form.paragraph(f"Re: {case.subject_name} – DOB {_dob(case.dob, 'dashes')}", bold=True)
    form.paragraph(
        f"I wish to escalate a disagreement with {case.challenged_name} ({case.challenged_role}) at "
        f"{case.challenged_agency_written} about the plan for {first}."
    )
    form.paragraph(case.concern)
    form.paragraph("The disagreement concerns:")
    for slug in case.categories:
        form.document.add_paragraph(CATEGORY_SHORT[slug], style="List Bullet")
    form.paragraph(
        f"{first} is at immediate risk of significant harm and I have informed the police."
        if case.immediate_risk
        else f"I am not aware of any immediate risk to {first}."
    )
    form.paragraph("Yours sincerely")
    form.paragraph("")
    form.paragraph(f"{case.raiser_name}\n{case.raiser_role}")
    form.paragraph(f"cc: {case.challenged_name}, {case.challenged_agency_written}")
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency"}
        | CHALLENGED
        | {"concern", "categories", "immediate_risk", "signed.date"}  # "Date:" in the letter's head
    )
    return Rendered("docx", form.bytes(), printed)


def level_prose_outlook(case: Case, rng: random.Random) -> Rendered:
    """An Outlook email in sentences: the person as "<Name> (DOB 03/09/2019)", the other side as "the
    <Agency> decision", the stage as "a level N escalation", the categories as "It is about <A> and <B>",
    the risk as "No immediate risk." or "Immediate risk – yes", and a signature with "Mobile:"."""
    risk = "Immediate risk – yes, police aware." if case.immediate_risk else "No immediate risk."
    inner = (
        mso("Hello Safeguarding Team,")
        + mso("")
        + mso(
            f"Please accept this as a level {case.stage} escalation regarding {case.subject_name} "
            f"(DOB {date_text(case.dob, 'slash')}). I disagree with the {case.challenged_agency_written} decision."
        )
        + mso("")
        + mso(case.concern)
        + mso("")
        + mso(f"It is about {_prose_categories(case)}.")
        + mso(risk)
        + mso("")
        + mso("Thanks,")
        + mso(case.raiser_name)
        + mso(case.raiser_role)
        + mso(case.raiser_agency_written)
        + mso(f"Mobile: {case.raiser_phone}")
    )
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency", "raised_by.phone", "challenged.agency"}
        | {"concern", "categories", "stage", "immediate_risk"}
    )
    return Rendered("email-html", outlook_html(inner), printed)


def reply_with_summary_email(case: Case, rng: random.Random) -> Rendered:
    """A plain email with a few labels among sentences ("Child/Adult:", "Categories:" as a comma list
    of short names), a line "Stage: 2 (I have spoken to the team manager)", the risk as "Is anyone at
    immediate risk? Not that I know of" or "Yes – …", a signature, and an earlier reply from the other
    professional quoted under "On … wrote:" with "> " that names them."""
    first = case.subject_first
    risk = "Yes – I have contacted the police this morning" if case.immediate_risk else "Not that I know of"
    quoted = "\n".join(
        f"> {line}" if line else ">"
        for line in (
            f"Hi {case.raiser_first},",
            "",
            f"Thank you for your email about {first}. We have reviewed the case and our decision stands.",
            "",
            case.challenged_name,
            case.challenged_role,
            case.challenged_agency_written,
        )
    )
    body = (
        "Hi,\n\n"
        "I am escalating the reply below, which I do not agree with.\n\n"
        f"{subject_word(case).title()}: {case.subject_name}, DOB {date_text(case.dob, 'slash')}\n"
        f"Categories: {', '.join(CATEGORY_SHORT[slug] for slug in case.categories)}\n"
        f"Stage: {case.stage} (I have spoken to my team manager)\n\n"
        f"{case.concern}\n\n"
        f"Is anyone at immediate risk? {risk}\n\n"
        "Thanks\n"
        f"{case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}\n\n"
        f"On 20 February 2026, at 10:14, {case.challenged_name} wrote:\n{quoted}\n"
    )
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency"}
        | CHALLENGED
        | {"concern", "categories", "stage", "immediate_risk"}
    )
    return Rendered("email-text", body, printed)


def letter_doc_signature_block(case: Case, rng: random.Random) -> Rendered:
    """A letter saved as .doc from Writer: an addressee block naming the other agency's manager (no
    part of the disagreement), "Dear …", "Re: <NAME IN CAPITALS> – d.o.b. 3rd Sept 2019", the stage
    and the other professional in prose, immediate risk stated both ways, and a signature block of
    "Signed:", name, role and agency lines."""
    first = case.subject_first
    risk = (
        f"In my view {first} is at immediate risk of significant harm."
        if case.immediate_risk
        else f"In my view {first} is not at immediate risk of significant harm, but the situation is deteriorating."
    )
    lines = [
        (case.raiser_agency_written, True),
        (date_text(case.signed_date, "long"), False),
        (f"Head of Service\n{_business_unit(case)}", False),
        ("Dear Head of Service,", False),
        (f"Re: {case.subject_name.upper()} – d.o.b. {_dob(case.dob, 'ordinal-abbrev')}", True),
        (
            f"Following my conversation with {case.challenged_name}, {case.challenged_role}, "
            f"{case.challenged_agency_written}, I am now escalating this disagreement to stage {case.stage}.",
            False,
        ),
        (case.concern, False),
        (risk, False),
        ("Yours sincerely,", False),
        (f"Signed: {case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}", False),
    ]
    body = "".join(f"<p>{'<b>' if bold else ''}{_br(text)}{'</b>' if bold else ''}</p>" for text, bold in lines)
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency"}
        | CHALLENGED
        | {"concern", "stage", "immediate_risk", "signed.name", "signed.role"}  # "Signed:" over the role
    )
    return Rendered("doc", html_page(body, title="Letter"), printed)


def _br(text: str) -> str:
    return "<br>".join(escape(line) for line in text.split("\n"))


def brief_mail_no_labels(case: Case, rng: random.Random) -> Rendered:
    """A short plain email from a phone: one paragraph holding the person ("<Name> dob 3.9.19"), the other
    agency, the stage ("stage 2 now") and the risk ("not at immediate risk"), then the concern, and
    "Sent from my iPhone" under a two-line signature."""
    risk = "at immediate risk" if case.immediate_risk else "not at immediate risk"
    body = (
        f"Hi - escalating {case.subject_name} dob {_dob(case.dob, 'dots-short')} with "
        f"{case.challenged_agency_written}, stage {case.stage} now, {case.subject_first} is {risk}.\n\n"
        f"{case.concern}\n\n"
        f"{case.raiser_name}\n{case.raiser_role}, {case.raiser_agency_written}\n\n"
        "Sent from my iPhone\n"
    )
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency"}
        | {"concern", "stage", "immediate_risk"}
    )
    return Rendered("email-text", body, printed)


PROBE_12 = (
    Design("probe12-letter-table-head", letter_table_head_docx.__doc__, "docx", ALL, letter_table_head_docx),
    Design("probe12-level-prose", level_prose_outlook.__doc__, "email-html", ALL, level_prose_outlook),
    Design("probe12-reply-with-summary", reply_with_summary_email.__doc__, "email-text", ALL, reply_with_summary_email),
    Design("probe12-letter-doc", letter_doc_signature_block.__doc__, "doc", ALL, letter_doc_signature_block),
    Design("probe12-brief-mail", brief_mail_no_labels.__doc__, "email-text", ALL, brief_mail_no_labels),
)
DESIGNS = PROBE_11 + PROBE_12


# --- probe set 13: the letter printed to PDF and saved by Word as RTF ---------------------------------


def letter_pdf(case: Case, rng: random.Random) -> Rendered:
    """A letter printed to PDF: the letterhead as the title, the address and date as paragraphs, "Dear …",
    a "Re:" line with "born <date>", the other professional as "<Name> (<Role>) at <Agency>", the concern,
    the stage in a sentence ("we are now at stage N of the procedure"), and "Kind regards" over a signature
    of name, role, agency and telephone."""
    # one printed line a paragraph (reportlab's paragraphs take no bare line breaks)
    blocks: list[tuple[str, object]] = [
        *(("p", line) for line in _address(case, rng)),
        ("p", date_text(case.signed_date, "ordinal")),
        ("p", "Safeguarding Business Unit"),
        ("p", _business_unit(case)),
        ("p", "Dear Colleague,"),
        ("p", f"Re: {case.subject_name}, born {date_text(case.dob, 'long')}"),
        (
            "p",
            f"I am writing because I disagree with a decision taken by {case.challenged_name} "
            f"({case.challenged_role}) at {case.challenged_agency_written}.",
        ),
        ("p", case.concern),
        ("p", f"We have tried to resolve this between us and are now at stage {case.stage} of the procedure."),
        ("p", "Kind regards,"),
        *(("p", line) for line in (case.raiser_name, case.raiser_role, case.raiser_agency_written, f"Tel: {case.raiser_phone}")),
    ]
    printed = (
        SUBJECT | {"raised_by.name", "raised_by.role", "raised_by.agency", "raised_by.phone"} | CHALLENGED | {"concern", "stage"}
    )
    return Rendered("pdf", printed_pdf(case.raiser_agency_written, blocks), printed)


def letter_rtf(case: Case, rng: random.Random) -> Rendered:
    """A letter Word saved as RTF: the letterhead in bold, "Our ref" and the date tabbed on one line, "Dear …",
    a bold "Subject:" line with "DOB:", the categories in a sentence ("The disagreement relates to …"),
    immediate risk as a sentence, and "Yours sincerely" over name and role with the agency on its own line."""
    first = case.subject_first
    risk = (
        f"{first} is in immediate danger and the police have been informed."
        if case.immediate_risk
        else f"{first} is not in immediate danger."
    )
    blocks: list[tuple[str, object]] = [
        ("b", case.raiser_agency_written),
        ("p", f"Our ref: SG/{rng.randint(100, 999)}\t{date_text(case.signed_date, 'long')}"),
        ("p", f"Dear {_business_unit(case)},"),
        ("b", f"Subject: {case.subject_name} – DOB: {date_text(case.dob, 'slash')}"),
        ("p", f"I am writing to escalate my disagreement with {case.challenged_agency_written}."),
        ("p", case.concern),
        ("p", f"The disagreement relates to {_prose_categories(case)}."),
        ("p", risk),
        ("p", "Yours sincerely,"),
        ("p", ""),
        ("p", f"{case.raiser_name}\n{case.raiser_role}\n{case.raiser_agency_written}"),
    ]
    printed = (
        SUBJECT
        | {"raised_by.name", "raised_by.role", "raised_by.agency", "challenged.agency"}
        | {"concern", "categories", "immediate_risk"}
    )
    return Rendered("rtf", rtf_document(blocks), printed)


PROBE_13 = (
    Design("probe13-letter-pdf", letter_pdf.__doc__, "pdf", ALL, letter_pdf),
    Design("probe13-letter-rtf", letter_rtf.__doc__, "rtf", ALL, letter_rtf),
)
DESIGNS += PROBE_13
