"""LibreOffice shut in (issue 12, defect 4): no network, no secrets, limits, a throw-away profile, no stranger's file.

The fetch is watched for by a real HTTP listener on loopback that each document
links to: an image, an OLE object, a Word 97 linked picture, RTF fields and a
template. A control conversion, run as the service ran it before, shows which
links are live; the service's conversion, with a network namespace and with its
profile alone (the fallback where ``unshare`` is refused), must reach none.
What soffice is given (environment, limits, namespace, profile) is read from
/proc by a stand-in for the soffice command, the one thing here that is not real.
"""

from __future__ import annotations

import email
import email.policy
import os
import stat
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from escalations.intake.notices import conversion
from escalations.intake.notices.conversion import ConversionFailed, Isolation, Limits
from escalations.intake.notices.formats import Format, notice_format
from escalations.intake.notices.reader import Attachment, read_notice
from escalations.intake.receiving import Envelope, receive
from escalations.service.cli import main
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, CaseState, InboundMessage, InboundStatus, OutboxMessage
from tests.support import forms
from tests.support.libreoffice import Listener, linked_doc, linked_odt, linked_rtf, soffice_binary, unprotected_conversion
from tests.support.mail import notice_email, wire

TODAY = date(2026, 3, 10)
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# name: (the document linking to a URL, its file name, its declared type, whether LibreOffice 7.4 fetches it unprotected)
DOCUMENTS: dict[str, tuple[Callable[[str], bytes], str, str, bool]] = {
    ".odt with a linked image": (linked_odt, "notice.odt", ODT, True),
    ".odt with a linked OLE object": (lambda url: linked_odt(url, "object"), "notice.odt", ODT, True),
    ".odt renamed .docx": (linked_odt, "notice.docx", DOCX, True),
    ".doc with a linked picture": (linked_doc, "notice.doc", "application/msword", True),
    ".rtf with a picture field, a linked object and a template": (linked_rtf, "notice.rtf", "application/rtf", False),
}


@pytest.fixture
def soffice() -> str:
    return soffice_binary()


def _isolations() -> dict[str, Isolation]:
    return {"network namespace": conversion.detect_isolation(), "profile alone": Isolation((), "the profile alone")}


@pytest.mark.parametrize("name", [n for n, d in DOCUMENTS.items() if d[3] and not d[1].endswith(".docx")])
def test_control_each_link_is_fetched_by_an_unprotected_libreoffice(soffice: str, name: str) -> None:
    make, filename, content_type, _ = DOCUMENTS[name]
    with Listener() as listener:
        data = make(listener.url)
        listener.requests.clear()
        unprotected_conversion(data, notice_format(filename, content_type, data).value)  # type: ignore[union-attr]
        assert listener.requests, "the document's link is live: without isolation LibreOffice fetches it"


@pytest.mark.parametrize("isolation", _isolations().keys())
@pytest.mark.parametrize("name", DOCUMENTS.keys())
def test_a_converted_document_reaches_nothing_on_the_network(
    soffice: str, monkeypatch: pytest.MonkeyPatch, isolation: str, name: str
) -> None:
    chosen = _isolations()[isolation]
    if isolation == "network namespace" and not chosen.prefix:
        pytest.skip("unshare is refused on this machine: the profile alone is tested")
    monkeypatch.setattr(conversion, "network_isolation", lambda: chosen)
    make, filename, content_type, _ = DOCUMENTS[name]
    with Listener() as listener:
        data = make(listener.url)
        listener.requests.clear()
        notice = read_notice([Attachment(filename, content_type, data)], None, today=TODAY)
        time.sleep(0.2)  # a request in flight as soffice exits is still counted
        assert listener.requests == []
    assert (notice.subject.name, notice.subject.dob) == ("Jo Bloggs", date(2017, 2, 14)), notice.problems


# --- what soffice is given: read from /proc by a stand-in for the soffice command -------------------


