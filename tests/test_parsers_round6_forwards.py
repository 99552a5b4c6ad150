"""Round 6 (issue 19): a message forwarded as an attachment (message/rfc822) that is itself a
forward: the innermost author and subject come from the header block in the attached mail's
body, as for a forward written inline. Fixtures written for this project from Outlook's French
and English forward layouts and Gmail's separator."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailbot.parsers import ParseRules, parse

RULES = ParseRules(bot_addresses=frozenset({"support@exemple.fr"}))

_OUTLOOK_FR = ("Pour info, voir ci-dessous.\n\n"
               "________________________________\n"
               "De : Marc Lefèvre <marc.lefevre@client-exemple.fr>\n"
               "Envoyé : lundi 30 novembre 2026 17:02\n"
               "À : Julie Roux <julie.roux@exemple.fr>\n"
               "Objet : Imprimante du 2e étage hors service\n\n"
               "Bonjour,\n\nl'imprimante affiche 49.4C02 depuis ce matin.\n\nMarc\n")
_OUTLOOK_FR_BARE = _OUTLOOK_FR.replace("________________________________\n", "")
_OUTLOOK_EN = ("FYI\n\n-----Original Message-----\n"
               "From: Marc Lefèvre <marc.lefevre@client-exemple.fr>\n"
               "Sent: Monday, November 30, 2026 5:02 PM\nTo: Julie Roux <julie.roux@exemple.fr>\n"
               "Subject: Imprimante du 2e étage hors service\n\n"
               "Hello,\n\nthe printer shows 49.4C02.\n\nMarc\n")
_GMAIL = ("\n\n---------- Forwarded message ---------\n"
          "De : Marc Lefèvre <marc.lefevre@client-exemple.fr>\n"
          "Date: lun. 30 nov. 2026 à 17:02\nSubject: Imprimante du 2e étage hors service\n"
          "To: Julie Roux <julie.roux@exemple.fr>\n\nBonjour,\n\nl'imprimante est en panne.\n")


def _wrapped(inner_body: str, inner_subject: str) -> bytes:
    inner = EmailMessage()
    inner["From"] = "Julie Roux <julie.roux@exemple.fr>"
    inner["To"] = "Paul Martin <paul.martin@exemple.fr>"
    inner["Subject"] = inner_subject
    inner["Date"] = "Tue, 01 Dec 2026 08:30:00 +0100"
    inner.set_content(inner_body)
    outer = EmailMessage()
    outer["From"] = "Paul Martin <paul.martin@exemple.fr>"
    outer["To"] = "support@exemple.fr"
    outer["Subject"] = "TR: " + inner_subject
    outer["Date"] = "Tue, 01 Dec 2026 09:00:00 +0100"
    outer.set_content("Bonjour,\n\nvoir le message joint.\n\nPaul\n")
    outer.add_attachment(inner)
    return outer.as_bytes()


@pytest.mark.parametrize(("body", "subject"), [
    (_OUTLOOK_FR, "TR: Imprimante du 2e étage hors service"),
    (_OUTLOOK_FR_BARE, "TR: Imprimante du 2e étage hors service"),
    (_OUTLOOK_EN, "FW: Imprimante du 2e étage hors service"),
    (_GMAIL, "Fwd: Imprimante du 2e étage hors service"),
])
def test_an_attached_forward_names_its_innermost_author(body: str, subject: str) -> None:
    forwarded = parse(_wrapped(body, subject), RULES).forwarded
    assert forwarded is not None
    assert forwarded.original_sender == "marc.lefevre@client-exemple.fr"
    assert forwarded.original_name == "Marc Lefèvre"
    assert forwarded.original_subject == "Imprimante du 2e étage hors service"
    assert forwarded.depth == 2
    assert "49.4C02" in forwarded.text or "en panne" in forwarded.text


def test_an_attached_mail_that_is_no_forward_keeps_its_own_author() -> None:
    body = "Bonjour Paul,\n\nl'imprimante du 2e étage est en panne.\n\nJulie\n"
    forwarded = parse(_wrapped(body, "Imprimante du 2e étage"), RULES).forwarded
    assert forwarded is not None
    assert forwarded.original_sender == "julie.roux@exemple.fr"
    assert forwarded.original_subject == "Imprimante du 2e étage"
    assert forwarded.depth == 1
