"""Settings: defaults, path resolution, and errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalations.routing.policy import ConfigError
from escalations.service.cli import main
from escalations.service.settings import PACKAGED, load_settings


def test_packaged_defaults_keep_data_under_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.path == PACKAGED
    assert settings.storage_url == f"sqlite:///{tmp_path}/var/escalations.db"
    assert settings.outbound.maildir == tmp_path / "var" / "outbox"
    assert (settings.smtp.host, settings.smtp.port) == ("127.0.0.1", 2525)
    assert settings.smtp.store_timeout_seconds == 15.0
    assert settings.partnerships_dir == PACKAGED.parent / "partnerships"
    assert settings.directory_seed == PACKAGED.parent / "directory.example.csv"


def test_the_console_is_on_at_port_8025_in_the_packaged_defaults_and_off_unless_a_file_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    console = load_settings().console
    assert (console.enabled, console.host, console.port, console.base_url) == (True, "127.0.0.1", 8025, "http://127.0.0.1:8025")
    assert not console.secure
    path = tmp_path / "s.toml"
    path.write_text("[smtp]\nport = 2600\n")
    assert load_settings(path).console.enabled is False
    path.write_text("[console]\nenabled = true\nport = 9000\n")
    assert load_settings(path).console.base_url == "http://127.0.0.1:9000"
    path.write_text('[console]\nbase_url = "https://console.bury.example/"\n')
    settings = load_settings(path).console
    assert settings.base_url == "https://console.bury.example" and settings.secure


def test_trust_defaults_require_authentication_and_trust_no_upstream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    trust = load_settings().trust
    assert (trust.require_authentication, trust.authserv_id, trust.relays, trust.nameservers) == (True, (), (), ())
    assert trust.dns_timeout_seconds == 3.0


def test_trust_settings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        '[trust]\nauthserv_id = ["MX.Google.com", "microsoft-365"]\nrelays = ["192.0.2.0/24", "2001:db8::1"]\n'
        'nameservers = ["127.0.0.1:5353", "[::1]:53", "::1"]\ndns_timeout_seconds = 1.5\nrequire_authentication = false\n'
    )
    trust = load_settings(path).trust
    assert trust.authserv_id == ("mx.google.com", "microsoft-365")
    assert trust.relays == ("192.0.2.0/24", "2001:db8::1")
    assert trust.nameservers == ("127.0.0.1:5353", "[::1]:53", "::1")
    assert (trust.dns_timeout_seconds, trust.require_authentication) == (1.5, False)
    path.write_text('[trust]\nauthserv_id = "gateway.council.example"\n')
    assert load_settings(path).trust.authserv_id == ("gateway.council.example",), "one id may be written as a string"


def test_local_file_is_preferred_and_its_paths_resolve_against_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "escalations.toml").write_text(
        '[storage]\nurl = "sqlite:///data/e.db"\n[outbound]\nmaildir = "mail"\n[partnerships]\ndir = "policies"\n'
    )
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.storage_url == f"sqlite:///{tmp_path}/data/e.db"
    assert settings.outbound.maildir == tmp_path / "mail"
    assert settings.partnerships_dir == tmp_path / "policies"


def test_the_intake_store_timeout_can_be_set(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[smtp]\nstore_timeout_seconds = 2.5\n")
    assert load_settings(path, environ={}).smtp.store_timeout_seconds == 2.5


def test_password_comes_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[outbound]\ntransport = "smtp"\nusername = "relay"\npassword_env = "RELAY_PASSWORD"\n')
    assert load_settings(path, environ={"RELAY_PASSWORD": "s3cret"}).outbound.password == "s3cret"
    assert "s3cret" not in repr(load_settings(path, environ={"RELAY_PASSWORD": "s3cret"}))


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[smtp]\nport = 70000\n", "smtp.port", "not a TCP port"),
        ('[smtp]\nport = "25"\n', "smtp.port", "must be a int"),
        ("[smtp]\nstore_timeout_seconds = 0\n", "smtp.store_timeout_seconds", "more than 0"),
        ('[outbound]\ntransport = "pigeon"\n', "outbound.transport", "not maildir or smtp"),
        ('[outbound]\nfrom = "nobody"\n', "outbound.from", "not an email address"),
        ('[outbound]\npassword = "x"\n', "outbound.password", "do not belong in the settings file"),
        ('[outbound]\npassword_env = "NOT_SET_ANYWHERE"\n', "outbound.password_env", "is not set"),
        ('[storage]\nurl = "mysql://x/y"\n', "storage.url", "only sqlite"),
        ('[storag]\nurl = "sqlite:///x.db"\n', "storag", "not a settings table"),
        ('[[imap]]\nname = "bsp"\n', "imap[0]", "needs at least name and host"),
        (
            '[[imap]]\nname = "Jo Bloggs"\nhost = "imap.example"\nusername = "u"\npassword_env = "HOME"\n',
            "imap",
            "may have only letters, digits",
        ),
        ("[smtp\n", "(file)", "not valid TOML"),
        ('[trust]\nrequire_authentication = "no"\n', "trust.require_authentication", "must be a bool"),
        ("[trust]\nauthserv_id = [1]\n", "trust.authserv_id", "list of non-empty strings"),
        ('[trust]\nnameservers = ["dns.example"]\n', "trust.nameservers", "'dns.example'"),
        ('[trust]\nnameservers = ["127.0.0.1:99999"]\n', "trust.nameservers", "not a port"),
        ('[trust]\nrelays = ["10.0.0.300"]\n', "trust.relays", "'10.0.0.300'"),
        ("[trust]\ndns_timeout_seconds = 0\n", "trust.dns_timeout_seconds", "more than 0"),
        ("[trust]\ntrust_everyone = true\n", "trust.trust_everyone", "not a setting"),
        ("[smtp]\nmax_session = 5\n", "smtp.max_session", "not a setting this service knows"),
        ("[smtp]\nmax_sessions = 0\n", "smtp.max_sessions", "at least 1"),
        ("[console]\nport = 0\n", "console.port", "not a TCP port"),
        ('[console]\nenabled = "yes"\n', "console.enabled", "must be a bool"),
        ('[console]\nbase_url = "ftp://console.example"\n', "console.base_url", "not an http:// or https:// address"),
        ('[console]\nbase_url = "https://"\n', "console.base_url", "not an http:// or https:// address"),
        ('[console]\nbase_url = "https://x.example/console"\n', "console.base_url", "no path"),
        ("[console]\nsecret = 1\n", "console.secret", "not a setting this service knows"),
        ('[console]\ntrusted_proxy_header = "X-User"\n', "console.trusted_proxies", "or anyone could send it"),
        ('[console]\ntrusted_proxies = ["proxy.example"]\n', "console.trusted_proxies", "'proxy.example'"),
        (
            "[smtp]\nmax_message_bytes = 2000\nmax_inflight_bytes = 1999\n",
            "smtp.max_inflight_bytes",
            "at least smtp.max_message_bytes",
        ),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.key == key
    assert str(path) in str(caught.value) and words in str(caught.value)


def test_smtp_limits_default_to_fifty_sessions_and_four_largest_messages(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[smtp]\nmax_message_bytes = 1000000\n")
    smtp = load_settings(path, environ={}).smtp
    assert (smtp.max_sessions, smtp.max_inflight_bytes) == (50, 4_000_000)
    path.write_text("[smtp]\nmax_sessions = 7\nmax_inflight_bytes = 60000000\n")
    smtp = load_settings(path, environ={}).smtp
    assert (smtp.max_sessions, smtp.max_inflight_bytes) == (7, 60_000_000)
    assert load_settings(PACKAGED).smtp.max_inflight_bytes == 4 * 26_214_400


def test_check_config_reports_success_and_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "--config", str(PACKAGED)]) == 0
    out = capsys.readouterr().out
    assert "configuration OK" in out and "partnership bnes: 5 stages" in out
    (tmp_path / "empty").mkdir()
    bad = tmp_path / "bad.toml"
    bad.write_text('[partnerships]\ndir = "empty"\n')
    assert main(["check-config", "--config", str(bad)]) == 78
    err = capsys.readouterr().err
    assert "partnerships.dir" in err and "no partnership *.toml files found" in err


def test_message_budget_defaults_to_a_minute_and_must_be_positive(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("")
    assert load_settings(path).worker.message_budget_seconds == 60.0
    path.write_text("[worker]\nmessage_budget_seconds = 2.5\n")
    assert load_settings(path).worker.message_budget_seconds == 2.5
    path.write_text("[worker]\nmessage_budget_seconds = 0\n")
    with pytest.raises(ConfigError, match="message_budget_seconds"):
        load_settings(path)


def test_the_processing_process_yields_the_cpu_by_a_nice_from_0_to_19(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("")
    assert load_settings(path).worker.nice == 5
    path.write_text("[worker]\nnice = 0\n")
    assert load_settings(path).worker.nice == 0
    for wrong in ("-1", "20", "true", '"low"'):
        path.write_text(f"[worker]\nnice = {wrong}\n")
        with pytest.raises(ConfigError, match="worker.nice"):
            load_settings(path)


def test_check_config_explain_prints_rules_with_clauses_and_local_settings_apart(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "--config", str(PACKAGED), "--explain", "salford"]) == 0
    captured = capsys.readouterr()
    rules, _, rest = captured.out.partition("Local settings")
    assert "clause: Salford 3.4" in rules and "clause: Salford 3.1" in rules
    assert "[local setting, below]" in rules  # the stage times the text does not give
    assert "1.6" not in rules.split("immediate risk")[0], "no stage cites 1.6 (child-protection procedures)"
    local, _, warnings = rest.partition("Warnings")
    assert "stages[2]: respond_within = 'same working day'" in local and "earliest opportunity" in local
    assert "calendar:" in local and "chasers:" in local
    assert "out_of_hours.number is not set" in warnings
    assert "warning: partnership salford: immediate_risk.out_of_hours.number is not set" in captured.err
    assert "configuration OK" not in captured.out


def test_check_config_explain_refuses_an_unknown_partnership(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "--config", str(PACKAGED), "--explain", "nowhere"]) == 2
    assert "unknown partnership 'nowhere'" in capsys.readouterr().err


def test_check_config_warns_of_unset_out_of_hours_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "--config", str(PACKAGED)]) == 0
    err = capsys.readouterr().err
    assert "warning: partnership barnet: immediate_risk.out_of_hours.number is not set" in err
    assert "bury-adults: immediate_risk" not in err  # its text gives the number: 999
    assert "warning: partnership bury-adults: retention_years is not set" in err  # issue 16: no period is invented


def test_the_encryption_key_file_resolves_against_the_settings_file_and_unknown_storage_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "escalations.toml"
    path.write_text('[storage]\nurl = "sqlite:///x.db"\nencryption_key_file = "keys/keys.toml"\n', encoding="utf-8")
    assert load_settings(path).encryption_key_file == tmp_path / "keys" / "keys.toml"
    path.write_text('[storage]\nurl = "sqlite:///x.db"\nencryption_key = "abc"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="storage.encryption_key"):
        load_settings(path)
    assert load_settings(PACKAGED).encryption_key_file is None, "off by default"
