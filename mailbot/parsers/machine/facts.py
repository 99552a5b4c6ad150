"""What the machine-mail rules look at (`Facts`, decoded once) and conclude (`Verdict`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message

from mailbot.parsers.headers import decode_text
from mailbot.parsers.result import Bounce, ParseRules


@dataclass
class Verdict:
    kind: str = "person"
    reasons: list[str] = field(default_factory=list)
    bounce: Bounce | None = None
    # An automatic mail that answers some message (an out-of-office, a read receipt, RFC 3834
    # auto-replied), as opposed to one no message triggered (auto-generated: an alert).
    answering: bool = False


@dataclass
class Facts:
    """What the rules look at, decoded once."""

    message: Message
    subject: str
    sender: str
    return_path: str | None
    body: str
    rules: ParseRules
    report_type: str = ""
    recipients: tuple[str, ...] = ()  # To and Cc addresses
    _names: set[str] = field(default_factory=set, init=False, repr=False)
    # What a family of rules found once and its other rules read again (devices' parts).
    memo: dict[str, object] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        # Header names, lower-case, read once: the rules ask about some twenty of them.
        self._names = {str(name).lower() for name in self.message}

    def has(self, name: str) -> bool:
        return name.lower() in self._names

    def has_prefixed(self, prefix: str) -> str:
        """The first header name that starts with `prefix` (lower-case), or ""."""
        # the first in sorted order, without sorting every name of every mail
        return min((n for n in self._names if n.startswith(prefix)), default="")

    def any_prefixed(self, prefixes: tuple[str, ...]) -> str:
        """A header name that starts with one of `prefixes` (lower-case), or "": one pass."""
        return next((n for n in self._names if n.startswith(prefixes)), "")

    def header(self, name: str) -> str:
        if name.lower() not in self._names:
            return ""
        return decode_text(self.message.get(name, "")).lower()


Rule = Callable[[Facts], str | None]
