"""Forwarded blocks of the usual clients give the original author; nested chains the innermost."""

from __future__ import annotations

import pytest
from parsers_factory import mail

from mailbot import people
from mailbot.config import Config, TeamConfig
from mailbot.parsers import ParsedMessage, parse
from mailbot.parsers.forwards import detect_forward

OUTLOOK_FR = """Ticket pour Nathalie.

Alice

________________________________
De : Nathalie Rousseau <nathalie.rousseau@groupe-exemple.fr>
Envoyé : lundi 16 novembre 2026 08:47
À : Alice Moreau <tech.alice@groupe-exemple.fr>
Objet : Accès au dossier Compta impossible

Bonjour Alice, le lecteur S: a une croix rouge.
"""
GMAIL = """---------- Forwarded message ---------
From: Jean Petit <jean.petit@client.fr>
Date: Tue, 17 Nov 2026 at 10:02
Subject: Facture illisible
To: <compta@groupe-exemple.fr>

Le PDF ne s'ouvre pas.
"""
THUNDERBIRD = """-------- Message transféré --------
Sujet : \tImprimante
Date : \tWed, 3 Nov 2021 15:51:30 +0100
De : \tPaul Roux <paul.roux@groupe-exemple.fr>
Pour : \tsupport@groupe-exemple.fr

Elle ne marche plus.
"""
APPLE = """> Début du message réexpédié :
>
> De: Lise Blanc <lise.blanc@groupe-exemple.fr>
> Objet: VPN
> Date: 26 octobre 2021 à 14:25:08 UTC+3
>
> Le VPN coupe.
"""
ORIGINAL_MESSAGE = """-----Message d'origine-----
De : Marc Vidal <marc.vidal@groupe-exemple.fr>
Envoyé : mardi 17 novembre 2026 10:02
Objet : Écran

Mon écran clignote.
"""


@pytest.mark.parametrize(("text", "sender", "subject"), [
    (OUTLOOK_FR, "nathalie.rousseau@groupe-exemple.fr", "Accès au dossier Compta impossible"),
    (GMAIL, "jean.petit@client.fr", "Facture illisible"),
    (THUNDERBIRD, "paul.roux@groupe-exemple.fr", "Imprimante"),
    (APPLE, "lise.blanc@groupe-exemple.fr", "VPN"),
])
def test_client_forward_blocks(text: str, sender: str, subject: str) -> None:
    forwarded, _, body = detect_forward(text, subject_is_forward=True, subject_is_reply=False)
    assert forwarded is not None
    assert (forwarded.original_sender, forwarded.original_subject) == (sender, subject)
    assert body  # the original author's text follows the block


def test_a_reply_quoting_an_original_message_is_not_a_forward() -> None:
    forwarded, _, _ = detect_forward("#close\n\n" + ORIGINAL_MESSAGE, subject_is_forward=False,
                                     subject_is_reply=True)
    assert forwarded is None


def test_nested_chain_gives_the_innermost_author() -> None:
    chain = "Voir plus bas\n\n" + GMAIL.replace("Le PDF ne s'ouvre pas.", THUNDERBIRD)
    forwarded, note, _ = detect_forward(chain, subject_is_forward=True, subject_is_reply=False)
    assert forwarded is not None and forwarded.depth == 2
    assert forwarded.original_sender == "paul.roux@groupe-exemple.fr"
    assert note == "Voir plus bas"


# On whose behalf a mail opens a ticket is the core's decision (mailbot.people), made from what
# the parser reports: the forwarded block, the commands, the subject's phone marker.
CONFIG = Config(team=TeamConfig(technicians=["Alice <tech.alice@groupe-exemple.fr>"]))


def requester(raw: bytes) -> tuple[str, ParsedMessage]:
    result = parse(raw, CONFIG.parse_rules())
    return people.requester_of(result, people.identify(result, CONFIG), CONFIG), result


def test_a_technicians_forward_is_the_original_senders_ticket() -> None:
    message = mail(OUTLOOK_FR, sender="Alice <tech.alice@groupe-exemple.fr>", subject="TR: Compta")
    who, result = requester(message.as_bytes())
    assert who == "nathalie.rousseau@groupe-exemple.fr"
    assert result.forwarded is not None
    assert "croix rouge" in result.forwarded.text
    assert "Ticket pour Nathalie" not in result.forwarded.text


def test_anyone_elses_forward_stays_their_own() -> None:
    message = mail(OUTLOOK_FR, sender="Marc <marc@groupe-exemple.fr>", subject="TR: Compta")
    who, result = requester(message.as_bytes())
    assert result.forwarded is not None
    assert who == "marc@groupe-exemple.fr"


def test_forward_as_attachment_names_the_attached_author() -> None:
    inner = mail("Le VPN coupe.", sender="Lise <lise.blanc@groupe-exemple.fr>", subject="VPN")
    inner["Cc"] = "Marc <marc@groupe-exemple.fr>"
    inner.replace_header("Message-ID", "<vpn@groupe-exemple.fr>")
    outer = mail("Pour Lise", sender="Alice <tech.alice@groupe-exemple.fr>", subject="TR: VPN")
    outer.add_attachment(inner)
    who, result = requester(outer.as_bytes())
    assert result.forwarded is not None and result.forwarded.original_subject == "VPN"
    assert who == "lise.blanc@groupe-exemple.fr"
    assert result.forwarded.original_cc == ["marc@groupe-exemple.fr"]
    assert result.forwarded.original_message_id == "<vpn@groupe-exemple.fr>"
    assert "Le VPN coupe." in result.forwarded.text


def test_the_cc_of_a_forwarded_block_is_reported() -> None:
    body = ("Pour info\n\nDe : Nathalie Rousseau <nathalie.rousseau@groupe-exemple.fr>\n"
            "Envoyé : lundi 23 novembre 2026 08:12\nÀ : Alice <tech.alice@groupe-exemple.fr>\n"
            "Cc : Dupont, Jean <jean.dupont@groupe-exemple.fr>; Sophie <sophie@groupe-exemple.fr>\n"
            "Objet : Compta\n\nLa compta ne s'ouvre plus.\n")
    _, result = requester(mail(body, subject="TR: Compta").as_bytes())
    assert result.forwarded is not None
    assert result.forwarded.original_cc == ["jean.dupont@groupe-exemple.fr",
                                            "sophie@groupe-exemple.fr"]


def test_phone_log_requester_comes_from_the_command() -> None:
    body = "#phone\n#requester Martine <martine.martin@groupe-exemple.fr>\n#close\n\nAppel."
    who, result = requester(mail(body, sender="tech.alice@groupe-exemple.fr").as_bytes())
    assert who == "martine.martin@groupe-exemple.fr"
    assert people.is_phone_log(result, people.identify(result, CONFIG))


def test_phone_marker_in_subject_only_counts_from_a_technician() -> None:
    raw = mail("Appel de Paul", sender="paul@groupe-exemple.fr", subject="[TEL] Paul").as_bytes()
    _, result = requester(raw)
    assert result.phone_marker  # the parser reports what it sees ...
    assert not people.is_phone_log(result, people.identify(result, CONFIG))  # ... the core acts
    raw = mail("Appel", sender="tech.alice@groupe-exemple.fr", subject="[TEL] Paul").as_bytes()
    _, result = requester(raw)
    assert people.is_phone_log(result, people.identify(result, CONFIG))
