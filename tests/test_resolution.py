"""A requester's short mail that confirms it works again (mailbot/resolution.py, day 6 defect
4): read from the `[information] resolved` phrases, never from thanks alone nor with a doubt."""

from __future__ import annotations

import pytest

from mailbot.resolution import confirmation
from mailbot.rules.settings import InformationConfig

RESOLVED = InformationConfig().resolved


@pytest.mark.parametrize("text", [
    "oui c'est revenu, merci", "Oui, ça remarche. Merci !\nKarim", "c'est bon maintenant",
    "Tout fonctionne, vous pouvez clôturer.", "it works now, thanks",
    # Everyday words (day 7): the information phrases alone missed these.
    "c'est bon ça marche", "C'est bon, ça marche merci Paul !", "ça fonctionne, merci",
    "It works, thanks a lot!"])
def test_a_confirmation(text: str) -> None:
    assert confirmation(text, RESOLVED)


@pytest.mark.parametrize("text", [
    "merci pour votre aide",  # thanks for the help, not "it works"
    "merci pour votre aide, mais ça plante toujours", "ça ne remarche pas",
    "c'est revenu ?", "c'est revenu mais l'imprimante non", "pas encore revenu",
    "ok ça marche pour jeudi 10h", "ça marche pour moi, passez demain", "ça marche pas",
    "it works for me on Thursday", "c'est bon pour demain",
    "ok c'est bon", "C'est bon merci",  # as much "understood" as "fixed": a thanks
    "c'est revenu. " + "Par ailleurs je voulais vous parler de mon écran qui clignote. " * 6])
def test_no_confirmation(text: str) -> None:
    assert confirmation(text, RESOLVED) is None
