"""Which attached files the helpdesk keeps: a pure rule, set in rules.toml's [attachments].

A helpdesk mailbox is where an attacker sends "facture.pdf.exe" to whoever will open it: the
technicians, through the ticket. A refused file is not stored; the sender is told which one
and why, and the team sees it in its notice. Judged on what a Windows desktop would do with
the file: its last extension (after the trailing dots and spaces Windows ignores), and for
executables renamed to something harmless, the PE header itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mailbot.parsers.attached import Attachment

# Programs and scripts Windows runs on a double click (Microsoft's "unsafe file types" list,
# trimmed to what a helpdesk never needs).
DEFAULT_REFUSED = (".exe", ".bat", ".cmd", ".com", ".js", ".jse", ".vbs", ".vbe", ".scr",
                   ".ps1", ".msi", ".pif", ".cpl", ".hta", ".wsf", ".wsh", ".lnk", ".reg",
                   ".jar", ".msc", ".msp", ".application", ".gadget")
# Office documents that carry macros (the "m" formats); refused only if the operator chooses.
MACRO_OFFICE = (".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".xlsb", ".pptm", ".potm",
                ".ppam", ".ppsm", ".sldm")

Reason = Literal["type", "macro", "program", "size"]


@dataclass(frozen=True)
class AttachmentPolicy:
    refused_extensions: tuple[str, ...] = DEFAULT_REFUSED
    refuse_macro_office: bool = True
    max_bytes: int = 25 * 1024 * 1024


@dataclass(frozen=True)
class RefusedAttachment:
    filename: str
    size: int
    reason: Reason  # type: refused extension; macro: macro-enabled Office; program: PE
    detail: str  # the extension, or the size limit in MB, for the sender and the team

    def to_json(self) -> dict[str, Any]:
        return {"filename": self.filename, "size": self.size, "reason": self.reason,
                "detail": self.detail}


def extension(filename: str) -> str:
    """The extension Windows would act on: "Facture.PDF.exe. " -> ".exe"."""
    name = filename.rstrip(". \t").lower()
    dot = name.rfind(".")
    return name[dot:] if dot > 0 or (dot == 0 and len(name) > 1) else ""


def _is_windows_program(content: bytes) -> bool:
    # An MZ header whose e_lfanew points at "PE\0\0": a Windows executable, whatever its name.
    if len(content) < 0x40 or content[:2] != b"MZ":
        return False
    offset = int.from_bytes(content[0x3C:0x40], "little")
    return content[offset:offset + 4] == b"PE\0\0"


def verdict(attachment: Attachment, policy: AttachmentPolicy) -> RefusedAttachment | None:
    """Why this file is refused, or None when it is kept."""
    ext = extension(attachment.filename)
    refused = {e.lower() for e in policy.refused_extensions}
    reason: Reason | None = None
    detail = ext
    if ext in refused:
        reason = "type"
    elif policy.refuse_macro_office and ext in MACRO_OFFICE:
        reason = "macro"
    elif _is_windows_program(attachment.content):
        reason, detail = "program", ext or "?"
    elif attachment.size > policy.max_bytes:
        reason, detail = "size", f"{policy.max_bytes / 1024 / 1024:.3g}"
    if reason is None:
        return None
    return RefusedAttachment(attachment.filename, attachment.size, reason, detail)


def screen(attachments: list[Attachment],
           policy: AttachmentPolicy) -> tuple[list[Attachment], list[RefusedAttachment]]:
    """(the files kept, the files refused with their reason), in the message's order."""
    kept: list[Attachment] = []
    refused: list[RefusedAttachment] = []
    for attachment in attachments:
        judged = verdict(attachment, policy)
        if judged is None:
            kept.append(attachment)
        else:
            refused.append(judged)
    return kept, refused
