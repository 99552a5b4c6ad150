"""Round 9 of issue 17's triage: the classes of misses of the blind set triage-r7 and two
defects of day 7 of use, tested on sentences of our own (never the set's mails).

- The requester's own "no hurry" lowers even a rule that keeps its priority because the
  modifier says so in rules.toml (`overrides_keep`), not because of its name in the code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.parsers import parse
from mailbot.rules.assess import Assessment, assess, policy_of
from mailbot.rules.checks import check_rules
from mailbot.rules.settings import ClassificationRuleConfig
from tests.harness import ROOT, mail

CONFIG = configuration.load(ROOT / "rules.toml")
POLICY = policy_of(CONFIG)
EMPLOYEE = "sam.employe@groupe-exemple.fr"


def judge(subject: str, body: str, sender: str = EMPLOYEE, policy: object = POLICY
          ) -> Assessment:
    return assess(parse(mail(sender=sender, subject=subject, body=body + "\n"),
                        CONFIG.parse_rules()), policy)  # type: ignore[arg-type]


SLOW_PRINTERS = [
    ("Copieur du 2e", "Bonjour, le copieur du 2e étage met une minute à sortir chaque page. "
                      "Pas urgent, on fait avec."),
    ("imprimante compta", "L'imprimante de la compta bourre une feuille sur dix, quand vous "
                          "pourrez passer."),
    ("Scanner", "Hi, the shared scanner by the kitchen keeps jamming. No rush, whenever you "
                "have time."),
]


@pytest.mark.parametrize("subject, body", SLOW_PRINTERS)
def test_the_requesters_no_hurry_lowers_a_printer_that_keeps_its_priority(
        subject: str, body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority, result.rule) == ("incident", "P4", "no_hurry")


def _rules_without_overrides_keep(tmp_path: Path) -> Path:
    text = (ROOT / "rules.toml").read_text("utf-8")
    assert text.count("\noverrides_keep = true\n") == 1
    changed = tmp_path / "rules.toml"
    changed.write_text(text.replace("\noverrides_keep = true\n", "\n"), "utf-8")
    return changed


@pytest.mark.parametrize("subject, body", SLOW_PRINTERS)
def test_without_overrides_keep_the_printer_keeps_its_p3(tmp_path: Path, subject: str,
                                                         body: str) -> None:
    config = configuration.load(_rules_without_overrides_keep(tmp_path))
    assert not any(rule.overrides_keep for rule in config.classification)
    result = judge(subject, body, policy=policy_of(config))
    assert (result.type, result.priority, result.rule) == ("incident", "P3", "printer_down")


def test_overrides_keep_is_read_from_rules_toml_and_checked() -> None:
    shipped = {rule.name: rule for rule in CONFIG.classification}
    assert shipped["no_hurry"].overrides_keep and shipped["no_hurry"].modifier
    assert [r.name for r in CONFIG.classification if r.overrides_keep] == ["no_hurry"]
    wrong = ClassificationRuleConfig(name="printer", type="incident", priority="P3",
                                     words=["imprimante"], overrides_keep=True)
    assert check_rules([wrong], {}) == [
        'classification[0] "printer": overrides_keep: only a modifier lowers a priority']
