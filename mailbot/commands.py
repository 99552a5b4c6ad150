"""Technicians' commands: `#close`, `#priority P2`, `#assign me` ... at the top of a reply.

The contract names (PRODUCT.md §10) with French aliases. A mail's commands are checked first,
all of them, and applied only if every one is valid: an unknown or invalid command changes
nothing (Request Tracker's CommandByMail applies what it can; a technician who mistyped one line
of three would then not know what state the ticket is in).

Pure: `plan` takes the command lines the parser found, the ticket (or None for a ticket being
opened by this very mail), who wrote, the configuration and `now`; it returns the outcome of
each line and, when all are valid, the changed ticket and what else must happen (a closure
mail, a demotion notice, an escalation).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from mailbot import i18n
from mailbot.config import Config, address_of
from mailbot.model import Ticket
from mailbot.parsers.commands import is_greeting, split_command
from mailbot.rules.base import higher

PREFIX = "#"


def _plain(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower().rstrip(":"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Canonical name -> the words that call it: the contract name, then its French aliases (issue
# 17 §4), as the technicians' card (docs/technicians.md) and `#help` list them, every one: a word
# neither lists is refused, never a hidden command (day 4: `#resolu` closed a ticket though
# no list showed it). Looked up in lower case without accents ("#Priorité" is "#priorite").
ALIASES: dict[str, tuple[str, ...]] = {
    "close": ("close", "clore", "fermer", "clôturer", "résolu"),
    "reopen": ("reopen", "rouvrir", "réouvrir"),
    "priority": ("priority", "priorité", "prio"),
    "assign": ("assign", "attribuer", "assigner"),
    "note": ("note",),
    "demote": ("demote", "déclasser"),
    "escalate": ("escalate", "escalader", "escalade"),
    "requester": ("requester", "demandeur"),
    "phone": ("phone", "appel", "tel", "téléphone"),
    "help": ("help", "aide"),
    "language": ("language", "langue", "lang"),
    "type": ("type",),
    "merge": ("merge", "fusionner", "fusion"),  # handled by mailbot/steps/merging.py
}
_CANONICAL = {_plain(alias): name for name, aliases in ALIASES.items() for alias in aliases}
# Applied in this order whatever order they were written in: closing comes last, so that
# "#priority P1" + "#close" records the priority the ticket had when it was closed.
ORDER = ("requester", "language", "phone", "demote", "type", "priority", "assign", "escalate",
         "reopen", "note", "help", "close", "merge")
# What `#language` accepts besides the code: the languages' names, in both languages.
_LANGUAGE_NAMES = {"fr": ("francais", "français", "french"), "en": ("anglais", "english")}
# The reason a requester reads when the technician's #demote gave none.
_DEMOTED = {"fr": "Un technicien du support a examiné votre demande et ne l'a pas retenue "
                  "comme urgente.",
            "en": "A support technician reviewed your request and did not find it urgent."}
# Outcomes that are done but change nothing: the ticket already is as the command asks.
# Each says "sans effet" / "no change" in the transcript, never "fait" (day 5: `#priority P2` on a
# P2 ticket answered "fait : priorité P2").
NO_OPS = frozenset({"already_demoted", "same_priority", "same_type", "same_assignee",
                    "same_requester"})
PRIORITY = re.compile(r"^p?([1-4])$", re.IGNORECASE)
# `#type incident|request|information [P1-P4]` (contract names, French aliases).
TYPES = {"incident": "incident", "request": "request", "demande": "request",
         "requete": "request", "information": "information", "info": "information"}


@dataclass(frozen=True)
class Command:
    line: str  # as the technician wrote it
    name: str  # canonical name, "" when unknown
    argument: str


@dataclass(frozen=True)
class Outcome:
    line: str
    done: bool
    code: str  # a key of OUTCOMES
    value: str = ""


@dataclass
class Plan:
    outcomes: list[Outcome]
    ticket: Ticket | None  # the ticket after the commands; None when nothing is applied
    applied: bool = False
    close_text: str | None = None  # #close [text]
    note: bool = False  # #note: the mail is an internal note, never relayed
    note_text: str = ""
    demoted: str | None = None  # the demotion reason, when it lowered the priority: told
    escalated: str | None = None  # the escalation reason: recorded, the team told
    phone: bool = False
    help: bool = False
    language: str | None = None  # #language en: remembered for the requester's next tickets

    @property
    def refused(self) -> bool:
        return any(not o.done for o in self.outcomes)


def read(lines: list[str]) -> list[Command]:
    commands = []
    for line in lines:
        word, argument = split_command(line, PREFIX) or ("", line.strip())
        commands.append(Command(line.strip(), _CANONICAL.get(_plain(word), ""), argument))
    return commands


# The text below the commands opens with its own greeting ("Bonjour Alice, c'est noté ..."):
# the one above the commands is dropped, or the requester reads two.
_OPENS_WITH_GREETING = re.compile(
    r"^\s*(?:re-? ?bonjour|bonjour|bonsoir|bjr|salut|hello|hi|hey|coucou|dear|cher|chere|"
    r"chers|cheres|madame|monsieur|good (?:morning|afternoon|evening))(?!\w)")


def strip_commands(text: str, lines: list[str]) -> str:
    """`text` without the command lines at its top (they never reach the requester). A
    greeting line above them stays, unless nothing but the greeting would be left or the text
    below has its own greeting."""
    if not lines:
        return text.strip()
    out = text.lstrip("\ufeff").splitlines()
    left = len(lines)
    i, greeting = 0, []
    while i < len(out) and left:
        line = out[i].strip()
        if line and not greeting and split_command(line, PREFIX) is None and is_greeting(line):
            greeting = [line, ""]
        elif line:
            left -= 1
        i += 1
    rest = "\n".join(out[i:]).strip()
    if greeting and _OPENS_WITH_GREETING.match(_plain(rest.splitlines()[0] if rest else "")):
        greeting = []  # "Bonjour," / commands / "Bonjour Alice, ...": one greeting (day 8)
    return "\n".join([*greeting, rest]).strip() if rest else ""


def closing_answer(close_text: str | None, text: str) -> str:
    """What the closure mail says: the #close text, then the rest of the mail. A greeting the
    technician wrote above the commands is left out: the closure mail has its own "Bonjour,"
    and the management "Résolu" mail quotes this text as the resolution (day 7, defect 14)."""
    lines = text.splitlines()
    greeting = lines[0].strip() if lines and is_greeting(lines[0]) else ""
    rest = "\n".join(lines[1:]).strip() if greeting else text
    return "\n\n".join(t for t in (close_text or "", rest) if t)


def plan(lines: list[str], ticket: Ticket, *, author: str, config: Config, now: datetime,
         opening: bool = False, stray: Sequence[str] = ()) -> Plan:
    """Check every command against `ticket`; apply them all, or none. `stray`: the lines below
    the text that begin with "#" and a word: never commands, so they refuse the mail."""
    commands = read(lines)
    # A #type in the same mail says what the ticket is for the other checks (#priority P1
    # with #type incident on what was a request).
    typed = [o.value.split()[0] for c in commands if c.name == "type"
             if (o := _check_type(c)).done]
    checked = replace(ticket, type=typed[-1]) if typed else ticket
    outcomes = [_check(c, checked, author, config, opening) for c in commands]
    if not opening:  # a ticket a phone log or a forward opens is set by them, not "already so"
        outcomes = [_unchanged(c, o, ticket, bool(typed)) for c, o in zip(commands, outcomes,
                                                                          strict=True)]
    outcomes += [Outcome(line, False, "misplaced" if read([line])[0].name else "stray")
                 for line in stray]
    names = [c.name for c in commands]
    if "close" in names and "reopen" in names:
        outcomes = [o if not o.done else replace(o, done=False, code="conflict_close_reopen")
                    for o in outcomes]
    result = Plan(outcomes, None)
    if result.refused:
        result.outcomes = [o if not o.done else replace(o, done=False, code="not_applied")
                           for o in outcomes]
        return result
    changed = replace(ticket, participants=list(ticket.participants))
    # A no-op (a #demote on a ticket already demoted) is reported in the transcript as such
    # and changes nothing; it never refuses the mail's other commands (day 3).
    to_apply = [c for c, o in zip(commands, outcomes, strict=False) if o.code not in NO_OPS]
    if any(o.code in ("same_priority", "same_type") for o in outcomes):
        _corrected(changed, author, now.isoformat())  # it confirms the rules' first guess
    for command in sorted(to_apply, key=lambda c: ORDER.index(c.name)):
        _apply(command, changed, result, author, config, now)
    result.ticket, result.applied = changed, True
    return result


def _check(c: Command, ticket: Ticket, author: str, config: Config, opening: bool) -> Outcome:
    closed = ticket.status == "closed"
    if not c.name:
        return Outcome(c.line, False, "unknown")
    if c.name == "close" and closed and not opening:
        return Outcome(c.line, False, "already_closed")
    if c.name == "reopen" and not closed:
        return Outcome(c.line, False, "not_closed")
    if c.name == "priority":
        match = PRIORITY.match(c.argument.replace(" ", ""))
        if not match:
            return Outcome(c.line, False, "bad_priority", c.argument)
        if match.group(1) == "1" and ticket.type == "request":
            # La procédure SLA: a request's highest priority is P2; P1 is for incidents.
            return Outcome(c.line, False, "request_no_p1")
        return Outcome(c.line, True, "priority", f"P{match.group(1)}")
    if c.name == "type":
        return _check_type(c)
    if c.name == "assign":
        who = _technician(c.argument, author, config)
        if who is None:
            return Outcome(c.line, False, "unknown_technician", c.argument)
        return Outcome(c.line, True, "assign", who)
    if c.name == "demote":
        if not ticket.urgent_requested:
            return Outcome(c.line, False, "no_urgent")
        if ticket.urgent_demoted:  # harmless: nothing to do, the other commands apply
            return Outcome(c.line, True, "already_demoted")
    if c.name == "language":
        code = language_code(c.argument)
        if code is None:
            return Outcome(c.line, False, "bad_language", c.argument)
        return Outcome(c.line, True, "language", code)
    if c.name == "escalate" and closed:
        return Outcome(c.line, False, "closed")
    if c.name == "escalate" and ticket.escalation_level >= len(config.time.levels):
        # Each level is told at most once per ticket (issue 16 §4): the top has been told.
        return Outcome(c.line, False, "top_level", str(ticket.escalation_level))
    if c.name == "requester":
        address = address_of(c.argument)
        if not address:
            return Outcome(c.line, False, "bad_address", c.argument)
        if address in {*config.technicians, config.team_address, config.bot_address}:
            return Outcome(c.line, False, "staff_address", address)
        return Outcome(c.line, True, "requester", address)
    return Outcome(c.line, True, c.name, c.argument)


def _unchanged(c: Command, outcome: Outcome, ticket: Ticket, typed: bool) -> Outcome:
    """A command that would leave the ticket as it is: done, said "sans effet", not applied.
    A #priority next to a #type is never one (the #type may move the priority first)."""
    if not outcome.done:
        return outcome
    same = ""
    if c.name == "priority" and not typed and outcome.value == ticket.priority:
        same = "same_priority"
    elif c.name == "type":
        type_, priority, _ = _type_of(c.argument)
        keeps = (priority == ticket.priority if priority else ticket.priority is not None
                 and not (type_ == "request" and ticket.priority == "P1"))
        if type_ == ticket.type and type_ != "information" and keeps:
            same = "same_type"
            return replace(outcome, code=same, value=" ".join(
                p for p in (type_ or "", ticket.priority or "") if p))
    elif c.name == "assign" and outcome.value == ticket.assignee:
        same = "same_assignee"
    elif c.name == "requester" and outcome.value == ticket.requester:
        same = "same_requester"
    return replace(outcome, code=same) if same else outcome


