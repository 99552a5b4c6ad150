"""Mass incidents: a report joins or gathers a parent ticket with one team notice, and the
parent's closure closes its reports."""

from __future__ import annotations

from mailbot import ids, mails, triage
from mailbot.model import OutgoingMail, Ticket
from mailbot.steps.common import Context, is_reachable, with_mails
from mailbot.tags import format_tag


def mass_incident(c: Context, ticket: Ticket, t: triage.Triage
                  ) -> tuple[list[Ticket], OutgoingMail | None]:
    """This report is one of a mass incident: it joins the known parent, or the reports that
    now reach [mass] senders are gathered under a new parent with one team notice."""
    config, now = c.config, c.now
    if t.mass.parent is not None:
        parent = c.view.ticket(t.mass.parent)
        if parent is None or parent.status == "closed":  # that incident is over: a new report
            t.held = []
            return [], None
        parent.children = [*parent.children, ticket.number]
        impact, said = triage.mass_parent_priority(t)
        if impact is not None and (parent.priority is None or impact < parent.priority):
            parent.priority, parent.why = impact, [*parent.why, *said]  # type: ignore[assignment]
        ticket.parent = parent.number
        ticket.why = [*ticket.why, f"mass incident #{parent.number}: {t.mass.key}"]
        return [parent], None
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
                             why=triage.sentence(t, config.mail.language), config=config,
                             now=now)
    parent = with_mails(parent, [notice], now)
    return [parent, *siblings], notice


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
