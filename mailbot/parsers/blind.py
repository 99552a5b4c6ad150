"""`mailbot corpus-report --blind DIR`: a frozen set of cases scored without printing them.

A blind set (../shared/BLIND.md) is written by someone who has not read the parsers; whoever
tunes them sees scores and classes of misses, never the cases. So this module prints, per slice,
the score, and for each miss one line "slice / NNN / class / what differed in kind": the case's
number, the class its writer gave it, and a description of the difference that quotes neither
the mail nor the expected values (shapes and counts only, and our own catalogue's names).

The set's layout: DIR/<slice>/NNN.eml beside NNN.json (its label), slices machine, replies,
forwards, errors, programs. The comparison rules (docs/understanding-mail.md):
- machine: the label's `machine` is true when the product must send no automatic answer. It is
  judged on the core's decision (`mailbot.pipeline.decide` on an empty store), not only on the
  parser's kind: a machine mail may be ticketed, but nothing may go to anyone outside the team.
  A person (`machine` false) must get a ticket of its own that is not marked automatic.
- replies: whitespace-normalised new text; ours may end with a valediction line and a short name
  block, which the product keeps on purpose and the label leaves out.
- forwards: the original author's address (case-folded) and the original subject as written.
- errors: the set of codes, each upper-cased with its white space collapsed.
- programs: the label's usual name and ours match when every word of the shorter is a word of the
  longer, case-insensitively ("Sage" and "Sage 100 Comptabilité"); null must stay null. Ours is
  the message's program, else the application of its first pasted error (both reach the team).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailbot.parsers import ParsedMessage, ParseRules, parse
from mailbot.parsers.blind_kinds import (
    code_shape,
    differs_in_reply,
    line_kind,
    norm,
    shape,
    words,
)

SLICES = ("machine", "replies", "forwards", "errors", "programs")
BOT = "support@exemple.fr"  # the helpdesk of every blind set (their README)
RULES = ParseRules(bot_addresses=frozenset({BOT}))
_NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # a Monday morning of the sets' month


@dataclass
class Case:
    slice: str
    number: str
    label_class: str
    ok: bool
    misses: list[str]  # kinds of difference, one line each
    machine: bool | None = None  # the machine slice's label: a machine's mail or a person's


class _EmptyStore:
    """The core's read-only view of a helpdesk that has seen nothing yet."""

    def ticket(self, number: int) -> None:
        return None

    def lookup(self, key: str) -> None:
        return None

    def next_number(self) -> int:
        return 1

    def automatic_since(self, recipient: str, since_iso: str) -> int:
        return 0

    def deadlines(self) -> dict[int, str]:
        return {}

    def meta(self, name: str, default: object = None) -> object:
        return default

    def recent(self, table: str, key: str) -> list[dict[str, Any]]:
        return []


def _config():
    from mailbot.config import Config, SmtpConfig

    return Config(smtp=SmtpConfig(from_=BOT))


def core_answers(p: ParsedMessage) -> tuple[bool, bool, str]:
    """(an automatic mail goes outside the team, a person's own ticket opened, action) as the
    core decides on an empty store."""
    from mailbot import people, pipeline

    config = _config()
    decision = pipeline.decide(p, raw_path="", view=_EmptyStore(), config=config, now=_NOW)
    # An answer is a mail to whoever wrote (its From or Reply-To): a notice to the team or to
    # the escalation ladder's contacts (a VIP's hierarchical notice) answers no one.
    writers = {a.lower() for a in [p.sender, *p.reply_to] if a}
    staff = people.staff(config)
    answered = any(r.lower() in writers and r.lower() not in staff
                   for m in decision.mails for r in m.recipients)
    ticket = decision.ticket
    kept = decision.action == "new_ticket" and ticket is not None and not ticket.automatic
    return answered, kept, decision.action


def _judge_machine(p: ParsedMessage, label: dict) -> list[str]:
    answered, kept, action = core_answers(p)
    if label.get("machine"):
        if answered:
            return [f"machine mail answered (label kind {label.get('kind', '?')}; "
                    f"parsed {p.kind}; core: {action}; body: {shape(p.body.splitlines()[:12])})"]
        return []
    if p.kind != "person":
        rules = sorted({_rule_name(r) for r in p.machine_reasons})
        return [f"person taken for machine (parsed {p.kind} by {', '.join(rules)}; "
                f"core: {action})"]
    if not kept:
        return [f"person not given a ticket of their own (core: {action})"]
    return []


def _rule_name(reason: str) -> str:
    """A machine reason's rule, without what it quotes of the mail (addresses, subject)."""
    head = re.split(r"[:'\"]", reason, maxsplit=1)[0]
    return " ".join(w for w in head.split() if "@" not in w)


def _judge_reply(p: ParsedMessage, label: dict) -> list[str]:
    verdict = differs_in_reply(p.text, p.body, label.get("new_text") or "")
    return [verdict] if verdict else []


