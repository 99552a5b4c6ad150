"""The report's CSV attachment: one row per ticket created in the month.

Column names are in English and fixed, so that a spreadsheet or a script can rely on them;
dates are ISO 8601 with their offset, outcomes are `met`, `missed`, `pending` or empty (no
target).
"""

from __future__ import annotations

import csv
import io

from mailbot.clock.sla import is_waiting
from mailbot.report.figures import Report, outcome

COLUMNS = ("number", "created", "type", "priority", "status", "first_response_due",
           "first_response_done", "first_response", "resolution_due", "resolution_done",
           "resolution", "urgent_requested", "urgent_demoted", "escalation_level")


def csv_text(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(COLUMNS)
    for t in report.created:
        writer.writerow([
            t.number, t.created_at, t.type, t.priority or "", t.status,
            t.first_response_target or "", t.first_answered_at or "",
            outcome(t.first_response_target, t.first_answered_at, report.now) or "",
            t.resolution_due or "", t.resolved_at or "",
            outcome(t.resolution_due, t.resolved_at, report.now,
                    paused=is_waiting(t.waiting_periods)) or "",
            "yes" if t.urgent_requested else "no",
            "yes" if t.urgent_demoted else "no", t.escalation_level])
    return out.getvalue()
