"""Round 6 (issue 19): error codes in forms round 5's blind set showed missing, written for
this project from the products' own output: Exchange's NDR with the failing component's
dotted name beside the SMTP codes, Windows' Event Viewer in French with an event ID in prose,
Teams' lower-case sign-in codes."""

from __future__ import annotations

import pytest
from parsers_factory import mail

from mailbot.parsers import ParseRules, parse
from mailbot.parsers.error_codes import find_codes

RULES = ParseRules(bot_addresses=frozenset({"support@exemple.fr"}))


def _codes(body: str) -> list[str]:
    parsed = parse(mail(body, subject="Problème").as_bytes(), RULES)
    return [code for error in parsed.errors for code in error.codes]


@pytest.mark.parametrize(("line", "name"), [
    ("Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found "
     "by SMTP address lookup'", "RESOLVER.ADR.RecipientNotFound"),
    ("Le serveur distant a retourné '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'",
     "RESOLVER.ADR.RecipNotFound"),
    ("Remote Server returned '550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized'",
     "RESOLVER.RST.NotAuthorized"),
    ("Remote Server returned '550 4.4.7 QUEUE.Expired; message expired'", "QUEUE.Expired"),
])
def test_exchange_ndr_names_three_codes(line: str, name: str) -> None:
    body = ("Bonjour,\n\nmon mail revient :\n\nDiagnostic information for administrators:\n"
            f"Generating server: EX01.exemple.fr\n{line}\n")
    codes = _codes(body)
    smtp, enhanced = line.split("'")[1].split()[:2]
    assert codes[:3] == [smtp, enhanced, name]


def test_a_dotted_name_in_prose_is_no_ndr_name() -> None:
    assert find_codes("voir le fichier Config.Site.Settings et ASP.NET") == []


_VIEWER = ("Nom du journal :Système\nSource :Microsoft-Windows-Kernel-Power\n"
           "Date :06/12/2026 08:14:02\nID de l'événement :41\nCatégorie de la tâche :(63)\n"
           "Niveau :Critique\nMots clés :(70368744177664),(2)\nUtilisateur :Système\n")


@pytest.mark.parametrize(("prose", "second"), [
    ("Il y a aussi l'événement 6008 juste avant.", "6008"),
    ("Juste avant, un événement ID 6008 apparaît.", "6008"),
    ("Et l'ID d'événement 1001 ce matin.", "1001"),
    ("There is also event 6008 before it.", "6008"),
])
def test_event_viewer_in_french_with_a_second_event_id_in_prose(prose: str, second: str) -> None:
    codes = _codes(f"Bonjour,\n\nle PC redémarre seul :\n\n{_VIEWER}\n{prose}\n")
    assert codes == ["41", second]  # neither the task category nor the keywords


@pytest.mark.parametrize("text", [
    "l'événement 2026 de la région", "trois événements 12 et 14", "event 2025 recap",
])
def test_events_that_are_no_ids(text: str) -> None:
    assert find_codes(text) == []


@pytest.mark.parametrize(("body", "expected"), [
    ("Teams me renvoie caa20003 à chaque connexion, et OneDrive ne synchronise plus "
     "(Code d'erreur : 0x8004de40).", ["caa20003", "0x8004de40"]),
    ("Teams affiche le code caa70004 depuis ce matin.\nOneDrive : impossible de se connecter "
     "(Code d'erreur : 0x8004de88)", ["caa70004", "0x8004de88"]),
    ("OneDrive ne démarre plus (Code d'erreur : caa82ee2)", ["caa82ee2"]),
    ("Teams shows caa20004 when I sign in.", ["caa20004"]),
])
def test_teams_lowercase_codes_and_onedrive_codes_in_parentheses(
        body: str, expected: list[str]) -> None:
    assert _codes(f"Bonjour,\n\n{body}\n") == expected


@pytest.mark.parametrize("text", ["la réf. abcdef12 du colis", "commit deadbeef", "fe80 ok"])
def test_hex_words_that_are_no_teams_codes(text: str) -> None:
    assert find_codes(text) == []
