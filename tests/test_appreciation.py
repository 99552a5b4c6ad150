"""Thanks and praise after a closure (day 8 defect 1), pure: what never reopens a ticket, and
what still does (a fault, a question, a request next to the thanks)."""

from __future__ import annotations

import pytest

from mailbot.config import Config
from mailbot.resolution import appreciation
from mailbot.rules.assess import policy_of

POLICY = policy_of(Config())


def praise(text: str) -> bool:
    return appreciation(text, broken=POLICY.broken, asking=POLICY.asking)


@pytest.mark.parametrize("text", [
    "Top merci, les camions partiront à l'heure !\nKevin",
    "Super, merci beaucoup Alice !! Vous nous sauvez la nuit 👍",
    "Génial, merci ! On a pu imprimer tous les bons.",
    "Bravo et merci pour la rapidité, l'équipe de nuit vous dit merci.",
    "Super merci, ça remarche. Encore merci !",
    "Great, thanks a lot! The trucks will leave on time.",
    "Brilliant work, thank you so much 🙏",
    "Thanks again, you're the best",
])
def test_thanks_and_praise(text: str) -> None:
    assert praise(text)


@pytest.mark.parametrize("text", [
    "Merci, mais le partage S: a de nouveau disparu.",
    "Top merci ! Par contre l'imprimante de l'entrepôt affiche une erreur.",
    "Thanks! The file server is down again though.",
    "Merci ! Vous pouvez aussi regarder le scanner du quai 2 ?",
    "Merci, l'imprimante refait des traces",
    "Top, merci. L'écran reste noir.",
    "Merci ! Au fait, il me faut un nouveau clavier",
    "Elle fait de nouveau des traces.",
    "ok",  # no thanks, no praise: not this rule's (the courtesy parser's)
    "Merci " + "beaucoup " * 60,  # a long mail says more than thanks
])
def test_a_fault_a_question_or_a_demand_is_no_praise(text: str) -> None:
    assert not praise(text)


# --- day 10: a fault said to be over, after the closure, is no new fault ----------------------

@pytest.mark.parametrize("text", [
    "Merci encore, plus aucun souci depuis.", "Super, ça ne plante plus du tout. Merci !",
    "Il n'a plus planté depuis, merci Marc.", "Thanks again, no more errors since.",
    "Plus aucun problème depuis votre passage."])
def test_a_fault_said_to_be_over_is_praise(text: str) -> None:
    assert praise(text)


@pytest.mark.parametrize("text", [
    "Merci, mais ça ne marche plus depuis ce matin.", "Merci encore, plus aucun accès au S:.",
    "Merci, ça ne plante plus mais Excel est lent.", "Thanks, but it doesn't work anymore.",
    "Merci. Plus aucun souci ? Si, l'écran clignote encore."])
def test_a_working_state_gone_or_another_fault_is_no_praise(text: str) -> None:
    assert not praise(text)
