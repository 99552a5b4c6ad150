"""What a sixth day of use found (issue 16, defects 1, 2, 4, 5 and 6 of the day-6 report), end
to end on Dovecot and the recording SMTP server: mass incidents reported in people's own words,
a requester confirming a fix, a new matter written as a reply to an old closed ticket, and
three mails in a row about one thing."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.flow import ALICE, NOW, body, reply, run_once, sent_to
from tests.harness import LADDER, TEAM, mail, show, tickets
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e

DOMAIN = "groupe-exemple.fr"
MANAGEMENT = set(LADDER.values())




def escalations(smtp: RecordingSmtpServer) -> list[ReceivedMail]:
    """Mail to the management ladder's contacts (never a requester nor the team)."""
    return [m for m in smtp.messages if MANAGEMENT & set(m.recipients)]


def deliver(rules: Path, dovecot: DovecotServer, reports: list[tuple[str, str, str]],
            minutes: int = 4) -> None:
    """One report every `minutes`, each taken in by its own pass, as people write them."""
    for n, (who, subject, text) in enumerate(reports):
        dovecot.append(mail(sender=f"{who}@{DOMAIN}", subject=subject, body=text,
                            message_id=f"<report-{n}-{who}@{DOMAIN}>"))
        run_once(rules, dovecot, NOW + timedelta(minutes=minutes * n))


# --- defects 1 and 2: one failure, many words --------------------------------------------------

# A department's network goes down: six people, six ways to say it, most signing with their
# department, the second speaking for the whole team (a P1 of its own before the others write).
LOGISTICS_NETWORK = [
    ("marc.dupuis", "connexion",
     "Bonjour,\ndepuis 5 minutes pas de connexion, impossible d'ouvrir quoi que ce soit sur le "
     "réseau.\n\nMarc Dupuis\nService Logistique\n"),
    ("lina.blanc", "ça ne marche plus",
     "Bonjour, le wifi et le réseau filaire sont tombés, toute l'équipe logistique est "
     "bloquée.\nLina Blanc\nService Logistique\n"),
    ("nina.roux", "Internet coupé",
     "Plus d'internet ici à la logistique, les pages ne chargent plus.\nNina\n"),
    ("paul.vidal", "câble réseau ?",
     "Mon poste affiche « pas d'accès réseau » alors que le câble est bien branché.\n\n"
     "Paul Vidal\nLogistique - quai 2\n"),
    ("omar.said", "réseau",
     "réseau en panne chez nous aussi\n--\nOmar Saïd, Service Logistique\n"),
    ("eva.marchand", "Pas de réseau",
     "Bonjour,\nje n'arrive plus à me connecter au réseau ni à internet.\nCordialement,\n"
     "Eva Marchand\nService Logistique\n"),
]

# A department's share: one says URGENT and speaks for the whole service in the middle of the
# run, one names the drive by its letter and the error Windows shows.
HR_SHARE = [
    ("alice.renaud", "lecteur S:",
     "Le lecteur S: a une croix rouge, je ne peux plus ouvrir les contrats.\n"
     "Alice Renaud\nRessources Humaines\n"),
    ("bruno.petit", "dossier partagé RH",
     "Bonjour, le dossier partagé RH ne s'ouvre plus depuis 10 minutes.\nBruno Petit\n"
     "Service RH\n"),
    ("chloe.garnier", "URGENT serveur de fichiers",
     "plus aucun accès au serveur de fichiers, tout le service RH est bloqué, la paie part "
     "ce soir.\nChloé Garnier\nService RH\n"),
    ("david.lopez", "S: introuvable",
     "S:\\ introuvable : « le chemin d'accès réseau est introuvable »\nDavid Lopez\nRH\n"),
    ("emma.faure", "partage",
     "le partage réseau des RH a disparu de l'explorateur ??\nEmma Faure\n"
     "Service Ressources Humaines\n"),
]


def _one_mass_incident(rules: Path, smtp: RecordingSmtpServer,
                       reports: list[tuple[str, str, str]]) -> dict[str, object]:
    """Every report under one parent, each reporter acknowledged, one incident notice."""
    listed = tickets(rules)
    [parent] = [t for t in listed if t["requester"] == TEAM]
    shown = show(rules, parent["number"])
    reporters = {f"{who}@{DOMAIN}" for who, _s, _t in reports}
    children = [show(rules, n) for n in shown["children"]]
    assert {c["requester"] for c in children} == reporters
    assert all(c["parent"] == parent["number"] for c in children)
    assert len(listed) == len(reports) + 1  # no report left out as a ticket of its own
    for reporter in reporters:
        # Acknowledged once; those acknowledged before the incident formed are told once that
        # it is known (day 7 §4).
        got = sent_to(smtp, reporter)
        assert len(got) <= 2 and sum("Accusé" in m.message["Subject"] or "Re:" in
                                     m.message["Subject"] for m in got) == len(got)
        assert sum("incident déjà connu" in " ".join(body(m).split()) for m in got) == 1
    notices = [m for m in sent_to(smtp, TEAM) if "Incident de masse" in m.message["Subject"]]
    assert len(notices) == 1
    return shown


