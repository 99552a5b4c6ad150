"""The helpdesk's records: tickets, the messages in their history, and outgoing mail.

These are plain values. They are stored as JSON documents (TinyDB) by `mailbot.store` and
rendered by `mailbot.web` and the templates; nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import cache
from typing import Any, Literal

Status = Literal["new", "open", "waiting", "closed"]  # contract (PRODUCT.md §3)
Priority = Literal["P1", "P2", "P3", "P4"]  # contract
EntryKind = Literal[
    "request",  # the requester's own mail (first one and follow-ups)
    "reply",  # a technician's answer relayed to the requester
    "phone_call",  # a call a technician logged (#phone): their account, shown as the support's
    "internal_note",  # never shown to the requester nor on the tracking page
    "automatic",  # the bot's own mail (acknowledgement, notices); in: a machine's (out-of-office)
    "escalation",
    "delivery_failure",  # a bounce of the bot's own mail
]


# The `note` of a technician's mail that reopened a closed ticket (`#reopen`): the tracking page
# shows the reopening, without the text of an internal note (day 10 defect 14).
REOPENED = "reopened by a technician"


@dataclass
class StoredAttachment:
    filename: str  # as the sender named it (decoded), for display only
    content_type: str
    size: int
    sha256: str
    inline: bool = False
    stored_as: str = ""  # path relative to the state directory (a generated, safe name)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredAttachment:
        return _from_dict(cls, data)

    @staticmethod
    def path_for(sha256: str) -> str:
        """Where the content lives, relative to the state directory: a generated name, never
        the sender's file name."""
        return f"files/{sha256[:2]}/{sha256}"


@dataclass
class Entry:
    """One message in a ticket's history, incoming or outgoing."""

    message_id: str
    author: str  # an address
    kind: EntryKind
    date: str  # ISO 8601 with offset
    direction: Literal["in", "out"] = "in"
    subject: str = ""
    text: str = ""  # cleaned text (quotes and signature cut); raw is kept on disk
    to: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    raw_path: str = ""  # incoming: the .eml kept under the state directory
    public: bool = True  # False for internal notes and team-only mail
    note: str = ""  # what the bot remarks of it ("unauthenticated: ...", "logged by ...")
    data: str = ""  # outgoing: the whole RFC 5322 message as sent (the outbox reads it here)
    data_file: str = ""  # ... or, for a large one (attachments), the file that holds it
    # incoming: when the bot took it in. `date` is the sender's Date header, which may be days
    # off (a backlog, a wrong clock); the history is told in arrival order.
    received_at: str = ""

    @property
    def arrived(self) -> str:
        return self.received_at or self.date

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        entry = _from_dict(cls, data)
        entry.attachments = [StoredAttachment.from_dict(a) for a in data.get("attachments", [])]
        return entry

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["attachments"] = [dict(a.__dict__) for a in self.attachments]
        data["to"] = list(self.to)
        data["errors"] = [dict(e) for e in self.errors]
        return data


@dataclass
class Ticket:
    number: int
    subject: str
    requester: str
    token: str  # secret, long, random: the tracking page's key
    created_at: str
    updated_at: str
    status: Status = "new"
    priority: Priority | None = "P3"
    classified_priority: Priority | None = None  # before URGENT: what a demotion goes back to
    type: str = "incident"  # incident | request | information
    category: str | None = None
    program: str | None = None
    channel: Literal["email", "phone"] = "email"
    language: str = "fr"
    urgent_requested: bool = False
    urgent_demoted: bool = False
    demotion_reason: str | None = None
    vip: bool = False
    # The VIP an assistant wrote for, as the mail names them ("M. Bernard (Président)"): the
    # ticket is theirs, the requester is the assistant (day 6 §8). "" when not so.
    vip_for: str = ""
    # Opened by a machine's mail (RFC 3834 Auto-Submitted and the like, RELIABILITY L01):
    # never acknowledged.
    automatic: bool = False
    escalation_level: int = 0
    # When the priority last changed after creation: the new priority's SLA clocks and ladder
    # count from then, so that a change crosses no level by itself (issue 16 §2). None: from
    # creation.
    clock_from: str | None = None
    # When the ticket was last reopened: its clocks and ladder count from then (`clock_from`),
    # so that the time it stayed closed never escalates it (day 10 #7). None: never reopened.
    reopened_at: str | None = None
    # A first response already late when the priority changed: the SLA judges the first
    # response by that due time (`first_response_target`), so the change never turns a miss
    # into "met" (day 1 §10); `first_response_due` is the new priority's. None: no such miss.
    first_response_missed: str | None = None
    assignee: str | None = None
    first_response_due: str | None = None
    resolution_due: str | None = None
    first_response_at: str | None = None
    resolved_at: str | None = None
    closed_at: str | None = None
    previous: int | None = None  # the closed ticket this one follows up, after reopen_days
    # When the requester confirmed it works again ("oui c'est revenu, merci"): the clocks and
    # the ladder wait, like a wait for the requester, until a technician acts. None: not so.
    resolution_confirmed: str | None = None
    # Each time the ticket waited for the requester, or stayed closed before a reopening:
    # [start, end] (end None while waiting). The SLA clocks and the ladder do not run then.
    # Kept here so the SLA clocks never read the history (mailbot.clock.sla).
    waiting_periods: list[list[str | None]] = field(default_factory=list)
    parent: int | None = None  # the mass incident this report belongs to (contract)
    children: list[int] = field(default_factory=list)  # a mass incident's reports
    # `#merge N`: this ticket was closed into #N (same requester); its mail and its tracking
    # link lead to #N, whose tracking token is kept here for the link.
    merged_into: int | None = None
    merged_token: str = ""
    participants: list[str] = field(default_factory=list)  # addresses with a part in it
    # Where mail to the requester goes when the first mail's Reply-To named another address
    # that passes the loop checks (RELIABILITY L15); "" for the requester's own address.
    reply_to: str = ""
    message_ids: list[str] = field(default_factory=list)  # every Message-ID seen or sent
    why: list[str] = field(default_factory=list)  # the rules that decided its fields
    # The classification's first guess (type, priority before URGENT and VIP, rule, the mail's
    # significant words), and a technician's correction of it (#priority, #type) with who and
    # when: what `mailbot triage-report` counts and the learning reads (issue 17).
    first_guess: dict[str, Any] | None = None
    correction: dict[str, Any] | None = None
    messages: list[Entry] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ticket:
        ticket = _from_dict(cls, data)
        ticket.messages = [Entry.from_dict(m) for m in data.get("messages", [])]
        return ticket

    @property
    def first_response_target(self) -> str | None:
        """The due time the first response is judged by: one missed before a priority change
        stays missed (show's sla, the page, notices, the monthly report)."""
        return self.first_response_missed or self.first_response_due

    @property
    def first_answered_at(self) -> str | None:
        """When the first response was given: a closed ticket was answered by its closure at
        the latest (day 8: the reports of a mass incident, closed through it, showed their
        first response "En retard" on the page and counted as misses in the report)."""
        if self.first_response_at:
            return self.first_response_at
        return (self.resolved_at or self.closed_at) if self.status == "closed" else None

    def to_dict(self) -> dict[str, Any]:
        # What dataclasses.asdict returns, a dozen times faster: it deep-copies every value,
        # and this runs for every message the daemon handles.
        data = dict(self.__dict__)
        data["messages"] = [m.to_dict() for m in self.messages]
        for name in ("participants", "message_ids", "why", "children"):
            data[name] = list(data[name])
        data["waiting_periods"] = [list(p) for p in self.waiting_periods]
        return data

    def public_messages(self) -> list[Entry]:
        return [m for m in self.messages if m.public and m.kind != "internal_note"]

    def internal_notes(self) -> list[Entry]:
        """The technicians' notes: not a refused mail kept for the record, nor a mail in a
        technician's name that failed authentication (day 10 #12: they counted as notes)."""
        return [m for m in self.messages
                if m.kind == "internal_note" and m.direction == "in" and m.text.strip()
                and not m.note.startswith(("unauthenticated", "commands refused"))]

    def attachments(self) -> list[StoredAttachment]:
        return [a for m in self.messages for a in m.attachments if not a.inline]


