"""A cap on what one address can start (issue 7, point 7).

An auto-responder that carries no machine header and answers each acknowledgement with a fresh
subject would otherwise open a ticket an hour, each acknowledged, until someone notices. Past
`[flood] max_new_tickets` new tickets from one address within `[flood] window_minutes`, the
requester gets no acknowledgement and the team one warning, not one notice per ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.rules.base import Outcome
from mailbot.rules.settings import FloodConfig


@dataclass(frozen=True)
class CapVerdict:
    acknowledge: bool
    team_notice: bool  # the usual new-ticket notice
    warn_team: bool  # the single warning, sent when the cap is first passed
    outcome: Outcome


def new_ticket_cap(previous: int, settings: FloodConfig) -> CapVerdict:
    """`previous`: new tickets this address opened within the window before this one."""
    limit, window = settings.max_new_tickets, settings.window_minutes
    rule = "flood/new_ticket_cap"
    if previous < limit:
        return CapVerdict(True, True, False,
                          Outcome(rule, False, f"{previous + 1} of {limit} in {window} min"))
    first = previous == limit
    return CapVerdict(False, False, first, Outcome(
        rule, True, f"{previous + 1} new tickets in {window} min, more than {limit}"
        + ("; the team is warned once" if first else "; already warned")))
