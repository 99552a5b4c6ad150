"""format=flowed (RFC 3676) decoding: soft breaks joined, hard ones kept."""

from __future__ import annotations

from mailbot.parsers import ParseRules, parse
from mailbot.parsers.flowed import unflow


def test_soft_breaks_join_and_hard_breaks_stay() -> None:
    assert unflow("Une ligne \ncoupée ici.\nUne autre.") == "Une ligne coupée ici.\nUne autre."


def test_delsp_removes_the_space_the_wrap_added() -> None:
    assert unflow("Supercalifragi \nlistique", delsp=True) == "Supercalifragilistique"
    assert unflow("Supercalifragi \nlistique") == "Supercalifragi listique"


def test_a_quote_depth_change_ends_the_paragraph_and_stuffing_is_removed() -> None:
    text = "> cité \n> suite\n>> plus \nloin\n  deux espaces\n From ici"
    assert unflow(text) == "> cité suite\n>> plus \nloin\n deux espaces\nFrom ici"


def test_the_signature_separator_is_never_soft() -> None:
    assert unflow("Merci\n-- \nClaire \nMartin") == "Merci\n-- \nClaire Martin"


def test_the_parser_decodes_a_flowed_body() -> None:
    raw = (b"From: a@groupe-exemple.fr\r\nTo: support@groupe-exemple.fr\r\nSubject: x\r\n"
           b"Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
           b"Mon imprimante ne \r\nmarche plus.\r\n")
    assert parse(raw, ParseRules()).text.strip() == "Mon imprimante ne marche plus."