def as_incident(report: Ticket, parent: Ticket | None) -> Ticket:
    """A mass incident's report as its reporter is shown it (the acknowledgement, the tracking
    page): at the incident's priority and due times, which stand for all its reports. Day 9 §4:
    reporters read "P1 ... sous 15 minutes, soit au plus tard mardi 15 décembre" (P1 words, the
    report's own P3 date a week away), and the page still said P3. The store keeps the report's
    own; `parent` None: the ticket as it is."""
    if parent is None:
        return report
    return replace(report, priority=parent.priority,
                   first_response_due=parent.first_response_due,
                   first_response_missed=parent.first_response_missed,
                   resolution_due=parent.resolution_due)


@dataclass
class OutgoingMail:
    """A mail the bot has decided to send; queued in the persistent outbox."""

    message_id: str  # allocated before sending, kept across retries
    ticket: int | None
    kind: str  # acknowledgement | team_notice | relay | ...
    sender: str  # the bot's address, From of the mail
    recipients: list[str]
    data: str  # the whole RFC 5322 message; kept in the ticket's history, not in state.json
    created_at: str
    attempts: int = 0
    next_attempt_at: str = ""
    # "maybe_sent": the daemon was killed while the server was being given it (it may have
    # it); kept for the operator, never sent again by itself (mailbot.store.sendlog).
    status: Literal["pending", "sent", "failed", "maybe_sent"] = "pending"
    last_error: str = ""
    subject: str = ""
    text: str = ""  # the plain body, for the ticket's history
    # Quiet hours (seed 000, the right to disconnect): a staff notice decided outside working
    # hours is not sent before this instant (ISO 8601); "" for at once.
    hold_until: str = ""
    # MAIL FROM when it is not `sender` (RFC 3834 §3.3): "" for the null sender <>, or a VERP
    # address; None (and mail queued before this field) goes out from `sender`.
    envelope: str | None = None
    # Attempts lost after the whole message was sent, unanswered (the server may have it): one
    # more is tried under the same Message-ID, not a third (RELIABILITY O10).
    unconfirmed: int = 0
    # A large mail about no ticket (the monthly report, its chart and CSV): the file under the
    # state directory that holds it, `data` then being "" in the outbox (state.json is rewritten
    # on every commit, the mail waits there until it is sent).
    data_file: str = ""
    # Put back in the queue by the operator (`mailbot outbox --resend`, after a 'maybe sent'
    # or a failure), at this instant (ISO 8601): sent however old it is, "" otherwise.
    resent_by_hand: str = ""

    @property
    def mail_from(self) -> str:
        return self.sender if self.envelope is None else self.envelope

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutgoingMail:
        return _from_dict(cls, data)

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["recipients"] = list(self.recipients)
        return data


def _from_dict(cls: Any, data: dict[str, Any]) -> Any:
    names = _field_names(cls)
    return cls(**{k: v for k, v in data.items() if k in names})


@cache
def _field_names(cls: Any) -> frozenset[str]:
    """A dataclass's field names, once per class: the outbox is read whole several times a
    pass, a few hundred mails each time."""
    return frozenset(f.name for f in fields(cls))