def test_a_departments_network_outage_in_six_different_words_is_one_p1_incident(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    deliver(rules, dovecot, LOGISTICS_NETWORK)
    shown = _one_mass_incident(rules, smtp_server, LOGISTICS_NETWORK)
    assert shown["priority"] == "P1"
    # Management hears once: the second report speaks for the whole team, so the incident
    # forms with it (day 7: two reporters suffice then) and the parent is told, no report.
    [notice] = escalations(smtp_server)
    assert f"[#{shown['number']}]" in notice.message["Subject"]
    assert shown["escalation_level"] >= 3


def test_a_shares_outage_with_an_urgent_report_joins_and_raises_one_parent(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    deliver(rules, dovecot, HR_SHARE)
    shown = _one_mass_incident(rules, smtp_server, HR_SHARE)
    assert shown["priority"] == "P1"
    assert any("a whole department or site" in w for w in shown["why"])
    # The URGENT report is a report of the incident, not a P1 of its own with its own
    # escalation: the only mail to management is the parent's, once it is P1.
    [notice] = escalations(smtp_server)
    assert f"[#{shown['number']}]" in notice.message["Subject"]
    # Its clocks are a P1's, round the clock, not the P2's it was gathered at.
    [resolution] = [e for e in shown["sla"] if e["name"] == "resolution"]
    due = datetime.fromisoformat(str(shown["resolution_due"]))
    created = datetime.fromisoformat(str(shown["created_at"]))
    assert due - created == timedelta(hours=resolution["target_hours"])
    assert not resolution["working_hours"]


def test_printers_of_three_departments_are_three_tickets(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """The same kind of device failing in three places is three failures."""
    deliver(rules, dovecot, [
        ("jean.roche", "imprimante", "L'imprimante ne marche plus.\nJean Roche\nService Achats\n"),
        ("lucie.moreau", "Imprimante HS",
         "Bonjour, notre imprimante affiche une erreur.\nLucie Moreau\nService Juridique\n"),
        ("hugo.henry", "impression", "Impossible d'imprimer, l'imprimante ne répond pas.\n"
                                     "Hugo Henry\nService Marketing\n"),
    ])
    listed = tickets(rules)
    assert len(listed) == 3 and not any(t["requester"] == TEAM for t in listed)


# --- defect 4: "oui c'est revenu, merci" -------------------------------------------------------

# The ticket waits for Karim's answer when he confirms: day 7 found everyday words ("c'est bon
# ça marche") and an English thanks on a waiting ticket filed without telling the team.
@pytest.mark.parametrize("confirms", ["oui c'est revenu, merci", "c'est bon ça marche, merci "
                                      "Alice !", "It works now, thanks a lot!"])
def test_a_requester_confirming_the_fix_stops_the_ladder_and_the_team_is_told(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        confirms: str) -> None:
    karim = f"karim.benali@{DOMAIN}"
    dovecot.append(mail(sender=karim, subject="plus de réseau au 3ème",
                        body="Bonjour,\nplus de réseau sur mon poste au 3ème étage.\nKarim\n",
                        message_id=f"<karim-1@{DOMAIN}>"))
    run_once(rules, dovecot)
    [number] = [t["number"] for t in tickets(rules)]
    notice = sent_to(smtp_server, TEAM)[0]
    dovecot.append(reply(notice, sender=f"Alice Tech <{ALICE}>",
                         text="Bonjour Karim,\n\nPouvez-vous confirmer que le réseau est "
                              "revenu ?\n\nAlice"))
    run_once(rules, dovecot, NOW + timedelta(minutes=30))
    relayed = sent_to(smtp_server, karim)[-1]
    assert show(rules, number)["status"] == "waiting"
    dovecot.append(reply(relayed, sender=karim, text=confirms))
    run_once(rules, dovecot, NOW + timedelta(minutes=40))

    update = sent_to(smtp_server, TEAM)[-1]
    assert "confirme la résolution" in update.message["Subject"]
    assert "#close" in body(update) and confirms in " ".join(body(update).split())
    ticket = show(rules, number)
    assert ticket["status"] != "closed" and ticket["resolution_confirmed"]
    before = len(escalations(smtp_server))
    # A week later nobody has closed it: management is not woken for a fixed incident.
    for days in (1, 3, 7):
        run_once(rules, dovecot, NOW + timedelta(days=days))
    assert len(escalations(smtp_server)) == before


def test_a_requester_saying_it_still_fails_is_no_confirmation(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    karim = f"karim.benali@{DOMAIN}"
    dovecot.append(mail(sender=karim, subject="Outlook plante", message_id=f"<k-2@{DOMAIN}>",
                        body="Outlook se ferme tout seul à l'ouverture.\nKarim\n"))
    run_once(rules, dovecot)
    [number] = [t["number"] for t in tickets(rules)]
    ack = sent_to(smtp_server, karim)[0]
    dovecot.append(reply(ack, sender=karim,
                         text="merci pour votre aide, mais ça plante toujours"))
    run_once(rules, dovecot, NOW + timedelta(minutes=20))
    assert "confirme" not in sent_to(smtp_server, TEAM)[-1].message["Subject"]
    assert not show(rules, number)["resolution_confirmed"]


# --- defect 5: a new matter as a reply to an old closed ticket ---------------------------------

def test_a_new_request_replying_to_an_old_closed_ticket_is_read_from_its_own_words(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    denis = f"denis.caron@{DOMAIN}"
    dovecot.append(mail(sender=denis, subject="mot de passe", message_id=f"<denis-1@{DOMAIN}>",
                        body="Bonjour,\nmon mot de passe a expiré, je ne peux plus me "
                             "connecter à ma session.\nDenis\n"))
    run_once(rules, dovecot)
    [old] = tickets(rules)
    notice = sent_to(smtp_server, TEAM)[0]
    dovecot.append(reply(notice, sender=ALICE, text="#close Mot de passe réinitialisé."))
    run_once(rules, dovecot, NOW + timedelta(minutes=30))
    closure = sent_to(smtp_server, denis)[-1]
    assert show(rules, old["number"])["status"] == "closed"

    later = NOW + timedelta(days=35)
    dovecot.append(reply(closure, sender=denis,
                         text="Bonjour,\nautre chose : pourriez-vous m'installer un deuxième "
                              "écran ?\nMerci\nDenis"))
    run_once(rules, dovecot, later)
    [new] = [t for t in tickets(rules) if t["number"] != old["number"]]
    shown = show(rules, new["number"])
    assert shown["priority"] in ("P3", "P4"), shown["why"]
    assert "mot de passe" not in shown["subject"].lower()
    assert "écran" in shown["subject"]
    ack = sent_to(smtp_server, denis)[-1]
    assert "mot de passe" not in ack.message["Subject"].lower()
    assert "mot de passe" not in body(ack).lower()
    # Its clocks start at the pass that took it in (day 7 defect 17: not at the server's real
    # clock, weeks before this --now pass, which escalated it the moment it opened), and the
    # closed ticket it replied to wakes no one.
    assert escalations(smtp_server) == []
    run_once(rules, dovecot, later + timedelta(days=2))
    assert not [m for m in escalations(smtp_server)
                if f"[#{old['number']}]" in str(m.message["Subject"])]


def test_the_same_matter_weeks_later_still_names_the_old_one(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    denis = f"denis.caron@{DOMAIN}"
    dovecot.append(mail(sender=denis, subject="Imprimante bourrage", message_id=f"<d-2@{DOMAIN}>",
                        body="L'imprimante du 2e fait des bourrages.\nDenis\n"))
    run_once(rules, dovecot)
    [old] = tickets(rules)
    dovecot.append(reply(sent_to(smtp_server, TEAM)[0], sender=ALICE,
                         text="#close rouleau changé"))
    run_once(rules, dovecot, NOW + timedelta(minutes=30))
    closure = sent_to(smtp_server, denis)[-1]
    dovecot.append(reply(closure, sender=denis,
                         text="l'imprimante refait des bourrages, même problème"))
    run_once(rules, dovecot, NOW + timedelta(days=35))
    [new] = [t for t in tickets(rules) if t["number"] != old["number"]]
    assert new["subject"] == "Imprimante bourrage"


# --- defect 6: three mails in five minutes -----------------------------------------------------

def test_three_mails_in_five_minutes_about_one_thing_are_one_ticket(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    olivier = f"olivier.fabre@{DOMAIN}"
    for n, (subject, text) in enumerate([
            ("Badgeuse", "la badgeuse de l'entrée B refuse mon badge\nOlivier"),
            ("Badgeuse (suite)", "je précise : le voyant reste rouge, message « carte "
                                 "inconnue »\nOlivier"),
            ("RE: Badgeuse", "toujours bloqué dehors, j'ai une réunion à 10h !\nOlivier")]):
        dovecot.append(mail(sender=olivier, subject=subject, body=text,
                            message_id=f"<olivier-{n}@{DOMAIN}>"))
        run_once(rules, dovecot, NOW + timedelta(minutes=2 * n))
    [ticket] = tickets(rules)
    shown = show(rules, ticket["number"])
    texts = " ".join(m["text"] for m in shown["messages"] if m["direction"] == "in")
    assert "carte inconnue" in texts and "réunion à 10h" in texts
    assert len(sent_to(smtp_server, olivier)) == 1  # one acknowledgement
    # Another matter from the same person minutes later is a ticket of its own.
    dovecot.append(mail(sender=olivier, subject="Outlook", message_id=f"<olivier-9@{DOMAIN}>",
                        body="Et Outlook ne démarre plus non plus.\nOlivier"))
    run_once(rules, dovecot, NOW + timedelta(minutes=6))
    assert len(tickets(rules)) == 2
