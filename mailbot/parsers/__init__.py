"""What the bot understands of a message: pure functions of the raw bytes and the rules.

The rest of the daemon depends on this API only (issue 3).
"""

from mailbot.parsers.errors import ErrorText
from mailbot.parsers.message import parse
from mailbot.parsers.programs import DEFAULT_PROGRAMS, Program
from mailbot.parsers.result import (
    Attachment,
    Bounce,
    Forwarded,
    ParsedMessage,
    ParseRules,
)

__all__ = [
    "DEFAULT_PROGRAMS",
    "Attachment",
    "Bounce",
    "ErrorText",
    "Forwarded",
    "ParseRules",
    "ParsedMessage",
    "Program",
    "parse",
]
