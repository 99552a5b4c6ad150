"""Mass incidents: a report joins or gathers a parent ticket with one team notice, and the
parent's closure closes its reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mailbot import ids, mails, triage
from mailbot.mails.base import requester_thread
from mailbot.mails.reports import mass_reason
from mailbot.model import OutgoingMail, Ticket, as_incident
from mailbot.steps.common import Context, is_reachable, with_mails
from mailbot.tags import format_tag


@dataclass
class Gathered:
    """What a report's mass incident changes: the parent and the earlier reports, the team's
    one notice, what their reporters are told, and their plain acknowledgements still in this
    pass's outbox, replaced."""

    others: list[Ticket] = field(default_factory=list)
    notice: OutgoingMail | None = None
    told: list[OutgoingMail] = field(default_factory=list)
    cancel: list[str] = field(default_factory=list)


def mass_incident(c: Context, ticket: Ticket, t: triage.Triage) -> Gathered:
    """This report is one of a mass incident: it joins the known parent, or the reports that
    now reach [mass] senders are gathered under a new parent with one team notice."""
    config, now = c.config, c.now
    if t.mass.parent is not None:
        parent = c.view.ticket(t.mass.parent)
        if parent is None or parent.status == "closed":  # that incident is over: a new report
            t.held = []
            return Gathered()
        parent.children = [*parent.children, ticket.number]
        impact, said = triage.mass_parent_priority(t)
        if impact is not None and (parent.priority is None or impact < parent.priority):
            parent.priority, parent.why = impact, [*parent.why, *said]  # type: ignore[assignment]
        ticket.parent = parent.number
        ticket.why = [*ticket.why, f"mass incident #{parent.number}: {t.mass.key}"]
        return Gathered([parent])
    siblings = [s for s in (c.view.ticket(n) for n in t.mass.siblings) if s is not None]
    number = ticket.number + 1
    a = t.assessment
    impact, said = triage.mass_parent_priority(t)  # the priority of its impact (issue 17)
    parent = Ticket(
        number=number, subject=siblings[0].subject if siblings else ticket.subject,
        requester=config.team_address, token=ids.new_token(number), created_at=now.isoformat(),
        updated_at=now.isoformat(), priority=impact,  # type: ignore[arg-type]
        classified_priority=a.classified_priority,  # type: ignore[arg-type]
        type="incident", category=a.category, program=ticket.program,
        language=config.mail.language, children=[*(s.number for s in siblings), ticket.number],
        why=[f"hit mass/same_failure: {t.mass.key}: {t.mass.senders} senders within "
             f"{config.mass.window_minutes} min", *said,
             *[w for w in ticket.why if w.startswith("hit")]])
    parent = config.time.follow(None, parent, now)  # its clocks and ladder stand for all
    for sibling in siblings:
        sibling.parent = number
        sibling.why = [*sibling.why, f"mass incident #{number}: {t.mass.key}"]
    ticket.parent = number
    ticket.why = [*ticket.why, f"mass incident #{number}: {t.mass.key}"]
    notice = mails.team_mass(parent, children=[*siblings, ticket], key=t.mass.key or "",
                             senders=t.mass.senders,
                             why=mass_reason(parent, config.mail.language), config=config,
                             now=now)
    parent = with_mails(parent, [notice], now)
    told, cancel = _tell_reporters(c, parent, siblings)
    return Gathered([parent, *siblings], notice, told, [*cancel, *_withdrawn(siblings, now)])


def _withdrawn(siblings: list[Ticket], now: datetime) -> list[str]:
    """A report's own escalation notice still in this pass's outbox (a P1 while it was alone,
    read earlier in the pass) is withdrawn: the incident's notice goes instead (day 9 §7: the
    supervisor was told of the first report, not of the incident). One already sent stays
    counted on the report, and the incident's ladder goes on from it."""
    out: list[str] = []
    for sibling in siblings:
        pending = [m for m in sibling.messages if m.direction == "out"
                   and m.kind == "escalation" and m.date == now.isoformat()]
        if not pending:
            continue
        out += [m.message_id for m in pending]
        sibling.messages = [m for m in sibling.messages if m not in pending]
        sibling.message_ids = [i for i in sibling.message_ids if i not in out]
        if not any(m.kind == "escalation" for m in sibling.messages):
            sibling.escalation_level = 0
    return out


