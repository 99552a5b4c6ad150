"""The steps for mail in a technician's name: unauthenticated (acts on nothing), on a ticket
(commands all or none, the answer relayed), and opening an employee's ticket (a phone log, a
forward on their behalf)."""

from __future__ import annotations

from datetime import datetime

from mailbot import commands, languages, loopguard, mails, notices, people, timekeeping, triage
from mailbot.decision import Decision
from mailbot.languages import Event
from mailbot.mails import Incoming
from mailbot.mails.reports import reports_of
from mailbot.model import REOPENED, OutgoingMail, Ticket
from mailbot.parsers import ParsedMessage
from mailbot.parsers.asking import asks_requester
from mailbot.parsers.forward_date import forwarded_date
from mailbot.steps import calls, duplicate, management
from mailbot.steps.common import (
    Context,
    decided,
    done_lines,
    incoming_entry,
    is_reachable,
    refusal_lines,
    thread_of,
    with_entry,
    with_mails,
)
from mailbot.steps.mass import report_closures, report_relays
from mailbot.steps.opening import acknowledge, blocked_for, open_ticket


def unauthenticated(c: Context) -> Decision | None:
    if not c.author.claims_technician or c.author.authenticated:
        return None
    ticket = c.ticket
    if ticket is not None:
        entry = incoming_entry(c, "internal_note", public=False,
                               note=f"unauthenticated: {c.author.verdict}")
        ticket = with_entry(ticket, entry, c.msg)
    out = mails.unauthenticated(ticket, c.msg, technician=c.author.address,
                                verdict=c.author.verdict, config=c.config, now=c.now)
    capped = loopguard.over_cap(c.view.automatic_since(
        c.author.address, loopguard.window_start(c.now, c.config)), c.config)
    c.capped = c.author.address if capped else ""
    blocked = loopguard.automatic_mail_blocked(c.msg, c.config)
    if capped:
        out = []  # a flood of forged mail must not become a flood of warnings
    # The guards keep automatic mail from the mail's sender; these warnings go to staff only:
    # the team address and the technician's configured address (never the mail's Reply-To),
    # whatever the guards say of the sender. A forgery the receiving server saw (dmarc=fail)
    # is exactly what the team and the impersonated technician must hear of (issue 16 §3, day
    # 1 §5); automatic answers never get here (the auto_reply step files them first), and
    # the cap above bounds the warnings to one address.
    return decided("unauthenticated", c, ticket, out,
                   ["nothing executed or relayed", *([c.how] if c.how else []),
                    *(["no warning: loop cap"] if capped else []),
                    *([f"staff warned, not the sender: {', '.join(blocked)}"]
                      if blocked and not capped else [])])


def technician_on_ticket(c: Context) -> Decision | None:
    decision = technician_acts(c)
    if decision is not None and c.ticket is not None:  # #priority/#type teach the triage
        decision.meta.update(triage.corrections_meta(c.view, c.ticket, decision.ticket))
    return decision


