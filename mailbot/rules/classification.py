"""Classification: the ordered `[[classification]]` rules of rules.toml give a message its type,
category and priority (the defaults encode seed 002 example by example).

Rules are tried in order and the first that matches decides; the rules tried before it are kept
as misses. When none matches, the ticket is an incident at `[priorities] default`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from mailbot.parsers import ParsedMessage
from mailbot.rules.base import Outcome
from mailbot.rules.settings import ClassificationRuleConfig
from mailbot.rules.text import expand, fold, sentences, valid_word_regex, word_regex

FAMILY = "classification"
ERROR_KINDS = ("windows_dialog", "python_traceback", "java_exception", "dotnet_exception",
               "sql_error", "http_error", "hresult", "app_message", "other")


@dataclass(frozen=True)
class Facts:
    """What the parsers found, in the form the rules read (folded once per message)."""

    subject: str
    text: str
    program: str | None = None
    error_kinds: frozenset[str] = frozenset()
    requester: str = ""
    vip: bool = False
    attachments: int = 0
    subject_sentences: tuple[str, ...] = ()
    text_sentences: tuple[str, ...] = ()

    @classmethod
    def build(cls, *, subject: str, text: str, program: str | None = None,
              error_kinds: Sequence[str] = (), requester: str = "", vip: bool = False,
              attachments: int = 0) -> Facts:
        s, t = fold(subject), fold(text)
        return cls(s, t, program, frozenset(error_kinds), requester.lower(), vip, attachments,
                   tuple(sentences(s)), tuple(sentences(t)))


def facts_of(msg: ParsedMessage, *, requester: str = "", text: str | None = None,
             vip: bool = False) -> Facts:
    return Facts.build(
        subject=msg.subject or msg.subject_raw, text=msg.text if text is None else text,
        program=msg.program, error_kinds=[e.kind for e in msg.errors],
        requester=requester or msg.sender, vip=vip,
        attachments=sum(1 for a in msg.attachments if not a.inline))


@dataclass(frozen=True)
class ClassificationRule:
    """One compiled `[[classification]]` rule: named, described, and a check that only looks."""

    name: str
    description: str
    type: str
    category: str
    priority: str | None
    where: str
    words: re.Pattern[str] | None
    with_words: re.Pattern[str] | None
    also_words: re.Pattern[str] | None
    without_words: re.Pattern[str] | None
    regex: tuple[re.Pattern[str], ...]
    programs: frozenset[str]
    error_kinds: frozenset[str]
    pasted_error: str
    senders: tuple[str, ...]
    vip: bool
    attachments: str

    def check(self, facts: Facts) -> Outcome:
        """A hit with its evidence, or a miss naming the first criterion that failed."""
        rule = f"{FAMILY}/{self.name}"
        evidence: list[str] = []
        for failed in self._criteria(facts, evidence):
            return Outcome(rule, False, failed)
        return Outcome(rule, True, ", ".join(evidence))

    def _criteria(self, facts: Facts, evidence: list[str]) -> Iterator[str]:  # failures, lazily
        if self.vip and not facts.vip:
            yield "requester is not a VIP"
        if self.senders and not any(_sender_matches(facts.requester, s) for s in self.senders):
            yield "sender not listed"
        if self.programs and not _program_matches(facts.program, self.programs):
            yield "program not listed"
        if self.pasted_error != "any" and (self.pasted_error == "yes") != bool(facts.error_kinds):
            yield "pasted error " + ("missing" if self.pasted_error == "yes" else "present")
        if self.error_kinds and not (
                "*" in self.error_kinds and facts.error_kinds
                or self.error_kinds & facts.error_kinds):
            yield "no pasted error of those kinds"
        if self.attachments != "any" and (self.attachments == "yes") != bool(facts.attachments):
            yield "attachments " + ("missing" if self.attachments == "yes" else "present")
        if self.programs:
            evidence.append(f"program {facts.program}")
        if self.error_kinds or self.pasted_error == "yes":
            evidence.append("pasted error " + "/".join(sorted(facts.error_kinds)))
        texts = self._texts(facts)
        if self.without_words is not None:
            for text in texts:
                if found := self.without_words.search(text):
                    yield f"excluded by {found.group(0)!r}"
        if self.words is not None:
            found_words = self._words_in(facts)
            if found_words is None:
                yield "no keyword" if self.with_words is None else "no keyword pair"
            else:
                evidence.append(found_words)
        if self.regex:
            found = next((m for p in self.regex for t in texts if (m := p.search(t))), None)
            if found is None:
                yield "no pattern"
            else:
                evidence.append(f"pattern {found.group(0)!r}")

    def _texts(self, facts: Facts) -> tuple[str, ...]:
        return {"subject": (facts.subject,), "text": (facts.text,),
                "all": (facts.subject, facts.text)}[self.where]

    def _words_in(self, facts: Facts) -> str | None:
        assert self.words is not None
        if self.with_words is None:
            for text in self._texts(facts):
                if found := self.words.search(text):
                    return repr(found.group(0))
            return None
        # Both words in one sentence: "plus personne n'a internet" is one thought, "personne"
        # in the greeting and "internet" three lines later are not.
        parts = {"subject": facts.subject_sentences, "text": facts.text_sentences,
                 "all": facts.subject_sentences + facts.text_sentences}[self.where]
        for sentence in parts:
            first = self.words.search(sentence)
            if first and (second := self.with_words.search(sentence)):
                if self.also_words is None:
                    return f"{first.group(0)!r} + {second.group(0)!r}"
                if third := self.also_words.search(sentence):
                    return f"{first.group(0)!r} + {second.group(0)!r} + {third.group(0)!r}"
        return None


def _sender_matches(requester: str, pattern: str) -> bool:
    pattern = pattern.lower()
    if pattern.startswith("@"):
        return requester.endswith(pattern)
    return requester == pattern


def _program_matches(program: str | None, programs: frozenset[str]) -> bool:
    if program is None:
        return False
    return "*" in programs or fold(program) in programs


@dataclass(frozen=True)
class Classification:
    type: str  # incident | request | information
    category: str | None
    priority: str | None  # None for information
    rule: str | None  # the deciding rule's name, None for the default
    description: str = ""
    trace: list[Outcome] = field(default_factory=list)


def compile_rule(config: ClassificationRuleConfig,
                 vocabulary: dict[str, list[str]]) -> ClassificationRule:
    def words(items: list[str]) -> re.Pattern[str] | None:
        return word_regex(expand(items, vocabulary))

    return ClassificationRule(
        name=config.name, description=config.description, type=config.type,
        category=config.category, priority=config.priority or None, where=config.where,
        words=words(config.words), with_words=words(config.with_words),
        also_words=words(config.also_words),
        without_words=words(config.without_words),
        regex=tuple(re.compile(r) for r in config.regex),
        programs=frozenset(p if p == "*" else fold(p) for p in config.programs),
        error_kinds=frozenset(config.error_kinds), pasted_error=config.pasted_error,
        senders=tuple(config.senders), vip=config.vip, attachments=config.attachments)


def compile_rules(configs: Sequence[ClassificationRuleConfig],
                  vocabulary: dict[str, list[str]]) -> tuple[ClassificationRule, ...]:
    return tuple(compile_rule(c, vocabulary) for c in configs)


def classify(facts: Facts, rules: Sequence[ClassificationRule], *,
             default_priority: str = "P3") -> Classification:
    """The first rule that matches decides; the ones tried before it are kept as misses."""
    trace: list[Outcome] = []
    for rule in rules:
        outcome = rule.check(facts)
        trace.append(outcome)
        if outcome.hit:
            return Classification(rule.type, rule.category or None, rule.priority, rule.name,
                                  rule.description, trace)
    trace.append(Outcome(f"{FAMILY}/default", True, f"no rule matched: incident "
                                                    f"{default_priority}"))
    return Classification("incident", None, default_priority, None, "", trace)


def check_rules(configs: Sequence[ClassificationRuleConfig], vocabulary: dict[str, list[str]],
                *, programs: Sequence[str] = ()) -> list[str]:
    """What the type-level mapping cannot see, one line per problem, each naming its rule."""
    problems: list[str] = []
    seen: set[str] = set()
    known_programs = {fold(p) for p in programs}
    for i, rule in enumerate(configs):
        where = f'classification[{i}] "{rule.name}"'

        def bad(message: str, where: str = where) -> None:
            problems.append(f"{where}: {message}")

        if not rule.name.strip():
            bad("name: must not be empty")
        if rule.name in seen:
            bad("name: used by an earlier rule")
        seen.add(rule.name)
        if rule.type == "information" and rule.priority:
            bad("priority: information has no priority (seed 000 level 4)")
        if rule.type != "information" and not rule.priority:
            bad(f"priority: required for type \"{rule.type}\" (P1 to P4)")
        if rule.type == "request" and rule.priority == "P1":
            bad("priority: requests have no P1 (seed 002: the highest is P2)")
        for key in ("words", "with_words", "also_words", "without_words"):
            for word in getattr(rule, key):
                if word.startswith("@") and word[1:] not in vocabulary:
                    bad(f"{key}: unknown vocabulary list {word!r}")
                elif not word.strip("*@ "):
                    bad(f"{key}: empty word")
                elif (error := valid_word_regex(word)) is not None:
                    bad(f"{key}: {word!r} is not a valid regular expression: {error}")
        if rule.with_words and not rule.words:
            bad("with_words: needs words to pair with")
        if rule.also_words and not rule.with_words:
            bad("also_words: needs words and with_words to go with")
        for pattern in rule.regex:
            try:
                re.compile(pattern)
            except re.error as exc:
                bad(f"regex: {pattern!r} is not a valid regular expression: {exc}")
        for program in rule.programs:
            if program != "*" and known_programs and fold(program) not in known_programs:
                bad(f"programs: {program!r} is not in the [[programs]] catalogue")
        for kind in rule.error_kinds:
            if kind != "*" and kind not in ERROR_KINDS:
                bad(f"error_kinds: {kind!r} is not one of {', '.join(ERROR_KINDS)}")
        if not (rule.words or rule.regex or rule.programs or rule.error_kinds or rule.senders
                or rule.vip or rule.pasted_error != "any" or rule.attachments != "any"):
            bad("matches every message: give it words, regex, programs, error_kinds or senders")
    return problems
