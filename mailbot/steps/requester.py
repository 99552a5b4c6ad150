"""The steps for a requester's mail (or a colleague's): on a closed ticket, a follow-up on an
open one, and a new ticket with its acknowledgement and team notice."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mailbot import loopguard, mails, resolution, triage
from mailbot.decision import Decision
from mailbot.mails import Incoming
from mailbot.model import OutgoingMail, Ticket, as_incident
from mailbot.rules.assess import policy_of
from mailbot.steps import confirmers, matter
from mailbot.steps.common import (
    Context,
    decided,
    ignored_commands,
    incoming_entry,
    participants_of,
    request_text,
    thread_of,
    with_entry,
    with_mails,
)
from mailbot.steps.mass import Gathered, mass_incident
from mailbot.steps.opening import acknowledge, blocked_for, open_ticket


def closed_ticket(c: Context) -> Decision | None:
    ticket = c.ticket
    if ticket is None or ticket.status != "closed":
        return None
    if c.msg.thanks_only or _praise(c):  # "merci", "ok, bonne journée", "Top merci, les
        # camions partiront à l'heure !": filed, nobody disturbed, whichever mail it answers
        ticket = with_entry(ticket, incoming_entry(c, "request"), c.msg)
        return Decision("filed_thanks", c.key, ticket, reasons=[c.how, "thanks only"])
    closed = datetime.fromisoformat(ticket.closed_at or ticket.updated_at)
    if c.now - closed > timedelta(days=c.config.tickets.reopen_days):
        if matter.is_new_matter(ticket.subject, c.msg.text):
            # "autre chose : pourriez-vous m'installer un écran ?" under "Re: [#4] mot de
            # passe": classified, named and acknowledged from its own words (day 6).
            subject = matter.subject_of(c.msg.text) or "(sans objet)"
            own = replace(c, msg=replace(c.msg, subject=subject, subject_raw=subject))
            decision = new_ticket(own)
            if decision.ticket is not None:
                decision.ticket.why = [*decision.ticket.why, (
                    f"a new matter written as a reply to closed ticket #{ticket.number}: "
                    "read from its own words, not its subject")]
            return decision
        return new_ticket(c, previous=ticket)
    ticket = with_entry(ticket, incoming_entry(c, "request"), c.msg)
    ticket.status, ticket.closed_at, ticket.resolved_at = "open", None, None
    ticket.participants = participants_of(c.msg, c.config, ticket.participants)
    out = [mails.team_update(ticket, Incoming.of(c.msg), c.config, c.now, headline="reopened",
                             bounced=c.bounced)]
    if c.msg.sender.lower() in (ticket.requester, mails.requester_address(ticket)) and \
            not blocked_for(c, ticket):  # told it is reopened, as the loop guards allow
        out.append(mails.reopened(ticket, config=c.config, now=c.now))
    decision = decided("reopened", c, ticket, out, [c.how, "reopened within "
                                                     f"{c.config.tickets.reopen_days} days"])
    # A "Résolu" to the people the ladder woke, still held for quiet hours, would contradict
    # the reopening: it does not leave.
    decision.cancel.extend(m.message_id for m in ticket.messages
                           if m.direction == "out" and ".resolved." in m.message_id)
    return decision


def _praise(c: Context) -> bool:
    """Thanks or praise that reports nothing and asks nothing (resolution.appreciation)."""
    policy = policy_of(c.config)
    return resolution.appreciation(c.msg.text, broken=policy.broken, asking=policy.asking)


def _asked(ticket: Ticket) -> bool:
    """The last public message of the ticket is a technician's answer that asks something
    ("Pouvez-vous confirmer de votre côté ?"): a plain "oui c'est bon" answers it (day 9)."""
    public = ticket.public_messages()
    return bool(public) and public[-1].kind in ("reply", "phone_call") and "?" in public[-1].text


def follow_up(c: Context, detail: str = "") -> Decision | None:
    if c.ticket is None:
        return None
    asked = _asked(c.ticket)
    # The requester, a colleague their mail copied, or their assistant may confirm (day 10).
    who = confirmers.role(c.view, c.ticket, c.msg.sender, c.msg.text)
    ticket = with_entry(c.ticket, incoming_entry(c, "request"), c.msg)
    ticket.participants = participants_of(c.msg, c.config, ticket.participants)
    said = (resolution.confirmation(c.msg.text, c.config.information.resolved, asked=asked,
                                    broken=policy_of(c.config).broken)
            if who is not None else None)
    if said is None and c.msg.thanks_only and (ticket.status == "waiting"
                                               or not ticket.first_response_at):
        # "ok merci !" to a technician's answer answers nothing it asked: recorded in the
        # history, the ticket keeps waiting (the digest lists it after `waiting_days`), and
        # nobody is disturbed. "Merci beaucoup !" to the acknowledgement of a ticket nobody
        # has answered yet is no news either (day 5): filed the same way. A thanks on a ticket
        # a technician answered, or a thanks with new information, is news for the team.
        return Decision("filed_thanks", c.key, ticket, reasons=[
            c.how, "thanks only" + ("" if ticket.status == "waiting" else
                                    ", on a ticket nobody has answered yet")])
    if ticket.status == "waiting":
        ticket.status = "open"
    if said is not None:
        # "oui c'est revenu, merci": the team hears it is fixed and the ladder waits until a
        # technician acts (#close, an answer, a note), instead of climbing to management.
        ticket.resolution_confirmed = c.now.isoformat()
        out = [mails.team_update(ticket, Incoming.of(c.msg), c.config, c.now,
                                 headline="confirmed" if who == "requester" else "confirmed_for",
                                 detail=_confirmed(c, who or "", said), bounced=c.bounced)]
        return decided("follow_up", c, ticket, out, [
            c.how, f"resolution confirmed by the {who}: {said!r}", *ignored_commands(c)])
    ticket.resolution_confirmed = None  # anything else from them: the clocks run again
    renewed = _renewed_notice(c, ticket)
    if renewed is not None:  # the ticket's "Nouveau ticket" of this pass, now with this mail
        notice, cancel = renewed
        decision = decided("follow_up", c, ticket, [notice], [
            c.how, "the new-ticket notice of this pass carries it", *ignored_commands(c)])
        decision.cancel.append(cancel)
        return decision
    out = [mails.team_update(ticket, Incoming.of(c.msg), c.config, c.now, headline="follow_up",
                             detail=detail, bounced=c.bounced)]
    return decided("follow_up", c, ticket, out, [c.how, *ignored_commands(c)])


def _confirmed(c: Context, who: str, said: str) -> str:
    """The team notice's line on a confirmation: who confirmed, in which words, what now."""
    fr = c.config.mail.language == "fr"
    if who == "requester":
        by = "le demandeur confirme" if fr else "the requester confirms"
    else:
        by = (f"{c.msg.sender}, {confirmers.ROLES[who]['fr' if fr else 'en']}, "
              f"{'confirme' if fr else 'confirms'}")
    return (f"{by} que c'est résolu (« {said} ») : répondez #close pour clôturer ; les délais "
            "et l'escalade attendent qu'un technicien agisse" if fr else
            f"{by} it is resolved (\"{said}\"): answer #close to close it; deadlines and "
            "escalation wait until a technician acts")


