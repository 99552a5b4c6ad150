"""One attached file as the parsers keep it: a plain value, JSON-ready, no behaviour.

Its own module so that both the message's result (`result.py`) and the attachment policy
(`attachment_policy.py`, which judges files) can name it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Attachment:
    filename: str  # decoded and sanitised: a display name, never a path
    content_type: str
    size: int
    sha256: str
    inline: bool = False  # an image shown in the body (signature logo, pasted picture)
    content: bytes = field(default=b"", repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "inline": self.inline,
        }