def technician_acts(c: Context) -> Decision | None:
    if not c.author.technician or c.ticket is None:
        return None
    msg = c.msg
    text = commands.strip_commands(msg.text, msg.commands)
    plan = commands.plan(msg.commands, c.ticket, author=c.author.address, config=c.config,
                         now=c.now, stray=msg.stray_commands)
    if plan.refused:  # nothing applied, nothing relayed; the mail is kept as a note
        ticket = with_entry(c.ticket, incoming_entry(c, "internal_note", public=False, text=text,
                                                     note="commands refused: nothing applied"),
                            msg)
        out = [mails.transcript(ticket, technician=c.author.address, outcomes=plan.outcomes,
                                applied=False, relayed=False, help_wanted=plan.help,
                                config=c.config, now=c.now)]
        return decided("commands_refused", c, ticket, out, [c.how, *refusal_lines(plan)])
    ticket = plan.ticket
    assert ticket is not None
    closing = plan.close_text is not None
    answer = commands.closing_answer(plan.close_text, text)
    # "#close doublon du #3": merged into #3, not resolved (day 7 §5).
    into = duplicate.merge_target(c, ticket, plan.close_text) if closing else None
    kind = "internal_note" if into else _entry_kind(msg, ticket, plan, text)
    note_text = "\n\n".join(t for t in (plan.note_text, text) if t)
    reopened = c.ticket.status == "closed" and ticket.status != "closed"
    ticket = with_entry(ticket, incoming_entry(c, kind, public=kind == "reply",
                                               text=note_text if kind == "internal_note"
                                               else answer, note=REOPENED if reopened else ""),
                        msg)
    out, relayed = _mails_of(c, ticket, plan, kind=kind, text=text, answer=answer,
                             merged=into is not None)
    merged: list[Ticket] = []
    if into is not None:
        into, told = duplicate.merge(c, ticket, into)
        out, merged = [*out, *told], [into]
    # A mass incident's reports, closed with it: their mails are in their own histories.
    reports, closures = report_closures(c, ticket) if c.ticket.status != "closed" else ([], [])
    for report in reports:  # the incident's closure is its reporters' first response (day 8)
        report.first_response_at = report.first_response_at or c.now.isoformat()
    if kind == "reply" and ticket.children and not closing:  # its reporters hear the answer
        reports, closures = report_relays(c, ticket, text)
        relayed = bool(closures)
        if relayed:
            ticket.first_response_at = ticket.first_response_at or c.now.isoformat()
            ticket.status = "open" if ticket.status == "new" else ticket.status
    if msg.commands or (ticket.children and kind == "reply"):
        # The transcript comes after the other mails so that it can say they went out.
        out_ticket = with_mails(ticket, out, c.now)
        transcript = mails.transcript(out_ticket, technician=c.author.address,
                                      outcomes=plan.outcomes, applied=True, relayed=relayed,
                                      help_wanted=plan.help, config=c.config, now=c.now,
                                      sent=[*out, *closures])
        decision = decided("technician", c, out_ticket, [transcript],
                           [c.how, *done_lines(plan)], sent=out)
    else:
        decision = decided("technician", c, ticket, out,
                           [c.how, "relayed" if relayed else "filed"])
    decision.events += language_events(plan, ticket, c.now)
    decision.mails += closures
    decision.others += [*reports, *merged]
    return decision


def _mails_of(c: Context, ticket: Ticket, plan: commands.Plan, *, kind: str, text: str,
              answer: str, merged: bool) -> tuple[list[OutgoingMail], bool]:
    """What a technician's mail on a ticket sends, and whether their text went to the
    requester. `merged`: closed as a duplicate of an open ticket: no closure, no "Résolu"."""
    closing = plan.close_text is not None
    # A ticket opened from a mail without a usable From has no one to write to: nothing is
    # sent to nobody, and the transcript does not claim it was.
    reachable = is_reachable(mails.requester_address(ticket))
    out, relayed = _answer(c, ticket, kind=kind, text=text, answer=answer,
                           closing=closing and not merged, reachable=reachable)
    if relayed or closing:
        ticket.first_response_at = ticket.first_response_at or c.now.isoformat()
    out += _demotion_and_escalation(c, ticket, plan, text, reachable=reachable)
    out += _raised_to_p1(c, ticket)
    if closing and not merged:  # the people the ladder told hear it is resolved (day 6 §9)
        assert c.ticket is not None
        out += management.resolved_notices(c, c.ticket, ticket, answer)
    assert c.ticket is not None
    out += management.reassigned_notice(c, c.ticket, ticket)
    return out, relayed


def language_events(plan: commands.Plan, ticket: Ticket, now: datetime) -> list[Event]:
    """#language: remembered for the requester's next tickets."""
    if plan.language is None:
        return []
    return [languages.remember(ticket.requester, plan.language, now, by="technician")]


