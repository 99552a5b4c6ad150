"""Files carried by a message: real attachments versus images shown in the body.

Names come from the sender and are display names only: decoded (RFC 2231 by the email package,
RFC 2047 encoded-words here, since many clients put them in filename= anyway), stripped of any
directory part and of characters no file system accepts. The store writes content under its own
generated names. winmail.dat is unpacked with tnefparse; an attached message is listed itself and
its own files are listed after it.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from email.message import Message

from tnefparse import TNEF

from mailbot.parsers.headers import decode_text
from mailbot.parsers.result import Attachment

MAX_PARTS = 500  # a MIME bomb of thousands of parts is cut short (and recorded as a defect)
MAX_DEPTH = 30  # MIME nesting deeper than this is not read, text or files (recorded once)
DEPTH_DEFECT = f"MIME nesting deeper than {MAX_DEPTH}: inner parts not read"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]+")
# Bidi controls make "facture\u202efdp.exe" read as "facture" + "exe.pdf" in a mail client:
# shown as U+FFFD, so the reader sees that something was there (as the tracking page does).
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
MAX_NAME = 200  # characters of a display name; its extension is kept (the policy judges it)
_TNEF_TYPES = ("application/ms-tnef", "application/vnd.ms-tnef")
# The parts of a report (bounce, read receipt, abuse report) are the report, not files.
REPORT_PARTS = frozenset({
    "message/delivery-status", "message/global-delivery-status", "message/disposition-notification",
    "message/feedback-report", "text/rfc822-headers", "message/rfc822-headers",
})


def safe_filename(name: str) -> str:
    """A display name that can never be taken for a path ("../../etc/passwd" -> "passwd")."""
    name = decode_text(name) if "=?" in name else name
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    name = _BIDI_CONTROLS.sub("\ufffd", name)
    if len(name) <= MAX_NAME:
        return name
    # A 10,000-character "AAAA….exe" must still be judged a program: cut the stem, keep the
    # extension Windows acts on (after the trailing dots and spaces it ignores).
    core = name.rstrip(". \t")
    dot = core.rfind(".")
    keep = core[dot:] if dot > 0 and len(core) - dot <= 20 else ""
    return core[:MAX_NAME - len(keep)] + keep


def is_body_part(part: Message) -> bool:
    """A text part that is the message's own text rather than a file."""
    if part.get_content_maintype() != "text" or part.get_content_type() == "text/rfc822-headers":
        return False
    disposition = (part.get_content_disposition() or "").lower()
    return disposition != "attachment" and not part.get_filename()


def too_deep(depth: int, defects: list[str]) -> bool:
    """Whether a part at `depth` (0: the message) is past MAX_DEPTH; the defect once."""
    if depth <= MAX_DEPTH:
        return False
    if DEPTH_DEFECT not in defects:
        defects.append(DEPTH_DEFECT)
    return True


def collect_attachments(message: Message, defects: list[str]) -> list[Attachment]:
    """Every file in `message`, in order, with inline images marked."""
    found: list[Attachment] = []
    budget = [MAX_PARTS]
    _walk(message, found, defects, budget, related=False, report=False, depth=0)
    return found


def _walk(part: Message, found: list[Attachment], defects: list[str], budget: list[int],
          *, related: bool, report: bool, depth: int) -> None:
    if too_deep(depth, defects):
        return
    budget[0] -= 1
    if budget[0] < 0:
        if budget[0] == -1:
            defects.append(f"more than {MAX_PARTS} MIME parts: the rest were not read")
        return
    ctype = part.get_content_type()
    if part.is_multipart() and ctype != "message/rfc822":
        children = part.get_payload()
        is_report = ctype == "multipart/report"
        for index, child in enumerate(children if isinstance(children, list) else []):
            # In a report only the first part is for people; the rest is the report itself.
            _walk(child, found, defects, budget, related=related or ctype == "multipart/related",
                  report=is_report and index > 0, depth=depth + 1)
        return
    if report and (ctype in REPORT_PARTS or ctype == "message/rfc822"):
        return
    if ctype == "message/rfc822":
        _attached_message(part, found, defects, budget, depth)
        return
    if is_body_part(part):
        return
    content = _content(part, defects)
    if ctype.startswith("multipart/") and not content:
        return  # a container read headers-only (a bomb, an oversize message): no file in it
    filename = _filename(part)
    is_tnef = ctype in _TNEF_TYPES or filename.lower() == "winmail.dat"
    if is_tnef and _unpack_tnef(content, found, defects):
        return
    inline = _is_inline(part, related=related)
    found.append(_attachment(filename, ctype, content, inline=inline))


def _attached_message(part: Message, found: list[Attachment], defects: list[str],
                      budget: list[int], depth: int) -> None:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    try:
        content = inner.as_bytes() if isinstance(inner, Message) else b""
    except Exception as exc:  # noqa: BLE001 - a broken inner message must not lose the outer
        defects.append(f"attached message could not be re-serialised: {exc.__class__.__name__}")
        content = b""
    filename = _filename(part)
    found.append(_attachment(filename, "message/rfc822", content, inline=False))
    if isinstance(inner, Message):
        _walk(inner, found, defects, budget, related=False, report=False, depth=depth + 1)


def _filename(part: Message) -> str:
    name = part.get_filename() or _name_param(part) or ""
    if "\ufffd" in name:
        # compat32 replaced raw 8-bit bytes of the name: read them again from the raw header.
        view = Message()
        for key, value in part.raw_items():
            if key.lower() in ("content-disposition", "content-type"):
                view[key] = decode_text(value)
        name = view.get_filename() or _name_param(view) or name
    return safe_filename(name)


def _name_param(part: Message) -> str | None:
    value = part.get_param("name")
    if isinstance(value, tuple):  # RFC 2231 (charset, language, text)
        value = value[2]
    return str(value) if value else None


def _content(part: Message, defects: list[str]) -> bytes:
    try:
        content = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001 - undecodable payloads are kept as an empty file
        defects.append(f"attachment payload undecodable: {exc.__class__.__name__}")
        return b""
    if any(d.__class__.__name__.startswith("InvalidBase64") for d in part.defects):
        defects.append(f"invalid base64 in {part.get_content_type()} part")
    return content if isinstance(content, bytes) else b""


def _is_inline(part: Message, *, related: bool) -> bool:
    if part.get_content_maintype() != "image":
        return False
    has_cid = bool(part.get("Content-ID"))
    if related and has_cid:
        # Referenced by the HTML it belongs to (signature logos, pasted pictures), whatever
        # disposition the client wrote: not a file the sender attached.
        return True
    disposition = (part.get_content_disposition() or "").lower()
    return disposition != "attachment" and (related or (has_cid and not part.get_filename()))


def _unpack_tnef(content: bytes, found: list[Attachment], defects: list[str]) -> bool:
    try:
        tnef = TNEF(content)
    except Exception as exc:  # noqa: BLE001 - a broken winmail.dat is kept as it is
        defects.append(f"winmail.dat not decodable: {exc.__class__.__name__}")
        return False
    for item in tnef.attachments:
        name = item.long_filename() or item.name
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        data = item.data if isinstance(item.data, bytes) else bytes(item.data or b"")
        filename = safe_filename(str(name or ""))
        # TNEF records no MIME type: guess it from the name, as a mail client would.
        ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        found.append(_attachment(filename, ctype, data, inline=False))
    return bool(tnef.attachments)  # a TNEF with no file inside stays listed as winmail.dat


def _attachment(filename: str, content_type: str, content: bytes, *, inline: bool) -> Attachment:
    return Attachment(
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        inline=inline,
        content=content,
    )
