"""`#merge N`: a technician merges the ticket their mail is about into ticket #N, the one to
keep (the same requester writing twice about one matter).

Checked first, all or nothing: #N exists, is another ticket, is open, has the same requester,
and neither is a mass incident; the mail holds no other command. Then the ticket is closed as
merged (no "Incident résolu": the matter goes on in #N), its history is appended to #N's, its
mail and its tracking link lead to #N from then on (`merged_into`), and the requester gets one
short mail "votre message a été ajouté à votre demande #N" unless a mail of ours already named
#N to them. The technician gets the transcript, as for any command.
"""

from __future__ import annotations

import re
from dataclasses import replace

from mailbot import commands, mails
from mailbot.decision import Decision
from mailbot.mails.base import requester_address
from mailbot.model import OutgoingMail, Ticket
from mailbot.steps.common import (
    Context,
    decided,
    incoming_entry,
    is_reachable,
    with_entry,
    with_mails,
)
from mailbot.tags import format_tag

_NUMBER = re.compile(r"^\[?\s*(?:#|n°|no\.?|ticket\s*)?\s*(\d{1,9})\s*\]?\.?$", re.IGNORECASE)
_WHY = {
    "bad": ("« {} » n'est pas un numéro de ticket", "\"{}\" is not a ticket number"),
    "unknown": ("le ticket #{} n'existe pas", "ticket #{} does not exist"),
    "same": ("#{} est ce ticket-ci", "#{} is this very ticket"),
    "closed": ("le ticket #{} est clôturé : rouvrez-le d'abord (#reopen)",
               "ticket #{} is closed: reopen it first (#reopen)"),
    "this_closed": ("ce ticket est clôturé", "this ticket is closed"),
    "requester": ("le ticket #{} a un autre demandeur ({}) que celui-ci ({}) : seuls les "
                  "tickets d'un même demandeur se fusionnent",
                  "ticket #{} has another requester ({}) than this one ({}): only tickets of "
                  "one requester are merged"),
    "mass": ("un incident de masse ou l'un de ses signalements ne se fusionne pas",
             "a mass incident or one of its reports is not merged"),
    "alone": ("#merge s'envoie sans autre commande", "#merge goes without other commands"),
    "twice": ("un seul #merge par message", "one #merge per mail"),
}


def technician_merges(c: Context) -> Decision | None:
    if not c.author.technician:
        return None
    read = commands.read(c.msg.commands)
    if not any(command.name == "merge" for command in read):
        return None
    if c.ticket is None:  # a forward or a phone log opens a ticket: nothing to merge yet
        outcomes = [commands.Outcome(command.line, False, "no_ticket" if command.name ==
                                     "merge" else "not_applied") for command in read]
        transcript = mails.transcript(None, technician=c.author.address, outcomes=outcomes,
                                      applied=False, relayed=False, help_wanted=False,
                                      config=c.config, now=c.now)
        return Decision("commands_refused", c.key, None, [transcript],
                        ["#merge refused: no ticket matches this mail"])
    target, why = _target(c, read)
    line = next(command.line for command in read if command.name == "merge")
    text = commands.strip_commands(c.msg.text, c.msg.commands)
    if target is None:
        outcomes = [commands.Outcome(command.line, False, "merge_bad", why)
                    if command.name == "merge" else
                    commands.Outcome(command.line, False, "not_applied") for command in read]
        ticket = with_entry(c.ticket, incoming_entry(
            c, "internal_note", public=False, text=text,
            note="commands refused: nothing applied"), c.msg)
        transcript = mails.transcript(ticket, technician=c.author.address, outcomes=outcomes,
                                      applied=False, relayed=False, help_wanted=False,
                                      config=c.config, now=c.now)
        return decided("commands_refused", c, ticket, [transcript], [
            c.how, f"#merge refused: {why}"])
    merged, kept, told = merge(c, target, text)
    done = format_tag(target.number, c.config.mail.tag_prefix)
    transcript = mails.transcript(merged, technician=c.author.address, outcomes=[
        commands.Outcome(line, True, "merge", done)], applied=True, relayed=False,
        help_wanted=False, config=c.config, now=c.now, sent=told)
    decision = decided("technician", c, merged, [transcript], [
        c.how, f"merged into #{target.number}" + (", requester told" if told else "")],
        sent=told)
    decision.others.append(kept)
    return decision


def _target(c: Context, read: list[commands.Command]) -> tuple[Ticket | None, str]:
    """The ticket to merge into, or None and why not (in the team's language)."""
    fr = c.config.mail.language == "fr"

    def why(key: str, *values: object) -> tuple[None, str]:
        return None, _WHY[key][0 if fr else 1].format(*values)

    merges = [command for command in read if command.name == "merge"]
    if len(merges) > 1:
        return why("twice")
    if len(read) > 1:
        return why("alone")
    match = _NUMBER.match(merges[0].argument.strip())
    if match is None:
        return why("bad", merges[0].argument.strip())
    number = int(match.group(1))
    ticket = c.ticket
    assert ticket is not None
    target = c.view.ticket(number)
    if target is None:
        return why("unknown", number)
    if number == ticket.number:
        return why("same", number)
    if ticket.status == "closed":
        return why("this_closed")
    if target.status == "closed":
        return why("closed", number)
    if ticket.children or target.children or ticket.parent or target.parent:
        return why("mass")
    if target.requester != ticket.requester:
        return why("requester", number, target.requester, ticket.requester)
    return target, ""


def merge(c: Context, target: Ticket, text: str) -> tuple[Ticket, Ticket, list[OutgoingMail]]:
    """The merged ticket (closed, pointing at `target`), the kept one with its history, and
    the mail to the requester (none when a mail of ours already named the kept ticket)."""
    ticket = c.ticket
    assert ticket is not None
    at = c.now.isoformat()
    tag = format_tag(target.number, c.config.mail.tag_prefix)
    merged = with_entry(ticket, incoming_entry(
        c, "internal_note", public=False, text=text,
        note=f"merged into #{target.number} by {c.author.address}"), c.msg)
    merged.status, merged.closed_at = "closed", at
    merged.resolved_at = merged.resolved_at or at
    merged.first_response_at = merged.first_response_at or at
    merged.merged_into, merged.merged_token = target.number, target.token
    merged.why = [*merged.why, f"merged into #{target.number} by {c.author.address}"]
    already = any(m.direction == "out" and requester_address(ticket) in m.to
                  and tag in f"{m.subject}\n{m.text}" for m in ticket.messages)
    kept = replace(target, messages=[*target.messages, *(
        replace(m, note=f"from #{ticket.number}" + (f"; {m.note}" if m.note else ""))
        for m in merged.messages)], participants=list(dict.fromkeys(
            [*target.participants, *merged.participants])))
    kept.updated_at = max(kept.updated_at, at)
    kept.why = [*kept.why, f"#{ticket.number} merged into it by {c.author.address}"]
    # The notice of `#close doublon du #N` (steps/duplicate.py): the kept ticket's mail, in
    # its thread, so that an answer goes there.
    told = [] if already or not is_reachable(requester_address(ticket)) else [
        mails.merged(merged, kept, config=c.config, now=c.now)]
    return merged, with_mails(kept, told, c.now), told
