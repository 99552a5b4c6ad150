"""Technician commands are the lines at the very top of the new text."""

from __future__ import annotations

from mailbot.parsers.commands import command_argument, find_commands, has_command


def test_commands_at_the_top_are_found_in_order_as_written() -> None:
    text = "\n#Phone\n#requester martine@ex.fr\n\n#close\n\nAppel de Martine.\n#note pas ici\n"
    assert find_commands(text) == ["#Phone", "#requester martine@ex.fr", "#close"]


def test_a_command_below_prose_or_in_quoted_help_is_not_a_command() -> None:
    assert find_commands("Bonjour,\n#close\n") == []
    assert find_commands("Merci\n> #close clore le ticket\n") == []


def test_numbers_are_prose_not_commands() -> None:
    assert find_commands("#42 est réglé\n") == []


def test_arguments_and_presence_ignore_case() -> None:
    commands = ["#PRIORITY P2", "#Requester a@b.fr"]
    assert command_argument(commands, "requester") == "a@b.fr"
    assert has_command(commands, "priority") and not has_command(commands, "close")


def test_another_prefix_is_honoured() -> None:
    assert find_commands("!close\nfini", prefix="!") == ["!close"]