def _judge_forward(p: ParsedMessage, label: dict) -> list[str]:
    fw = p.forwarded
    if fw is None:
        return ["no forward found"]
    misses = []
    want = (label.get("original_from") or "").strip().lower()
    if fw.original_sender != want:
        if not fw.original_sender:
            misses.append("original sender missing")
        elif fw.original_sender == p.sender:
            misses.append("original sender: the forwarder taken")
        else:
            misses.append("original sender: another address taken")
    subject = label.get("original_subject")
    if subject is not None and norm(fw.original_subject) != norm(subject):
        ours = norm(fw.original_subject)
        if not ours:
            misses.append("original subject missing")
        elif norm(subject).endswith(ours):
            misses.append("original subject: its own prefix lost")
        elif ours.endswith(norm(subject)):
            misses.append("original subject: a prefix added")
        else:
            misses.append("original subject differs")
    return misses


def normal_code(code: str) -> str:
    return re.sub(r"\s+", " ", code).strip().strip(".,;:").upper()


def _judge_errors(p: ParsedMessage, label: dict) -> list[str]:
    ours = {normal_code(c) for e in p.errors for c in e.codes}
    want = {normal_code(c) for c in label.get("codes") or []}
    misses = [f"code missed (shape {code_shape(c)})" for c in sorted(want - ours)]
    misses += [f"extra code (shape {code_shape(c)})" for c in sorted(ours - want)]
    return misses


def our_program(p: ParsedMessage) -> str | None:
    return p.program or next((e.application for e in p.errors if e.application), None)


def programs_match(a: str, b: str) -> bool:
    wa, wb = words(a), words(b)
    shorter, longer = sorted((wa, wb), key=len)
    return bool(shorter) and set(shorter) <= set(longer)


def _judge_program(p: ParsedMessage, label: dict) -> list[str]:
    want, ours = label.get("program"), our_program(p)
    catalogue = {x.name for x in RULES.programs}
    if want is None:
        if ours is None:
            return []
        named = ours if ours in catalogue else "a name read from the mail"
        return [f"program false positive (ours: {named})"]
    where = _where_named(p, want)
    if ours is None:
        return [f"program missed ({where})"]
    if not programs_match(want, ours):
        named = ours if ours in catalogue else "a name read from the mail"
        return [f"other program (ours: {named}; label's {where})"]
    return []


def _where_named(p: ParsedMessage, name: str) -> str:
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)",
                         re.IGNORECASE)
    if pattern.search(p.subject_raw):
        return "named in the subject"
    if pattern.search(p.body):
        return "named in the body only"
    return "not written as such"


JUDGES = {"machine": _judge_machine, "replies": _judge_reply, "forwards": _judge_forward,
          "errors": _judge_errors, "programs": _judge_program}


def run(directory: Path) -> list[Case]:
    cases = []
    for name in SLICES:
        for eml in sorted((directory / name).glob("*.eml")):
            label = json.loads(eml.with_suffix(".json").read_text("utf-8"))
            parsed = parse(eml.read_bytes(), RULES)
            misses = JUDGES[name](parsed, label)
            if any(d.startswith("parse failed") for d in parsed.defects):
                misses.append("parse failed")
            cases.append(Case(name, eml.stem, str(label.get("class", "?")), not misses, misses,
                              bool(label.get("machine")) if name == "machine" else None))
    return cases


def scores(cases: list[Case]) -> dict[str, tuple[int, int]]:
    table: dict[str, tuple[int, int]] = {}
    for c in cases:
        ok, total = table.get(c.slice, (0, 0))
        table[c.slice] = (ok + c.ok, total + 1)
    return table


def format_blind(cases: list[Case]) -> str:
    lines = [f"{'slice':<10} {'passed':>7} {'cases':>6} {'score':>7}"]
    for name, (ok, total) in scores(cases).items():
        lines.append(f"{name:<10} {ok:>7} {total:>6} {100 * ok / total:>6.1f}%")
    robots = [c for c in cases if c.machine is True]
    persons = [c for c in cases if c.machine is False]
    if robots or persons:
        lines.append(f"machine mails not answered: {sum(c.ok for c in robots)}/{len(robots)}; "
                     f"persons kept: {sum(c.ok for c in persons)}/{len(persons)}")
    lines += ["", "misses (slice / case / class / what differed):"]
    lines += [f"  {c.slice} / {c.number} / {c.label_class} / {m}"
              for c in cases if not c.ok for m in c.misses]
    return "\n".join(lines)


def main(directory: Path) -> int:
    if not directory.is_dir() or not any((directory / s).is_dir() for s in SLICES):
        print(f"not a blind set: {directory} (expected {', '.join(SLICES)} folders)")
        return 2
    print(format_blind(run(directory)))
    return 0


__all__ = ["Case", "differs_in_reply", "line_kind", "main", "programs_match", "run", "scores"]
