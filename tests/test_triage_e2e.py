"""Triage that understands everyday mail and learns from the technicians (issue 17), end to end:
a real Dovecot, the recording SMTP server, the real `mailbot` run once per step with `--now`.

Each test reads what a person would see: the ticket's fields in `mailbot show --json`, the mails
the requester, the team, management and the technician receive, `mailbot triage-report`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.harness import PARIS, TEAM, TECHS, env, mail, mailbot, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=PARIS)
MANAGER = "resp.support@groupe-exemple.fr"
VIP = f"""
[vip]
addresses = ["dg@groupe-exemple.fr"]
support_manager = "{MANAGER}"
directory = "{{directory}}"
"""


def run_once(rules: Path, dovecot: DovecotServer, now: datetime) -> None:
    mailbot("run", "--once", "--config", str(rules), "--now", now.isoformat(),
            environ=env(dovecot))


def words(received: ReceivedMail) -> str:
    part = received.message.get_body(("plain",))
    assert part is not None
    return " ".join(part.get_content().split())


def kind_of(received: ReceivedMail) -> str:
    return received.message["Message-ID"].split(".")[2]  # <mailbot.tN.KIND.random@domain>


def ticket_of(received: ReceivedMail) -> int:
    return int(received.message["Message-ID"].split(".")[1].removeprefix("t"))


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> Path:
    directory = tmp_path / "annuaire.csv"
    directory.write_text("adresse;nom;fonction\n"
                         "jean.roux@groupe-exemple.fr;Jean Roux;Directeur Administratif et "
                         "Financier\npaul.martin@groupe-exemple.fr;Paul Martin;Comptable\n",
                         "utf-8")
    return write_rules(tmp_path, imap=dovecot, smtp=smtp_server,
                       extra=VIP.replace("{directory}", str(directory)))


def reply(to: ReceivedMail, body: str, sender: str = TECHS[0]) -> bytes:
    return mail(sender=sender, subject=f"RE: {to.message['Subject']}", body=body,
                in_reply_to=to.message["Message-ID"], references=to.message["Message-ID"])


def test_information_after_a_greeting_and_a_thank_you_for_a_repair_are_archived(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender="claire.martin@groupe-exemple.fr",
                        subject="Coupure électrique samedi - info",
                        body="Bonjour,\n\nLe courant sera coupé samedi de 8h à 12h dans le "
                             "bâtiment B, les serveurs seront arrêtés proprement.\n\nClaire\n"))
    dovecot.append(mail(sender="paul.martin@groupe-exemple.fr", subject="Imprimante 2e étage",
                        body="Bonjour,\n\nMerci, c'est réparé, elle imprime de nouveau !\n\n"
                             "Bonne journée,\nPaul\n"))
    run_once(rules, dovecot, NOW)
    found = sorted(tickets(rules), key=lambda t: t["number"])
    assert [(t["type"], t["status"], t["priority"]) for t in found] == [
        ("information", "closed", None)] * 2
    assert not [m for m in smtp_server.messages if kind_of(m) in ("ack", "escalation")]
    assert all(m.recipients == [TEAM] for m in smtp_server.messages)


def test_a_director_signing_her_title_or_listed_in_the_directory_is_a_vip(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender="marie.dupont@groupe-exemple.fr", subject="Messagerie",
                        body="Bonjour,\n\nMa messagerie ne s'ouvre plus depuis ce matin.\n\n"
                             "Cordialement,\nMarie Dupont\nDirectrice Générale\n"
                             "Groupe Exemple\n"))
    dovecot.append(mail(sender="jean.roux@groupe-exemple.fr", subject="Excel",
                        body="Bonjour,\n\nExcel plante quand j'ouvre le budget.\n\nJean\n"))
    dovecot.append(mail(sender="paul.martin@groupe-exemple.fr", subject="Excel",
                        body="Bonjour,\n\nLe directeur m'a demandé de vous écrire : Excel "
                             "plante quand j'ouvre le budget.\n\nPaul\n"))
    run_once(rules, dovecot, NOW)
    by = {t["requester"]: show(rules, t["number"]) for t in tickets(rules)}
    marie, jean, paul = (by[f"{n}@groupe-exemple.fr"] for n in
                         ("marie.dupont", "jean.roux", "paul.martin"))
    assert (marie["vip"], marie["priority"]) == (True, "P2")
    assert any('signs "directrice generale"' in w for w in marie["why"])
    assert (jean["vip"], jean["priority"]) == (True, "P2")
    assert any("[vip] directory" in w for w in jean["why"])
    assert (paul["vip"], paul["priority"]) == (False, "P3")  # a sentence is not a signature
    notices = [m for m in smtp_server.messages if kind_of(m) == "vip_notice"]
    assert sorted(ticket_of(m) for m in notices) == sorted([marie["number"], jean["number"]])
    assert all(m.recipients == [MANAGER] for m in notices)


def test_urgent_on_a_minor_incident_with_a_workaround_is_demoted_with_a_notice(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender="lea.moreau@groupe-exemple.fr", subject="URGENT souris",
                        body="Ma souris double-clique toute seule, en attendant j'utilise "
                             "celle de mon collègue.\n"))
    run_once(rules, dovecot, NOW)
    [ticket] = tickets(rules)
    assert (ticket["type"], ticket["priority"], ticket["urgent_demoted"]) == (
        "incident", "P4", True)
    # The demotion is told in the acknowledgement (one mail), with its reason.
    [notice] = [m for m in smtp_server.messages if kind_of(m) == "ack"]
    assert notice.recipients == ["lea.moreau@groupe-exemple.fr"]
    assert "contournable par une solution temporaire" in words(notice)  # its reason


def test_weak_evidence_is_said_to_the_team_and_one_command_confirms(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender="hugo.blanc@groupe-exemple.fr", subject="Salle B",
                        body="Bonjour, pour la réunion de lundi il manque encore la rallonge "
                             "de la salle B.\n"))
    run_once(rules, dovecot, NOW)
    [ticket] = tickets(rules)
    assert (ticket["type"], ticket["priority"]) == ("incident", "P3")  # the default, kept
    [notice] = [m for m in smtp_server.messages if kind_of(m) == "team_notice"]
    text = words(notice)
    assert "priorité à confirmer" in text
    assert "« #type demande P3 »" in text and "« #type incident P3 »" in text
    dovecot.append(reply(notice, "#type demande P3\n\nJe m'en occupe."))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    confirmed = show(rules, ticket["number"])
    assert (confirmed["type"], confirmed["priority"]) == ("request", "P3")
    [transcript] = [m for m in smtp_server.messages if kind_of(m) == "transcript"]
    assert "fait : type demande P3" in words(transcript)  # the type in the mail's language


BADGE = [("nina.perrin", "Badge parking", "Bonjour, mon badge de parking ne fonctionne plus à "
                                          "la barrière du sous-sol."),
         ("omar.diallo", "Badge parking sous-sol", "Le badge parking ne fonctionne plus à la "
                                                  "barrière du sous-sol depuis lundi."),
         ("rose.lambert", "Barrière parking", "Mon badge de parking ne fonctionne plus à la "
                                             "barrière du sous-sol, merci."),
         ("yves.garnier", "Badge", "Bonjour, mon badge parking ne fonctionne plus du tout à la "
                                   "barrière du sous-sol.")]


def test_three_agreeing_corrections_teach_the_next_resembling_mail_and_the_report_counts_them(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """The organisation handles parking badges as a low request (the facilities re-encode
    them): the rules say incident P3, three technicians correct it, the fourth is learnt."""
    for n, (who, subject, body) in enumerate(BADGE[:3]):
        dovecot.append(mail(sender=f"{who}@groupe-exemple.fr", subject=subject, body=body,
                            message_id=f"<badge-{n}@groupe-exemple.fr>"))
    run_once(rules, dovecot, NOW)
    first = sorted(tickets(rules), key=lambda t: t["number"])
    assert [(t["type"], t["priority"]) for t in first] == [("incident", "P3")] * 3
    notices = [m for m in smtp_server.messages if kind_of(m) == "team_notice"]
    for notice in notices:
        dovecot.append(reply(notice, "#type demande P4\n\nBadge à réencoder aux services "
                                     "généraux.", sender=TECHS[1]))
    run_once(rules, dovecot, NOW + timedelta(minutes=30))
    who, subject, body = BADGE[3]
    dovecot.append(mail(sender=f"{who}@groupe-exemple.fr", subject=subject, body=body))
    run_once(rules, dovecot, NOW + timedelta(hours=1))
    learnt = max(tickets(rules), key=lambda t: t["number"])
    assert (learnt["type"], learnt["priority"]) == ("request", "P4")
    names = ", ".join(f"#{t['number']}" for t in first)
    assert any(f"appris de {names}" in w for w in show(rules, learnt["number"])["why"])
    [notice] = [m for m in smtp_server.messages
                if kind_of(m) == "team_notice" and ticket_of(m) == learnt["number"]]
    assert f"appris des corrections des techniciens (appris de {names})" in words(notice)
    report = mailbot("triage-report", "--config", str(rules)).stdout
    assert "3 reviewed tickets (a #priority or #type given) of 4 classified" in report
    assert "first guess right (type and priority):   0.0 % (0/3)" in report
    assert "(default)" in report.split("rules corrected most")[1]


def test_a_mass_incident_takes_the_priority_of_its_impact(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Reports of one network share failure: three make a parent at P2 (seed 002 "Dossier
    réseau plus accessible"), five are a department and raise it to P1."""
    for n in range(5):
        dovecot.append(mail(sender=f"achats{n}@groupe-exemple.fr", subject="Dossier Achats",
                            body="Bonjour, le dossier partagé Achats n'est plus accessible.\n",
                            message_id=f"<share-{n}@groupe-exemple.fr>"))
        run_once(rules, dovecot, NOW + timedelta(minutes=3 * n))
        if n == 2:
            [parent] = [t for t in tickets(rules) if t["requester"] == TEAM]
            shown = show(rules, parent["number"])
            assert shown["priority"] == "P2"
            assert any("3 reporters of one failure, at least P2" in w for w in shown["why"])
    [parent] = [t for t in tickets(rules) if t["requester"] == TEAM]
    shown = show(rules, parent["number"])
    assert shown["priority"] == "P1" and len(shown["children"]) == 5
    assert any("a department (the SLA procedure, P1)" in w for w in shown["why"])