def language_code(argument: str) -> str | None:
    """"en", "EN", "anglais", "English" -> "en"; None for a language the templates do not
    speak (or a regional tag: "en-GB" says nothing "en" does not)."""
    word = _plain(argument.strip())
    for code in i18n.LANGUAGES:
        if word == code or word in (_plain(n) for n in _LANGUAGE_NAMES.get(code, ())):
            return code
    return None


def _type_of(argument: str) -> tuple[str | None, str | None, bool]:
    """(type, priority or None, valid) of `#type request P2`."""
    words = _plain(argument).replace(",", " ").split()
    if not words or words[0] not in TYPES or len(words) > 2:
        return None, None, False
    if len(words) == 1:
        return TYPES[words[0]], None, True
    match = PRIORITY.match(words[1])
    return TYPES[words[0]], (f"P{match.group(1)}" if match else None), match is not None


def _check_type(c: Command) -> Outcome:
    type_, priority, valid = _type_of(c.argument)
    if not valid or type_ is None:
        return Outcome(c.line, False, "bad_type", c.argument)
    if type_ == "information" and priority:
        return Outcome(c.line, False, "bad_type", c.argument)  # information has no priority
    if type_ == "request" and priority == "P1":
        return Outcome(c.line, False, "bad_type", c.argument)  # seed 002: no P1 request
    return Outcome(c.line, True, "type", " ".join(p for p in (type_, priority) if p))


