"""What a ninth day of use left open in mass incidents and wording (issue 16, day-9 report
items 7, 9 and 11 and the known defects of mass escalations), end to end on Dovecot and the
recording SMTP server: a mass incident escalates as itself, and everyone its ladder told hears
it is resolved; its notices read as an incident of N reports; acknowledgements name what was
sent (a report, a request); the oversized-mail alert ends its sentences."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot import notices
from tests.flow import ALICE, NOW, reply, run_once, sent_to, words
from tests.harness import LADDER, TEAM, mail, mailbot, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer
from tests.test_day7_mass import MANAGEMENT, deliver, escalations, parents
from tests.test_day8_fixes import big_mail

pytestmark = pytest.mark.e2e

DOMAIN = "groupe-exemple.fr"
SUPERVISOR = LADDER[3]


# --- item 11: the oversized-mail alert ends its sentence -----------------------------------------

def test_the_oversized_mail_alert_says_what_to_do_and_ends_its_sentences(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules.write_text(rules.read_text("utf-8").replace(
        "[mailbox]\n", "[mailbox]\nmax_message_mb = 0.05\n"), "utf-8")
    dovecot.append(big_mail(f"sarah.klein@{DOMAIN}", "Vidéo du bug Excel", "d9d-big"))
    run_once(rules, dovecot)
    [alert] = sent_to(smtp_server, TEAM)
    text = alert.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    said = words(alert)
    assert "mailbot reprocess » n'y changera rien." in said, said
    assert "n'y changera rien tant que la limite reste la même :" not in said
    assert "Que faire : demander à l'expéditeur d'envoyer le fichier autrement" in said
    assert not [line for line in text.splitlines() if line.rstrip().endswith(":")], text
    assert tickets(rules) == []


def test_the_english_oversized_alert_ends_its_sentences(tmp_path: Path) -> None:
    config = configuration.load(write_rules(tmp_path, language="en"))
    mail = notices.quarantined([{
        "key": "1796643101:31", "sender": "sarah@example.com", "subject": "Video",
        "reason": "28311552 bytes, over mailbox.max_message_mb (25 MB): header only",
        "oversize": "yes", "told": "yes"}], config, copies="/var/lib/mailbot/quarantine",
        now=datetime(2026, 12, 7, 10, 0).astimezone())
    assert not [line for line in mail.text.splitlines() if line.rstrip().endswith(":")]
    assert "What to do: ask the sender" in " ".join(mail.text.split())


# --- the acknowledgement names what was sent: a report of an incident, or a request -----------

_SENT = [
    ("fr", "incident", "PC bloqué", "Bonjour, mon PC ne démarre plus depuis ce matin, écran noir.\n"
                                    "Julie\n"),
    ("fr", "request", "VLC", "Bonjour, pourriez-vous installer VLC sur mon poste ? Merci.\n"
                             "Julie\n"),
    ("en", "incident", "PC dead", "Hello, my computer does not start any more since this "
                                  "morning, black screen.\nJulie\n"),
    ("en", "request", "VLC", "Hello, could you please install VLC on my computer? Thanks.\n"
                             "Julie\n"),
]
_WORDS = {("fr", "incident"): ("votre signalement", "Il est enregistré"),
          ("fr", "request"): ("votre demande", "Elle est enregistrée"),
          ("en", "incident"): ("your report", "It is recorded"),
          ("en", "request"): ("your request", "It is recorded")}


@pytest.mark.parametrize(("lang", "kind", "subject", "text"), _SENT,
                         ids=[f"{s[0]}-{s[1]}" for s in _SENT])
def test_the_acknowledgement_names_a_report_or_a_request_by_the_tickets_type(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer, lang: str,
        kind: str, subject: str, text: str) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, language=lang)
    julie = f"julie.roux@{DOMAIN}"
    dovecot.append(mail(sender=julie, subject=subject, body=text,
                        message_id=f"<d9d-ack-{lang}-{kind}@{DOMAIN}>"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert show(rules, int(ticket["number"]))["type"] == kind
    [ack] = sent_to(smtp_server, julie)
    said = words(ack)
    name, recorded = _WORDS[(lang, kind)]
    other = _WORDS[(lang, "request" if kind == "incident" else "incident")][0]
    assert f"{name} « {subject} »" in said or f'{name} "{subject}"' in said, said
    assert recorded in said and other not in said, said


# --- day 9 §7 and the known defects of mass escalations: the incident escalates as itself ------

# Day 9's third floor: the first report alone is a P1 (no PC of the floor has the network),
# escalated at once; the incident forms with the second.
NETWORK = [
    ("pierre.morel", "plus de réseau", "Bonjour, plus de réseau au 3e étage, aucun PC n'a "
                                       "internet ni accès aux dossiers partagés.\nPierre Morel\n"),
    ("celine.vidal", "Réseau HS 3ème étage", "Bonjour,\nTout le 3e est sans réseau depuis "
                                             "10h35, même le téléphone IP ne marche plus.\n"
                                             "Céline Vidal\nService Achats\n"),
    ("hugo.blanc", "internet", "Internet ne marche plus au 3e étage, rien ne charge.\nHugo\n"),
]


def _network_incident(rules: Path, dovecot: DovecotServer) -> tuple[dict[str, object], int]:
    for n, (who, subject, text) in enumerate(NETWORK):
        dovecot.append(mail(sender=f"{who}@{DOMAIN}", subject=subject, body=text,
                            message_id=f"<d9d-net-{n}@{DOMAIN}>"))
        run_once(rules, dovecot, NOW + timedelta(minutes=2 * n))
    [parent] = parents(rules)
    [first] = [t for t in tickets(rules) if t["requester"] == f"{NETWORK[0][0]}@{DOMAIN}"]
    return parent, int(first["number"])


def test_a_mass_incident_escalates_as_itself_with_its_reports_and_why_it_is_p1(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    parent, first = _network_incident(rules, dovecot)
    assert parent["priority"] == "P1" and first in parent["children"]  # type: ignore[operator]
    told = sent_to(smtp_server, SUPERVISOR)
    # The first report was a P1 of its own while alone: its notice left before the incident
    # existed. The incident is then told as itself.
    assert [m for m in told if f"[#{first}]" in m.message["Subject"]], told
    [notice] = [m for m in told if f"[#{parent['number']}]" in m.message["Subject"]]
    said = words(notice)
    # Told when the second report formed it: two reports then.
    assert "Demandeur : incident de masse, 2 signalements" in said, said
    assert ("Pourquoi : escalade hiérarchique immédiate pour un ticket P1 (procédure de "
            "remontée des problèmes) ; incident de masse : 2 signalements (réseau, 3e étage) ; "
            "la procédure SLA classe P1 tout incident qui touche un service, un étage ou un "
            "site entier.") in said, said
    assert "internet_slow" not in said and "(sans texte)" not in said, said
    assert f"--- Premier signalement ({NETWORK[0][0]}@{DOMAIN}," in said, said
    assert "aucun PC n'a internet ni accès aux dossiers partagés" in said, said
    assert "Signalements (2) :" in said, said
    for number in parent["children"][:2]:  # type: ignore[index]
        assert f"- [#{number}] {show(rules, int(number))['requester']}, " in said, said
    assert f"[#{first}] {NETWORK[0][0]}@{DOMAIN}, " in said and "(déjà escaladé : niveau 3)" \
        in said, said
    # The team's notice says why the incident is P1, not the first report's rule.
    [mass] = [m for m in sent_to(smtp_server, TEAM) if "Incident de masse" in m.message["Subject"]]
    team = words(mass)
    assert "Pourquoi : incident de masse : " in team and "la procédure SLA classe P1" in team, team
    assert "selon la règle" not in team.split("Pourquoi")[1].split("Signalements")[0], team


def test_closing_the_incident_tells_everyone_its_ladder_told_once_each(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    parent, first = _network_incident(rules, dovecot)
    number = int(parent["number"])  # type: ignore[arg-type]
    # The supervisor answers the first report's escalation, as on day 9.
    [escalation] = [m for m in sent_to(smtp_server, SUPERVISOR)
                    if f"[#{first}]" in m.message["Subject"]]
    dovecot.append(reply(escalation, sender=SUPERVISOR, text="Qui est dessus ? Tenez-moi au "
                                                            "courant."))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    # Hours later the first report has climbed no ladder of its own.
    run_once(rules, dovecot, NOW + timedelta(hours=3))
    assert not [m for m in escalations(smtp_server) if f"[#{first}]" in m.message["Subject"]
                and "Escalade niveau 3" not in m.message["Subject"]]
    climbed = {m.message["Subject"] for m in escalations(smtp_server)}
    notice = next(m for m in sent_to(smtp_server, TEAM) if f"[#{number}]" in m.message["Subject"])
    dovecot.append(reply(notice, sender=ALICE, text="#close Switch du 3e étage remplacé."))
    run_once(rules, dovecot, NOW + timedelta(hours=3, minutes=10))
    assert show(rules, number)["status"] == "closed"
    told = {a for m in escalations(smtp_server) if m.message["Subject"] in climbed
            for a in m.recipients if a in MANAGEMENT}
    assert SUPERVISOR in told
    for person in told:
        resolved = [m for m in sent_to(smtp_server, person) if "Résolu" in m.message["Subject"]]
        assert len(resolved) == 1, (person, [m.message["Subject"] for m in resolved])
        assert f"[#{number}]" in resolved[0].message["Subject"]
        said = words(resolved[0])
        assert f"L'incident de masse [#{number}], qui regroupe les signalements" in said, said
        assert f"[#{first}]" in said, said
    transcript = sent_to(smtp_server, ALICE)[-1]
    assert f"à {SUPERVISOR}" in " ".join(words(transcript).split()), words(transcript)


# --- day 9 §9: a mass incident in the digest and in `tickets --json` ----------------------------

def test_the_digest_and_the_json_show_a_mass_incident_by_its_reports(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules.write_text(rules.read_text("utf-8").replace("[digest]\nenabled = false",
                                                      "[digest]\nenabled = true"), "utf-8")
    parent, first = _network_incident(rules, dovecot)
    number = int(parent["number"])  # type: ignore[arg-type]
    run_once(rules, dovecot, NOW + timedelta(days=1))
    digest = [m for m in sent_to(smtp_server, TEAM)
              if m.message["Subject"].startswith("Tickets à suivre")][-1]
    lines = [x for x in digest.message.get_body(("plain",)).get_content().splitlines()  # type: ignore[union-attr]
             if x.startswith(f"[#{number}] ")]
    assert lines
    for line in lines:  # in each list it is in
        assert line.startswith(f"[#{number}] P1 · plus de réseau · incident de masse, "
                               "3 signalements · "), line
        assert TEAM not in line
    # The JSON keeps its contract field (the address in the ticket's field) and adds what a
    # reader needs: who it is for in words, and the reporters.
    [listed] = [t for t in json.loads(mailbot("tickets", "--json", "--config",
                                              str(rules)).stdout) if t["number"] == number]
    reporters = [f"{who}@{DOMAIN}" for who, _s, _t in NETWORK]
    assert listed["requester"] == TEAM
    assert listed["requester_shown"] == f"mass incident, 3 reports, first {reporters[0]}"
    assert listed["reporters"] == reporters
    shown = json.loads(mailbot("show", str(number), "--json", "--config", str(rules)).stdout)
    assert shown["reporters"] == reporters and shown["requester"] == TEAM
    [child] = [t for t in json.loads(mailbot("tickets", "--json", "--config",
                                             str(rules)).stdout) if t["number"] == first]
    assert child["requester_shown"] == reporters[0] and child["reporters"] == []


def test_in_one_pass_the_first_reports_own_notice_gives_way_to_the_incidents(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    deliver(rules, dovecot, NETWORK, one_pass=True)
    [parent] = parents(rules)
    [notice] = escalations(smtp_server)  # the first report's, still in the outbox, withdrawn
    assert f"[#{parent['number']}]" in notice.message["Subject"]
    assert "incident de masse, 2 signalements" in words(notice)  # told when it formed
    for number in parent["children"]:  # type: ignore[union-attr]
        assert show(rules, int(number))["escalation_level"] == 0
