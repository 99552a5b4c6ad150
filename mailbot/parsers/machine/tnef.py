"""Outlook's own reports sent as TNEF (MS-OXTNEF): a read receipt, a non-read notice or a rule's
reply that reaches us as `application/ms-tnef` (winmail.dat) instead of an RFC 8098 MDN.

The TNEF stream names the MAPI message class (attMessageClass, MS-OXTNEF 2.1.3.3.1;
PidTagMessageClass in its MAPI properties): REPORT.IPM.Note.IPNRN (read), .IPNNRN (not read),
.DR/.NDR (delivery reports), IPM.Note.Rules.OofTemplate / ReplyTemplate / ReportTemplate (rules'
automatic answers). A person's mail sent as TNEF is IPM.Note: never a report.
"""

from __future__ import annotations

import logging

from tnefparse import TNEF  # MS-OXTNEF decoder (pyproject: why it is a dependency)
from tnefparse.properties import MAPI_MESSAGE_CLASS

from mailbot.parsers.machine.facts import Facts

logging.getLogger("tnefparse").setLevel(logging.CRITICAL)
_MAX_TNEF = 2_000_000  # a report is a few kB; larger streams carry attachments, not reports
_MAX_PARTS = 40
_AUTOMATIC = ("report.", "ipm.note.rules.")


def tnef_message_class(f: Facts) -> str:
    """The message class of the first TNEF part, lower-case, or ""."""
    for n, part in enumerate(f.message.walk()):
        if n > _MAX_PARTS:
            break
        if part.get_content_type() not in ("application/ms-tnef", "application/vnd.ms-tnef"):
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or len(data) > _MAX_TNEF:
            return ""
        try:
            stream = TNEF(data, do_checksum=False)
        except Exception:  # noqa: BLE001 - a broken winmail.dat is an attachment, not a report
            return ""
        for obj in stream.msgprops:
            if obj.name == TNEF.ATTMESSAGECLASS and isinstance(obj.data, str):
                return obj.data.strip().lower()
        for prop in stream.mapiprops:
            if prop.name == MAPI_MESSAGE_CLASS:
                value = prop.data.decode("utf-16-le", "replace") if isinstance(
                    prop.data, bytes) else str(prop.data)
                return value.strip("\x00 ").lower()
        return ""
    return ""


def tnef_report(f: Facts) -> str | None:
    if "ms-tnef" not in str(f.message.get("Content-Type", "")).lower() and not (
            f.message.is_multipart()):
        return None
    found = tnef_message_class(f)
    if found.startswith(_AUTOMATIC):
        return f"TNEF message class {found}"
    return None