def _entry_kind(msg: ParsedMessage, ticket: Ticket, plan: commands.Plan, text: str) -> str:
    """What a technician's mail on a ticket is in its history: a reply the requester is sent,
    or a note the team keeps."""
    private = plan.note or plan.phone or (plan.help and not text)
    closing = plan.close_text is not None
    files = [a for a in msg.attachments if not a.inline]
    kind = "internal_note" if private or not (text or closing or files) else "reply"
    return kind


def _answer(c: Context, ticket: Ticket, *, kind: str, text: str, answer: str, closing: bool,
            reachable: bool) -> tuple[list[OutgoingMail], bool]:
    """The technician's answer to the requester (a closure or a relay), and whether it went."""
    out: list[OutgoingMail] = []
    relayed = False
    if closing and not ticket.children:  # a mass incident's closure goes to its reporters
        if reachable:
            out.append(mails.closure(ticket, text=answer, config=c.config, now=c.now))
        relayed = bool(answer) and reachable
    elif closing:
        relayed = bool(answer)
    elif kind == "reply" and reachable and not ticket.children:  # reports: report_relays
        out.append(mails.relay(ticket, technician=c.author.address,
                               technician_name=c.msg.sender_name, text=text,
                               attachments=c.msg.attachments, config=c.config, now=c.now))
        relayed = True
        if ticket.status != "closed":
            # Waiting (the clocks paused) only when the answer asks the requester something;
            # an answer that informs ("je passe à 9h30") leaves the ball with the support.
            ticket.status = "waiting" if asks_requester(text) else "open"
    return out, relayed


def _demotion_and_escalation(c: Context, ticket: Ticket, plan: commands.Plan, text: str, *,
                             reachable: bool) -> list[OutgoingMail]:
    """The mails #demote and #escalate send: the requester told, the next level told."""
    config = c.config
    out: list[OutgoingMail] = []
    if plan.demoted is not None and reachable:
        out.append(mails.demotion(ticket, reason=plan.demoted, config=config, now=c.now))
    if plan.escalated is not None:
        out.append(mails.team_update(ticket, Incoming(c.author.address, text), config, c.now,
                                     headline="escalation", detail=plan.escalated))
        # Seed 001: #escalate moves the ticket up one level at once; that level is told.
        level = config.time.levels[ticket.escalation_level - 1]
        out.append(notices.escalation(ticket, level, threshold_hours=None, config=config,
                                      now=c.now, asked_by=c.author.address,
                                      reason=plan.escalated))
    return out


def _raised_to_p1(c: Context, ticket: Ticket) -> list[OutgoingMail]:
    """Seed 003's immediate notice when the technician's #priority made the ticket P1: sent
    from here, saying who raised it and when, so that their transcript names it (day 6 §10)."""
    before = c.ticket
    if before is None or ticket.priority != "P1" or before.priority == "P1":
        return []
    clocks = c.config.time.follow(before, ticket, c.now)  # the due times the notice shows
    notice = timekeeping.immediate(ticket, c.config, c.now, became=True, clocks=clocks,
                                   raised=(c.author.address, min(c.msg.date or c.now, c.now)),
                                   reports=reports_of(ticket, c.view.ticket))
    return [notice] if notice is not None else []


