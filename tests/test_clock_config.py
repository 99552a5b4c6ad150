"""The [calendar], [escalation] and [digest] sections of rules.toml: the shipped ladder is seed
001's, and every wrong value is one line naming its key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.clock.settings import EscalationConfig
from mailbot.config import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        configuration.load(path)
    return caught.value.problems


def test_the_shipped_ladder_is_seed_001_and_matches_the_built_in_default() -> None:
    shipped = configuration.load(ROOT / "rules.toml").escalation
    default = EscalationConfig()
    assert [(lv.role, lv.kind) for lv in shipped.levels] == [
        (lv.role, lv.kind) for lv in default.levels]
    assert len(shipped.levels) == 7
    assert shipped.ladders == default.ladders
    # P1 takes seed 001 as written: 15 min, 1 h, 4 h, a day, three days, a week.
    assert shipped.ladders["P1"] == [0.25, 1.0, 4.0, 24.0, 72.0, 168.0]
    assert all(c.endswith("@groupe-exemple.fr") for lv in shipped.levels for c in lv.contacts)


def test_calendar_values_are_checked(tmp_path: Path) -> None:
    problems = _problems(tmp_path, """
[calendar]
time_zone = "Europe/Pariss"
working_days = ["monday", "lundi"]
hours = ["09:00-12:30", "12:00-18:00", "25:00-26:00"]
holidays = "XX"
closed_days = ["2026-13-01", 2026-12-24]
""")
    text = "\n".join(problems)
    assert 'calendar.time_zone: unknown time zone "Europe/Pariss"' in text
    assert 'calendar.working_days[1]: "lundi" is not a day name' in text
    assert "calendar.hours: periods overlap" in text
    assert 'calendar.hours[2]: "25:00-26:00" is not a period' in text
    assert 'calendar.holidays: "XX" is not a country' in text
    assert "calendar.closed_days[0]: '2026-13-01' is not a date" in text
    assert "closed_days[1]" not in text  # a TOML date is a date


def test_escalation_and_digest_values_are_checked(tmp_path: Path) -> None:
    problems = _problems(tmp_path, """
[escalation]
immediate_level = 9
[escalation.ladders]
P1 = [1.0, 0.5, 2.0, 3.0, 4.0, 5.0]
P2 = [1.0, 2.0]
P9 = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
[digest]
at = "9h"
waiting_days = 0
""")
    text = "\n".join(problems)
    assert "escalation.ladders.P1: thresholds must be positive and increasing" in text
    assert "escalation.ladders.P2: 2 thresholds for 7 levels" in text
    assert "escalation.ladders.P9: unknown priority" in text
    assert "escalation.immediate_level: 9 is not a level (1 to 7)" in text
    assert 'digest.at: "9h" is not a time' in text
    assert "digest.waiting_days: must be at least 1" in text


def test_a_level_needs_its_fields_and_real_addresses(tmp_path: Path) -> None:
    problems = _problems(tmp_path, """
[[escalation.levels]]
role = "Support"
contacts = ["nobody"]
kind = "sideways"
""")
    text = "\n".join(problems)
    assert 'escalation.levels[0].kind: "sideways" is not one of "functional", "hierarchical"' \
        in text
    problems = _problems(tmp_path, '[[escalation.levels]]\nrole = "Support"\n'
                                   'contacts = ["nobody"]\nkind = "functional"\n'
                                   '[escalation.ladders]\n')
    assert any("escalation.levels[0].contacts[0]: not an email address" in p for p in problems)


def test_check_config_reports_a_bad_calendar_and_exits_non_zero(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[calendar]\nalsace_moselle = true\nholidays = ""\n', encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "mailbot.cli", "check-config", "--config",
                          str(path)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode != 0
    assert 'calendar.alsace_moselle: only with holidays = "FR"' in run.stderr + run.stdout