_WHY = re.compile(r"^(?:Pourquoi|Why) ?: (.*)$", re.MULTILINE)
_NEXT = {"fr": "Message suivant du demandeur, sur le même sujet :",
         "en": "Next message from the requester, on the same subject:"}


def _renewed_notice(c: Context, ticket: Ticket) -> tuple[OutgoingMail, str] | None:
    """One team notice per ticket and pass (day 7 §19: "Nouveau ticket" and "Nouveau message
    sur le ticket" in the same pass): when this pass opened the ticket and its "Nouveau ticket"
    has not left yet, that notice is replaced by one that carries this mail too. The new
    notice and the Message-ID of the one it replaces, or None."""
    config, now = c.config, c.now
    staged = [m for m in ticket.messages if m.direction == "out" and m.date == now.isoformat()
              and ".team_notice." in m.message_id and config.team_address in m.to
              and any(f" {t}" in m.subject for t in ("Nouveau ticket", "New ticket"))]
    requests = [m for m in ticket.messages if m.direction == "in" and m.kind == "request"]
    if len(staged) != 1 or len(requests) < 2:
        return None
    old = staged[0]
    why = _WHY.search(old.text)
    lang = config.mail.language
    text = f"\n\n{_NEXT[lang]}\n".join(m.text for m in requests)
    notice = mails.team_new(ticket, replace(Incoming.of(c.msg, text), sender=requests[0].author),
                            config, now, blocked=[], why=[why.group(1)] if why else [],
                            bounced=c.bounced)
    ticket.messages = [m for m in ticket.messages if m is not old]
    ticket.message_ids = [i for i in ticket.message_ids if i != old.message_id]
    return notice, old.message_id


