"""The organisation's rules applied to new tickets by the pure core (no servers): every mail
they add renders in both languages, a technician's forward of a VIP's mail warns management,
and a mass incident's parent relays nothing until it is closed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.batch import Batch
from mailbot.config import Config
from mailbot.parsers import parse
from mailbot.pipeline import Decision, decide
from mailbot.store import Store
from tests.harness import PARIS, TECHS, mail

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
DG = "dg@groupe-exemple.fr"
SAGE_DIALOG = ("Sage ne s'ouvre plus :\n\n---------------------------\nSage 100 Comptabilité\n"
               "---------------------------\nErreur n° 20418\nLa société ne peut pas être "
               "ouverte.\n---------------------------\nOK\n---------------------------\n")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = configuration.load(None)
    config.storage.dir = str(tmp_path / "state")
    config.team.technicians = list(TECHS)
    config.vip.addresses = [DG]
    config.vip.support_manager = "resp.support@groupe-exemple.fr"
    return config


@pytest.fixture
def batch(config: Config) -> Batch:
    return Batch(Store(config.state_dir, writer=True))


def _decide(raw: bytes, batch: Batch, config: Config, now: datetime = NOW) -> Decision:
    decision = decide(parse(raw, config.parse_rules()), raw_path="raw/x.eml", view=batch,
                      config=config, now=now)
    batch.stage(decision)
    return decision


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_mail_the_rules_add_renders_in_both_languages(
        batch: Batch, config: Config, language: str) -> None:
    config.mail.language = language
    # Each employee is written to in their own language: the mails are in the configured one.
    subject, body = (("URGENT : logo du papier à en-tête", "Pouvez-vous changer le logo ?\n")
                     if language == "fr" else
                     ("URGENT: letterhead logo", "Could you change the logo on our letters?\n"))
    vip = _decide(mail(sender=DG, subject=subject, body=body), batch, config)
    # (issue 8 adds its own immediate ladder notice for a VIP: kind "escalation")
    assert {"acknowledgement", "team_notice", "vip_notice"} <= {m.kind for m in vip.mails}
    demoted = _decide(mail(subject=subject, body=body, message_id="<logo@groupe-exemple.fr>"),
                      batch, config)
    # The demotion is said in the acknowledgement (one mail, issue 16 §8).
    [notice] = [m for m in demoted.mails if m.kind == "acknowledgement"]
    assert not [m for m in demoted.mails if m.kind == "demotion"]
    assert ("URGENT" in notice.text and "procédure SLA" in notice.text if language == "fr"
            else "SLA procedure" in notice.text)
    assert demoted.ticket.priority == "P4" and demoted.ticket.urgent_demoted
    info = _decide(mail(subject="FYI: parking closed on Thursday",
                        body="The car park is closed on Thursday morning.\n",
                        message_id="<fyi@groupe-exemple.fr>"), batch, config)
    assert [m.kind for m in info.mails] == ["team_notice"]
    assert len(info.mails[0].text.strip().splitlines()) == 1
    reports = [_decide(mail(sender=f"u{n}@groupe-exemple.fr", subject="Sage", body=SAGE_DIALOG,
                            message_id=f"<sage{n}@groupe-exemple.fr>"), batch, config,
                       NOW + timedelta(minutes=n)) for n in range(3)]
    [mass] = [m for m in reports[2].mails if m.kind == "team_notice"]
    assert reports[2].ticket.parent is not None and len(reports[2].others) == 3
    assert "Incident de masse" in mass.subject or "Mass incident" in mass.subject
    for n in range(3):  # the cap: the fourth new ticket from one address warns the team
        _decide(mail(sender="robot@x.example", subject=f"Auto {n}", body="Bien reçu.\n",
                     message_id=f"<r{n}@x.example>"), batch, config)
    warned = _decide(mail(sender="robot@x.example", subject="Auto 4", body="Bien reçu.\n",
                          message_id="<r4@x.example>"), batch, config)
    assert [m.kind for m in warned.mails] == ["team_notice"]
    assert "3" in warned.mails[0].text and notice.text


def test_a_technicians_forward_of_a_vips_mail_warns_management(
        batch: Batch, config: Config) -> None:
    forward = mail(sender=TECHS[0], subject="TR: PC portable HS",
                   body="Pour le DG.\n\n-----Message d'origine-----\nDe : Philippe Arnaud "
                        f"<{DG}>\nEnvoyé : lundi 23 novembre 2026 08:12\nÀ : Alice\n"
                        "Objet : PC portable HS\n\nMon portable ne démarre plus.\n")
    decision = _decide(forward, batch, config)
    assert decision.ticket.requester == DG and decision.ticket.vip
    assert decision.ticket.priority == "P2"
    [vip] = [m for m in decision.mails if m.kind == "vip_notice"]
    assert vip.recipients == ["resp.support@groupe-exemple.fr"]


def test_a_technicians_answer_on_a_mass_incident_reaches_every_reporter(
        batch: Batch, config: Config) -> None:
    reports = [_decide(mail(sender=f"u{n}@groupe-exemple.fr", subject="Sage", body=SAGE_DIALOG,
                            message_id=f"<sage{n}@groupe-exemple.fr>"), batch, config,
                       NOW + timedelta(minutes=n)) for n in range(3)]
    parent = reports[2].ticket.parent
    [notice] = [m for m in reports[2].mails if m.kind == "team_notice"]
    answer = _decide(mail(sender=TECHS[0], subject=f"RE: {notice.subject}",
                          body="On regarde le serveur SQL.\n", in_reply_to=notice.message_id,
                          references=notice.message_id), batch, config,
                     NOW + timedelta(minutes=10))
    assert answer.ticket.number == parent
    # Since day 10 a technician's plain answer on the incident goes to every reporter, one mail
    # each in their own thread, and is the incident's first answer (tests/test_day10b_fixes.py).
    relays = [m for m in answer.mails if m.kind == "relay"]
    assert sorted(r for m in relays for r in m.recipients) == [
        f"u{n}@groupe-exemple.fr" for n in range(3)]
    assert all("On regarde le serveur SQL." in m.text for m in relays)
    assert answer.ticket.first_response_at
