"""What the operator installs: the console script and a hardened systemd unit."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.support import unavailable

ROOT = Path(__file__).resolve().parents[1]


def test_the_console_script_is_mailbot() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["mailbot"] == "mailbot.cli:main"
    assert project["requires-python"] == ">=3.11"
    mailbot = shutil.which("mailbot")
    if mailbot:  # installed by scripts/test.sh into the venv
        done = subprocess.run([mailbot, "--help"], capture_output=True, text=True)
        assert done.returncode == 0 and "check-config" in done.stdout


def test_the_systemd_unit_is_hardened_and_restarts() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    text = (ROOT / "systemd" / "mailbot.service").read_text()
    unit.read_string(text.replace("LoadCredential=", "LoadCredential_="))  # repeated key
    service = unit["Service"]
    assert service["DynamicUser"] == "yes" and service["User"] == "mailbot"
    assert service["StateDirectory"] == "mailbot"
    assert service["ProtectSystem"] == "strict"
    assert service["NoNewPrivileges"] == "yes"
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    assert service["ExecStart"].endswith("mailbot run")
    # READY/STATUS/STOPPING from the daemon itself, and a watchdog it feeds (O01, O03).
    assert service["Type"] == "notify" and service["NotifyAccess"] == "main"
    assert service["WatchdogSec"] == "5min"
    assert "LoadCredential=mailbox-password:" in text and "LoadCredential=smtp-password:" in text


def _analyze() -> str:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        # scripts/test.sh installs it (Debian package `systemd`): in CI its absence is a failure.
        reason = "systemd-analyze is not installed (apt-get install -y systemd)"
        unavailable(reason)
    return analyze


def test_systemd_rates_the_unit_as_well_confined() -> None:
    done = subprocess.run([_analyze(), "security", "--offline=true",
                           str(ROOT / "systemd" / "mailbot.service")],
                          capture_output=True, text=True)
    level = float(done.stdout.split("Overall exposure level for mailbot.service:")[1].split()[0])
    assert level <= 2.5, done.stdout[-2000:]


def test_systemd_verifies_the_unit_without_a_warning(tmp_path: Path) -> None:
    """`systemd-analyze verify`: every directive known and every value parsed (a misspelt
    WatchdogSec= is only a warning to systemd, and the watchdog would silently be off). The
    command must exist, so the unit is checked with the installed console script's path."""
    mailbot = shutil.which("mailbot") or str(Path(sys.executable).with_name("mailbot"))
    unit = tmp_path / "mailbot.service"
    unit.write_text((ROOT / "systemd" / "mailbot.service").read_text()
                    .replace("/usr/local/bin/mailbot", mailbot))
    done = subprocess.run([_analyze(), "verify", "--man=no", str(unit)],
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_each_policy_has_one_definition() -> None:
    """is_loopback, the security modes and the write-fsync-rename sequence are defined once:
    two copies drift (one said "localhost" was loopback, the other only in lower case)."""
    sources = {p.relative_to(ROOT).as_posix(): p.read_text("utf-8")
               for p in (ROOT / "mailbot").rglob("*.py")}

    def where(needle: str) -> list[str]:
        return sorted(name for name, text in sources.items() if needle in text)

    assert where("def is_loopback(") == ["mailbot/net.py"]
    assert where('"tls", "starttls", "none"') == ["mailbot/net.py"]
    assert where("os.fsync(") == ["mailbot/storage.py"]
    assert where("os.replace(tmp") == ["mailbot/storage.py"]


def reliability_table_names(table: str) -> list[tuple[str, str, str]]:
    """(case, file, function) for every `file::function` of tests/RELIABILITY.md's rows; a bare
    `::function` continues the file last named on the same row."""
    import re

    named = []
    for line in table.splitlines():
        row = re.match(r"^\| ([LDOMSC]\d\d) \|", line)
        if row is None:
            continue
        module = None
        for given, name in re.findall(r"`(test_\w+)?::(test_\w+)", line):
            module = given or module
            named.append((row[1], module or "(no file before it)", name))
    return named


def test_the_reliability_table_maps_every_case_to_tests_that_exist() -> None:
    """tests/RELIABILITY.md has one row per case of ../shared/RELIABILITY.md, and every test it
    names is a test function of the file it names (a rename must update the table; a bare
    `::name` is looked up in the file named before it on its row)."""
    import re

    from tests.corpus_path import corpus_root

    checklist = (corpus_root().parent / "RELIABILITY.md").read_text("utf-8")
    cases = re.findall(r"^- ([LDOMSC]\d\d) ", checklist, re.M)
    table = (ROOT / "tests" / "RELIABILITY.md").read_text("utf-8")
    rows = re.findall(r"^\| ([LDOMSC]\d\d) \| (test|partial|issue [678]|gap|n/a) \|", table, re.M)
    assert len(cases) == 79 and [case for case, _ in rows] == cases
    missing = []
    for case, module, name in reliability_table_names(table):
        path = ROOT / "tests" / f"{module}.py"
        if not path.exists() or f"def {name}(" not in path.read_text("utf-8"):
            missing.append(f"{case}: {module}::{name}")
    assert missing == []
    for module in re.findall(r"`(test_\w+)`", table):
        assert (ROOT / "tests" / f"{module}.py").exists(), module


def test_the_reliability_checker_resolves_a_bare_name_to_the_file_before_it() -> None:
    row = "| L01 | test | `test_a::test_x`, `::test_y`, `test_b::test_z`, `::test_w` |"
    assert reliability_table_names(row) == [
        ("L01", "test_a", "test_x"), ("L01", "test_a", "test_y"),
        ("L01", "test_b", "test_z"), ("L01", "test_b", "test_w")]
    assert reliability_table_names("| L02 | test | `::test_v` |") == [
        ("L02", "(no file before it)", "test_v")]
