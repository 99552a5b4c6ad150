"""Technician commands: the lines at the very top of a reply, such as "#close" or "#priority P2".

Only the top counts: a command quoted further down (the help block of a team notice, an older
reply) was already executed or was never meant, so the scan stops at the first line that is not
a command. Lines are returned as written; whether the sender may use them is decided later.
"""

from __future__ import annotations

import re
from functools import lru_cache

_MAX_COMMANDS = 20  # a technician writes a handful; a longer run is pasted text, not orders


@lru_cache(maxsize=8)
def _command_line(prefix: str) -> re.Pattern[str]:
    # The command word starts with a letter, so "#42 is fixed" is prose, not a command.
    return re.compile(r"^\s*" + re.escape(prefix) + r"[A-Za-z][\w-]*(?:\s.*)?$")


def find_commands(text: str, prefix: str = "#") -> list[str]:
    """The command lines at the top of `text`, stripped, in order; blank lines are skipped."""
    pattern = _command_line(prefix)
    commands: list[str] = []
    for line in text.lstrip("\ufeff").splitlines():
        if not line.strip():
            continue
        if not pattern.match(line):
            break
        commands.append(line.strip())
        if len(commands) >= _MAX_COMMANDS:
            break
    return commands


def command_argument(commands: list[str], name: str, prefix: str = "#") -> str | None:
    """The argument of the first `name` command ("#requester a@b.fr" -> "a@b.fr")."""
    for line in commands:
        word, _, rest = line[len(prefix):].partition(" ")
        if word.lower() == name.lower():
            return rest.strip() or None
    return None


def has_command(commands: list[str], name: str, prefix: str = "#") -> bool:
    return any(line[len(prefix):].split(" ", 1)[0].lower() == name.lower() for line in commands)
