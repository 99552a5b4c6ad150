"""The bot's automatic mail as the world sees it (RELIABILITY L09, L10, L13, L15, S12): its
envelope, its subject, who it goes to, and how much of it there may be. End to end on a real
Dovecot and the recording aiosmtpd, which keeps each mail's MAIL FROM."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot import ids, loopguard
from mailbot.config import Config
from mailbot.parsers import parse
from tests.harness import BOT, PARIS, TEAM, TECHS, env, mail, mailbot, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
CLAIRE = "claire.martin@groupe-exemple.fr"
VERP = re.compile(r"^support\+b(\d+)-[0-9a-f]{20}@groupe-exemple\.fr$")


def rules_with(tmp: Path, dovecot: DovecotServer, smtp: RecordingSmtpServer, *,
               envelope: str | None = None, extra: str = "") -> Path:
    rules = write_rules(tmp, imap=dovecot, smtp=smtp, extra=extra)
    if envelope is not None:
        text = rules.read_text("utf-8").replace(f'from = "{BOT}"',
                                                f'from = "{BOT}"\nenvelope = "{envelope}"')
        rules.write_text(text, "utf-8")
    return rules


def run_once(rules: Path, dovecot: DovecotServer, now: datetime = NOW) -> str:
    return mailbot("run", "--once", "--config", str(rules), "--now", now.isoformat(),
                   environ=env(dovecot)).stderr


def acks(smtp: RecordingSmtpServer, to: str = CLAIRE) -> list:
    return [m for m in smtp.messages
            if m.message["Auto-Submitted"] == "auto-replied" and m.recipients == [to]]


# --- L13: envelope and subject ------------------------------------------------------------------

def test_l13_automatic_mail_goes_out_with_a_null_envelope_and_a_re_subject(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """By default every automatic mail says MAIL FROM:<> (RFC 3834 §3.3); the technician's
    answer relayed to Claire is a person's mail and keeps the support address."""
    rules = rules_with(tmp_path, dovecot, smtp_server)
    dovecot.append(mail(subject="RE: Re: Imprimante 2e étage HS"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    [ack] = acks(smtp_server)
    assert ack.sender == "<>"  # MAIL FROM:<>
    assert ack.message["Subject"] == f"Re: [#{ticket['number']}] Imprimante 2e étage HS"
    assert ack.message["From"].addresses[0].addr_spec == BOT  # replies still come to us
    [notice] = [m for m in smtp_server.messages if m.recipients == [TEAM]]
    assert notice.sender == "<>"
    smtp_server.clear()
    dovecot.append(mail(sender=TECHS[0], subject=f"Re: [#{ticket['number']}] Imprimante",
                        in_reply_to=notice.message["Message-ID"],
                        body="Bonjour Claire,\n\nLe toner est changé.\n"))
    run_once(rules, dovecot)
    [relayed] = [m for m in smtp_server.messages if m.recipients == [CLAIRE]]
    assert relayed.message["Auto-Submitted"] is None and relayed.sender == BOT


def test_l13_envelope_address_keeps_the_support_address_for_relays_refusing_null(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = rules_with(tmp_path, dovecot, smtp_server, envelope="address")
    dovecot.append(mail())
    run_once(rules, dovecot)
    assert [m.sender for m in smtp_server.messages] == [BOT, BOT]  # ack and team notice


def test_l13_a_bad_envelope_value_is_refused_by_check_config(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = rules_with(tmp_path, dovecot, smtp_server, envelope="bounces")
    done = mailbot("check-config", "--config", str(rules), environ=env(dovecot), check=False)
    assert done.returncode != 0 and "smtp.envelope" in done.stderr + done.stdout


def _bounce_to(address: str, recipient: str) -> bytes:
    """A plain-text bounce as many MTAs write it: neither the returned Message-ID nor the tag,
    only the envelope sender it was returned to."""
    return mail(sender="MAILER-DAEMON@mx.groupe-exemple.fr", to=address,
                subject="Undelivered Mail Returned to Sender",
                body=f"This is the mail system.\n\nYour message could not be delivered to "
                     f"{recipient}: mailbox unavailable.\n")


def test_l13_a_bounce_to_our_verp_address_is_filed_and_suppresses_its_recipient(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = rules_with(tmp_path, dovecot, smtp_server, envelope="verp")
    dovecot.append(mail())
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    [ack] = acks(smtp_server)
    found = VERP.match(ack.sender)
    assert found and int(found.group(1)) == ticket["number"]
    assert (tmp_path / "state" / "verp.key").stat().st_mode & 0o077 == 0
    # A forged address of the same shape (no key) suppresses nobody; the real one does.
    forged = ids.verp_address(BOT, ticket["number"], CLAIRE, b"not our key" * 3)
    dovecot.append(_bounce_to(forged, CLAIRE))
    run_once(rules, dovecot)
    assert [m["kind"] for m in show(rules, ticket["number"])["messages"]].count(
        "delivery_failure") == 0
    dovecot.append(mail(subject="Écran noir"))
    run_once(rules, dovecot)
    assert len(acks(smtp_server)) == 2
    dovecot.append(_bounce_to(ack.sender, "the recipient"))
    run_once(rules, dovecot)
    assert "delivery_failure" in [m["kind"] for m in show(rules, ticket["number"])["messages"]]
    # A request made for Claire by someone else (her address as Reply-To): suppressed (L11),
    # ticket opened, no acknowledgement. (Claire writing herself would lift the block.)
    dovecot.append(mail(sender="accueil@groupe-exemple.fr", subject="Clavier cassé",
                        headers={"Reply-To": CLAIRE}))
    run_once(rules, dovecot)
    assert len(acks(smtp_server)) == 2
    assert len(tickets(rules)) == 3


def test_l13_verp_tokens_are_bound_to_their_ticket_and_recipient() -> None:
    key = b"k" * 32
    address = ids.verp_address(BOT, 42, "Claire.Martin@groupe-exemple.fr", key)
    number, mac = ids.verp_ticket(address) or (0, "")
    assert number == 42
    assert ids.verp_recipient(42, mac, ["marc@x.example", CLAIRE], key) == CLAIRE
    assert ids.verp_recipient(43, mac, [CLAIRE], key) is None  # another ticket
    assert ids.verp_recipient(42, mac, ["marc@x.example"], key) is None  # another recipient
    assert ids.verp_recipient(42, mac, [CLAIRE], b"x" * 32) is None  # another key
    assert ids.verp_recipient(42, mac, [CLAIRE], b"") is None
    assert ids.verp_ticket(BOT) is None



# --- L15: Reply-To ------------------------------------------------------------------------------

def _answer(config: Config, **headers: str) -> str:
    return loopguard.answer_address(parse(mail(headers=headers), config.parse_rules()), config)


@pytest.mark.parametrize(("reply_to", "expected"), [
    ("Secrétariat <secretariat.dg@groupe-exemple.fr>", "secretariat.dg@groupe-exemple.fr"),
    (None, CLAIRE),
    ("a@groupe-exemple.fr, b@groupe-exemple.fr", CLAIRE),  # never more than one
    (BOT, CLAIRE),  # our own address: a loop
    (TEAM, CLAIRE),
    ("noreply@groupe-exemple.fr", CLAIRE),
    ("MAILER-DAEMON@groupe-exemple.fr", CLAIRE),
    ("compta-request@lists.groupe-exemple.fr", CLAIRE),
    ("owner-compta@lists.groupe-exemple.fr", CLAIRE),
    ("pas une adresse", CLAIRE),
])
def test_l15_the_answer_goes_to_one_plausible_reply_to_else_to_from(
        reply_to: str | None, expected: str) -> None:
    config = configuration.load(None)
    config.smtp.from_, config.team.address = BOT, TEAM
    headers = {"Reply-To": reply_to} if reply_to else {}
    assert _answer(config, **headers) == expected


def test_l15_no_reply_to_answer_when_dmarc_fails_for_the_from_domain() -> None:
    config = configuration.load(None)
    config.team.authserv_id = "mx.groupe-exemple.fr"
    forged = {"Reply-To": "victime@ailleurs.example",
              "Authentication-Results": "mx.groupe-exemple.fr; dmarc=fail "
                                        "header.from=groupe-exemple.fr"}
    assert _answer(config, **forged) == CLAIRE
    assert "forged_sender" in loopguard.automatic_mail_blocked(
        parse(mail(headers=forged), config.parse_rules()), config)


def test_l15_the_acknowledgement_and_answers_go_to_reply_to_the_requester_stays_from(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Claire's assistant manages her mail: Claire's Reply-To names it. The acknowledgement
    and the technician's answer go there, to that one address; the ticket is Claire's."""
    secretary = "secretariat.dg@groupe-exemple.fr"
    rules = rules_with(tmp_path, dovecot, smtp_server)
    dovecot.append(mail(headers={"Reply-To": f"Secrétariat DG <{secretary}>"},
                        cc="sophie.leroy@groupe-exemple.fr"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert ticket["requester"] == CLAIRE
    [ack] = acks(smtp_server, to=secretary)
    assert ack.message["To"] == secretary and ack.message["Cc"] is None
    assert acks(smtp_server) == []
    [notice] = [m for m in smtp_server.messages if m.recipients == [TEAM]]
    smtp_server.clear()
    dovecot.append(mail(sender=TECHS[0], subject=f"Re: [#{ticket['number']}] Imprimante",
                        in_reply_to=notice.message["Message-ID"], body="Toner changé.\n"))
    run_once(rules, dovecot)
    [relayed] = [m for m in smtp_server.messages if m.message["Auto-Submitted"] is None]
    assert relayed.recipients[0] == secretary and CLAIRE not in relayed.recipients
    # A robot's Reply-To is ignored: the acknowledgement goes to the From.
    dovecot.append(mail(sender="marc.petit@groupe-exemple.fr", subject="VPN",
                        headers={"Reply-To": "noreply@groupe-exemple.fr"}))
    run_once(rules, dovecot)
    assert len(acks(smtp_server, to="marc.petit@groupe-exemple.fr")) == 1


# --- S12: a global cap ----------------------------------------------------------------------

def test_s12_forged_mail_naming_many_victims_gets_at_most_the_global_cap(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Spam under twelve forged senders: five acknowledgements (mail.max_automatic_total) that
    repeat at most 110 characters of the spam subject, then silence; all twelve tickets are
    opened and announced to the team, which gets one alert."""
    rules = rules_with(tmp_path, dovecot, smtp_server, extra="max_automatic_total = 5\n")
    spam = "GAGNEZ 1000 EUROS " * 20
    for i in range(12):
        dovecot.append(mail(sender=f"victime{i}@ailleurs.example", subject=f"{spam}{i}",
                            body=f"Cliquez ici http://spam.example/{i}\n"))
    run_once(rules, dovecot)
    assert len(tickets(rules)) == 12
    sent = [m for m in smtp_server.messages if m.message["Auto-Submitted"] == "auto-replied"]
    assert len(sent) == 5 and all(m.sender == "<>" for m in sent)
    assert all(len(m.message["Subject"]) <= len("Re: [#12] ") + 110 for m in sent)
    team = [m for m in smtp_server.messages if m.recipients == [TEAM]]
    alerts = [m for m in team if m.message["Subject"].startswith("Plafond global")]
    assert len(alerts) == 1 and alerts[0].message["Auto-Submitted"] == "auto-generated"
    assert "5 accusés de réception et avis de déclassement en 24 heures" in " ".join(
        alerts[0].message.get_content().split())
    assert len(team) == 12 + 1  # every ticket's notice, and the alert


# --- L10: the caps' counts survive a restore -----------------------------------------------------

def test_l10_the_cap_counts_survive_a_restored_state_directory(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """The state directory is backed up (copied elsewhere), the machine lost, and mailbot
    started from the copy: the address that reached its cap, however its case is written,
    still gets no automatic mail until the window has passed."""
    rules = rules_with(tmp_path, dovecot, smtp_server, extra="max_automatic_mails = 3\n")
    for i, sender in enumerate([CLAIRE, "Claire.Martin@groupe-exemple.fr", CLAIRE]):
        dovecot.append(mail(sender=sender, subject=f"Problème {i}"))
    run_once(rules, dovecot)
    assert len(acks(smtp_server)) == 3
    backup = tmp_path / "backup" / "state"
    shutil.copytree(tmp_path / "state", backup)
    shutil.rmtree(tmp_path / "state")  # the original is gone: only the copy is left
    text = rules.read_text("utf-8").replace(f'dir = "{tmp_path / "state"}"', f'dir = "{backup}"')
    assert str(backup) in text
    rules.write_text(text, "utf-8")
    dovecot.append(mail(sender="CLAIRE.MARTIN@Groupe-Exemple.FR", subject="Problème 3"))
    run_once(rules, dovecot, NOW + timedelta(hours=2))
    assert len(tickets(rules)) == 4 and len(acks(smtp_server)) == 3  # the cap held
    dovecot.append(mail(sender=CLAIRE, subject="Problème 4"))
    run_once(rules, dovecot, NOW + timedelta(days=1, hours=1))
    assert len(acks(smtp_server)) == 4  # a day later (the window), answered again
