"""Round 7 (issue 19): program names that are also common words ("Access", "Word", "Teams",
"Outlook", "Sage", "Excel", "Office", "Edge"...) count only with evidence that the writer means
the program, never inside the phrases the word makes ("access denied", "word of mouth")."""

from __future__ import annotations

from pathlib import Path

import pytest
from parsers_factory import mail as parser_mail

from mailbot.parsers import ParseRules, parse
from mailbot.parsers.program_words import names_program
from tests.flow import run_once, sent_to, words
from tests.harness import TEAM, mail, show, tickets
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer

RULES = ParseRules(bot_addresses=frozenset({"support@exemple.fr"}))


def _program(subject: str, body: str) -> str | None:
    return parse(parser_mail(body, subject=subject).as_bytes(), RULES).program


@pytest.mark.parametrize(("subject", "body"), [
    # English error texts pasted into French or English mail
    ("Partage inaccessible", "Bonjour,\n\nen ouvrant le dossier j'ai : Access denied.\n\nMerci"),
    ("Dossier réseau", "Bonjour,\n\nle message dit « Access is denied. (0x80070005) ».\n"),
    ("Shared drive", "Hello,\n\nI get: Access to the path '\\\\srv\\compta' is denied.\n"),
    ("Access denied on the share", "Hello,\n\nsince this morning I cannot open it.\n"),
    ("access denied", "Hello,\n\nsince this morning I cannot open it.\n"),
    ("Intranet", "Hello,\n\nI have no access to the intranet, remote access fails too.\n"),
    ("Badge", "Bonjour,\n\nmon access card ne fonctionne plus au parking.\n"),
    # the word in its English phrases
    ("Rumeur", "Hello,\n\nby word of mouth I heard the server moves; in other words, when?\n"),
    ("Planning", "Hello,\n\nour teams are overloaded and the outlook for March is bad.\n"),
    ("Tests", "Hello,\n\nthis is an edge case: close all windows and the project manager "
     "says the office hours changed.\n"),
    # compounds with a capital, a determiner before a lower-case word and what it does
    ("Site", "Hello,\n\nThe Head Office printer and our Cutting Edge lab are fine.\n"),
    ("Congés", "Hello,\n\nour teams won't be there on Friday.\n"),
    # the French words
    ("Conseil", "Bonjour,\n\nil serait plus sage d'attendre lundi, ce serait plus sage.\n"),
    ("Réunion", "Bonjour,\n\nla réunion à l'office du tourisme est décalée.\n"),
])
def test_a_common_word_is_no_program(subject: str, body: str) -> None:
    assert _program(subject, body) is None


@pytest.mark.parametrize(("subject", "body", "program"), [
    ("Base compta", "Bonjour,\n\nsous Access la requête mensuelle plante.\n", "Access"),
    ("Base compta", "Bonjour,\n\nsous access la requête mensuelle plante.\n", "Access"),
    ("Base compta", "Bonjour,\n\nimpossible d'ouvrir stock.accdb, access se ferme.\n",
     "Access"),
    ("Access 2016 : base corrompue", "Bonjour,\n\nvoir la capture.\n", "Access"),
    ("Database", "Hello,\n\nmy Access database will not compact any more.\n", "Access"),
    ("Problème", "Bonjour,\n\nmon outlook ne s'ouvre plus depuis ce matin.\n", "Outlook"),
    ("Problem", "Hello,\n\nOutlook keeps asking for my password.\n", "Outlook"),
    ("Fichier", "Bonjour,\n\nle fichier excel du budget est verrouillé.\n", "Excel"),
    ("Réunion", "Bonjour,\n\nje n'arrive pas à rejoindre la réunion sur teams.\n", "Teams"),
    ("Document", "Hello,\n\nthe Word document opens blank.\n", "Word"),
    ("Canal", "Hello,\n\nour Teams channel shows nothing since Monday.\n", "Teams"),
    # a subject names its topic, in lower case too; a French word before it in the text
    ("souci outlook", "Bonjour,\n\nvoir la capture.\n", "Outlook"),
    ("excel", "Bonjour,\n\nla macro ne tourne plus.\n", "Excel"),
    ("Urgent", "Bonjour,\n\nj'ai un pb excel depuis la mise à jour.\n", "Excel"),
    ("Compta", "Bonjour,\n\nJ'ai une erreur dans Sage ce matin.\n", "Sage 100 Comptabilité"),
])
def test_a_program_named_with_evidence_counts(subject: str, body: str, program: str) -> None:
    assert _program(subject, body) == program


def test_evidence_is_read_around_the_spelling() -> None:
    text = "Access denied, then Access 2019 crashed"
    assert not names_program(text, 0, 6)
    assert names_program(text, 20, 26)
    assert names_program("Le PowerPoint", 3, 13)  # no word of either language: no evidence asked


# End to end: the team's notice of the new ticket says no program for an "access denied".



@pytest.mark.e2e
def test_access_denied_names_no_program_on_the_ticket_or_the_notice(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(subject="Dossier partagé inaccessible", body=(
        "Bonjour,\n\nen ouvrant \\\\srv-fic\\compta j'ai le message :\n"
        "Access is denied.\n\nPouvez-vous regarder ?\nClaire")))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert show(rules, ticket["number"]).get("program") is None
    [notice] = sent_to(smtp_server, TEAM)
    assert "Logiciel : non identifié" in words(notice)
