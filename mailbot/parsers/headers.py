"""Header values as people meant them: encoded-words decoded, raw 8-bit bytes guessed.

The message is parsed with the compat32 policy (cheaper than policy=default, and it never
raises on a broken header); these helpers do the decoding that policy would have done, with a
fallback instead of an exception for unknown charsets and undecodable bytes.
"""

from __future__ import annotations

import re
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses

_SURROGATES = re.compile(r"[\udc80-\udcff]")
_CRLF = re.compile(r"\s*[\r\n]+\s*")
_FOLD = re.compile(r"\r?\n(?=[ \t])")  # RFC 5322 §2.2.3: unfolding removes the CRLF only
_MSG_ID = re.compile(r"<[^<>\s]{1,500}>")
# getaddresses forgives much: an unclosed quote swallows the next fields whole ("evil,
# =?utf-8?...?= <x@y>, [#1] ..."). What still holds a separator, an angle bracket, a quote or a
# line break is several things run together, not an address. (Words before a bare address,
# "Big Bug bb@bug.com", are kept as read: what may be written to is `loopguard.mailable`.)
_RUN_TOGETHER = re.compile(r"[<>,;\"\r\n]")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


class RawHeaders:
    """Header values as they were on the wire (8-bit bytes kept as surrogates).

    compat32's get() turns raw 8-bit header bytes into U+FFFD replacement characters; the raw
    values still hold the bytes, which `decode_text` reads as UTF-8 (else cp1252).
    """

    def __init__(self, message: Message) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            self._values.setdefault(name.lower(), []).append(str(value))

    def get(self, name: str) -> str | None:
        values = self._values.get(name.lower())
        return values[0] if values else None

    def get_all(self, name: str) -> list[str]:
        return self._values.get(name.lower(), [])


def decode_bytes(data: bytes, charset: str | None, defects: list[str] | None = None) -> str:
    """Text from `data` in `charset`; utf-8 then cp1252 when the charset is unknown or lies."""
    for candidate in (charset, "utf-8", "cp1252"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except LookupError:
            if defects is not None:
                defects.append(f"unknown charset {candidate!r}")
        except UnicodeDecodeError:
            if defects is not None and candidate == charset:
                defects.append(f"text not valid in its declared charset {candidate!r}")
    return data.decode("latin-1")


def _unescape(value: str) -> str:
    """compat32 keeps raw 8-bit header bytes as surrogates: give them back as text."""
    if not _SURROGATES.search(value):
        return value
    return decode_bytes(value.encode("ascii", "surrogateescape"), "utf-8")


def decode_text(value: object, defects: list[str] | None = None) -> str:
    """A header's text with encoded-words decoded and folding removed."""
    if value is None:
        return ""
    text = _unescape(str(value))
    if "=?" in text and _ENCODED_WORD.search(text):
        try:
            # Unfolded first: decode_header drops the folding white space between an
            # encoded-word and the plain text after it ("chères des" read as "chèresdes").
            parts = decode_header(_FOLD.sub("", text))
            text = "".join(
                decode_bytes(chunk, charset, defects) if isinstance(chunk, bytes) else chunk
                for chunk, charset in parts
            )
        except Exception:  # noqa: BLE001 - a malformed encoded-word is shown as written
            if defects is not None:
                defects.append("malformed encoded-word in a header")
    return _CRLF.sub(" ", text).strip()


def addresses(values: list[str], defects: list[str] | None = None) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs; names decoded; entries without "@" dropped,
    and, with a defect, the ones that are several fields run together."""
    raw = [_unescape(str(v)) for v in values if v is not None]
    try:
        pairs = getaddresses(raw)
    except Exception:  # noqa: BLE001 - an unparsable address header yields no address
        if defects is not None:
            defects.append("unparsable address header")
        return []
    result = []
    for name, address in pairs:
        address = address.strip().lower()
        if "@" in address and not _RUN_TOGETHER.search(address):
            result.append((decode_text(name), address))
        elif "@" in address and defects is not None:
            defects.append(f"not an address, ignored: {address[:80]!r}")
    return result


def message_ids(value: object) -> list[str]:
    """The "<...>" ids in an In-Reply-To/References value, in order, without repeats."""
    if value is None:
        return []
    seen: dict[str, None] = {}
    for found in _MSG_ID.findall(_unescape(str(value))):
        seen.setdefault(found, None)
    return list(seen)
