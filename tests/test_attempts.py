"""The attempt counter's rules (RELIABILITY D08), on a real state directory; the end-to-end
tests with a killed process are in test_intake_guards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailbot.attempts import Attempts
from mailbot.storage import StateUnwritable


def test_a_batch_is_counted_in_one_file_and_a_commit_clears_it(tmp_path: Path) -> None:
    attempts = Attempts(tmp_path)
    assert not attempts.careful
    attempts.begin(["1:1", "1:2"])
    assert json.loads((tmp_path / "attempts.json").read_text()) == {"1:1": 1, "1:2": 1}
    attempts.committed(["1:1", "1:2"])
    assert not (tmp_path / "attempts.json").exists()


def test_counts_left_by_a_dead_pass_make_the_next_start_careful_until_settled(
        tmp_path: Path) -> None:
    Attempts(tmp_path, limit=3).begin(["1:1", "1:2"])  # and the process died
    again = Attempts(tmp_path, limit=3)
    assert again.careful and again.count("1:1") == 1
    again.begin(["1:1"])
    again.committed(["1:1"])
    assert again.careful  # 1:2 is still unsettled
    assert json.loads((tmp_path / "attempts.json").read_text()) == {"1:2": 1}
    again.forget_suspects()  # the inbox has nothing more: 1:2 left it
    assert not again.careful and not (tmp_path / "attempts.json").exists()


def test_a_message_is_exhausted_at_the_limit(tmp_path: Path) -> None:
    for _death in range(3):
        attempts = Attempts(tmp_path, limit=3)
        assert not attempts.exhausted("1:7")
        attempts.begin(["1:7"])
    assert Attempts(tmp_path, limit=3).exhausted("1:7")


def test_a_state_fault_is_not_an_attempt(tmp_path: Path) -> None:
    attempts = Attempts(tmp_path)
    attempts.begin(["1:1"])
    attempts.abandon()  # the commit failed on a full disk: the process did not die
    attempts.begin(["1:1"])
    assert attempts.count("1:1") == 1


def test_an_unwritable_state_directory_is_a_state_fault(tmp_path: Path) -> None:
    attempts = Attempts(tmp_path)
    (tmp_path / "attempts.json").mkdir()  # something a file cannot replace (root ignores modes)
    (tmp_path / "attempts.json" / "x").touch()
    with pytest.raises(StateUnwritable):
        attempts.begin(["1:1"])
    assert attempts.count("1:1") == 0
