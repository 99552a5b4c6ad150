"""The ticket tag carried in subjects, e.g. ``[#42]``: encode and decode side by side.

Clients keep the subject when replying, so the tag is the fallback that brings a reply back to
its ticket when In-Reply-To/References are lost. The decoder accepts what clients do to it: a
space after the bracket, a changed case of the prefix, surrounding reply prefixes.
"""

from __future__ import annotations

import re
from functools import lru_cache


def format_tag(number: int, prefix: str = "#") -> str:
    return f"[{prefix}{number}]"


@lru_cache(maxsize=16)
def _tag_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(r"\[\s*" + re.escape(prefix) + r"\s*(\d{1,9})\s*\]", re.IGNORECASE)


def find_tag(subject: str, prefix: str = "#") -> int | None:
    """The ticket number of the first tag in `subject`, or None."""
    match = _tag_pattern(prefix).search(subject or "")
    return int(match.group(1)) if match else None


def strip_tags(subject: str, prefix: str = "#") -> str:
    return _tag_pattern(prefix).sub(" ", subject or "")
