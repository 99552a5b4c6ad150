"""The note of a phone call a technician logs (mailbot/steps/calls.py): their account of the
call without their sign-off, even when the name sits right under it (day 10 defect 13)."""

from __future__ import annotations

import pytest

from mailbot.parsers import parse
from mailbot.steps.calls import call_note
from tests.harness import mail

MARC = "marc.tech@groupe-exemple.fr"


def note(body: str) -> str:
    msg = parse(mail(sender=f"Marc Tech <{MARC}>", subject="[APPEL] Jean Dupont - Teams",
                     body=body))
    return call_note(msg, author=MARC, markers=["[APPEL]", "[TEL]"])


ACCOUNT = "Teams plante au lancement depuis la mise à jour, je reprends demain matin."


@pytest.mark.parametrize("sign_off", [
    "\nMarc", "\nMarc Tech", "\n\nMarc", "\nCordialement,\nMarc", "\n\nCordialement,\nMarc Tech",
    "\nmarc.tech",
])
def test_the_sign_off_is_cut_from_the_call_note(sign_off: str) -> None:
    assert note(f"#tel\n#demandeur jean.dupont@groupe-exemple.fr\n{ACCOUNT}{sign_off}\n") \
        == ACCOUNT


def test_a_last_line_that_is_more_than_a_name_stays() -> None:
    body = f"#tel\n{ACCOUNT}\nMarc rappelle demain à 9h.\n"
    assert note(body) == f"{ACCOUNT}\nMarc rappelle demain à 9h."
