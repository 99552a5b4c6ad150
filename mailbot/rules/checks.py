"""The checks `check-config` runs on the `[[classification]]` rules: what the type-level mapping
cannot see, one line per problem, each naming its rule."""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailbot.rules.settings import ClassificationRuleConfig
from mailbot.rules.text import fold, valid_word_regex

ERROR_KINDS = ("windows_dialog", "python_traceback", "java_exception", "dotnet_exception",
               "sql_error", "http_error", "hresult", "app_message", "other")


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
            bad("priority: information has no priority (the urgency levels procedure, level 4)")
        if rule.type != "information" and not rule.priority:
            bad(f"priority: required for type \"{rule.type}\" (P1 to P4)")
        if rule.type == "request" and rule.priority == "P1":
            bad("priority: requests have no P1 (the SLA procedure: the highest is P2)")
        for key in ("words", "with_words", "also_words", "without_words"):
            for word in getattr(rule, key):
                if word.startswith("@") and word[1:] not in vocabulary:
                    bad(f"{key}: unknown vocabulary list {word!r}")
                elif not word.strip("*@ "):
                    bad(f"{key}: empty word")
                elif (error := valid_word_regex(word)) is not None:
                    bad(f"{key}: {word!r} is not a valid regular expression: {error}")
        if rule.weight <= 0:
            bad("weight: must be above 0")
        if rule.modifier and not rule.priority:
            bad("modifier: needs the priority it lowers to")
        if rule.overrides_keep and not rule.modifier:
            bad("overrides_keep: only a modifier lowers a priority")
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