def same_matter(c: Context) -> Decision | None:
    """A new mail of a requester on the subject of an open ticket of theirs ("VPN impossible",
    then "VPN impossible (suite)" an hour later, no reply headers: day 7), or on a subject that
    adds words to it minutes after they opened it ("scanner", "scanner du 2e": day 6): added to
    it as a follow-up, the team told, no second acknowledgement."""
    if c.ticket is not None or c.author.technician:
        return None
    minutes = c.config.tickets.merge_minutes
    stem = matter.subject_stem(c.msg.subject_raw or c.msg.subject)
    if minutes <= 0 or matter.is_generic(stem):
        return None
    sender = c.msg.sender.lower()
    ticket = matter.open_ticket_on(c.view, sender, stem)
    how = f"same requester and subject as open ticket #{ticket.number}" if ticket else ""
    if ticket is None:
        ticket = matter.recent_ticket(c.view, sender, stem, c.now - timedelta(minutes=minutes))
        how = (f"same requester and a like subject as #{ticket.number} within [tickets] "
               f"merge_minutes ({minutes})") if ticket else ""
    if ticket is None:
        return _reworded(c, sender)
    return follow_up(replace(c, ticket=ticket, how=how))


def _reworded(c: Context, sender: str) -> Decision | None:
    """A new mail whose subject rewords the subject of an open ticket of the sender's
    ("imprimante bureau 204", then "imprimante 204 toujours en panne": day 10): added to it, the
    team told under which subject it came, no second acknowledgement."""
    subject = c.msg.subject_raw or c.msg.subject
    ticket = matter.reworded_ticket(c.view, sender, subject, c.now)
    if ticket is None:
        return None
    how = f"same requester, a reworded subject of open ticket #{ticket.number}"
    added = (f"Nouveau mail du demandeur sous l'objet « {subject} », ajouté au ticket "
             f"#{ticket.number} (même sujet)" if c.config.mail.language == "fr" else
             f"New mail from the requester under the subject \"{subject}\", added to ticket "
             f"#{ticket.number} (same matter)")
    return follow_up(replace(c, ticket=ticket, how=how), detail=added)


def new_ticket(c: Context, previous: Ticket | None = None, *,
               automatic: bool = False, archive: bool = False) -> Decision:
    ticket = _open_from_mail(c, previous, automatic=automatic)
    assert c.triage is not None
    t, config, now = c.triage, c.config, c.now
    a = t.assessment
    gathered = Gathered()
    if a.information or archive:  # seed 000 level 4: archived at once, no answer by default
        ticket.status, ticket.closed_at = "closed", now.isoformat()
        ticket.resolved_at = ticket.closed_at
        if archive:  # an automatic answer asks for nothing: no priority, no SLA (day 1 §14)
            ticket.priority = ticket.first_response_due = ticket.resolution_due = None
    elif t.mass.is_mass:
        gathered = mass_incident(c, ticket, t)
    others, mass_notice = gathered.others, gathered.notice
    parent = next((o for o in others if o.number == ticket.parent), None)
    out, blocked = _requester_mails(c, ticket, t, parent)
    ticket = with_mails(ticket, out, now)
    team = _team_mails(c, ticket, t, blocked=blocked, archive=archive)
    ticket = with_mails(ticket, team, now)
    reasons = _reasons(c, ticket, t, acknowledged=bool(out), blocked=blocked)
    sent = [*([mass_notice] if mass_notice is not None else []), *gathered.told]
    # The reports' own team notices still waiting (held) are covered by the incident's notice.
    superseded = [m.message_id for o in others if o.parent == ticket.parent
                  for m in o.messages if m.direction == "out" and ".team_notice." in m.message_id
                  and config.team_address in m.to] if mass_notice is not None else []
    return Decision("new_ticket", c.key, ticket, [*out, *team, *sent], reasons, others=others,
                    events=[*_numbered(t.events, ticket), *triage.report_events(
                        t, ticket, ticket.requester, now), *_matter(c, ticket)],
                    trace=a.why(), cancel=[*superseded, *gathered.cancel])


def _matter(c: Context, ticket: Ticket) -> list[triage.Event]:
    """The ticket's subject under its requester: their next mail on it joins it (same_matter)."""
    stem = matter.subject_stem(ticket.subject)
    if ticket.status == "closed" or matter.is_generic(stem):
        return []
    return [matter.matter_event(ticket, stem, c.now.astimezone(UTC).isoformat())]  # type: ignore[list-item]


def _numbered(events: list[triage.Event], ticket: Ticket) -> list[triage.Event]:
    """The "opened" event names the ticket: a mail minutes later on the same subject joins it
    (same_matter)."""
    return [(table, key, {**e, "ticket": ticket.number}) if table == "opened" else (table, key, e)
            for table, key, e in events]


