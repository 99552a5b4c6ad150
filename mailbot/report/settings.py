"""The `[report]` section of rules.toml (the monthly report, issue 21), and its checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mailbot.clock.settings import parse_clock_time

_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+$")


@dataclass
class ReportConfig:
    enabled: bool = True  # the monthly mail; `mailbot report` works either way
    # Who gets it (contract); empty: the team address.
    recipients: list[str] = field(default_factory=list)
    # The local time it goes, on the first working day of the next month (contract).
    at: str = "09:00"


def problems(report: ReportConfig) -> list[str]:
    out = []
    if parse_clock_time(report.at) is None:
        out.append(f'report.at: "{report.at}" is not a time like "09:00"')
    out += [f'report.recipients: "{r}" is not an address' for r in report.recipients
            if not _ADDRESS.match(r.strip())]
    return out
