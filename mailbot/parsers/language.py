"""The language a requester writes in: their own words read by a maintained detector, the
headers their mail client wrote as hints.

    detect(text, subject, hints)    what one message says of its writer's language
    choose(detection, ...)          the ticket's language: the text when it is sure, else what
                                    is remembered of the requester, a header hint, the team's

The detector is lingua (lingua-language-detector), which ships its models in the package; it is
restricted to the languages the templates speak, so that "Bonjour" is never read as Catalan.
What is not the requester's prose is left out before it reads: a pasted error dialog, a stack
trace or an error code is the machine's language (an English Windows on a French desk), not
the writer's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# What the detector must be before its answer is taken (lingua's confidence, 0..1), and how
# many words it needs: on two words it is often wrong ("Outlook plante" reads as English).
SURE_CONFIDENCE = 0.90
SURE_WORDS = 3
# Nor on less prose than this many characters: lingua's low-accuracy mode (trigrams, the one
# we load: see _detector) is as right as the full one from about 120 characters, and reads a
# short line with a confidence it has not earned ("Teams plante quand je partage mon écran" is
# English at 1.00 to it). A shorter mail is read by its small words (below), else it gets the
# headers' hint or the team's language.
SURE_CHARS = 120
# Below SURE_CHARS the detector alone is not believed; the small words every sentence of a
# language is made of are (day 5: "printer jam 2nd floor again pls help" was answered in
# French). A short text is sure when at least SHORT_MARKS of one language's marks are in it,
# none of the other's, and the detector agrees (or SHORT_MARKS + 1 marks, whatever it says:
# it reads "Teams plante quand je partage mon écran" as English at 1.00). Otherwise it is
# genuinely unsure: the headers' hint, else the team's language. Words both languages write
# ("on", "me", "a", "plus", program names) are no mark.
SHORT_MARKS = 2
_FRENCH_MARKS = """le la les des du un une je tu il elle nous vous ils elles mon ma mes
        ton ta tes sa ses notre nos votre vos ne pas plus rien est sont suis ai avons avez
        et ou mais pour sur avec dans sans chez au aux qui que quand depuis encore aussi
        merci bonjour bonsoir svp stp ça ca cela ceci très tres toujours marche fonctionne
        plante bloqué bloquée impossible peux pouvez pourriez veuillez matin soir hier demain
        aujourd'hui étage ordinateur imprimante écran souris clavier mot passe"""
_ENGLISH_MARKS = """the is are was were be been my i it its not and to of for with from
        this that these those can cannot could would please pls plz help again hi hello hey
        thanks thank you your we our us have has had any anyone still just get got since
        when what why how need needs working works broken there here morning today
        yesterday floor printer screen mouse keyboard password computer laptop"""
_MARKS = {"fr": frozenset(_FRENCH_MARKS.split()), "en": frozenset(_ENGLISH_MARKS.split())}
# "c'est", "j'ai", "l'imprimante", "qu'il": French; "can't", "doesn't", "I'm", "it's": English.
_ELISION = re.compile(r"^(?:c|j|l|d|s|n|m|t|qu)'\w", re.IGNORECASE)
_CONTRACTION = re.compile(r"\w(?:n't|'(?:m|re|ve|ll|s|d))$", re.IGNORECASE)
_ACCENTED = re.compile(r"[àâçéèêëîïôûùüÿœæ]", re.IGNORECASE)
_MARK_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
# What it takes to override a language already known for the requester ("unless a mail
# clearly says otherwise"): a longer text and a higher confidence.
CLEAR_CONFIDENCE = 0.95
CLEAR_WORDS = 5
# The text read: a mail's first few thousand characters say the language as well as all of it.
MAX_CHARS = 4000
_FRAME = re.compile(r"^\s*[-=_*]{5,}\s*$")  # Windows' "copy to clipboard" frames
_BUTTONS = re.compile(r"^\s*(ok|cancel|annuler|oui|non|yes|no|retry|réessayer|abort|ignore|"
                      r"abandonner|ignorer|fermer|close)\s*$", re.IGNORECASE)
_MACHINE_LINE = re.compile(
    r"""^\s*(
        at\s+[\w$.<>]+\(.*\)                # Java / .NET stack frame
      | File\s+".*",\s+line\s+\d+           # Python stack frame
      | Traceback\s+\(most\s+recent\s+call\s+last\)
      | [\w.]+(Error|Exception)\b.*         # SomeError: ...
      | (ORA|SQL|SQLSTATE|HTTP)[-\s]?\w*\d+.*
      | .*\b0x[0-9a-f]{6,}\b.*              # HRESULTs and addresses
      | [A-Z]:\\\S*                         # a path
    ).*$""", re.IGNORECASE | re.VERBOSE)
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Detection:
    """What one message says of its writer's language."""

    language: str | None  # the detector's best guess among the languages asked, or None
    confidence: float  # the detector's, 0..1 (0 when it had nothing to read)
    words: int  # words of prose it read
    hint: str | None = None  # a language the headers name (Content-Language and the like)
    chars: int = SURE_CHARS  # characters of prose it read
    marked: str | None = None  # a short text's language by its small words (SHORT_MARKS)

    @property
    def sure(self) -> bool:
        if self.language is None or self.words < SURE_WORDS:
            return False
        if self.chars < SURE_CHARS:
            return self.marked == self.language
        return self.confidence >= SURE_CONFIDENCE

    @property
    def clear(self) -> bool:
        return (self.language is not None and self.words >= CLEAR_WORDS
                and self.chars >= SURE_CHARS and self.confidence >= CLEAR_CONFIDENCE)

    def to_json(self) -> dict[str, Any]:
        return {"language": self.language, "confidence": round(self.confidence, 3),
                "words": self.words, "hint": self.hint, "sure": self.sure}


