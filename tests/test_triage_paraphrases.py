"""The paraphrase set (tests/triage_paraphrases/cases.txt, issue 17): every example of the SLA
procedure said several ways, as employees write (French and English, no accents, typos, slang,
negations, a symptom without its technical word), labelled from the procedures before mailbot
ran on them. The rules must generalise to it; the score reached must not fall.

    .venv/bin/python -m tests.test_triage_paraphrases     prints the score and every miss
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.parsers import parse
from mailbot.rules.assess import assess, policy_of
from tests.harness import ROOT, mail
from tests.triage_paraphrases.load import (
    CASES,
    CASES5,
    CASES6,
    CASES7,
    CASES8,
    HOLDOUT,
    HOLDOUT2,
    HOLDOUT5,
    HOLDOUT6,
    HOLDOUT8,
    Case,
    cases,
    score,
)

CONFIG = configuration.load(ROOT / "rules.toml")
POLICY = policy_of(CONFIG)
# Type and priority both right when last measured. cases.txt: 119/148 on the rules before
# this work, 145 after (tuned on it). holdout.txt, written after the changes: 55/61 at its
# first (honest) score (51/61 before this work), 59 after fixing the classes it showed.
# holdout2.txt (requests worded as faults, faults without a symptom word, information without
# a marker): 19/24 at its first score, as before this work; 23 after.
# Round 5 (the classes of triage-r4's misses): cases5.txt 39/56 on the rules before round 5,
# 55 after (tuned on it); holdout5.txt, written before any change: 11/18 before, 14/18 at its
# first (honest) score, 18 after fixing the classes it showed.
# Round 6 (triage-r5's classes): cases6.txt 11/21 before, 18 after (tuned on it);
# holdout6.txt, written before any tuning on it: 8/13 before, 12/13 at its first score, 11
# after "aucun poste" + "démarre" left department_stopped (it made a PC still to be delivered,
# "aucun PC ... livré", a P1 in triage-r3).
# Round 7 (triage-r5's remaining classes and day 5's two defects): cases7.txt was written
# while the rules changed, not before: a tuning set. 14/24 on the rules before round 7, 24
# after; a 25th line (a site the filter blocks) added with its fix.
# Round 8 (triage-r6's classes): cases8.txt was written after the first changes for the blind
# set's classes and tuned on: 18/23 at its first run, 22 after (one of its lines reworded: a
# screen moved "to the meeting room" hits move_equipment's exclusion of meetings, not the class
# it was written for; a scanner alone is weak evidence of a printer, so a shared scanner
# worked around still goes to P4). holdout8.txt, written after the changes and scored once: 11/13 (a
# warehouse "nobody ... can scan" names no verb the rule knows; "personne ne peut s'y
# connecter" to a new laptop not in the domain is read as a department stopped). cases5.txt line
# 83 relabelled P3 (see its comment): 55 as before, with it right and no other miss more.
REACHED = {CASES: 145, HOLDOUT: 59, HOLDOUT2: 23, CASES5: 55, HOLDOUT5: 18, CASES6: 18,
           HOLDOUT6: 11, CASES7: 25, CASES8: 22, HOLDOUT8: 11}


def decide(case: Case) -> tuple[str, str | None]:
    msg = parse(mail(sender=case.sender, subject=case.subject, body=case.body),
                CONFIG.parse_rules())
    result = assess(msg, POLICY)
    return result.type, result.priority


def test_every_case_is_labelled_from_the_procedures() -> None:
    found = (cases() + cases(HOLDOUT) + cases(HOLDOUT2) + cases(CASES5) + cases(HOLDOUT5)
             + cases(CASES6) + cases(HOLDOUT6) + cases(CASES7) + cases(CASES8)
             + cases(HOLDOUT8))
    assert len(found) >= 230
    assert {c.type for c in found} == {"incident", "request", "information"}
    assert all((c.priority is None) == (c.type == "information") for c in found)
    assert len({c.example for c in found}) >= 30  # every example of the procedure


@pytest.mark.parametrize("path", [CASES, HOLDOUT, HOLDOUT2, CASES5, HOLDOUT5, CASES6, HOLDOUT6,
                                  CASES7, CASES8, HOLDOUT8],
                         ids=["cases", "holdout", "holdout2", "cases5", "holdout5", "cases6",
                              "holdout6", "cases7", "cases8", "holdout8"])
def test_the_paraphrases_keep_their_score(path: Path) -> None:
    result = score(decide, path)
    misses = "\n".join(result["misses"])  # type: ignore[arg-type]
    assert result["right"] >= REACHED[path], f"{result['right']}/{result['total']}:\n{misses}"


@pytest.mark.parametrize("kind", ["Information"])
def test_every_information_paraphrase_is_information(kind: str) -> None:
    # holdout2's "l'équipe compta s'installe au 3e à partir de lundi" is still a request P4
    # (minor_change: "déménagement"); reading a third party's move as an announcement made a
    # newcomer's arrival information too (a request in triage-r2), so it is left, counted in
    # REACHED.
    written = cases() + cases(HOLDOUT) + cases(CASES5) + cases(HOLDOUT5)
    wrong = [f"{c.line}: {decide(c)}" for c in written
             if c.example.startswith(kind)
             and decide(c) != ("information", None)]
    assert not wrong


def _report(path: Path) -> None:
    result = score(decide, path)
    print(f"{path.name}: type and priority both right: {result['right']}/{result['total']} "
          f"({100 * result['right'] / result['total']:.1f} %)")  # type: ignore[operator]
    for kind, (ok, n) in sorted(result["per"].items()):  # type: ignore[attr-defined]
        print(f"  {kind}: {ok}/{n}")
    for line in result["misses"]:  # type: ignore[attr-defined]
        print(f"miss: {line}")


if __name__ == "__main__":
    import logging

    logging.disable(logging.CRITICAL)
    for path in (CASES, HOLDOUT, HOLDOUT2, CASES5, HOLDOUT5, CASES6, HOLDOUT6, CASES7, CASES8,
                 HOLDOUT8):
        _report(path)
