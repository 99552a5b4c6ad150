"""Lotus / HCL Notes forwards ("----- Transféré par X le <date> -----") whose memo names people
by their Notes hierarchical names: the original author is the memo's name, with an address only
when one belongs to that name; never another person's address from the text (blind round 10)."""

from __future__ import annotations

import pytest
from parsers_factory import mail

from mailbot.parsers import parse

FORWARDER = "Jean Dupont <jean.dupont@groupe-exemple.fr>"

FR_LABELLED = """Pour info, voir ci-dessous.

Jean
----- Transféré par Jean Dupont/DSI/GroupeExemple le 03/12/2026 14:02 -----

De :\tMarie Martin/RH/GroupeExemple
A :\tJean Dupont/DSI/GroupeExemple@GroupeExemple
Date :\t03/12/2026 13:45
Objet :\tImprimante RH hors service

Bonjour,

l'imprimante du service RH ne répond plus.

Pierre Durand, assistant : pierre.durand@groupe-exemple.fr

Marie Martin
Ressources humaines
marie.martin@groupe-exemple.fr
"""

FR_CLASSIC = """----- Transféré par Jean Dupont/DSI/GroupeExemple le 03/12/2026 14:02 -----

             Marie Martin/RH/GroupeExemple
             03/12/2026 13:45
             A : Jean Dupont/DSI/GroupeExemple@GroupeExemple
             cc : Paul Leroy/DSI/GroupeExemple@GroupeExemple
             Objet : Imprimante RH hors service

Bonjour, l'imprimante ne répond plus.

Paul Leroy
paul.leroy@groupe-exemple.fr
"""

EN_CANONICAL = """----- Forwarded by CN=Jean Dupont/OU=DSI/O=Groupe on 12/03/2026 02:02 PM -----

From:\tCN=Mary Smith/OU=Sales/O=GroupeExemple
To:\tCN=Jean Dupont/OU=DSI/O=GroupeExemple@GroupeExemple
Date:\t12/03/2026 01:45 PM
Subject:\tPrinter down

The printer on the second floor is down.

Regards,
Mary
Sales assistant: support.sales@groupe-exemple.fr
"""

EN_OWN_ADDRESS = """----- Forwarded by Jean Dupont/DSI/GroupeExemple on 12/03/2026 02:02 PM -----

From:\tMary Smith/Sales/GroupeExemple
To:\tJean Dupont/DSI/GroupeExemple@GroupeExemple
Date:\t12/03/2026 01:45 PM
Subject:\tPrinter down

The printer is down.

Mary Smith | Sales | msmith@groupe-exemple.fr | +33 1 23 45 67 89
"""

DE_LABELLED = """----- Weitergeleitet von Jean Dupont/DSI/GroupeExemple am 03.12.2026 14:02 -----

Von:\tKlaus Meier/Vertrieb/GroupeExemple
An:\tJean Dupont/DSI/GroupeExemple@GroupeExemple
Datum:\t03.12.2026 13:45
Betreff:\tDrucker defekt

Der Drucker geht nicht.

Mit freundlichen Grüßen
Klaus Meier
Vertrieb
k.meier@groupe-exemple.fr
"""


@pytest.mark.parametrize(("body", "sender", "name", "subject"), [
    (FR_LABELLED, "marie.martin@groupe-exemple.fr", "Marie Martin", "Imprimante RH hors service"),
    (FR_CLASSIC, "", "Marie Martin", "Imprimante RH hors service"),
    (EN_CANONICAL, "", "Mary Smith", "Printer down"),
    (EN_OWN_ADDRESS, "msmith@groupe-exemple.fr", "Mary Smith", "Printer down"),
    (DE_LABELLED, "k.meier@groupe-exemple.fr", "Klaus Meier", "Drucker defekt"),
])
def test_a_notes_forward_names_its_author_and_only_their_own_address(
        body: str, sender: str, name: str, subject: str) -> None:
    result = parse(mail(body, sender=FORWARDER, subject="TR: Imprimante").as_bytes())
    forwarded = result.forwarded
    assert forwarded is not None
    assert (forwarded.original_sender, forwarded.original_name) == (sender, name)
    assert forwarded.original_subject == subject
    assert "ne répond plus" in forwarded.text or "down" in forwarded.text \
        or "Drucker" in forwarded.text


def test_a_notes_memo_printing_an_internet_address_gives_it() -> None:
    body = FR_LABELLED.replace("De :\tMarie Martin/RH/GroupeExemple",
                               "De :\tMarie Martin <m.martin@filiale-exemple.fr>")
    forwarded = parse(mail(body, sender=FORWARDER, subject="TR: x").as_bytes()).forwarded
    assert forwarded is not None
    assert forwarded.original_sender == "m.martin@filiale-exemple.fr"
