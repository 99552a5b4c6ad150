"""What a run reports: messages handled and set aside, mails sent, deferred, failed and held
for quiet hours."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Summary:
    handled: int = 0
    quarantined: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    held: int = 0  # staff notices waiting out quiet hours when the run ended
    actions: dict[str, int] = field(default_factory=dict)
