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
