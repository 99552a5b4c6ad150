"""Subjects as employees and their clients write them: prefixes, tag, URGENT, program."""

from __future__ import annotations

import pytest

from mailbot.parsers.programs import DEFAULT_PROGRAMS, Program
from mailbot.parsers.subject import analyse_subject, find_program, has_urgent, peel_prefixes


def _info(subject: str):
    return analyse_subject(subject, tag_prefix="#", programs=DEFAULT_PROGRAMS)


@pytest.mark.parametrize("subject", [
    "URGENT imprimante", "[URGENT] réseau", "Urgent : logo", "TRES URGENT !!! serveur",
    "PC bloqué, urgent svp", "très urgent - paie", "Fwd: URGENT : facture",
])
def test_urgent_as_a_word_is_a_request(subject: str) -> None:
    assert _info(subject).urgent


@pytest.mark.parametrize("subject", [
    "Pas urgent - scanner lent", "non urgent : écran", "non-urgent question", "not urgent",
    "pas très urgent", "les urgentistes", "urgence toner", "RE: URGENT - imprimante",
    "RE : [#12] URGENT réseau",
])
def test_negated_inherited_or_longer_words_are_not_a_request(subject: str) -> None:
    assert not _info(subject).urgent


def test_a_sender_may_add_urgent_before_the_reply_prefix() -> None:
    assert _info("URGENT RE: [#4] toujours en panne").urgent


@pytest.mark.parametrize("subject", [
    "RE: x", "Re : x", "RE :RE: x", "TR: x", "Fwd: x", "FW: x", "AW: x", "WG: x", "SV: x",
    "VS: x", "RV: x", "R: x", "Antw: x", "Réf : x", "RE[2]: x", "Re: AW: TR : Fwd: x",
])
def test_european_reply_and_forward_prefixes_are_peeled(subject: str) -> None:
    assert peel_prefixes(subject)[0] == "x"
    assert _info(subject).cleaned == "x"


def test_cleaned_subject_loses_tag_prefixes_and_marker() -> None:
    info = _info("RE: [#27] [URGENT] Sage 100 : société inaccessible")
    assert info.cleaned == "Sage 100 : société inaccessible"
    assert info.ticket_ref == 27 and info.is_reply and not info.is_forward


def test_forward_prefix_anywhere_in_the_chain_marks_a_forward() -> None:
    assert _info("RE: Tr: Fwd: test").is_forward


@pytest.mark.parametrize(("subject", "program"), [
    ("Sage bloqué", "Sage 100 Comptabilité"),
    ("URGENT - Sage 100 Comptabilité : société", "Sage 100 Comptabilité"),
    ("GX-ERP : compte bloqué", "GX-ERP"),
    ("logo sur le papier à en-tête Word", "Word"),
    ("Qlik Sense : plantage au démarrage", "Qlik Sense"),  # fallback: a name leading it
    ("mot de passe oublié", None),  # "Word" is not inside "password"-like words
    ("Info : coupure électrique", None),
    ("Pas urgent - le scanner est lent", None),
    ("Imprimante RICOH 2e étage hors service", None),
    ("Urgence : messagerie coupée", None),  # words of the request are not program names
    ("Panne - écran noir", None),
])
def test_program_from_catalogue_or_leading_name(subject: str, program: str | None) -> None:
    assert _info(subject).program == program


def test_catalogue_aliases_map_to_the_program_name() -> None:
    programs = (Program("Comptabilité Sage", ("Sage",)),)
    assert find_program("souci Sage ce matin", programs) == "Comptabilité Sage"


def test_has_urgent_ignores_urgent_inside_words() -> None:
    assert not has_urgent("insurgent") and has_urgent("urgent!")


@pytest.mark.parametrize(("folded", "meant"), [
    # Python's own generator folds like this: the space before "des" is the folding space.
    ("Achetez des montres pas =?utf-8?q?ch=C3=A8res?=\r\n des montres pas ch=C3=A8res",
     "Achetez des montres pas chères des montres pas ch=C3=A8res"),
    ("=?utf-8?q?Caf=C3=A9?=\n\tencore en panne", "Café encore en panne"),
    # Between two encoded-words, white space (folded or not) is not text (RFC 2047 §6.2).
    ("=?utf-8?q?Imprim?=\r\n =?utf-8?q?ante_HS?=", "Imprimante HS"),
])
def test_a_folded_subject_keeps_the_space_the_folding_carried(folded: str, meant: str) -> None:
    from email import message_from_bytes
    from email.policy import compat32

    from mailbot.parsers import parse

    raw = (f"From: a@groupe-exemple.fr\r\nSubject: {folded}\r\n\r\nx\r\n").encode()
    assert message_from_bytes(raw, policy=compat32)["Subject"] is not None
    assert parse(raw).subject == meant