def technician_opens(c: Context) -> Decision | None:
    """A technician logs a phone call or forwards an employee's mail: the ticket is the
    employee's (seed 004 EXCEPTIONS; PRODUCT.md §7). Their own new mail is their own ticket."""
    if not c.author.technician:
        return None
    msg, config = c.msg, c.config
    phone = people.is_phone_log(msg, c.author)
    requester = people.requester_of(msg, c.author, config)
    if phone and requester == c.author.address:
        out = [mails.transcript(None, technician=c.author.address, outcomes=[commands.Outcome(
            "#phone", False, "phone_without_requester")], applied=False, relayed=False,
            help_wanted=True, config=config, now=c.now)]
        return Decision("commands_refused", c.key, None, out, ["phone log without #requester"])
    behalf = people.is_forward_on_behalf(msg, c.author, config) and not phone
    if msg.commands and msg.ticket_ref is not None and not (phone or behalf):
        # Commands for a ticket tag that names no ticket (a typo, a ticket of another
        # instance): they are not a new ticket of the technician's own to close.
        out = [mails.transcript(None, technician=c.author.address, outcomes=[commands.Outcome(
            line, False, "no_ticket") for line in msg.commands], applied=False,
            relayed=False, help_wanted=False, config=config, now=c.now)]
        return Decision("commands_refused", c.key, None, out, [
            f"no ticket {msg.ticket_ref}: commands refused"])
    if not (phone or behalf) and _asks_only_for_help(msg):
        # "#help" in a new mail of their own: the list of commands is the answer, not a ticket
        # of the technician's own (acknowledged, then escalated for want of an answer).
        out = [mails.transcript(None, technician=c.author.address, outcomes=[commands.Outcome(
            line, True, "help") for line in msg.commands], applied=False, relayed=False,
            help_wanted=True, config=config, now=c.now)]
        return Decision("help", c.key, None, out, ["#help in a new mail: the commands, no ticket"])
    ticket, text = _open_for_employee(c, requester, phone=phone, behalf=behalf)
    plan = commands.plan(msg.commands, ticket, author=c.author.address, config=config,
                         now=c.now, opening=True, stray=msg.stray_commands)
    if plan.refused:
        out = [mails.transcript(None, technician=c.author.address, outcomes=plan.outcomes,
                                applied=False, relayed=False, help_wanted=plan.help,
                                config=config, now=c.now)]
        return Decision("commands_refused", c.key, None, out,
                        ["no ticket opened", *refusal_lines(plan)])
    ticket = plan.ticket or ticket
    own = commands.strip_commands(msg.text, msg.commands) if behalf else ""
    if own:  # "Ticket pour Claire, merci.": the forwarding technician's words, for the team
        ticket = with_entry(ticket, incoming_entry(c, "internal_note", public=False, text=own,
                                                   note="above the forward"), msg)
    out = _employee_mails(c, ticket, plan, text, behalf=behalf)
    ticket = with_mails(ticket, out, c.now)
    ticket, team = _team_mails(c, ticket, text, answered=bool(out), plan=plan, note=own)
    final = [*out, *team]
    if msg.commands:
        final.append(mails.transcript(ticket, technician=c.author.address,
                                      outcomes=plan.outcomes, applied=True,
                                      relayed=bool(plan.close_text or text),
                                      help_wanted=plan.help, config=config, now=c.now,
                                      sent=final))
        ticket = with_mails(ticket, final[-1:], c.now)
    how = "phone log" if phone else "forward on behalf of " + requester if behalf else "own"
    assert c.triage is not None
    return Decision("new_ticket", c.key, ticket, final,
                    [how, *[w for w in ticket.why if not w.startswith("miss ")], *done_lines(plan)],
                    events=[*c.triage.events, *language_events(plan, ticket, c.now)],
                    trace=c.triage.assessment.why())


def _asks_only_for_help(msg: ParsedMessage) -> bool:
    """Every command line is #help (#aide) and no other word is written."""
    read = commands.read(msg.commands)
    return (bool(read) and all(command.name == "help" for command in read)
            and not msg.stray_commands
            and not commands.strip_commands(msg.text, msg.commands).strip())


def _open_for_employee(c: Context, requester: str, *, phone: bool, behalf: bool
                       ) -> tuple[Ticket, str]:
    """The employee's ticket a technician opens, and its text: a forward's own text and date."""
    msg = c.msg
    text = commands.strip_commands(msg.text, msg.commands)
    if phone:  # the account of the call, not the technician's greeting and first name
        text = calls.call_note(msg, author=c.author.address,
                               markers=c.config.team.phone_markers)
    date, extra = msg.date or c.now, []
    if behalf and msg.forwarded is not None:
        text = msg.forwarded.text or text
        date = forwarded_date(msg.forwarded.original_date, c.now) or date
        extra = msg.forwarded.original_cc
    ticket = open_ticket(c, requester=requester, channel="phone" if phone else "email",
                         text=text, date=date, participants=[requester, *extra])
    return ticket, text