def _stand_in(folder: Path, body: str) -> str:
    """A script in soffice's place: it records what it was given, then runs ``body``."""
    script = folder / "soffice"
    script.write_text(
        "#!/bin/sh\n"
        f'dump="{folder}"\n'
        'tr "\\0" "\\n" < /proc/$$/environ > "$dump/environ"\n'
        'cat /proc/$$/limits > "$dump/limits"\n'
        'readlink /proc/$$/ns/net > "$dump/netns"\n'
        'out=""; previous=""\n'
        'for a in "$@"; do\n'
        '  case "$a" in -env:UserInstallation=file://*) profile="${a#-env:UserInstallation=file://}";; esac\n'
        '  [ "$previous" = "--outdir" ] && out="$a"; previous="$a"\n'
        "done\n"
        'cp "$profile/user/registrymodifications.xcu" "$dump/profile.xcu"\n'
        'echo "$HOME" > "$dump/home"\n'
        f"{body}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def _limits(text: str) -> dict[str, str]:
    """``/proc/PID/limits`` as limit name -> soft value."""
    rows = {}
    for line in text.splitlines()[1:]:
        name, values = line[:26].strip(), line[26:].split()
        rows[name] = values[0]
    return rows


def test_soffice_gets_no_secret_no_network_its_limits_and_a_profile_removed_afterwards(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    docx = forms.salford_notice()
    (tmp_path / "made.docx").write_bytes(docx)
    body = f'mkdir -p "$out" && cp "{tmp_path}/made.docx" "$out/notice.docx"'
    monkeypatch.setattr(conversion, "soffice", lambda: _stand_in(tmp_path, body))
    monkeypatch.setenv("ESCALATIONS_SMTP_PASSWORD", "relay-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:db-secret@db.example/escalations")

    made = conversion.to_docx(
        b"{\\rtf1 hello}", Format.RTF, limits=Limits(memory_bytes=900_000_000, cpu_seconds=45, file_bytes=50_000_000)
    )

    assert made == docx
    environ = dict(line.split("=", 1) for line in (tmp_path / "environ").read_text().splitlines())
    home = (tmp_path / "home").read_text().strip()
    assert environ == {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": home, "TMPDIR": home}
    limits = _limits((tmp_path / "limits").read_text())
    assert (limits["Max address space"], limits["Max cpu time"], limits["Max file size"], limits["Max core file size"]) == (
        "900000000",
        "45",
        "50000000",
        "0",
    )
    if conversion.network_isolation().prefix:
        assert (tmp_path / "netns").read_text().strip() != os.readlink("/proc/self/ns/net"), "a network namespace of its own"
    profile = (tmp_path / "profile.xcu").read_text()
    for setting in (
        '"BlockUntrustedRefererLinks" oor:op="fuse"><value>true',
        '"ooInetHTTPProxyName" oor:op="fuse"><value>127.0.0.1',
        '"ooInetProxyType" oor:op="fuse"><value>1',
        '"Link" oor:op="fuse"><value>0',
    ):
        assert setting in profile
    assert not Path(home).exists(), "the profile and the file are removed afterwards"


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"  # killed, waiting for init to reap it
    except FileNotFoundError:
        return True


def test_past_its_time_everything_the_conversion_started_is_killed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    body = f'sleep 300 & echo $! > "{tmp_path}/child"; wait'
    monkeypatch.setattr(conversion, "soffice", lambda: _stand_in(tmp_path, body))
    started = time.monotonic()
    with pytest.raises(ConversionFailed, match="took too long"):
        conversion.to_docx(b"{\\rtf1 hello}", Format.RTF, limits=Limits(seconds=1.0))
    assert time.monotonic() - started < 10
    child = int((tmp_path / "child").read_text())
    deadline = time.monotonic() + 5
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(child), "the process soffice started is killed with it"


def test_a_conversion_spinning_the_cpu_is_stopped_by_its_cpu_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(conversion, "soffice", lambda: _stand_in(tmp_path, "while :; do :; done"))
    started = time.monotonic()
    with pytest.raises(ConversionFailed, match="could not be converted"):
        conversion.to_docx(b"{\\rtf1 hello}", Format.RTF, limits=Limits(cpu_seconds=1, seconds=60))
    assert time.monotonic() - started < 30, "stopped by RLIMIT_CPU, long before the wall-clock limit"


# --- only for senders in the directory --------------------------------------------------------------

NOTICE_LINES = [
    "Name of child: Jo Bloggs",
    "Date of birth: 14/02/2017",
    "Information of concern: the referral was closed without a visit.",
    "Agency whose decision is challenged: Salford Children's Services",
    "Current stage: 2",
    "Immediate risk: No",
]
MAILBOX = "escalations@salford.example"


def _deliver(runtime: Runtime, data: bytes, sender: str, filename: str = "notice.odt") -> InboundMessage:
    message = notice_email(None, sender=sender, body="Please see the attached notice.")
    message.add_attachment(data, maintype="application", subtype="vnd.oasis.opendocument.text", filename=filename)
    stored = receive(runtime.sessions, wire(message), Envelope("smtp", sender, (MAILBOX,)), runtime.clock())
    runtime.worker().run_until_idle()
    with runtime.sessions() as session:
        row = session.get(InboundMessage, stored.id)
        assert row is not None
        return row


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[Format]:
    """Every LibreOffice conversion the pipeline starts, by kind (each still runs, for real)."""
    calls: list[Format] = []
    real = conversion.to_docx

    def counted(data: bytes, kind: Format, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kind)
        return real(data, kind, **kwargs)

    monkeypatch.setattr(conversion, "to_docx", counted)
    return calls


def test_a_strangers_odt_is_never_opened_and_they_are_asked_for_the_word_form(
    runtime: Runtime, conversions: list[Format], capsys: pytest.CaptureFixture[str]
) -> None:
    stranger = "someone@elsewhere.example"
    with Listener() as listener:
        row = _deliver(runtime, linked_odt(listener.url, lines=NOTICE_LINES), stranger, filename="notice.docx")
        assert row.status == InboundStatus.REVIEW and row.outcome.startswith("unknown-sender")
        # A business manager takes it on in review: the stranger is asked for a Word form or a PDF.
        assert main(["review", "decide", str(row.id), "--new", "--config", str(runtime.settings.path)]) == 0
        runtime.worker().run_until_idle()
        assert conversions == [] and listener.requests == []
    with runtime.sessions() as session:
        [case] = session.scalars(select(Case)).all()
        [letter] = session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
        assert case.state == CaseState.AWAITING_INFORMATION
        assert letter.kind == "information_needed" and letter.recipients == [stranger]
        text = email.message_from_bytes(letter.raw, policy=email.policy.default).get_body(("plain",)).get_content()
        assert "We open .odt files only from addresses in the partnership's directory" in " ".join(text.split())


def test_a_known_senders_odt_is_converted_shut_in_and_routed(soffice: str, runtime: Runtime, conversions: list[Format]) -> None:
    with Listener() as listener:
        row = _deliver(runtime, linked_odt(listener.url, lines=NOTICE_LINES), "a.khan@northside-health.example")
        assert listener.requests == []
    assert conversions == [Format.ODT]
    assert row.outcome.startswith("new-notice"), row.outcome
