"""Classification: the `[[classification]]` rules of rules.toml give a message its type,
category and priority (the defaults encode seed 002 example by example).

Every rule is tried, on the folded text and on its lemmas (`mailbot.rules.lemmas`), and each rule
that matches is scored by the strength of its evidence: a word in the subject counts more than
one in the text, a word with its symptom in the same sentence more than a word alone, a word
denied ("ce n'est pas le mot de passe") or one item of a list ("Windows, VPN, messagerie") counts
for nothing or little (`mailbot.rules.scope`). The strongest decides; on equal strength the
earlier rule does. Rules marked `modifier` (the requester says it can wait, or works around it)
lower a P3 incident or request instead of deciding a category (`mailbot.rules.topics`: an activity
stopped outranks a component). Below `[triage] weak_below` the default is kept, to confirm.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from mailbot.rules import gate, scope
from mailbot.rules.base import Outcome
from mailbot.rules.checks import ERROR_KINDS, check_rules
from mailbot.rules.facts import Facts, facts_of
from mailbot.rules.lemmas import spellings
from mailbot.rules.own_words import without_pasted_errors
from mailbot.rules.settings import ClassificationRuleConfig, TriageConfig
from mailbot.rules.text import expand, fold, word_regex
from mailbot.rules.topics import graver_first

__all__ = ["ERROR_KINDS", "Classification", "ClassificationRule", "Facts", "check_rules",
           "classify", "compile_rule", "compile_rules", "facts_of", "without_pasted_errors"]
FAMILY = "classification"
_GRAVITY = {"P1": 0.5, "P2": 0.25}
# "ce n'est pas une panne", "it is not a fault": the word after it is denied, not said.
_NOT_A = re.compile(r"(?:n'\s*est\s+pas|(?<!\w)is\s+not|isn't|'s\s+not)\s+(?:une?|a)\s+$")
# A past failure told as the time of a request ("depuis la panne de la semaine dernière,
# pouvez-vous installer X sur mon nouveau poste", "since last week's crash"): background, it
# excludes nothing.
_BACKGROUND = re.compile(
    r"(?<!\w)(?:depuis|suite\s+a|apres|since|after|following)\s+(?:la|le|l'|les|au|aux|du|"
    r"the|last\s+week'?s|yesterday'?s|this\s+morning'?s)\s*(?:grosse?\s+|gros\s+|big\s+)?$")



def _excludes(text: str, start: int) -> bool:
    """A without-word at `start` counts unless denied ("pas une panne") or background."""
    before = text[max(0, start - 30):start]
    return not _NOT_A.search(before) and not _BACKGROUND.search(before)


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
    weight: float = 1.0
    modifier: bool = False
    keeps_priority: bool = False  # a modifier does not lower it
    overrides_keep: bool = False  # this modifier lowers even a rule that keeps its priority
    reversible: re.Pattern[str] | None = None
    near: str = "sentence"  # where with_words must be: the same sentence, or the same mail

    def check(self, facts: Facts) -> Outcome:
        """A hit with its evidence and score, or a miss naming the first criterion that
        failed."""
        rule = f"{FAMILY}/{self.name}"
        evidence: list[str] = []
        score = [0.0]
        for failed in self._criteria(facts, evidence, score):
            return Outcome(rule, False, failed)
        # Between rules of similar strength the graver wins: the table of seed 002 reads from
        # P1 down, and a site-wide outage that also names its printers is the outage.
        total = round(score[0] * self.weight + _GRAVITY.get(self.priority or "", 0.0), 2)
        return Outcome(rule, True, ", ".join(evidence), total)

    def _criteria(self, facts: Facts, evidence: list[str],
                  score: list[float]) -> Iterator[str]:  # failures, lazily
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
        score[0] += 0.3 * self.vip + 0.5 * bool(self.senders)
        if self.programs:
            evidence.append(f"program {facts.program}")
            score[0] += 1.0
        if self.error_kinds or self.pasted_error == "yes":
            evidence.append("pasted error " + "/".join(sorted(facts.error_kinds)))
            score[0] += 1.0
        texts = self._texts(facts)
        if self.without_words is not None:
            for text in texts:  # "ce n'est pas une panne" excludes nothing
                found = next((m for m in self.without_words.finditer(text)
                              if _excludes(text, m.start())), None)
                if found:
                    yield f"excluded by {found.group(0)!r}"
        if self.words is not None:
            found_words = self._words_in(facts)
            if isinstance(found_words, str):
                yield found_words
            else:
                evidence.append(found_words[0])
                score[0] += found_words[1]
        if self.regex:
            found = next((m for p in self.regex for t in texts if (m := p.search(t))), None)
            if found is None:
                yield "no pattern"
            else:
                evidence.append(f"pattern {found.group(0)!r}")
                score[0] += 1.0

    def _texts(self, facts: Facts) -> tuple[str, ...]:
        return {"subject": (facts.subject_both,), "text": (facts.text_both,),
                "all": (facts.subject_both, facts.text_both)}[self.where]

    def _subject_words(self, text: str, in_subject: bool) -> tuple[str, float, int] | str:
        """The best occurrence of `words` in one text: (word, strength, distinct words)."""
        assert self.words is not None
        best: tuple[str, float] | None = None
        denied: str | None = None
        distinct: set[str] = set()
        for found in self.words.finditer(text):
            if scope.denied(text, found.start(), found.end()):
                denied = f"{found.group(0)!r} is denied"
                continue
            if self.type == "request" and scope.own_doing(text, found.start()):
                denied = f"{found.group(0)!r} is denied: the requester's own attempt"
                continue
            if self.type == "request" and scope.negated_verb(text, found.start()):
                denied = f"{found.group(0)!r} is denied: a verb in the negative (a fault)"
                continue
            distinct.add(found.group(0))
            # A longer phrase is more specific: "dossier partagé" says more than "dossier".
            specific = 1.0 + min(0.45, 0.15 * (len(found.group(0).split()) - 1))
            strength = (1.5 if in_subject else 1.0) * specific * (
                0.35 if scope.listed(text, found.start(), found.end()) else
                0.6 if scope.aside(text, found.start(), found.end()) else 1.0)
            if best is None or strength > best[1]:
                best = (found.group(0), strength)
        if best is None:
            return denied or "no keyword"
        return best[0], best[1], len(distinct)

    def _symptom(self, pattern: re.Pattern[str], sentence: str) -> str | None:
        for found in pattern.finditer(sentence):
            if self.reversible is not None and self.reversible.search(found.group(0)) and \
                    scope.reversed_symptom(sentence, found.start(), found.end()):
                continue
            return found.group(0)
        return None

    def _words_in(self, facts: Facts) -> tuple[str, float] | str:
        assert self.words is not None
        if self.with_words is None:
            results = []
            denial = "no keyword"
            for text in self._texts(facts):
                result = self._subject_words(text, text is facts.subject_both)
                if isinstance(result, tuple):
                    results.append(result)
                elif "denied" in result:
                    denial = result
            if not results:
                return denial
            word, strength, _ = max(results, key=lambda r: r[1])
            extra = min(0.5, 0.25 * (sum(r[2] for r in results) - 1))
            return repr(word), strength + extra
        # Both words in one sentence: "plus personne n'a internet" is one thought, "personne"
        # in the greeting and "internet" three lines later are not.
        texts = self._texts(facts)
        if not any(self.words.search(t) for t in texts) or not any(
                self.with_words.search(t) for t in texts):
            return "no keyword pair"  # most rules: one search each, no sentence read
        parts = {"subject": facts.subject_sentences, "text": facts.text_sentences,
                 "all": facts.subject_sentences + facts.text_sentences}[self.where]
        best: tuple[str, float] | None = None
        reason = "no keyword pair"
        for n, sentence in enumerate(parts):
            in_subject = self.where != "text" and n < len(facts.subject_sentences)
            first = self._subject_words(sentence, in_subject)
            if isinstance(first, str):
                reason = first if "denied" in first else reason
                continue
            second = self._symptom(self.with_words, sentence)
            if second is None:
                continue
            words, strength = f"{first[0]!r} + {second!r}", first[1] + 1.0
            if self.also_words is not None:
                third = self._symptom(self.also_words, sentence)
                if third is None:
                    continue
                words = f"{words} + {third!r}"  # a narrower rule, not stronger evidence
            if best is None or strength > best[1]:
                best = (words, strength)
        if best is None and self.near == "mail":
            return self._pair_in_mail(facts, parts, reason)
        return best if best is not None else reason

    def _pair_in_mail(self, facts: Facts, parts: tuple[str, ...],
                      reason: str) -> tuple[str, float] | str:
        """`near = "mail"`: the word in one sentence, its companion in another ("Marie arrive
        lundi. Pouvez-vous lui préparer un poste ?"), a little weaker than in one sentence."""
        assert self.with_words is not None
        firsts = [(n, r) for n, sentence in enumerate(parts)
                  if isinstance(r := self._subject_words(
                      sentence, self.where != "text" and n < len(facts.subject_sentences)),
                      tuple)]
        second = next((w for sentence in parts if (w := self._symptom(self.with_words,
                                                                      sentence))), None)
        if not firsts or second is None:
            return reason
        _, first = max(firsts, key=lambda f: f[1][1])
        return f"{first[0]!r} + {second!r}", first[1] + 0.75


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
class Candidate:
    rule: str
    type: str
    priority: str | None
    score: float
    evidence: str


@dataclass(frozen=True)
class Classification:
    type: str  # incident | request | information
    category: str | None
    priority: str | None  # None for information
    rule: str | None  # the deciding rule's name, None for the default
    description: str = ""
    trace: list[Outcome] = field(default_factory=list)
    weak: bool = False  # the evidence was too weak to decide: the team is asked to confirm
    candidates: tuple[Candidate, ...] = ()  # the best rules, strongest first
    evidence: str = ""  # the words that decided
    worked_around: str = ""  # an incident modifier's words: "en attendant j'", "pas urgent"


def compile_rule(config: ClassificationRuleConfig, vocabulary: dict[str, list[str]],
                 reversible: re.Pattern[str] | None = None) -> ClassificationRule:
    def words(items: list[str]) -> re.Pattern[str] | None:
        return gate.gated_word_regex(spellings(expand(items, vocabulary)))  # type: ignore

    return ClassificationRule(
        name=config.name, description=config.description, type=config.type,
        category=config.category, priority=config.priority or None, where=config.where,
        words=words(config.words), with_words=words(config.with_words),
        also_words=words(config.also_words),
        without_words=words(config.without_words),
        regex=tuple(re.compile(r) for r in config.regex),
        programs=frozenset(p if p == "*" else fold(p) for p in config.programs),
        error_kinds=frozenset(config.error_kinds), pasted_error=config.pasted_error,
        senders=tuple(config.senders), vip=config.vip, attachments=config.attachments,
        weight=config.weight, modifier=config.modifier,
        keeps_priority=config.keeps_priority, overrides_keep=config.overrides_keep,
        reversible=reversible, near=config.near)


def compile_rules(configs: Sequence[ClassificationRuleConfig],
                  vocabulary: dict[str, list[str]],
                  triage: TriageConfig | None = None) -> tuple[ClassificationRule, ...]:
    settings = triage or TriageConfig()
    reversible = word_regex(spellings(expand(settings.reversible, vocabulary)))
    return tuple(compile_rule(c, vocabulary, reversible) for c in configs)


def classify(facts: Facts, rules: Sequence[ClassificationRule], *,
             default_priority: str = "P3", weak_below: float = 1.0,
             asking: re.Pattern[str] | None = None,
             broken: re.Pattern[str] | None = None) -> Classification:
    """The strongest evidence decides (the earlier rule on a tie); modifiers lower a P3
    incident or request; below `weak_below` the default is kept and the best candidates are
    named."""
    trace: list[Outcome] = []
    ranked: list[tuple[float, int, ClassificationRule, Outcome]] = []
    for index, rule in enumerate(rules):
        outcome = rule.check(facts)
        trace.append(outcome)
        if outcome.hit:
            ranked.append((outcome.score, -index, rule, outcome))
    ranked.sort(key=lambda r: (r[0], r[1]), reverse=True)
    deciding = graver_first([r for r in ranked if not r[2].modifier], weak_below)
    modifiers = [r for r in ranked if r[2].modifier]
    candidates = tuple(Candidate(r[2].name, r[2].type, r[2].priority, r[0], r[3].detail)
                       for r in deciding[:2])
    if deciding and deciding[0][0] >= weak_below:
        _, _, rule, outcome = deciding[0]
        # The deciding rule first, with its strength; the others after it, in file order.
        trace = [Outcome(outcome.rule, True, f"{outcome.detail} (strength {outcome.score})",
                         outcome.score), *[o for o in trace if o is not outcome]]
        result = Classification(rule.type, rule.category or None, rule.priority, rule.name,
                                rule.description, trace, False, candidates, outcome.detail)
    else:
        texts = (facts.subject_both, facts.text_both)
        asks = (any("?" in t for t in texts)
                or asking is not None and any(asking.search(t) for t in texts)) and not (
            broken is not None and any(broken.search(t) for t in texts))
        # A workaround tells of something broken: never a request by default.
        worked_around = any(m[2].type == "incident" for m in modifiers)
        # Weak evidence of requests only, in a mail that asks: a request all the same.
        type_ = "request" if asks and not worked_around and all(
            r[2].type == "request" for r in deciding) else "incident"
        trace.append(Outcome(f"{FAMILY}/default", True, (
            f"evidence too weak (best {deciding[0][0]} < {weak_below}): " if deciding
            else "no rule matched: ") + f"{type_} {default_priority}"))
        result = Classification(type_, None, default_priority, None, "", trace,
                                bool(deciding), candidates)
    modifiers = [m for m in modifiers if m[2].type == result.type]
    if modifiers and result.type == "incident":  # not blocked: URGENT is not justified
        result = replace(result, worked_around=f"{modifiers[0][2].name}: "
                                               f"{modifiers[0][3].detail}")
    # The device named (strength 1.5 or more), not a verb alone ("quand j'imprime"); never
    # against a modifier that overrides it (the requester's own "no hurry", P4 for any incident).
    keeps = deciding and deciding[0][0] >= 1.5 and deciding[0][2].keeps_priority and (
        result.rule == deciding[0][2].name) and not (modifiers and modifiers[0][2].overrides_keep)
    if modifiers and result.priority == default_priority and not keeps:
        _, _, rule, outcome = modifiers[0]
        trace = [o for o in trace if o is not outcome]
        trace.insert(0, Outcome(f"{FAMILY}/{rule.name}", True,
                                f"lowers the {result.type} to {rule.priority}: {outcome.detail} "
                                f"(strength {outcome.score})", outcome.score))
        return Classification(result.type, result.category or rule.category, rule.priority,
                              rule.name, rule.description, trace, False, candidates,
                              outcome.detail, result.worked_around)
    return result