def _tell_reporters(c: Context, parent: Ticket, siblings: list[Ticket]
                    ) -> tuple[list[OutgoingMail], list[str]]:
    """Each earlier reporter who had a plain acknowledgement hears that their report is part
    of a known incident, at its priority (day 7 §4: two of three were left with "P3, sous 48
    heures ouvrées"). An acknowledgement still in this pass's outbox is replaced by the
    "incident déjà connu" one: nobody gets two contradictory mails in one pass."""
    config, now = c.config, c.now
    told: list[OutgoingMail] = []
    cancel: list[str] = []
    for n, sibling in enumerate(siblings):
        acks = [m for m in sibling.messages if m.direction == "out" and ".ack." in m.message_id]
        if not acks or not is_reachable(mails.requester_address(sibling)):
            continue
        if acks[-1].date == now.isoformat():  # this pass's: not sent yet, replaced
            cancel.append(acks[-1].message_id)
            sibling.messages = [m for m in sibling.messages if m is not acks[-1]]
            sibling.message_ids = [i for i in sibling.message_ids if i != acks[-1].message_id]
            shown = as_incident(sibling, parent)
            mail = mails.acknowledgement(shown, config, now, thread=requester_thread(
                sibling, config), known_incident=mails.incident_name(parent, config))
        else:
            mail = mails.known_incident(sibling, parent, config=config, now=now)
        siblings[n] = with_mails(sibling, [mail], now)
        told.append(mail)
    return told, cancel


def report_closures(c: Context, parent: Ticket) -> tuple[list[Ticket], list[OutgoingMail]]:
    """A mass incident closed by a technician closes its reports: each reporter gets the
    closure mail, naming the incident. The reports closed, and their mails (which the
    technician's transcript lists: day 6 §7)."""
    if parent.status != "closed" or not parent.children:
        return [], []
    text = next((m.text for m in reversed(parent.messages)
                 if m.direction == "in" and m.kind in ("reply", "internal_note")), "")
    incident = f"{format_tag(parent.number, c.config.mail.tag_prefix)} \"{parent.subject}\""
    reports: list[Ticket] = []
    out: list[OutgoingMail] = []
    for number in parent.children:
        child = c.view.ticket(number)
        if child is None or child.status == "closed":
            continue
        child.status, child.closed_at = "closed", c.now.isoformat()
        child.resolved_at = child.closed_at
        if not is_reachable(mails.requester_address(child)):  # closed with it, no one to tell
            reports.append(child)
            continue
        closure = mails.closure(child, text=text, config=c.config, now=c.now, incident=incident)
        reports.append(with_mails(child, [closure], c.now))
        out.append(closure)
    return reports, out


def report_relays(c: Context, parent: Ticket, text: str) -> tuple[list[Ticket], list[OutgoingMail]]:
    """A technician's plain answer to a mass incident goes to every reporter still open, one
    mail each in their own thread, as the best helpdesks relay an answer on a parent incident
    (day 10 #5: it was kept as a note, no reporter heard, the incident had no first answer).
    The reports answered, and the mails (the technician's transcript names them)."""
    reports: list[Ticket] = []
    out: list[OutgoingMail] = []
    for number in parent.children:
        child = c.view.ticket(number)
        if child is None or child.status == "closed" or not is_reachable(
                mails.requester_address(child)):
            continue
        relay = mails.relay(child, technician=c.author.address,
                            technician_name=c.msg.sender_name, text=text,
                            attachments=c.msg.attachments, config=c.config, now=c.now)
        child.first_response_at = child.first_response_at or c.now.isoformat()
        reports.append(with_mails(child, [relay], c.now))
        out.append(relay)
    return reports, out
