"""Technician commands are the lines at the very top of the author's own text, after at most one
greeting line, written the way people type them (PRODUCT.md §10, issue 16 §1)."""

from __future__ import annotations

import pytest

from mailbot.parsers.commands import (
    command_argument,
    command_block,
    find_commands,
    has_command,
    split_command,
)


def test_commands_at_the_top_are_found_in_order_as_written() -> None:
    text = "\n#Phone\n#requester martine@ex.fr\n\n#close\n\nAppel de Martine.\n"
    assert find_commands(text) == ["#Phone", "#requester martine@ex.fr", "#close"]


def test_one_greeting_line_may_stand_above_the_commands() -> None:
    for greeting in ("Bonjour,", "Bonjour Claire,", "Hello,", "Salut,", "Hi Paul,",
                     "Chère Anne,", "Bonjour à tous,", "Re-bonjour Claire,", "Rebonjour",
                     "Good morning Paul,", "Madame, Monsieur,"):
        assert find_commands(f"{greeting}\n\n#close Câble DisplayPort remplacé\n") == [
            "#close Câble DisplayPort remplacé"], greeting
    # One greeting, not two, and not any first line of prose.
    assert find_commands("Bonjour,\nSalut,\n#close\n") == []
    assert find_commands("C'est réglé.\n#close\n") == []


@pytest.mark.parametrize("line, word, argument", [
    ("#Close: doublon du ticket 2, Sage est rétabli", "Close",
     "doublon du ticket 2, Sage est rétabli"),
    ("#CLOSE - Câble remplacé", "CLOSE", "Câble remplacé"),
    ("# close", "close", ""),
    ("#\u00a0close fini", "close", "fini"),
    ("\u00a0#priority:P2", "priority", "P2"),
    ("#déclasser pas urgent", "déclasser", "pas urgent"),
    ("#TeamSupport", "TeamSupport", ""),
])
def test_the_forms_people_type_are_one_command(line: str, word: str, argument: str) -> None:
    assert split_command(line) == (word, argument)
    assert find_commands(line) == [line.strip()]


def test_a_prefix_word_line_below_the_text_is_stray_never_a_command() -> None:
    block = command_block("Bonjour,\n\nC'est fait.\n\n#close\nAlice\n#TeamSupport\n")
    assert block.commands == [] and block.stray == ["#close", "#TeamSupport"]
    assert command_block("#close\n\nAppel de Martine.\n#note pas ici\n").stray == [
        "#note pas ici"]


def test_quotes_numbers_and_hash_alone_are_prose() -> None:
    assert find_commands("#42 est réglé\n") == []
    assert command_block("Voir #42 et le canal #support.\n#\n").stray == []
    # The parser is given the text with quotes already cut; a quote line is no command either.
    assert command_block("Merci\n> #close clore le ticket\n").commands == []


def test_arguments_and_presence_ignore_case() -> None:
    commands = ["#PRIORITY P2", "#Requester: a@b.fr"]
    assert command_argument(commands, "requester") == "a@b.fr"
    assert has_command(commands, "priority") and not has_command(commands, "close")


def test_another_prefix_is_honoured() -> None:
    assert find_commands("!close\nfini", prefix="!") == ["!close"]
