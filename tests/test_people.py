"""Who wrote a mail: a technician only when the receiving server vouches for it (RFC 8601)."""

from __future__ import annotations

import pytest

from mailbot import people
from mailbot.config import Config, TeamConfig
from mailbot.parsers import ParsedMessage

ALICE = "tech.alice@groupe-exemple.fr"
MX = "mx.groupe-exemple.fr"


def config(authserv: str = MX) -> Config:
    return Config(team=TeamConfig(technicians=[f"Alice <{ALICE}>"], authserv_id=authserv))


def author(*fields: str, sender: str = ALICE, authserv: str = MX) -> people.Author:
    msg = ParsedMessage(sender=sender, authentication_results=list(fields))
    return people.identify(msg, config(authserv))


@pytest.mark.parametrize("field", [
    f"{MX}; dmarc=pass (p=reject dis=none) header.from=groupe-exemple.fr",
    f"{MX.upper()}; spf=fail smtp.mailfrom=x; dkim=pass header.d=groupe-exemple.fr header.s=k1",
    f"{MX} 1; dkim=pass (2048-bit key) header.d=Groupe-Exemple.fr; dmarc=none",
    f"{MX};\r\n\tdkim=pass\r\n\theader.d=groupe-exemple.fr",
])
def test_a_pass_verdict_of_our_server_authenticates(field: str) -> None:
    assert author(field).technician


@pytest.mark.parametrize("fields", [
    (),  # no verdict at all
    ("mx.ailleurs.example; dmarc=pass header.from=groupe-exemple.fr",),  # someone else's
    (f"{MX}; dmarc=fail header.from=groupe-exemple.fr",),
    (f"{MX}; dkim=pass header.d=ailleurs.example",),  # signed, but not by the From domain
    (f"{MX}; dkim=pass header.d=sub.groupe-exemple.fr",),  # strict alignment
    (f"{MX}; spf=pass smtp.mailfrom=groupe-exemple.fr",),  # SPF alone proves no From
    (f"{MX}; none",),
    ("garbage ;;; ==",),
    # Only the topmost field of our server counts: one below it came with the message.
    (f"{MX}; dmarc=fail header.from=groupe-exemple.fr", f"{MX}; dmarc=pass"),
])
def test_anything_else_does_not(fields: tuple[str, ...]) -> None:
    who = author(*fields)
    assert who.claims_technician and not who.technician
    assert "NOT authenticated" in who.verdict


def test_another_servers_field_above_ours_is_skipped_not_trusted() -> None:
    assert author("mx.ailleurs.example; dmarc=fail", f"{MX}; dmarc=pass").technician


def test_without_authserv_id_from_is_trusted_and_said_so() -> None:
    who = author(authserv="")
    assert who.technician and "From trusted" in who.verdict
    assert any("authserv_id" in w for w in config("").warnings())
    assert not config().warnings()


def test_a_stranger_is_no_technician_whatever_the_verdict() -> None:
    who = author(f"{MX}; dmarc=pass", sender="claire@groupe-exemple.fr")
    assert not who.claims_technician and not who.technician
