"""The spent blind triage sets (docs/triage.md): once a set has been used to tune the rules it
joins tests/blind/ as a regression set, and the score reached on it must not fall.

The cases are not to be read by whoever tunes the rules; this test, like
scripts/blind_triage.py, reports only scores and the class of each miss."""

from __future__ import annotations

import importlib.util

import pytest

from tests.harness import ROOT

SCORER = ROOT / "scripts" / "blind_triage.py"
# (set, type and priority both right, information mails recognised) reached when it was spent
# Round 7 raised them to 69, 60, 49, 62, 65 (from 66, 59, 46, 59, 54; r5's classes were
# handed to it, the other sets' misses only where they fell in the same classes).
REACHED = [("triage-r1", 69, 8), ("triage-r2", 60, 10), ("triage-r3", 49, 6),
           ("triage-r4", 62, 10), ("triage-r5", 65, 11)]


def _scorer():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("blind_triage", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("name", "right", "information"), REACHED)
def test_a_spent_blind_set_keeps_its_score(name: str, right: int, information: int) -> None:
    result = _scorer().score(ROOT / "tests" / "blind" / name, ROOT / "rules.toml")
    misses = "\n".join(result["misses"])
    assert result["right"] >= right, f"{result['right']}/{result['total']}:\n{misses}"
    assert result["info_right"] >= information, misses
