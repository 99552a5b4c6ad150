"""rules.toml is read strictly: every problem is one line naming the key, and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.config import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        configuration.load(_write(tmp_path, text))
    return caught.value.problems


def test_the_shipped_rules_and_the_embedded_default_are_valid() -> None:
    shipped = configuration.load(ROOT / "rules.toml")
    assert shipped.mailbox.security == "tls"
    assert "tech.alice@groupe-exemple.fr" in shipped.team.technicians
    assert shipped.priorities.targets["P1"].round_the_clock
    # rules.toml spells out the built-in catalogue: the two must not drift apart.
    from mailbot.parsers import DEFAULT_PROGRAMS

    assert [(p.name, tuple(p.aliases)) for p in shipped.programs] == [
        (p.name, p.aliases) for p in DEFAULT_PROGRAMS]
    embedded = configuration.load(None)
    assert embedded.mailbox.kind == "maildir" and embedded.smtp.kind == "maildir"


def test_an_unknown_key_is_named_with_its_path(tmp_path: Path) -> None:
    problems = _problems(tmp_path, '[mailbox]\nhots = "x"\n')
    assert len(problems) == 1
    assert "mailbox.hots: unknown key" in problems[0]


def test_a_wrong_type_is_named_with_its_path(tmp_path: Path) -> None:
    problems = _problems(tmp_path, '[mailbox]\nport = "993"\n[web]\nenabled = "yes"\n')
    assert any('mailbox.port: expected an integer, got "993"' in p for p in problems)
    assert any('web.enabled: expected true or false, got "yes"' in p for p in problems)


def test_a_bad_value_is_refused(tmp_path: Path) -> None:
    problems = _problems(tmp_path, '[mailbox]\nsecurity = "ssl"\n')
    assert any('mailbox.security: "ssl" is not one of "tls", "starttls", "none"' in p
               for p in problems)
    problems = _problems(tmp_path, '[smtp]\nhost = "smtp.example.com"\nsecurity = "none"\n')
    assert any("smtp.security" in p and "loopback" in p for p in problems)
    problems = _problems(tmp_path, "[priorities.targets.P9]\nfirst_response_hours = 1.0\n"
                                   "resolution_hours = 2.0\n")
    assert any("priorities.targets.P9" in p for p in problems)


def test_a_password_in_the_file_is_an_error(tmp_path: Path) -> None:
    problems = _problems(tmp_path, '[mailbox]\npassword = "hunter2"\n')
    assert any(p.endswith("or mailbox.password_file") and "mailbox.password" in p
               for p in problems)
    assert not any("hunter2" in p for p in problems)


def test_passwords_come_from_the_environment_or_a_file(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "imap-password"
    secret.write_text("from-file\n")
    config = configuration.load(_write(tmp_path, f'[mailbox]\npassword_file = "{secret}"\n'))
    monkeypatch.delenv("MAILBOT_IMAP_PASSWORD", raising=False)
    assert config.imap_password() == "from-file"
    monkeypatch.setenv("MAILBOT_IMAP_PASSWORD", "from-env")
    assert config.imap_password() == "from-env"


def test_check_config_exits_non_zero_with_one_line_per_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, '[mailbox]\nport = "x"\nbogus = 1\n')
    done = subprocess.run([sys.executable, "-m", "mailbot.cli", "check-config", "--config",
                           str(path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, done.stderr
    assert any("mailbox.port" in line for line in lines)
    assert any("mailbox.bogus" in line for line in lines)
    secrets = {**os.environ, "MAILBOT_IMAP_PASSWORD": "i", "MAILBOT_SMTP_PASSWORD": "s"}
    ok = subprocess.run([sys.executable, "-m", "mailbot.cli", "check-config", "--config",
                         str(ROOT / "rules.toml")], capture_output=True, text=True, cwd=ROOT,
                        env=secrets)
    assert ok.returncode == 0, ok.stderr


def test_the_daemon_refuses_to_start_on_a_bad_config(tmp_path: Path) -> None:
    path = _write(tmp_path, '[storage]\ndir = 42\n')
    done = subprocess.run([sys.executable, "-m", "mailbot.cli", "run", "--once", "--config",
                           str(path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode != 0
    assert "storage.dir: expected a string, got 42" in done.stderr


def _cli(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    return subprocess.run([sys.executable, "-m", "mailbot.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env={**base, **environ}, timeout=60)


def _shipped_rules(tmp_path: Path) -> Path:
    """The shipped rules.toml, with its state directory moved out of /var/lib."""
    text = (ROOT / "rules.toml").read_text("utf-8")
    return _write(tmp_path, text.replace('dir = "/var/lib/mailbot"',
                                         f'dir = "{tmp_path / "state"}"'))


def test_check_config_asks_for_the_passwords_that_run_would_need(tmp_path: Path) -> None:
    """The shipped rules.toml names an SMTP user: without its password check-config says so
    (one line per missing password, exit 2) instead of saying OK to a daemon that then dies."""
    rules = _shipped_rules(tmp_path)
    done = _cli("check-config", "--config", str(rules))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in done.stderr
    assert any(line.endswith("set MAILBOT_SMTP_PASSWORD, smtp.password_file or the systemd "
                             "credential smtp-password") for line in lines)
    assert any("MAILBOT_IMAP_PASSWORD" in line for line in lines)
    run = _cli("run", "--once", "--config", str(rules))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == lines


def test_what_check_config_accepts_starts(tmp_path: Path) -> None:
    """With its passwords given, the shipped configuration starts: it reaches the (absent)
    mailbox and stops on that with one line, never on `smtp user and password go together`."""
    rules = _shipped_rules(tmp_path)
    secrets = {"MAILBOT_IMAP_PASSWORD": "i", "MAILBOT_SMTP_PASSWORD": "s"}
    assert _cli("check-config", "--config", str(rules), **secrets).returncode == 0
    text = rules.read_text().replace('host = "imap.groupe-exemple.fr"', 'host = "127.0.0.1"')
    rules.write_text(text.replace("port = 993", "port = 9"))  # discard: nothing listens
    for smtp_user in ("support", ""):  # "": a server that needs no login, password set anyway
        rules.write_text(rules.read_text().replace(
            'user = "support"\npassword_file = ""\n# The support',
            f'user = "{smtp_user}"\npassword_file = ""\n# The support'))
        run = _cli("run", "--once", "--config", str(rules), **secrets)
        assert "Traceback" not in run.stderr and "go together" not in run.stderr
        assert run.returncode == 4, run.stderr
        assert run.stderr.strip().splitlines()[-1].startswith("mailbot: mailbox unreachable:")


@pytest.mark.parametrize("text, where", [
    ("[priorities.targets.P2]\nfirst_response_hours = -4.0\nresolution_hours = 96.0\n",
     "priorities.targets.P2.first_response_hours: hours cannot be negative"),
    ("[priorities.targets.P3]\nfirst_response_hours = 48.0\nresolution_hours = 8.0\n",
     "priorities.targets.P3.resolution_hours: 8.0 is below first_response_hours (48.0)"),
    ("[mailbox]\nbatch = 0\n", "mailbox.batch: must be above 0, got 0"),
    ("[mailbox]\nmax_message_mb = 0\n", "mailbox.max_message_mb: must be above 0, got 0.0"),
    ("[mailbox]\nmax_attempts = 0\n", "mailbox.max_attempts: must be above 0, got 0"),
    ('[mailbox]\nclaim_folder = "Processing"\ninstance = "host.example"\n',
     "mailbox.instance: letters, digits, - and _ only: 'host.example'"),
    ('[mailbox]\ninstance = "a"\n', "mailbox.instance: only used with mailbox.claim_folder"),
    ('[mailbox]\nkind = "maildir"\npath = "/tmp/x"\nclaim_folder = "Processing"\n',
     'mailbox.claim_folder: only for kind = "imap" (several instances sharing one IMAP '
     'mailbox)'),
    ("[mailbox]\npoll_seconds = -1\n", "mailbox.poll_seconds: must be above 0, got -1.0"),
    ("[smtp]\ntimeout_seconds = 0\n", "smtp.timeout_seconds: must be above 0, got 0.0"),
    ('[smtp]\npassword_file = "/nonexistent/smtp-password"\n',
     "smtp.password_file: no such file: /nonexistent/smtp-password"),
])
def test_values_that_would_make_the_daemon_spin_or_stall_are_refused(
        tmp_path: Path, text: str, where: str) -> None:
    problems = _problems(tmp_path, text)
    assert [p.split(": ", 1)[1] for p in problems] == [where]
    done = _cli("check-config", "--config", str(tmp_path / "rules.toml"))
    assert done.returncode == 2 and done.stderr.strip().endswith(where)


def test_the_claim_folder_of_an_instance_defaults_to_the_host_name() -> None:
    import re
    import socket

    from mailbot.config import MailboxConfig, claim_path

    assert claim_path(MailboxConfig()) == ""
    assert claim_path(MailboxConfig(claim_folder="Processing", instance="a")) == "Processing/a"
    host = claim_path(MailboxConfig(claim_folder="Processing")).split("/", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]+", host)
    assert host == socket.gethostname().replace(".", "-") or "." not in host