def _employee_mails(c: Context, ticket: Ticket, plan: commands.Plan, text: str, *,
                    behalf: bool) -> list[OutgoingMail]:
    """What the employee is sent: the closure (#close), else the acknowledgement, threaded on
    the forwarded mail; and the demotion notice."""
    msg, config = c.msg, c.config
    out: list[OutgoingMail] = []
    reachable = is_reachable(mails.requester_address(ticket))  # a forward of a From-less mail
    assert c.triage is not None
    a = c.triage.assessment
    demoted = (triage.demotion_reason(c.triage, ticket.language)
               if a.urgent.demoted and (ticket.priority or "P4") > config.priorities.urgent
               else None)
    if plan.close_text is not None:
        answer = plan.close_text or text
        ticket.first_response_at = c.now.isoformat()
        if reachable:
            out.append(mails.closure(ticket, text=answer, config=config, now=c.now,
                                     just_called=True))
    elif reachable:
        thread: tuple[str | None, tuple[str, ...]] = (None, ())
        if behalf and msg.forwarded and msg.forwarded.original_message_id:
            thread = (msg.forwarded.original_message_id, (msg.forwarded.original_message_id,))
        elif not behalf and ticket.channel != "phone":  # a call: the employee wrote no mail
            thread = thread_of(msg)
        # A #demote of this very mail, or the rules' own: told in the acknowledgement.
        out += acknowledge(c, ticket, thread, demotion=plan.demoted or demoted)
        return out
    if (plan.demoted or demoted) and out:  # after a closure: a mail of its own
        out.append(mails.demotion(ticket, reason=plan.demoted or demoted or "", config=config,
                                  now=c.now))
    return out


def _team_mails(c: Context, ticket: Ticket, text: str, *, answered: bool, plan: commands.Plan,
                note: str) -> tuple[Ticket, list[OutgoingMail]]:
    """The VIP notice (seed 003, at once) and the team's new-ticket notice, recorded. The
    notice shows the forwarding technician's note and says who set the priority (day 1 §12,
    §13): a `#priority` of theirs, not the rule it overrode, is why the ticket has it."""
    msg, config = c.msg, c.config
    assert c.triage is not None
    a = c.triage.assessment
    vip: list[OutgoingMail] = []
    if a.vip.vip and a.vip.notify and a.vip.escalation is not None:
        vip.append(mails.vip_notice(ticket, to=a.vip.notify, escalation=a.vip.escalation,
                                    text=text, why=triage.sentence(c.triage,
                                                                   config.mail.language),
                                    config=config, now=c.now))
        ticket = with_mails(ticket, vip, c.now)
    if ticket.channel == "phone" and ticket.status == "closed":
        # A call logged already closed: the technician's transcript is enough, and a "Nouveau
        # ticket" saying "Statut : clos" is noise to the team (day 7, defect 9).
        return ticket, vip
    notice = mails.team_new(ticket, Incoming(c.author.address, text, msg.errors, msg.attachments,
                                             msg.refused_attachments), config, c.now,
                            blocked=[] if answered else blocked_for(c, ticket),
                            why=_why(c, plan), note=note)
    return with_mails(ticket, [notice], c.now), [*vip, notice]


_SET_BY = {"fr": "{priority} fixée par {author} (#priority) ; les règles proposaient : {rules}",
           "en": "{priority} set by {author} (#priority); the rules said: {rules}"}


def _why(c: Context, plan: commands.Plan) -> list[str]:
    assert c.triage is not None
    lang = c.config.mail.language
    rules = triage.sentence(c.triage, lang)
    chosen = [o.value for o in plan.outcomes if o.done and o.code == "priority"]
    if not chosen:
        return [rules]
    return [_SET_BY[lang].format(priority=chosen[-1], author=c.author.address, rules=rules)]
