"""Who wrote a mail: a technician only when the receiving server vouches for it (RFC 8601)."""

from __future__ import annotations

import pytest

from mailbot import loopguard, people
from mailbot.config import Config, TeamConfig
from mailbot.parsers import ParsedMessage, parse

ALICE = "tech.alice@groupe-exemple.fr"
MX = "mx.groupe-exemple.fr"


def config(authserv: str = MX) -> Config:
    return Config(team=TeamConfig(technicians=[f"Alice <{ALICE}>"], authserv_id=authserv))


def author(*fields: str, sender: str = ALICE, authserv: str = MX) -> people.Author:
    msg = ParsedMessage(sender=sender, sender_unambiguous=True,
                        authentication_results=list(fields))
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


@pytest.mark.parametrize("from_field", [
    f"{ALICE}(<evil@x.example>",  # an unclosed comment hides a second address
    f"{ALICE}, evil@x.example",  # two addresses
    f"Alice <{ALICE}> <evil@x.example>",  # an ambiguous angle address
])
def test_an_ambiguous_from_never_makes_a_technician(from_field: str) -> None:
    raw = (f"From: {from_field}\r\nTo: support@groupe-exemple.fr\r\nSubject: Re: [#1]\r\n"
           f"Authentication-Results: {MX}; dmarc=pass\r\n\r\n#close\r\n").encode()
    msg = parse(raw)
    who = people.identify(msg, config())
    assert who.claims_technician and not who.technician and "ambiguous" in who.verdict


def test_two_from_fields_never_make_a_technician() -> None:
    raw = (f"From: {ALICE}\r\nFrom: evil@x.example\r\nSubject: x\r\n"
           f"Authentication-Results: {MX}; dmarc=pass\r\n\r\n#close\r\n").encode()
    assert not people.identify(parse(raw), config()).technician
    clean = f"From: Alice <{ALICE}>\r\nAuthentication-Results: {MX}; dmarc=pass\r\n\r\nx"
    assert people.identify(parse(clean.encode()), config()).technician


def test_a_dmarc_failure_means_a_forged_sender_who_gets_no_acknowledgement() -> None:
    forged = ParsedMessage(sender="dg@groupe-exemple.fr", authentication_results=[
        f"{MX}; spf=softfail; dmarc=fail (p=none) header.from=groupe-exemple.fr"])
    assert people.dmarc_failed(forged, config())
    assert "forged_sender" in loopguard.automatic_mail_blocked(forged, config())
    assert not people.dmarc_failed(forged, config(authserv=""))  # nobody to ask
    other = ParsedMessage(sender="dg@groupe-exemple.fr", authentication_results=[
        "mx.ailleurs.example; dmarc=fail", f"{MX}; dmarc=pass"])
    assert not people.dmarc_failed(other, config())


@pytest.mark.parametrize("ours", [
    f"{MX}; dmarc=fail (p=reject) header.from=groupe-exemple.fr",
    f"{MX}; dmarc=none header.from=groupe-exemple.fr",
    f"{MX}; none",
])
def test_s04_a_pass_forged_in_our_servers_name_below_its_own_field_is_ignored(ours: str) -> None:
    """S04: the attacker writes `Authentication-Results: <our authserv-id>; dmarc=pass` into the
    mail; our server adds its own field on top on delivery. Read from the raw bytes, only that
    topmost field counts: the forged pass below it makes no technician (and no passed DMARC)."""
    raw = (f"Authentication-Results: {ours}\r\n"
           f"Received: from relay.ailleurs.example by {MX}; Mon, 2 Mar 2026 09:00:00 +0100\r\n"
           f"Authentication-Results: {MX}; dkim=pass header.d=groupe-exemple.fr;"
           f" dmarc=pass header.from=groupe-exemple.fr\r\n"
           f"From: Alice <{ALICE}>\r\nTo: support@groupe-exemple.fr\r\nSubject: Re: [#1]\r\n"
           f"\r\n#close\r\n").encode()
    who = people.identify(parse(raw), config())
    assert who.claims_technician and not who.technician
    assert "NOT authenticated" in who.verdict and "dmarc=pass" not in who.verdict


@pytest.mark.parametrize("lines", [
    ["#Tél", "#Requester: paul.roux@groupe-exemple.fr"],
    ["# appel", "#demandeur Paul <paul.roux@groupe-exemple.fr>"],
    ["#PHONE", "#requester paul.roux@groupe-exemple.fr"],
])
def test_a_phone_log_and_its_requester_in_any_spelling(lines: list[str]) -> None:
    """Every alias of #phone and #requester, as people type them (issue 16 §1)."""
    msg = ParsedMessage(sender=ALICE, sender_unambiguous=True, commands=lines,
                        authentication_results=[f"{MX}; dmarc=pass"])
    who = people.identify(msg, config())
    assert people.is_phone_log(msg, who)
    assert people.requester_of(msg, who, config()) == "paul.roux@groupe-exemple.fr"
