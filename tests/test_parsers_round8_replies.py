"""Round 8 (issue 19): replies whose client runs the attribution and the quote together on one
line (Yahoo Mail's Android app in plain text, its tagline at times on that line too), and
closing name blocks with no valediction (a name, then a title or department: how Lotus Notes
and Outlook users often sign): the name is the sign-off, the lines under it the signature."""

from __future__ import annotations

import pytest

from mailbot.parsers.body import clean_body

OWN = frozenset({"support@exemple.fr"})

RUN_TOGETHER = {
    "french_tagline_apart": (
        "Merci, l'imprimante refonctionne.\n\nEnvoyé depuis Yahoo Mail pour Android\n\n"
        "Le jeu., mars 18, 2027 à 09:12, Support<support@exemple.fr> a écrit :   Bonjour, "
        "avez-vous redémarré l'imprimante ?\n", "Merci, l'imprimante refonctionne.\n"),
    "english_all_on_one_line": (
        "Still no sound in the headset.\n\nSent from Yahoo Mail on Android On Thu, Mar 18, 2027 "
        "at 9:12, IT Support<support@exemple.fr> wrote:   Hello, which headset is it?\n",
        "Still no sound in the headset.\n"),
    "spanish": (
        "Sigue sin funcionar.\n\nEnviado desde Yahoo Mail para Android\n\nEl jue., 18 mar. 2027 "
        "a las 9:12, Soporte<support@exemple.fr> escribió:   Hola, ¿ha probado otra vez?\n",
        "Sigue sin funcionar.\n"),
}


@pytest.mark.parametrize("name", sorted(RUN_TOGETHER))
def test_an_attribution_run_into_its_quote_is_cut(name: str) -> None:
    body, want = RUN_TOGETHER[name]
    assert clean_body(body, own=OWN).text == want


def test_an_attribution_on_its_own_line_still_cuts_as_before() -> None:
    body = ("Ça marche.\n\nLe jeu. 18 mars 2027 à 09:12, Support <support@exemple.fr> a écrit :\n"
            "> Bonjour, avez-vous redémarré ?\n")
    assert clean_body(body, own=OWN).text == "Ça marche.\n"


NAME_BLOCKS = {
    "name_and_title": ("Bonjour,\n\nle badge de Mme Roy ne passe plus au portique.\n\n"
                       "Francine Roy\nResponsable paie\n",
                       "Bonjour,\n\nle badge de Mme Roy ne passe plus au portique.\n\n"
                       "Francine Roy\n",
                       "Responsable paie"),
    "name_title_department": ("Hello,\n\nthe scanner on floor 2 is jammed again.\n\n"
                              "Oliver Grant\nFacilities Manager\nSite de Lyon\n",
                              "Hello,\n\nthe scanner on floor 2 is jammed again.\n\n"
                              "Oliver Grant\n", "Facilities Manager\nSite de Lyon"),
    "name_block_over_a_notes_header_block": (
        "Bonjour,\n\nle poste de l'accueil ne démarre plus.\n\nFrancine Roy\nResponsable paie"
        "\n\n\n\nDe :    Support <support@exemple.fr>\nA :     Francine Roy/SIEGE@SIEGE\n"
        "Date :  16/03/2027 11:45\nObjet : [#88] Poste accueil\n\n\n\nBonjour, c'est fait.\n",
        "Bonjour,\n\nle poste de l'accueil ne démarre plus.\n\nFrancine Roy\n",
        "Responsable paie"),
}


@pytest.mark.parametrize("name", sorted(NAME_BLOCKS))
def test_a_name_block_keeps_the_name_and_cuts_the_title(name: str) -> None:
    body, text, signature = NAME_BLOCKS[name]
    cleaned = clean_body(body, own=OWN)
    assert (cleaned.text, cleaned.signature) == (text, signature)


@pytest.mark.parametrize("body", [
    "Francine Roy\nResponsable paie\n",  # nothing above it: that is what was written
    "Bonjour,\n\nvoici les deux salles à équiper :\n\nSalle Rivoli\nSalle Opéra\n",
    "Bonjour,\n\nqui peut m'aider ?\n\nJe suis au bureau\ntoute la journée de demain\n",
])
def test_what_is_no_name_block_stays(body: str) -> None:
    assert clean_body(body, own=OWN).text == body
