"""Who may confirm a ticket is fixed (mailbot/steps/confirmers.py, day 10 defect 6): the
requester, a colleague their mail copied, their known assistant; never a stranger."""

from __future__ import annotations

from typing import Any

import pytest

from mailbot.model import Ticket
from mailbot.steps import confirmers
from mailbot.steps.matter import MATTERS

DG = "isabelle.fournier@exemple.fr"
NATHALIE = "nathalie.roux@exemple.fr"


class Store:
    """The two reads `role` makes of the store: a sender's subjects, and a ticket."""

    def __init__(self, *tickets: Ticket) -> None:
        self.by_number = {t.number: t for t in tickets}

    def recent(self, table: str, key: str) -> list[dict[str, Any]]:
        assert table == MATTERS
        return [{"ticket": t.number} for t in self.by_number.values() if t.requester == key]

    def ticket(self, number: int) -> Ticket | None:
        return self.by_number.get(number)


def ticket(number: int, requester: str, subject: str = "Outlook", **more: Any) -> Ticket:
    return Ticket(number=number, subject=subject, requester=requester, token="t",
                  created_at="2026-12-07T09:00:00+00:00", updated_at="2026-12-07T09:00:00+00:00",
                  participants=[requester, *more.pop("cc", [])], **more)


def test_the_requester_and_a_colleague_their_mail_copied_confirm() -> None:
    mine = ticket(21, "gilles.martin@exemple.fr", cc=["lucie.perrin@exemple.fr"])
    view: Any = Store(mine)
    assert confirmers.role(view, mine, "Gilles.Martin@exemple.fr", "ok") == "requester"
    assert confirmers.role(view, mine, "lucie.perrin@exemple.fr", "c'est bon") == "participant"
    assert confirmers.role(view, mine, "marc.dupuis@exemple.fr", "c'est bon ça marche") is None


@pytest.mark.parametrize("text", [
    "Oui c'est bon, Madame Fournier reçoit de nouveau ses mails.\nNathalie Roux\nAssistante "
    "de direction",
    "C'est bon pour Mme Fournier, merci.\nLe secrétariat de direction",
])
def test_an_assistant_who_names_the_requester_and_says_so_confirms(text: str) -> None:
    dg = ticket(7, DG)
    assert confirmers.role(Store(dg), dg, NATHALIE, text) == "assistant"  # type: ignore[arg-type]


def test_an_assistant_known_from_a_ticket_they_opened_for_the_requester_confirms() -> None:
    dg = ticket(7, DG)
    projector = ticket(8, NATHALIE, "Pour Mme Fournier - projecteur salle du conseil")
    view: Any = Store(dg, projector)
    assert confirmers.role(view, dg, NATHALIE, "C'est bon, Madame Fournier a ses mails.") \
        == "assistant"


@pytest.mark.parametrize("text", [
    "C'est bon, Madame Fournier reçoit ses mails.",  # names her, but who is this?
    "Oui c'est bon, ça marche.\nNathalie Roux\nAssistante de direction",  # names nobody
    "C'est bon pour M. Bernard.\nAssistante de direction",  # names someone else
])
def test_a_stranger_does_not_confirm(text: str) -> None:
    dg = ticket(7, DG)
    other = ticket(9, NATHALIE, "Pour M. Bernard - badge")
    assert confirmers.role(Store(dg, other), dg, NATHALIE, text) is None  # type: ignore[arg-type]


def test_the_surname_is_read_from_the_address() -> None:
    assert confirmers.surname(DG) == "fournier"
    assert confirmers.surname("jean-marc.le-gall@exemple.fr") == "le-gall"
    assert confirmers.surname("compta@exemple.fr") == ""