def _open_from_mail(c: Context, previous: Ticket | None, *, automatic: bool) -> Ticket:
    """The ticket a mail opens for its sender, who answers for them, and the one it follows."""
    msg = c.msg
    requester = msg.sender.lower()
    ticket = open_ticket(c, requester=requester, channel="email",
                         text=request_text(msg, c.config.mail.language),
                         date=msg.date or c.now, participants=[requester])
    answer = loopguard.answer_address(msg, c.config)
    if answer != requester:  # who answers the requester's mail for them is part of it too
        ticket.reply_to = answer
        ticket.participants = [*ticket.participants, answer]
    ticket.automatic = automatic
    if c.bounced:  # what bounced before this mail (steps/rewrote.py), kept with the ticket
        b = c.bounced
        ticket.why = [*ticket.why, f"our {b['what'] or 'mail'} of ticket #{b['number']} to "
                      f"{requester} bounced at {b['at']}; it has written since" + (
                          f": most likely the same matter as ticket #{b['number']}"
                          if b["follows"] else "")]
    if previous is not None:
        ticket.previous = previous.number
        ticket.why = [*ticket.why, f"follows ticket #{previous.number}, closed more than "
                                   f"{c.config.tickets.reopen_days} days ago"]
    return ticket


def _requester_mails(c: Context, ticket: Ticket, t: triage.Triage, parent: Ticket | None
                     ) -> tuple[list[OutgoingMail], list[str]]:
    """The acknowledgement (naming a known mass incident) and the demotion notice, or why the
    requester gets no acknowledgement."""
    config, a = c.config, t.assessment
    blocked = [] if t.cap.acknowledge else ["new_ticket_cap"]
    if a.information and not a.acknowledge:
        blocked = ["information"]
    known = mails.incident_name(parent, config) if parent is not None else None
    # A VIP's floor may give back what the demotion took: then nothing was lowered to tell of.
    lowered = (ticket.priority or "P4") > config.priorities.urgent
    # The demotion is told in the acknowledgement: one mail, not two in the same pass.
    demotion = (triage.demotion_reason(t, ticket.language) if a.urgent.demoted and lowered
                else None)
    # A report of a mass incident is told the incident's priority and target (day 7 §4).
    # Its due times too (day 9 §4: P1 words with the report's own P3 date a week away).
    shown = as_incident(ticket, c.config.time.with_due_times(parent) if parent else None)
    out = [] if blocked else acknowledge(c, shown, thread_of(c.msg), known_incident=known,
                                         demotion=demotion)
    blocked = blocked or ([] if out else blocked_for(c, ticket))
    return out, blocked


def _team_mails(c: Context, ticket: Ticket, t: triage.Triage, *, blocked: list[str],
                archive: bool) -> list[OutgoingMail]:
    """What the team hears of a new ticket: the information or new-ticket notice (held while a
    mass incident may gather), the flood warning, the VIP notice."""
    config, now, a = c.config, c.now, t.assessment
    why = triage.sentence(t, config.mail.language)
    team: list[OutgoingMail] = []
    if a.information and not archive:  # an out-of-office archived is no one's news
        team.append(mails.team_information(ticket, config, now))
    elif ticket.parent is None and t.cap.team_notice and not archive:
        text = request_text(c.msg, config.mail.language)
        notice = mails.team_new(ticket, Incoming.of(c.msg, text), config, now, blocked=blocked,
                                why=[why], bounced=c.bounced)
        if t.held:
            # The same failure as other recent reports: if one more sender writes within the
            # window, the mass incident's notice lists this report and this one is dropped;
            # otherwise it goes out when the window ends, so no ticket goes unannounced.
            until = (now + timedelta(minutes=config.mass.window_minutes)).isoformat()
            notice = replace(notice, hold_until=until, next_attempt_at=until)
        team.append(notice)
    if t.cap.warn_team:
        team.append(mails.team_flood(ticket, count=config.flood.max_new_tickets + 1,
                                     config=config, now=now))
    if a.vip.vip and a.vip.notify and a.vip.escalation is not None:
        team.append(mails.vip_notice(ticket, to=a.vip.notify, escalation=a.vip.escalation,
                                     text=c.msg.text, why=why, config=config, now=now))
    return team


def _reasons(c: Context, ticket: Ticket, t: triage.Triage, *, acknowledged: bool,
             blocked: list[str]) -> list[str]:
    unsure = c.msg.return_path is None and acknowledged
    return [*[w for w in ticket.why if w.startswith("hit ")],
            *(["acknowledged without a Return-Path (mail.acknowledge_without_return_path)"]
              if unsure else []),
            *([f"no acknowledgement: {', '.join(blocked)}"] if blocked else []),
            *([f"team notice held for the mass window: same failure as "
               f"#{', #'.join(map(str, t.held))}"]
              if t.held and ticket.parent is None else []),
            *ignored_commands(c)]
