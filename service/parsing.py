"""`escalations parse`: a notice file (.docx, .pdf, or an .eml message) into the canonical notice.

An .eml is read as the pipeline reads a message: every notice attachment and the
body, merged. ``--partnership`` reads with that partnership's form profile: its
own label wordings, and a problem for each required field the notice lacks.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from escalations.intake import mime
from escalations.intake.mime import body_text
from escalations.intake.notices.model import Notice, Problem
from escalations.intake.notices.reader import Attachment, read_notice
from escalations.routing.policy import ConfigError, FormProfile, load_policies
from escalations.intake.notices.formats import is_notice_file
from escalations.service.settings import load_settings

NOT_A_NOTICE = "The file is not a document we read: send a .docx or .pdf notice, or an .eml message."


def parse_file(path: Path, *, partnership: str | None, today: date, config: str | None = None) -> Notice:
    form = form_profile(partnership, config) if partnership else None
    data = path.read_bytes()
    if path.suffix.lower() == ".eml":
        mail = mime.parse(data)
        files = [a for a in mail.attachments if is_notice_file(a)]
        return read_notice(files, body_text(mail), today=today, partnership=partnership, form=form)
    # The file's bytes say what it is; its name only helps where they cannot.
    attachment = Attachment(path.name, "application/octet-stream", data)
    if not is_notice_file(attachment):
        return Notice(partnership=partnership, problems=[Problem("document", NOT_A_NOTICE)])
    return read_notice([attachment], None, today=today, partnership=partnership, form=form)


def form_profile(partnership: str, config: str | None) -> FormProfile:
    """The partnership's ``[form]`` table, from the policies the settings point at."""
    settings = load_settings(config)
    policies = load_policies(settings.partnerships_dir)
    if partnership not in policies:
        known = ", ".join(sorted(policies))
        problem = f"no partnership {partnership!r} (known: {known})"
        raise ConfigError(settings.partnerships_dir, "partnership", problem)
    return policies[partnership].form