def _technician(argument: str, author: str, config: Config) -> str | None:
    wanted = argument.strip().lower()
    if wanted in ("me", "moi"):
        return author
    if not wanted:
        return None
    exact = address_of(wanted)
    if exact in config.technicians:
        return exact
    # "alice" or "tech.alice": a technician whose local part is, or has a part, that word.
    found = [t for t in config.technicians
             if wanted == t.partition("@")[0] or wanted in re.split(r"[._-]", t.partition("@")[0])]
    return found[0] if len(found) == 1 else None


def _apply(c: Command, ticket: Ticket, result: Plan, author: str, config: Config,
           now: datetime) -> None:
    at = now.isoformat()
    if c.name == "requester":
        ticket.requester = address_of(c.argument)
        ticket.reply_to = ""  # the new requester's own address, not the old one's Reply-To
        if ticket.requester not in ticket.participants:
            ticket.participants.insert(0, ticket.requester)
    elif c.name == "language":
        ticket.language = result.language = language_code(c.argument) or ticket.language
        ticket.why = [*ticket.why, f"language set by {author}: {ticket.language}"]
    elif c.name == "phone":
        result.phone = True
    elif c.name == "priority":
        ticket.priority = f"P{PRIORITY.match(c.argument.replace(' ', '')).group(1)}"  # type: ignore[union-attr, assignment]
        ticket.why = [*ticket.why, f"priority set by {author}: {ticket.priority}"]
        _corrected(ticket, author, at)
    elif c.name == "type":
        _apply_type(c, ticket, author, at)
    elif c.name == "assign":
        ticket.assignee = _technician(c.argument, author, config)
    elif c.name == "demote":
        _apply_demote(c, ticket, result, author, config)
    elif c.name == "escalate":
        # One level up the ladder at once (level 1 is the first line: a ticket never escalated
        # is at 0 and goes to level 2); at the top, _check refused it.
        ticket.escalation_level = min(max(ticket.escalation_level, 1) + 1,
                                      len(config.time.levels))
        result.escalated = c.argument or ""
    elif c.name == "reopen":
        ticket.status, ticket.closed_at, ticket.resolved_at = "open", None, None
    elif c.name == "note":
        result.note, result.note_text = True, c.argument
    elif c.name == "help":
        result.help = True
    elif c.name == "close":
        ticket.status, ticket.closed_at, ticket.resolved_at = "closed", at, at
        result.close_text = c.argument


