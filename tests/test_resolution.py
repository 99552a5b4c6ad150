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


# --- day 9: a yes to a technician's question, access said to be back --------------------------

@pytest.mark.parametrize("text", [
    "Oui c'est bon, merci Paul", "c'est bon de mon côté.\nSophie", "Oui, merci !",
    "Bonjour Paul,\nOui.\nMerci\nSophie Leroy\nComptabilité", "Yes it's fine, thanks",
    "yes, that's fine", "C'est ok, merci"])
def test_a_yes_to_a_technicians_question_confirms(text: str) -> None:
    assert confirmation(text, RESOLVED, asked=True)
    assert confirmation(text, RESOLVED) is None  # no question asked: "c'est bon" is a thanks


@pytest.mark.parametrize("text", [
    "Tout le service a de nouveau accès au dossier Achats, merci !",
    "nous avons de nouveau accès à l'intranet", "Le partage remarche, merci",
    "tout refonctionne depuis ce matin", "La connexion est rétablie, merci.",
    "Everyone has access again, thanks", "The VPN works again!", "The server is back up, cheers"])
def test_access_said_to_be_back_confirms(text: str) -> None:
    assert confirmation(text, RESOLVED)


@pytest.mark.parametrize("text", [
    "c'est bon à savoir mais ça plante toujours", "c'est bon à savoir",
    "Oui je l'ai redémarré hier soir", "oui, à quelle heure passez-vous ?",
    "oui c'est bon pour demain 9h", "Oui, mais le lecteur S: reste inaccessible",
    "a de nouveau accès au S: mais pas à l'imprimante", "ça remarche ? je n'ai pas testé",
    "The VPN works again, but Outlook still crashes", "Yes it's fine for Thursday",
    "oui c'est bon, par contre Outlook plante"])
def test_a_yes_or_a_back_with_a_remaining_fault_or_question_is_none(text: str) -> None:
    assert confirmation(text, RESOLVED, asked=True) is None


@pytest.mark.parametrize(("text", "quoted"), [
    ("Ça marche, merci !", "Ça marche"), ("Oui, ça remarche. Merci !", "ça remarche"),
    ("Oui c'est bon, tout le monde a de nouveau accès au S:.", "a de nouveau accès"),
    ("La connexion est rétablie.", "est rétablie")])
def test_the_words_are_quoted_as_written(text: str, quoted: str) -> None:
    assert confirmation(text, RESOLVED) == quoted


# --- day 10: a symptom said to have stopped ---------------------------------------------------

@pytest.mark.parametrize("text", [
    "Parfait merci, ça ne clignote plus !", "Merci encore, plus aucun souci depuis.",
    "ça ne plante plus depuis hier, merci", "Il n'a plus planté depuis ce matin.",
    "Je n'ai plus le message d'erreur.\nBonne journée", "Plus aucun problème depuis lundi.",
    "L'écran ne se fige plus, merci Paul", "Aucune erreur depuis la mise à jour.",
    "No more errors since this morning, thanks.", "It hasn't crashed since, thanks!",
    "The screen doesn't flicker anymore.", "No further issues, cheers"])
def test_a_symptom_said_to_have_stopped_confirms(text: str) -> None:
    assert confirmation(text, RESOLVED)


@pytest.mark.parametrize("text", [
    # The negated word is the working state: a fault.
    "ça ne marche plus", "ça ne fonctionne plus depuis ce matin", "plus aucun accès au serveur",
    "Je n'ai plus accès à mes mails", "ça ne démarre plus", "ça ne s'allume plus",
    "no more access to the drive", "it doesn't work anymore", "it no longer starts",
    # Stopped, but something else is wrong or asked.
    "ça ne plante plus mais l'écran reste noir", "il ne clignote plus mais ne s'allume pas",
    "ça ne clignote plus ? faut-il redémarrer ?", "It hasn't crashed since, but it is slow."])
def test_a_stopped_working_state_or_a_remaining_fault_is_no_confirmation(text: str) -> None:
    assert confirmation(text, RESOLVED) is None


@pytest.mark.parametrize("text", [
    "J'ai de plus en plus de problèmes avec l'écran.", "L'imprimante fait plus de bruit "
    "qu'avant.", "Le téléphone ne sonne plus.", "Le poste ne décroche plus, merci de regarder.",
    "L'écran ne s'affiche plus."])
def test_more_of_a_fault_or_a_device_that_stopped_working_is_no_confirmation(text: str) -> None:
    assert confirmation(text, RESOLVED) is None
