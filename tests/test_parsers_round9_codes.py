"""Round 9 (issue 19): pasted error codes as a class, and the error text of a code in prose.

SAP prints a message's ID as its class and three-digit number, in the GUI's language: "Message
no. V1801", "Numéro de message SY 530", "N° message S#077" (classes may hold "#" or "$", as
the authorisation class S# does), or as two fields, on one line or on two as the technical
information copies them. The signed, dashed and suffixed codes of earlier rounds still hold.

Day 7 of use (defect 16): a mail of one line, "Bonjour, ... (erreur 809). ... Karim", gave the
whole line as the error's text, and the team's escalation showed the body as the error. The
error is the sentence that carries the code, never the greeting nor the signature. Every text
here is written for this project."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

import mailbot.parsers.error_codes as error_codes
from mailbot.compose import error_line
from mailbot.parsers import ParseRules, parse
from mailbot.parsers.errors import extract_errors


def _codes(text: str) -> list[str]:
    return sorted(c for e in extract_errors(text) for c in e.codes)


SAP = {
    "hash_class_fr": ("Bonjour,\nla transaction VA02 me répond :\nPas d'autorisation pour "
                      "modifier la commande client\nN° message S#077\nMerci\n", ["S#077"]),
    "hash_class_en": ("Hi,\nYou are not authorized to use this report\nMessage no. S#451\n",
                      ["S#451"]),
    "dollar_class": ("Bonjour, la fenêtre affiche « Message n° Z$014 » à la validation.\n",
                     ["Z$014"]),
    "classic_en": ("Hello,\nMessage no. V1801\nDiagnosis: the document is locked.\n",
                   ["V1801"]),
    "spaced_fr": ("Bonjour,\nNuméro de message SY 530\nImpossible d'enregistrer.\n", ["SY530"]),
    "two_lines_fr": ("Bonjour,\nDonnées du message\nClasse de messages M8\nNuméro de message 082"
                     "\n", ["M8082"]),
    "two_lines_en": ("Hi,\nTechnical information\nApplication Area: F5\nMessage number: 702\n",
                     ["F5702"]),
    "german_short": ("Hallo,\nMeldungsnr. S#077 beim Aufruf von SU01.\n", ["S#077"]),
    # what stands next to SAP's numbers and is no code
    "user_id_above_number": ("Bonjour,\nUtilisateur ID : PMARTIN\nNuméro de message 077\n", []),
    "transaction_and_order": ("Bonjour, la transaction ME21N crée la commande 4500012345 "
                              "sans message.\n", []),
}

STILL = {
    "signed_vpn": ("Bonjour,\nFortiClient : la connexion échoue (-7200)\n", ["-7200"]),
    "signed_after_word": ("Bonjour, erreur -14 au démarrage du client VPN.\n", ["-14"]),
    "dash_suffix": ("Bonjour,\nOffice s'arrête avec le code d'erreur 30088-26.\n",
                    ["30088-26"]),
    "hex_with_label": ("Bonjour,\n0x80070643 - Erreur irrécupérable lors de l'installation\n",
                       ["0x80070643"]),
    "setup_extended": ("Hello,\nThe upgrade stopped: 0xC1900208-0x4000C\n",
                       ["0xC1900208-0x4000C"]),
}


@pytest.mark.parametrize(("text", "codes"), SAP.values(), ids=SAP.keys())
def test_sap_message_numbers(text: str, codes: list[str]) -> None:
    assert _codes(text) == sorted(codes)


@pytest.mark.parametrize(("text", "codes"), STILL.values(), ids=STILL.keys())
def test_signs_dashes_and_suffixes_still_hold(text: str, codes: list[str]) -> None:
    assert _codes(text) == sorted(codes)


PROSE = {
    # one line: greeting, the error, the writer's own sentence, the name
    "one_line_fr": ("Bonjour, depuis lundi l'imprimante du 2e refuse les travaux (erreur 41). "
                    "Je dois tout envoyer au 1er. Sophie",
                    "depuis lundi l'imprimante du 2e refuse les travaux (erreur 41)."),
    "re_and_name": ("Re, après redémarrage toujours le code 0x800CCC0F. Merci. Hugo",
                    "après redémarrage toujours le code 0x800CCC0F."),
    "english_question": ("Hello team, Teams fails to sign in with error 80180014. Could you "
                         "help? Thanks, Dana",
                         "Teams fails to sign in with error 80180014."),
    # the writer's own sentence is cut to its clause with the code
    "own_clause": ("Re, j'ai redémarré le poste, toujours erreur 720. Karim",
                   "toujours erreur 720."),
    "own_clause_no_greeting": ("J'ai tout réinstallé, mais Outlook affiche encore 0x8004010F, "
                               "je ne sais plus quoi faire",
                               "mais Outlook affiche encore 0x8004010F"),
    # what the program printed after its code stays
    "program_message_kept": ("Erreur 0x80070005. Accès refusé.",
                             "Erreur 0x80070005. Accès refusé."),
    "app_line_and_thanks": ("Erreur 32 : fichier verrouillé par un autre utilisateur. Merci de "
                            "regarder. Paul", "Erreur 32 : fichier verrouillé par un autre "
                            "utilisateur."),
}


@pytest.mark.parametrize(("text", "message"), PROSE.values(), ids=PROSE.keys())
def test_a_code_in_prose_gives_its_sentence_not_the_greeting_nor_the_name(
        text: str, message: str) -> None:
    errors = extract_errors(text)
    assert [e.message for e in errors] == [message]


def test_the_teams_notice_shows_the_error_sentence_only() -> None:
    # the mail of day 7, in our own words: one line, greeting and name around the code
    e = EmailMessage()
    e["From"], e["To"] = "Yanis Haddad <yanis.haddad@exemple.fr>", "support@exemple.fr"
    e["Subject"], e["Message-ID"] = "VPN HS", "<d7-16@exemple.fr>"
    e["Date"] = "Mon, 07 Dec 2026 08:16:00 +0100"
    e.set_content("Bonjour, depuis ce matin le VPN refuse la connexion (erreur 809). Je suis "
                  "bloqué chez moi. Yanis\n")
    parsed = parse(e.as_bytes(), ParseRules(bot_addresses=frozenset({"support@exemple.fr"})))
    lines = [error_line(error) for error in parsed.errors]
    assert len(lines) == 1 and "le VPN refuse la connexion (erreur 809)" in lines[0]
    assert "Bonjour" not in lines[0] and "Yanis" not in lines[0] and "bloqué" not in lines[0]
    assert parsed.errors[0].codes == ["809"]


# --- the search of codes looks at the lines that may hold one only: the same codes ---------

def _error_texts() -> list[str]:
    texts = []
    for path in sorted(Path(__file__).parent.glob("formats/*/errors/*.eml")) + sorted(
            Path(__file__).parent.glob("formats/errors/*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(("plain",))
        texts.append(body.get_content() if body is not None else "")
    texts += [text for text, _codes in (*SAP.values(), *STILL.values())]
    return texts


def test_the_search_in_hot_lines_finds_what_the_whole_search_finds(monkeypatch) -> None:
    texts = _error_texts()
    assert len(texts) > 100
    seen = [(error_codes.find_codes(t), error_codes.code_lines(t, 20)) for t in texts]
    monkeypatch.setattr(error_codes, "search_hot", lambda p, t, pos=0: p.search(t, pos))
    monkeypatch.setattr(error_codes, "finditer_hot", lambda p, t: p.finditer(t))
    assert [(error_codes.find_codes(t), error_codes.code_lines(t, 20)) for t in texts] == seen
    assert any(codes for codes, _lines in seen)
