"""Technician commands: the lines at the very top of a reply, such as "#close" or "#priority P2".

The grammar (PRODUCT.md §10), in one place: a command line is a line of the author's own text
(quotes and signature already cut), at its top, after at most one greeting line ("Bonjour,",
"Hi Paul,"), that begins with the prefix and a word, in any case, optionally followed by ":".
People type it in more ways than one, and each is read as the same command:

    #close Câble remplacé      #Close: Câble remplacé      # close      #\u00a0close (NBSP)
    #CLOSE - Câble remplacé    <div>#close …</div> (HTML turned into text first)

The scan of the top stops at the first line that is no command. A line further down that still
begins with the prefix and a word (a command written after the text, a signature such as
"#TeamSupport") is *stray*: it is never a command, and since no such line may ever reach a
requester, the core refuses the whole mail with a transcript rather than relay it. "#42" (no
word) is prose. Lines are returned as written; whether the sender may use them, and whether the
word is a command at all, is decided by `mailbot.commands`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

_MAX_COMMANDS = 20  # a technician writes a handful; a longer run is pasted text, not orders
# Optional spaces (a non-breaking one too: \s matches it), the word (starting with a letter, so
# "#42 is fixed" is prose), then what follows: nothing, a space, a colon or punctuation.
_WORD = r"[ \t\u00a0]*(?P<word>[^\W\d_][\w-]*)(?P<rest>(?:[\s:.,;!–-].*)?)$"
# The greeting a hurried technician writes above the commands: one short line.
_GREETING = re.compile(r"^(?:re-? ?bonjour|bonjour|bonsoir|bjr|salut|hello|hi|hey|coucou|dear|"
                       r"cher|chere|chers|cheres|madame|monsieur|"
                       r"good (?:morning|afternoon|evening))\b[^#]{0,40}$")


@dataclass
class CommandBlock:
    commands: list[str] = field(default_factory=list)  # the command lines at the top
    stray: list[str] = field(default_factory=list)  # prefix+word lines anywhere else


@lru_cache(maxsize=8)
def _command_line(prefix: str) -> re.Pattern[str]:
    return re.compile(r"^\s*" + re.escape(prefix) + _WORD, re.DOTALL)


def split_command(line: str, prefix: str = "#") -> tuple[str, str] | None:
    """("close", "Câble remplacé") for "#Close: Câble remplacé"; None when the line is no
    prefix+word line. The word keeps its case; the argument loses a leading ":" or dash."""
    match = _command_line(prefix).match(line.strip())
    if match is None:
        return None
    return match.group("word"), re.sub(r"^[\s:.,;!–-]+", "", match.group("rest")).strip()


def is_greeting(line: str) -> bool:
    decomposed = unicodedata.normalize("NFKD", line.strip().lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return len(plain) <= 50 and bool(_GREETING.match(plain))


def command_block(text: str, prefix: str = "#") -> CommandBlock:
    """The command lines at the top of `text` and the stray prefix+word lines below them."""
    block = CommandBlock()
    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    start = 1 if lines and is_greeting(lines[0]) and split_command(lines[0], prefix) is None \
        else 0
    i = start
    while i < len(lines) and len(block.commands) < _MAX_COMMANDS \
            and split_command(lines[i], prefix) is not None:
        block.commands.append(lines[i].strip())
        i += 1
    block.stray = [line.strip() for line in lines[i:] if split_command(line, prefix)]
    return block


def find_commands(text: str, prefix: str = "#") -> list[str]:
    """The command lines at the top of `text`, stripped, in order; blank lines are skipped."""
    return command_block(text, prefix).commands


def command_argument(commands: list[str], name: str, prefix: str = "#") -> str | None:
    """The argument of the first `name` command ("#requester a@b.fr" -> "a@b.fr")."""
    for line in commands:
        parts = split_command(line, prefix)
        if parts and parts[0].lower() == name.lower():
            return parts[1] or None
    return None


def has_command(commands: list[str], name: str, prefix: str = "#") -> bool:
    return any((parts := split_command(line, prefix)) and parts[0].lower() == name.lower()
               for line in commands)
