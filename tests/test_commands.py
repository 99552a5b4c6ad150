"""Technicians' commands, pure: read, checked all together, applied all or none."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mailbot import commands
from mailbot.config import Config, TeamConfig
from mailbot.model import Ticket
from mailbot.parsers.commands import find_commands

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=1)))
ALICE, BRUNO = "tech.alice@groupe-exemple.fr", "tech.bruno@groupe-exemple.fr"
CONFIG = Config(team=TeamConfig(technicians=[ALICE, f"Bruno B. <{BRUNO}>"]))


def ticket(**fields: object) -> Ticket:
    base = dict(number=4, subject="Imprimante", requester="claire@groupe-exemple.fr",
                token="4-x", created_at=NOW.isoformat(), updated_at=NOW.isoformat())
    return Ticket(**{**base, **fields})  # type: ignore[arg-type]


def plan(text: str, on: Ticket | None = None) -> commands.Plan:
    return commands.plan(find_commands(text), on or ticket(), author=ALICE, config=CONFIG,
                         now=NOW)


@pytest.mark.parametrize(("line", "name"), [
    ("#close", "close"), ("#CLORE c'est fait", "close"), ("#Fermer", "close"),
    ("#clôturer", "close"), ("#reopen", "reopen"), ("#rouvrir", "reopen"),
    ("#priority P2", "priority"), ("#priorité 2", "priority"), ("#assign me", "assign"),
    ("#attribuer bruno", "assign"), ("#note x", "note"), ("#déclasser abus", "demote"),
    ("#escalate", "escalate"), ("#escalader", "escalate"), ("#requester a@b.fr", "requester"),
    ("#demandeur a@b.fr", "requester"), ("#téléphone", "phone"), ("#appel", "phone"),
    ("#help", "help"), ("#aide", "help"), ("#closed", ""), ("#prio:", "priority"),
])
def test_contract_names_and_french_aliases(line: str, name: str) -> None:
    assert commands.read([line])[0].name == name


def test_priority_assign_and_close_apply_together() -> None:
    result = plan("#priority p1\n#assign bruno\n#close Réglé\n\nMerci Claire.")
    assert result.applied and not result.refused
    t = result.ticket
    assert t is not None and (t.priority, t.assignee, t.status) == ("P1", BRUNO, "closed")
    assert t.closed_at == t.resolved_at == NOW.isoformat() and result.close_text == "Réglé"


@pytest.mark.parametrize("text", [
    "#priority P5\n#close", "#priority urgent", "#assign claire", "#assign", "#frobnicate",
    "#requester pas-une-adresse", f"#requester {ALICE}", "#demote", "#reopen",
    "#close\n#reopen", "#requester a@b.example%0ABcc: x@evil.example",  # RELIABILITY S08
    "#requester a@b.example, x@evil.example", "#assign tech.alice@groupe-exemple.fr Bcc: x@y",
])
def test_one_invalid_command_and_nothing_is_applied(text: str) -> None:
    result = plan(text + "\n#priority P2")
    assert result.refused and not result.applied and result.ticket is None
    assert all(not o.done for o in result.outcomes)
    assert {o.code for o in result.outcomes} - {"not_applied"}  # the culprit is named


def test_demote_needs_an_urgent_and_goes_back_to_the_classified_priority() -> None:
    urgent = ticket(urgent_requested=True, priority="P2", classified_priority="P4")
    result = plan("#demote logo", urgent)
    assert result.ticket is not None and result.ticket.priority == "P4"
    assert result.ticket.urgent_demoted and result.demoted == "logo"
    again = plan("#demote", result.ticket)
    # Already demoted: a no-op, reported as such; it refuses nothing and tells no one again.
    assert not again.refused and again.outcomes[0].code == "already_demoted"
    assert again.demoted is None and again.ticket is not None
    both = plan("#demote\n#close fini", result.ticket)
    assert both.applied and both.ticket is not None and both.ticket.status == "closed"


def test_demote_never_goes_below_a_vips_floor_nor_raises() -> None:
    vip = ticket(urgent_requested=True, priority="P2", classified_priority="P3", vip=True)
    result = plan("#demote imprimante personnelle", vip)
    assert result.ticket is not None and result.ticket.priority == "P2"  # [vip] floor
    assert result.ticket.urgent_demoted and result.demoted is None  # nothing lowered to tell
    assert [o.code for o in result.outcomes] == ["demote_kept_vip"]
    vip_p1 = ticket(urgent_requested=True, priority="P1", classified_priority="P4", vip=True)
    assert plan("#demote", vip_p1).ticket.priority == "P2"  # type: ignore[union-attr]
    lowered_by_hand = ticket(urgent_requested=True, priority="P4", classified_priority="P3")
    kept = plan("#demote", lowered_by_hand)
    assert kept.ticket.priority == "P4" and kept.demoted is None  # type: ignore[union-attr]


def test_close_on_a_closed_ticket_and_escalate_are_checked_against_the_ticket() -> None:
    closed = ticket(status="closed", closed_at=NOW.isoformat())
    assert plan("#close", closed).outcomes[0].code == "already_closed"
    assert plan("#escalate", closed).outcomes[0].code == "closed"
    reopened = plan("#reopen", closed).ticket
    assert reopened is not None and reopened.status == "open" and reopened.closed_at is None


def test_command_lines_are_stripped_from_the_text() -> None:
    text = "\n#close ok\n#priority P2\n\nBonjour Claire,\nc'est réglé.\n#note pas ici\n"
    assert commands.strip_commands(text, find_commands(text)) == (
        "Bonjour Claire,\nc'est réglé.\n#note pas ici")
    assert commands.strip_commands("Bonjour", []) == "Bonjour"


@pytest.mark.parametrize(("text", "language"), [
    ("#language en", "en"), ("#Langue fr", "fr"), ("#lang EN", "en"), ("#langue anglais", "en"),
    ("#language English", "en"), ("#langue français", "fr"),
])
def test_language_sets_the_tickets_language_and_is_to_be_remembered(text: str,
                                                                    language: str) -> None:
    other = "fr" if language == "en" else "en"
    result = plan(text + "\n#close Réglé", ticket(language=other))
    assert result.applied and result.ticket is not None
    assert (result.ticket.language, result.language) == (language, language)
    assert result.ticket.status == "closed"  # the closure mail goes out in that language


@pytest.mark.parametrize("text", ["#language", "#language de", "#langue klingon",
                                  "#language en-fr"])
def test_a_language_we_do_not_speak_refuses_the_mail(text: str) -> None:
    result = plan(text + "\n#close")
    assert result.refused and result.ticket is None
    assert result.outcomes[0].code == "bad_language"


# --- #type (issue 17) ---------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "type_", "priority"), [
    ("#type request", "request", "P3"), ("#type demande P2", "request", "P2"),
    ("#TYPE Incident p1", "incident", "P1"), ("#type requête", "request", "P3"),
    ("#type information", "information", None),
])
def test_type_sets_the_type_and_the_priority_that_follows(line: str, type_: str,
                                                          priority: str | None) -> None:
    result = plan(line)
    assert result.applied and result.ticket is not None
    assert (result.ticket.type, result.ticket.priority) == (type_, priority)
    if type_ == "information":  # archived: never on the ladder
        assert result.ticket.status == "closed"


@pytest.mark.parametrize("line", ["#type", "#type bug", "#type demande P1",
                                  "#type information P3", "#type incident P7"])
def test_a_bad_type_refuses_the_mail(line: str) -> None:
    result = plan(line)
    assert result.refused and result.outcomes[0].code in ("bad_type", "not_applied")


def test_type_or_priority_on_a_classified_ticket_is_kept_as_a_correction() -> None:
    guessed = ticket(first_guess={"type": "incident", "priority": "P3", "rule": None})
    result = plan("#type demande P2", guessed)
    assert result.ticket is not None and result.ticket.correction is not None
    assert (result.ticket.correction["type"], result.ticket.correction["priority"],
            result.ticket.correction["by"]) == ("request", "P2", ALICE)
    # A ticket the rules never classified (a phone log) has no first guess to correct.
    assert plan("#priority P2").ticket.correction is None  # type: ignore[union-attr]


def test_p1_on_a_request_is_refused_and_nothing_applies() -> None:
    """La procédure SLA: requests top at P2 (issue 16 §2)."""
    result = plan("#assign me\n#priority P1", ticket(type="request", priority="P2"))
    assert result.refused and result.ticket is None
    assert [o.code for o in result.outcomes] == ["not_applied", "request_no_p1"]
    assert plan("#priority P1", ticket(type="incident")).applied


def test_a_stray_hash_word_refuses_the_mail_and_says_which_line() -> None:
    """A '#word' line below the text (issue 16 §1): a known command there is misplaced, another
    word is stray (a signature's "#TeamSupport" the transcript tells how to sign); either way
    nothing applies."""
    result = commands.plan(["#assign me"], ticket(), author=ALICE, config=CONFIG, now=NOW,
                           stray=["#close", "#TeamSupport"])
    assert result.refused and result.ticket is None
    assert [(o.line, o.code) for o in result.outcomes] == [
        ("#assign me", "not_applied"), ("#close", "misplaced"), ("#TeamSupport", "stray")]


@pytest.mark.parametrize(("text", "left"), [
    ("Bonjour,\n\n#close Câble remplacé", ""),
    ("Bonjour Claire,\n#close\n\nC'est réparé.", "Bonjour Claire,\n\nC'est réparé."),
    ("#Close: fini\n\nBonne journée", "Bonne journée"),
])
def test_strip_commands_keeps_a_greeting_only_above_words(text: str, left: str) -> None:
    assert commands.strip_commands(text, find_commands(text)) == left


def test_p1_with_a_type_incident_in_the_same_mail_applies() -> None:
    result = plan("#type incident\n#priority P1", ticket(type="request", priority="P2"))
    assert result.applied and result.ticket is not None
    assert (result.ticket.type, result.ticket.priority) == ("incident", "P1")


def test_escalate_at_the_top_of_the_ladder_is_refused_not_told_again() -> None:
    """Each level is told at most once per ticket (issue 16 §4)."""
    top = len(CONFIG.time.levels)
    result = plan("#escalate", ticket(escalation_level=top))
    assert result.refused and [o.code for o in result.outcomes] == ["top_level"]
    below = plan("#escalate", ticket(escalation_level=top - 1))
    assert below.applied and below.ticket is not None and below.ticket.escalation_level == top


# --- no hidden command: the card, #help and the parser agree (day 4: `#resolu` closed a ticket
# though neither the card nor #help named it) ---------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
WORD = r"#([^\W\d_][\w-]*)"


def _accepted() -> dict[str, set[str]]:
    """What the parser takes: canonical name -> its aliases, in the form it looks them up."""
    return {name: {commands._plain(a) for a in aliases if commands._plain(a) != name}
            for name, aliases in commands.ALIASES.items()}


def test_the_card_lists_every_command_and_alias_the_parser_accepts_and_no_other() -> None:
    card = (ROOT / "docs" / "technicians.md").read_text(encoding="utf-8")
    listed: dict[str, set[str]] = {}
    for line in card.splitlines():
        if not line.startswith("| `#"):
            continue
        cells = re.split(r"(?<!\\)\|", line)
        name = re.findall(WORD, cells[1])[0]
        listed[name] = {commands._plain(w) for w in re.findall(WORD, cells[2])} - {name}
    assert listed == _accepted()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_help_lists_every_command_and_alias_the_parser_accepts_and_no_other(lang: str) -> None:
    text = (ROOT / "mailbot" / "templates" / "mail" / f"help.{lang}.txt").read_text("utf-8")
    table, _, _ = text.partition({"fr": "Noms français", "en": "French names"}[lang])
    names = {re.match(WORD, line).group(1) for line in table.splitlines()  # type: ignore[union-attr]
             if re.match(WORD, line)}
    aliases: dict[str, set[str]] = {name: set() for name in names}
    for words, name in re.findall(r"((?:#[\w-]+,?\s*)+)=\s*#(\w+)", text):
        aliases[name] |= {commands._plain(w) for w in re.findall(WORD, words)}
    assert aliases == _accepted()
    # And each is read as its command by the parser.
    for name, words in aliases.items():
        assert {c.name for c in commands.read([f"#{w}" for w in {name, *words}])} == {name}


@pytest.mark.parametrize(("text", "on", "codes"), [
    ("#priority P2", {"priority": "P2"}, ["same_priority"]),
    ("#type incident P3", {"type": "incident", "priority": "P3"}, ["same_type"]),
    ("#type demande", {"type": "request", "priority": "P3"}, ["same_type"]),
    ("#assign me", {"assignee": ALICE}, ["same_assignee"]),
    ("#requester claire@groupe-exemple.fr", {}, ["same_requester"]),
    # Not no-ops: a #type that moves the priority, a #priority next to a #type.
    ("#type demande", {"type": "request", "priority": "P1"}, ["type"]),
    ("#type incident P2\n#priority P3", {"type": "incident", "priority": "P3"},
     ["type", "priority"]),
])
def test_a_command_that_changes_nothing_is_done_as_a_no_op(text: str, on: dict[str, object],
                                                           codes: list[str]) -> None:
    """Day 5: `#priority P2` on a P2 ticket answered "fait"; it is "sans effet" now."""
    before = ticket(**on)
    result = plan(text, before)
    assert result.applied and [o.code for o in result.outcomes] == codes
    if all(code.startswith("same_") for code in codes):
        assert result.ticket is not None
        assert (result.ticket.priority, result.ticket.type, result.ticket.assignee,
                result.ticket.requester) == (before.priority, before.type, before.assignee,
                                             before.requester)


def test_commands_that_open_a_ticket_are_never_no_ops() -> None:
    """A phone log's `#requester` and `#priority` set the ticket they open (the rules may
    have guessed the same priority): "fait", not "sans effet"."""
    opened = ticket(priority="P2")
    result = commands.plan(find_commands("#phone\n#requester claire@groupe-exemple.fr\n"
                                         "#priority P2"), opened, author=ALICE, config=CONFIG,
                           now=NOW, opening=True)
    assert [o.code for o in result.outcomes] == ["phone", "requester", "priority"]
