"""The golden corpus (../shared/corpus): every applicable oracle, scored per category.

The test fails, never skips, when the corpus is missing: CI always runs it.
"""

from __future__ import annotations

import pytest

from mailbot.parsers.report import Check, corpus_dir, format_report, run, scores

# What the parsers achieve today on every category (issue 10): any regression fails. A check the
# code cannot meet because the oracle is wrong belongs in report.DISAGREEMENTS, with evidence.
MINIMUM_SCORE = {
    "autoreplies": 1.0,
    "bounces": 1.0,
    "lists": 1.0,
    "plain": 1.0,
    "helpdesk_fr": 1.0,
    "forwards": 1.0,
    "body_only/forwards": 1.0,
    "replies": 1.0,
    "body_only/replies": 1.0,
    "attachments": 1.0,
    "international": 1.0,
    "malformed": 1.0,
    "error_texts": 1.0,
}


@pytest.fixture(scope="module")
def checks() -> list[Check]:
    corpus = corpus_dir()
    assert corpus.is_dir(), f"corpus not found at {corpus}: set MAILBOT_CORPUS"
    result = run(corpus)
    print("\n" + format_report(result))
    return result


@pytest.mark.parametrize("category", sorted(MINIMUM_SCORE))
def test_category_meets_its_target(checks: list[Check], category: str) -> None:
    ok, total = scores(checks)[category]
    failed = [f"{c.file}: {c.field}: {c.detail}" for c in checks
              if c.category == category and not c.ok]
    assert ok / total >= MINIMUM_SCORE[category], "\n".join(failed)


def test_no_machine_mail_is_taken_for_a_person_nor_the_reverse(checks: list[Check]) -> None:
    kind_checks = [c for c in checks if c.field.startswith("kind")]
    assert len(kind_checks) > 60
    assert [c for c in kind_checks if not c.ok] == []


def test_no_message_of_the_corpus_makes_the_parser_fail(checks: list[Check]) -> None:
    assert [c.file for c in checks if c.field == "never raises" and not c.ok] == []