@dataclass(frozen=True)
class Choice:
    language: str
    source: str  # text | remembered | hint | default
    remember: bool  # whether it is news worth remembering for the requester's next tickets

    def why(self, detection: Detection) -> str:
        found = (f"{detection.language} {detection.confidence:.2f} on {detection.words} words"
                 if detection.language else "no prose to read")
        if detection.marked and detection.chars < SURE_CHARS:
            found += f"; a short text, {detection.marked} by its small words"
        return f"language {self.language}: {self.source} (detector: {found})"


def prose(text: str, errors: Iterable[object] = ()) -> str:
    """The requester's own words: the lines of `text` that are no part of a pasted error
    (its frame, title, message, buttons), a stack trace or an error code."""
    known = set()
    for error in errors:
        for name in ("application", "title", "message"):
            value = getattr(error, name, None)
            if value:
                known.update(line.strip() for line in str(value).splitlines() if line.strip())
    lines = text[:MAX_CHARS].splitlines()
    # Everything between a dialog's first and last frame line is the dialog's.
    frames = [i for i, line in enumerate(lines) if _FRAME.match(line)]
    framed = range(frames[0], frames[-1] + 1) if len(frames) >= 2 else range(0)
    kept = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if (not stripped or i in framed or stripped in known or _FRAME.match(line)
                or _BUTTONS.match(line) or _MACHINE_LINE.match(line)
                or stripped.startswith(">")):
            continue
        kept.append(stripped)
    return "\n".join(kept)


def header_hint(values: Iterable[str], languages: Sequence[str]) -> str | None:
    """The first of `languages` that a Content-Language or Accept-Language-like header names,
    in its order of preference ("fr-FR, en-US;q=0.8")."""
    for value in values:
        ranked = []
        for position, item in enumerate(value.split(",")):
            tag, _, params = item.strip().partition(";")
            q = 1.0
            match = re.search(r"q\s*=\s*([0-9.]+)", params)
            if match:
                try:
                    q = float(match.group(1))
                except ValueError:
                    q = 0.0
            base = tag.strip().replace("_", "-").split("-", 1)[0].lower()
            ranked.append((-q, position, base))
        for _q, _position, base in sorted(ranked):
            if base in languages:
                return base
    return None


def detect(text: str, *, subject: str = "", errors: Iterable[object] = (),
           hints: Iterable[str] = (), languages: Sequence[str] = ("fr", "en")) -> Detection:
    """What `text` (a message's cleaned text) and its subject say of the writer's language,
    among `languages` (ISO 639-1 codes)."""
    words = prose(f"{subject}\n{text}", errors)
    count = len(_WORD.findall(words))
    hint = header_hint(hints, languages)
    if count == 0 or len(languages) < 2:
        only = languages[0] if len(languages) == 1 and count else None
        return Detection(only, 1.0 if only else 0.0, count, hint)
    values = _detector(tuple(languages)).compute_language_confidence_values(words)
    best = values[0]
    language = best.language.iso_code_639_1.name.lower()
    chars = len(words.strip())
    marked = _marked(words, language) if chars < SURE_CHARS else None
    if marked is not None and marked != language:  # the small words outvote the trigrams
        confidence = next(float(v.value) for v in values
                          if v.language.iso_code_639_1.name.lower() == marked)
        return Detection(marked, confidence, count, hint, chars, marked)
    return Detection(language, float(best.value), count, hint, chars, marked)


def marks(text: str) -> dict[str, int]:
    """How many of each language's small words (and, for French, accented words) `text`
    has: the evidence a short text gives of its language."""
    found = {code: 0 for code in _MARKS}
    for word in _MARK_WORD.findall(text.lower().replace("\u2019", "'")):
        if word in _MARKS["fr"] or _ELISION.match(word) or _ACCENTED.search(word):
            found["fr"] += 1
        elif word in _MARKS["en"] or _CONTRACTION.search(word):
            found["en"] += 1
    return found


def _marked(text: str, detected: str) -> str | None:
    """The language a short text's small words settle on, or None when they do not."""
    found = marks(text)
    if set(found) != {"fr", "en"}:
        return None
    for code, other in (("fr", "en"), ("en", "fr")):
        if found[other] == 0 and (found[code] > SHORT_MARKS
                                  or found[code] >= SHORT_MARKS and detected == code):
            return code
    return None


def choose(detection: Detection, *, remembered: str | None, default: str) -> Choice:
    """The ticket's language. A requester's known language holds unless this mail clearly says
    otherwise; a new requester's is the text's when the detector is sure, else the hint the
    headers give, else the team's language (`[mail] language`)."""
    if remembered:
        if detection.clear and detection.language != remembered:
            return Choice(detection.language, "text", True)  # type: ignore[arg-type]
        return Choice(remembered, "remembered", False)
    if detection.sure:
        return Choice(detection.language, "text", True)  # type: ignore[arg-type]
    if detection.hint:
        return Choice(detection.hint, "hint", False)
    return Choice(default, "default", False)


@lru_cache(maxsize=8)
def _detector(languages: tuple[str, ...]) -> Any:
    # Imported here: the models are loaded once, on the first mail that needs them. lingua's
    # low-accuracy mode (trigrams only) tells French from English on a few words as well as the
    # full one here (tests/test_language.py), and its models cost 2 MB and 0.1 s to load, where
    # the full mode's cost 85 MB and over a second: more than the daemon's whole memory.
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    wanted = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
              for code in languages]
    builder = LanguageDetectorBuilder.from_languages(*wanted)
    return builder.with_low_accuracy_mode().build()
