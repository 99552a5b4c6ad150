"""A reply that only thanks does not reopen a closed ticket; anything more does."""

from __future__ import annotations

import pytest

from mailbot.parsers.courtesy import thanks_only


@pytest.mark.parametrize("text", [
    "merci", "Merci !", "ok merci, bonne journée", "thanks!", "parfait", "Parfait, merci.",
    "Merci beaucoup pour votre aide.\n\nBonne soirée,\nClaire", "Thank you so much!",
    "C'est bon, ça remarche. Merci !", "Super, merci Julien", "ok", "Bien reçu, merci.",
    "Many thanks, it works now.\n\nBest regards,\nJohn", "Top merci 👍", "Nickel !",
    # A signature the cutter left, up to 4 lines: name, role, department, phone (issue 16 §5).
    "Super, merci et bonne journée !\n\nSophie Leroy\nService RH",
    "Super, merci et bonne journée !\n\nSophie Leroy\nResponsable des ressources humaines\n"
    "Groupe Exemple\n01 23 45 67 89",
    "Merci !\nS. Leroy\nTél. : +33 1 23 45 67 89",
])
def test_thanks_only(text: str) -> None:
    assert thanks_only(text)


@pytest.mark.parametrize("text", [
    "", "Merci mais ça ne marche toujours pas.", "Merci. Et pour le scanner ?",
    "merci, par contre l'imprimante du 3e est HS aussi",
    "Thanks, but the printer still jams.", "Ok merci, il faudrait aussi installer Visio",
    "Merci, le problème revient ce matin", "Encore une erreur, merci de regarder",
    "Merci " + "beaucoup " * 40,
    "Merci !\n\nL'écran reste noir", "Merci\n\nSophie\nL'écran reste noir",
    "Merci\n\nSophie Leroy\nmais le scanner bloque",
])
def test_a_real_follow_up(text: str) -> None:
    assert not thanks_only(text)
