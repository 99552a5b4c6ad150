"""What a tenth day of use found (issue 16, day 10: defects 7, 8, 10, 11, 12, 15 and 5), end to
end on Dovecot and the recording SMTP server: the demotion notice's "elle est traitée" of a
report and its lone "l'appel sera consigné" line, `#aide` answered as "Commandes refusées", ...
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from mailbot import compose
from tests.flow import ALICE, CLAIRE, NOW, body, reply, run_once, sent_to, words
from tests.harness import TEAM, mail, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e

PHONE = "01 23 45 67 89"


def paragraphs(received: ReceivedMail) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", body(received)) if p.strip()]


# --- defect 8: the demotion notice's sentences are whole, its words agree ----------------------

@pytest.mark.parametrize(("phone", "subject", "text", "kind", "treated", "wrong"), [
    (PHONE, "URGENT - Excel très lent", "Bonjour,\nExcel met une minute à ouvrir chaque "
     "fichier depuis ce matin.\nOlivier", "incident", "il est traité", "elle est traitée"),
    ("", "URGENT - Excel très lent", "Bonjour,\nExcel met une minute à ouvrir chaque "
     "fichier depuis ce matin.\nOlivier", "incident", "il est traité", "elle est traitée"),
    (PHONE, "URGENT - Excel very slow", "Hello,\nExcel takes a minute to open every file "
     "since this morning, can you help?\nOlivier", "incident", "it is handled", "elle"),
    ("", "URGENT - Excel very slow", "Hello,\nExcel takes a minute to open every file "
     "since this morning, can you help?\nOlivier", "incident", "it is handled", "elle"),
])
def test_the_demotion_notice_says_each_sentence_whole_with_or_without_a_phone(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        phone: str, subject: str, text: str, kind: str, treated: str, wrong: str) -> None:
    extra = f'\n[urgent]\nphone = "{phone}"\n' if phone else ""
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, extra=extra)
    olivier = "olivier.blanc@groupe-exemple.fr"
    dovecot.append(mail(sender=olivier, subject=subject, body=text + "\n",
                        message_id="<excel-1@groupe-exemple.fr>"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert (ticket["type"], ticket["urgent_demoted"]) == (kind, False)
    notice = sent_to(smtp_server, "equipe-si@groupe-exemple.fr")[0]
    dovecot.append(reply(notice, sender=ALICE, text="#déclasser lent mais utilisable"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    [demotion] = [m for m in sent_to(smtp_server, olivier)
                  if "lent mais utilisable" in body(m)]
    said = words(demotion)
    assert treated in said and wrong not in said
    for paragraph in paragraphs(demotion):
        # No paragraph begins mid-sentence or ends on a colon announcing nothing.
        assert paragraph[0].isupper() or paragraph.startswith("http"), paragraph
        assert not paragraph.endswith(":"), paragraph
    english = "Hello" in text
    if english:
        call = f"call the IT department on {phone}." if phone else "call the IT department."
        assert call in said and "Your call will be recorded in this ticket." in said
    else:
        call = (f"appelez le service informatique au {phone}." if phone
                else "appelez le service informatique.")
        assert call in said and "Votre appel sera consigné dans ce ticket." in said
        whose = "signalement reste bien enregistré" if kind == "incident" else \
            "demande reste bien enregistrée"
        assert whose in said


@pytest.mark.parametrize("phone", [PHONE, ""])
def test_the_demotion_of_a_request_says_elle_and_whole_sentences(phone: str) -> None:
    """A request is seldom demoted by hand (the rules demote an URGENT request at once, in its
    acknowledgement): its words, rendered as the mail would be."""
    text = compose.render("demotion", "fr", reason="motif", tag="[#3]", subject="Accès",
                          kind="request", priority="P3 – normale", tracking_url="http://t/3",
                          phone=phone, organisation="Service informatique")
    said = " ".join(text.split())
    assert "elle est traitée" in said and "il est traité" not in said
    assert "Votre demande reste bien enregistrée et sera traitée." in said
    assert "Votre appel sera consigné dans ce ticket." in said
    assert ("au " + phone + "." if phone else "service informatique.") in said


# --- defect 10: #aide alone is answered with the help, not refused ----------------------------

@pytest.mark.parametrize("text", ["#aide", "Bonjour,\n\n#help"])
def test_help_alone_is_answered_as_help_not_as_refused_commands(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str) -> None:
    dovecot.append(mail(sender=ALICE, subject="aide", body=text + "\n"))
    run_once(rules, dovecot)
    assert tickets(rules) == []
    [answer] = sent_to(smtp_server, ALICE)
    assert answer.message["Subject"] == "Aide : commandes du support"
    said = words(answer)
    assert "refusé" not in said and "corrigez et renvoyez" not in said
    assert "Rien n'a été appliqué" not in said
    assert "#close" in said and "#priority" in said


def test_help_beside_a_wrong_command_is_still_a_refusal(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender=ALICE, subject="aide", body="#aide\n#urgent\n"))
    run_once(rules, dovecot)
    [answer] = sent_to(smtp_server, ALICE)
    assert answer.message["Subject"] != "Aide : commandes du support"
    assert "#close" in body(answer)


# --- defects 11, 12 and 15: the escalation notices ---------------------------------------------

def test_an_escalation_shows_the_last_public_message_counts_real_notes_and_dates_alike(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(subject="Imprimante 2e étage HS", message_id="<claire-1@groupe-exemple.fr>",
                        date=NOW - timedelta(minutes=20)))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    number = ticket["number"]
    notice = sent_to(smtp_server, TEAM)[0]
    # A refused mail (an unknown command) and a real note, each written before the pass.
    dovecot.append(reply(notice, sender=ALICE, text="#urgent voir ça vite",
                         date=NOW + timedelta(minutes=1)))
    dovecot.append(reply(notice, sender=ALICE, text="#note toner commandé chez le fournisseur",
                         date=NOW + timedelta(minutes=2)))
    run_once(rules, dovecot, NOW + timedelta(minutes=30))
    dovecot.append(reply(notice, sender=ALICE, text="#escalade besoin du N2 pour le pilote",
                         date=NOW + timedelta(minutes=31)))
    run_once(rules, dovecot, NOW + timedelta(minutes=45))
    [team] = [m for m in sent_to(smtp_server, TEAM)
              if m.message["Subject"].startswith(f"[#{number}] Escalade du ticket")]
    said = body(team)
    assert "sans texte" not in said and "Motif : besoin du N2 pour le pilote" in said
    assert "--- Dernier message public (claire.martin@groupe-exemple.fr, lundi 23 novembre " \
           "2026 à 09:30) ---" in said
    assert "L'imprimante du 2e étage ne marche plus." in said
    [escalation] = [m for m in smtp_server.messages if "Escalade niveau" in m.message["Subject"]]
    text = body(escalation)
    assert "- Notes internes : 1" in text
    # Both dated when the bot took them in (the note's pass, 10:00; the request's, 09:30).
    assert "--- Dernière note interne (tech.alice@groupe-exemple.fr, lundi 23 novembre 2026 " \
           "à 10:00) ---" in text
    assert "--- Dernier message public (claire.martin@groupe-exemple.fr, lundi 23 novembre " \
           "2026 à 09:30) ---" in text
    for received in smtp_server.messages:
        assert "(sans texte)" not in body(received)


def test_a_grouped_escalation_keeps_the_passed_levels_apart_from_the_deadlines(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(subject="Imprimante 2e étage HS"))
    run_once(rules, dovecot)
    run_once(rules, dovecot, NOW + timedelta(days=30))
    [escalation] = [m for m in smtp_server.messages if "Escalade niveau" in m.message["Subject"]]
    parts = paragraphs(escalation)
    [passed] = [p for p in parts if p.startswith("Niveaux franchis entre-temps")]
    assert passed.count("- niveau") >= 2 and "échéance" not in passed
    [deadlines] = [p for p in parts if p.startswith("Échéances :")]
    assert "- Première réponse : échéance" in deadlines and "- niveau" not in deadlines


# --- defect 7: a reopened ticket's clocks and ladder resume from the reopening ----------------

@pytest.mark.parametrize("who", ["requester", "technician"])
def test_a_reopened_ticket_escalates_from_its_reopening_not_from_its_creation(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer, who: str) -> None:
    """Closed 3 h 10 after creation (past the P3 ladder's 3 h, no pass in between), reopened
    the next morning: the reopening crosses no level; 3 hours later, level 2 is told why."""
    dovecot.append(mail(subject="Imprimante 2e étage HS", message_id="<claire-1@groupe-exemple.fr>",
                        date=NOW))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    number = ticket["number"]
    notice = sent_to(smtp_server, TEAM)[0]
    dovecot.append(reply(notice, sender=ALICE, text="#close toner remplacé",
                         date=NOW + timedelta(hours=3, minutes=10)))
    run_once(rules, dovecot, NOW + timedelta(hours=3, minutes=10))
    assert show(rules, number)["status"] == "closed"
    escalations = [m for m in smtp_server.messages if "Escalade niveau" in m.message["Subject"]]
    before = len(escalations)
    reopened = NOW + timedelta(days=1)
    if who == "requester":
        closure = sent_to(smtp_server, CLAIRE)[-1]
        dovecot.append(reply(closure, sender=CLAIRE, text="Bonjour,\nl'imprimante ne marche "
                             "toujours pas, elle affiche une erreur papier.\nClaire",
                             date=reopened))
    else:
        dovecot.append(reply(notice, sender=ALICE, text="#rouvrir\n#note Claire a rappelé",
                             date=reopened))
    run_once(rules, dovecot, reopened)
    assert show(rules, number)["status"] != "closed"
    escalations = [m for m in smtp_server.messages if "Escalade niveau" in m.message["Subject"]]
    assert len(escalations) == before  # the reopening crosses no level
    run_once(rules, dovecot, reopened + timedelta(hours=2))
    assert len([m for m in smtp_server.messages
                if "Escalade niveau" in m.message["Subject"]]) == before
    run_once(rules, dovecot, reopened + timedelta(hours=3, minutes=5))
    later = [m for m in smtp_server.messages if "Escalade niveau" in m.message["Subject"]]
    assert len(later) == before + 1
    said = words(later[-1])
    assert "après sa réouverture" in said and "après sa création" not in said


# --- defect 5: a plain answer to a mass incident reaches every reporter -----------------------

@pytest.mark.parametrize("text", [
    "Je regarde, le serveur de la base Sage ne répond plus.",
    "Bonjour,\n#assign me\nLe serveur SQL de la compta est tombé, je relance le service.",
])
def test_a_plain_answer_to_a_mass_incident_goes_to_every_reporter_and_is_its_first_answer(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str) -> None:
    from tests.test_day7_mass import DOMAIN, SAGE_DOWN, deliver, parents

    deliver(rules, dovecot, SAGE_DOWN)
    [parent] = parents(rules)
    notice = next(m for m in sent_to(smtp_server, TEAM)
                  if "Incident de masse" in m.message["Subject"])
    before = {who: len(sent_to(smtp_server, f"{who}@{DOMAIN}")) for who, _s, _t in SAGE_DOWN}
    dovecot.append(reply(notice, sender=ALICE, text=text))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    said = text.splitlines()[-1]
    for who, _s, _t in SAGE_DOWN:
        address = f"{who}@{DOMAIN}"
        got = sent_to(smtp_server, address)[before[who]:]
        [relay] = got  # one mail each
        assert relay.recipients == [address]
        assert said in words(relay)
        assert "#assign" not in body(relay)
        [child] = [t for t in tickets(rules) if t["requester"] == address]
        assert relay.message["Subject"].startswith(("Re:", "RE:")) and \
            f"[#{child['number']}]" in relay.message["Subject"]  # in their own thread
        assert show(rules, child["number"])["first_response_at"] is not None
    after = show(rules, int(str(parent["number"])))
    assert after["first_response_at"] is not None
    [transcript] = sent_to(smtp_server, ALICE)
    told = words(transcript)
    assert "Envoyé aux demandeurs de ses signalements" in told
    for who, _s, _t in SAGE_DOWN:
        assert f"{who}@{DOMAIN}" in told
    assert "Rien n'a été envoyé" not in told
