"""The URGENT policy (seed 004 point 4; PRODUCT.md §4).

URGENT in the subject asks for `[priorities] urgent` (P2, seed 000's second level) and never
lowers a higher priority. It is demoted when the classification says the matter cannot be
urgent (seed 002's P4 requests, for which "une date doit être définie avec le client", and its
P4 incidents: one user, a workaround, no hurry), when
the sender has asked for it more than `[urgent] max` times in `[urgent] window_days` ("les abus
seront déclassés et notifiés"), or when a technician says so (#demote). A demoted ticket keeps
the priority the classification gave.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mailbot.rules.base import Outcome, higher
from mailbot.rules.classification import Classification
from mailbot.rules.settings import UrgentConfig

# Demotion reasons: codes kept on the ticket (`demotion_reason`), sentences for the mails.
CANNOT_BE_URGENT = "cannot_be_urgent"
MINOR_INCIDENT = "minor_incident"
NOT_BLOCKING = "not_blocking"
WORKED_AROUND = "worked_around"
TOO_OFTEN = "too_often"
TECHNICIAN = "technician"


@dataclass(frozen=True)
class UrgentVerdict:
    priority: str | None
    requested: bool
    demoted: bool = False
    reason: str | None = None
    trace: list[Outcome] = field(default_factory=list)


@dataclass(frozen=True)
class CannotBeUrgent:
    name = "cannot_be_urgent"
    description = "procédure 002: a P4 request gets a date agreed with the requester, never urgency"

    def check(self, classification: Classification) -> Outcome:
        hit = classification.type == "request" and classification.priority == "P4"
        detail = (f"classified as a P4 request ({classification.rule})" if hit
                  else f"classified {classification.type} {classification.priority}")
        return Outcome(f"urgent/{self.name}", hit, detail)


@dataclass(frozen=True)
class MinorIncident:
    name = "minor_incident"
    description = ("procédure 002 P4: an incident of one user, that can be worked around or wait, "
                   "is not urgent")

    def check(self, classification: Classification) -> Outcome:
        hit = classification.type == "incident" and classification.priority == "P4"
        detail = (f"classified as a P4 incident ({classification.rule})" if hit
                  else f"classified {classification.type} {classification.priority}")
        return Outcome(f"urgent/{self.name}", hit, detail)


@dataclass(frozen=True)
class WorkedAround:
    name = "worked_around"
    description = ("procédure 004: URGENT only when blocked; an incident the requester works "
                   "around meanwhile, or says can wait, does not block them")

    def check(self, classification: Classification) -> Outcome:
        hit = classification.type == "incident" and bool(classification.worked_around)
        detail = (f"not blocked ({classification.worked_around})" if hit
                  else "no workaround stated")
        return Outcome(f"urgent/{self.name}", hit, detail)


@dataclass(frozen=True)
class NotBlocking:
    name = "not_blocking"
    description = ("procédure 004: URGENT only when the problem blocks a client or stops the "
                   "requester working; a P3 request that says neither is not urgent")

    def check(self, classification: Classification, blocking: str | None) -> Outcome:
        hit = (classification.type == "request" and classification.priority in ("P3", "P4")
               and blocking is None)
        detail = ("a request that says nothing blocks" if hit else
                  f"blocking: {blocking!r}" if blocking else
                  f"classified {classification.type} {classification.priority}")
        return Outcome(f"urgent/{self.name}", hit, detail)


@dataclass(frozen=True)
class TooOften:
    name = "too_often"
    description = "procédure 004: URGENT more than `max` times in `window_days` is an abuse"

    def check(self, previous: int, settings: UrgentConfig) -> Outcome:
        hit = previous >= settings.max
        detail = (f"{previous + 1} URGENT in {settings.window_days} days, more than "
                  f"{settings.max}")
        return Outcome(f"urgent/{self.name}", hit, detail)


def urgent_policy(*, requested: bool, classification: Classification, previous: int,
                  settings: UrgentConfig, urgent_priority: str = "P2",
                  blocking: str | None = "") -> UrgentVerdict:
    """`previous`: the URGENT subjects this sender sent within the window before this one;
    `blocking`: the words saying the problem blocks (None: the mail says nothing of the kind;
    the default "" does not check)."""
    classified = classification.priority
    if not requested:
        return UrgentVerdict(classified, False)
    trace = []
    for outcome in (CannotBeUrgent().check(classification),
                    MinorIncident().check(classification),
                    WorkedAround().check(classification),
                    NotBlocking().check(classification, blocking),
                    TooOften().check(previous, settings)):
        trace.append(outcome)
        if outcome.hit:
            reason = outcome.rule.removeprefix("urgent/")
            return UrgentVerdict(classified, True, True, reason, trace)
    priority = higher(classified, urgent_priority)
    trace.append(Outcome("urgent/granted", True, f"URGENT asks for {urgent_priority}, "
                         f"classified {classified}: {priority}"))
    return UrgentVerdict(priority, True, False, None, trace)


def demoted_by_technician(classified: str | None) -> UrgentVerdict:
    """#demote: back to what the classification gave."""
    return UrgentVerdict(classified, True, True, TECHNICIAN,
                         [Outcome("urgent/technician", True, "demoted by a technician")])


# --- the per-sender count, kept in the store ------------------------------------------------
# Only the URGENT dates inside the window are kept, and at most max + 1 of them: enough to know
# whether the next one is over the limit, at a cost that does not grow with history.

def previous_in_window(dates: list[str], now: datetime, settings: UrgentConfig) -> int:
    start = now - timedelta(days=settings.window_days)
    return sum(1 for d in dates if datetime.fromisoformat(d) > start)


def record(dates: list[str], now: datetime, settings: UrgentConfig) -> list[str]:
    start = now - timedelta(days=settings.window_days)
    kept = [d for d in dates if datetime.fromisoformat(d) > start] + [now.isoformat()]
    return kept[-(settings.max + 1):]