def _apply_demote(c: Command, ticket: Ticket, result: Plan, author: str, config: Config) -> None:
    """URGENT's effect removed: the priority the rules give without it, never below a VIP's
    floor, never raised. Only a priority actually lowered is told to the requester (the day of
    use: a director was told "P3" of a ticket that never goes below P2)."""
    reason = c.argument or _DEMOTED.get(ticket.language, _DEMOTED["fr"])
    ticket.urgent_demoted, ticket.demotion_reason = True, reason
    base = ticket.classified_priority or config.priorities.default
    floored = ticket.vip and ticket.type != "information" and higher(
        base, config.vip.floor) != base
    if floored:
        base = config.vip.floor
    before = ticket.priority
    lowered = before is not None and base > before
    ticket.priority = base if lowered else before  # type: ignore[assignment]
    ticket.why = [*ticket.why, f"URGENT demoted by {author}: {reason}"
                  + ("" if lowered else f"; stays {ticket.priority}"
                     + (" (VIP floor)" if floored else ""))]
    result.demoted = reason if lowered else None
    code = "demote" if lowered else "demote_kept_vip" if floored else "demote_kept"
    result.outcomes = [replace(o, code=code, value=ticket.priority or "")
                       if o.line == c.line and o.code == "demote" else o
                       for o in result.outcomes]


def _apply_type(c: Command, ticket: Ticket, author: str, at: str) -> None:
    type_, priority, _ = _type_of(c.argument)
    assert type_ is not None
    ticket.type = type_
    if type_ == "information":  # seed 000 level 4: archived, never on the ladder
        ticket.priority = None
        if ticket.status != "closed":
            ticket.status, ticket.closed_at, ticket.resolved_at = "closed", at, at
    elif priority is not None:
        ticket.priority = priority  # type: ignore[assignment]
    elif ticket.priority is None or (type_ == "request" and ticket.priority == "P1"):
        ticket.priority = "P2" if ticket.priority == "P1" else "P3"
    ticket.why = [*ticket.why, f"type set by {author}: {type_} {ticket.priority or ''}".rstrip()]
    _corrected(ticket, author, at)


def _corrected(ticket: Ticket, author: str, at: str) -> None:
    """A #priority or #type on a ticket the rules classified corrects (or confirms) their
    first guess: kept with the ticket, for `mailbot triage-report` and the learning."""
    if ticket.first_guess is None:
        return
    ticket.correction = {"type": ticket.type, "priority": ticket.priority, "by": author,
                         "at": at}
