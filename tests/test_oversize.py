"""The decision for a message over mailbox.max_message_mb (RELIABILITY M04), pure: the notice
to its sender and when the loop guard withholds it. End to end: test_intake_guards."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot import oversize
from mailbot.batch import Batch
from mailbot.config import Config
from mailbot.parsers import parse
from mailbot.store import Store
from tests.harness import PARIS, mail

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
HEADER = mail(subject="Scan", message_id="<big@groupe-exemple.fr>", headers={
    "Authentication-Results": "mx.test; dmarc=pass header.from=groupe-exemple.fr"}
).split(b"\n\n")[0] + b"\n\n"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = configuration.load(None)
    config.storage.dir = str(tmp_path / "state")
    config.mailbox.max_message_mb = 10
    config.team.authserv_id = "mx.test"
    return config


def test_the_sender_is_told_in_english_when_configured(config: Config) -> None:
    config.mail.language = "en"
    batch = Batch(Store(config.state_dir, writer=True))
    decision = oversize.decide(parse(HEADER, config.parse_rules()), size=31_457_280,
                               view=batch, config=config, now=NOW)
    [notice] = decision.mails
    assert decision.action == "oversize" and decision.key is None and decision.ticket is None
    assert notice.kind == "oversize_notice" and notice.ticket is None
    assert notice.recipients == ["claire.martin@groupe-exemple.fr"]
    assert notice.subject == "Message too large: Scan"
    assert "is 30 MB, more than the support accepts\n(10 MB)" in notice.text
    assert "It was not read nor recorded as a request." in notice.text


def test_the_notice_counts_against_the_automatic_mail_cap(config: Config) -> None:
    config.mail.max_automatic_mails = 2
    batch = Batch(Store(config.state_dir, writer=True))
    header = parse(HEADER, config.parse_rules())
    told = []
    for _ in range(3):  # three oversize mails of one pass, each staged before the next
        told.append(oversize.decide(header, size=20_000_000, view=batch, config=config,
                                    now=NOW))
        batch.stage(told[-1])
    assert [len(d.mails) for d in told] == [1, 1, 0]
    assert "sender not told: automatic_mail_cap" in told[2].reasons


def _decide(config: Config, *, sender: str = "claire.martin@groupe-exemple.fr",
            verdict: str | None = None) -> object:
    raw = mail(sender=sender, subject="Scan",
               headers={"Authentication-Results": verdict} if verdict else None)
    header = raw.split(b"\n\n")[0] + b"\n\n"
    batch = Batch(Store(config.state_dir, writer=True))
    return oversize.decide(parse(header, config.parse_rules()), size=31_457_280, view=batch,
                           config=config, now=NOW)


@pytest.mark.parametrize("verdict", ["mx.test; dmarc=none", "mx.test; dmarc=fail",
                                     "mx.test; spf=softfail"])
def test_no_notice_when_our_server_gave_a_verdict_that_does_not_pass(config: Config,
                                                                      verdict: str) -> None:
    """RELIABILITY M04: a verdict of our receiving server that does not vouch for the From: a
    30 MB forgery must not make us write to the person it names."""
    decision = _decide(config, verdict=verdict)
    assert decision.mails == []  # type: ignore[attr-defined]
    assert any(r.startswith("sender not told: ")
               for r in decision.reasons)  # type: ignore[attr-defined]


@pytest.mark.parametrize("sender", ["someone@outside.example", "tech.alice@groupe-exemple.fr",
                                    "equipe-si@groupe-exemple.fr"])
@pytest.mark.parametrize("verdict", [None, "elsewhere.example; dmarc=pass"])
def test_no_notice_to_an_outsider_or_a_technician_without_proof(
        config: Config, sender: str, verdict: str | None) -> None:
    decision = _decide(config, sender=sender, verdict=verdict)
    assert decision.mails == []  # type: ignore[attr-defined]
    assert "sender not told: sender_not_authenticated" in decision.reasons  # type: ignore[attr-defined]


@pytest.mark.parametrize("authserv", ["mx.test", ""])
@pytest.mark.parametrize("verdict", [None, "elsewhere.example; dmarc=pass"])
def test_an_employee_without_a_verdict_of_ours_is_told(config: Config, authserv: str,
                                                       verdict: str | None) -> None:
    """Day 8: mail between colleagues need not cross the MX that writes the verdicts; an
    employee's 27 MB file was met with silence."""
    config.team.authserv_id = authserv
    decision = _decide(config, verdict=verdict)
    [notice] = decision.mails  # type: ignore[attr-defined]
    assert notice.recipients == ["claire.martin@groupe-exemple.fr"]
