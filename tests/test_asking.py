"""Whether a technician's answer asks the requester something (mailbot/parsers/asking.py): the
one thing that makes a relayed answer wait for the requester (day 4 item 7)."""

from __future__ import annotations

import pytest

from mailbot.parsers.asking import asks_requester

ASKS = [
    "Pouvez-vous réessayer ?",
    "Vous êtes dans votre bureau cet après-midi?",
    "pouvez vous me dire sur quel dossier vous enregistrez. Merci.",
    "Merci de me confirmer que l'imprimante fonctionne.",
    "Dites-moi si le message revient.",
    "Envoyez-moi une capture d’écran de l’erreur.",
    "Tenez-moi au courant.",
    "J'attends votre retour pour clôturer.",
    "Could you send me the error message",
    "Please confirm it works now.",
    "Let me know if it happens again.",
]
INFORMS = [
    "Un switch est tombé au 3ème, je le remplace, le réseau devrait revenir d'ici 30 minutes.",
    "Je passe dans votre bureau à 9h30 avec une imprimante de prêt.",
    "Julie passe voir l'imprimante dans la matinée.",
    "C'est noté, les accès de M. Durand seront coupés vendredi soir.",
    "Merci de votre patience, le fournisseur livre jeudi.",
    "La procédure : https://intranet.example/kb?id=42&lang=fr",
    "The VPN certificate was renewed this morning.",
    "",
]


@pytest.mark.parametrize("text", ASKS)
def test_a_question_or_a_request_for_an_answer_asks(text: str) -> None:
    assert asks_requester(text)


@pytest.mark.parametrize("text", INFORMS)
def test_an_answer_that_tells_asks_nothing(text: str) -> None:
    assert not asks_requester(text)
