"""What a blind miss looks like in kind, never in text (mailbot.parsers.blind).

These descriptions are written independently of the parsers' own rules (rough shapes of lines),
so that the scorer's words do not simply echo what the parsers already know.
"""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")

# Valedictions the product keeps on purpose with the name block under them (labels leave them).
_VALEDICTION = re.compile(
    r"^(?:(?:bien |tr[èe]s )?cordialement|bien [àa] (?:vous|toi)|(?:sinc[èe]res |meilleures )?"
    r"salutations|bonne (?:journ[ée]e|soir[ée]e|fin de journ[ée]e|semaine)|merci(?: d'avance| "
    r"beaucoup| encore| par avance)?|bises|a\+|[àa] bient[ôo]t|(?:many |thanks?|thank you)"
    r"(?: in advance| again)?|(?:best|kind|warm)(?: regards)?|regards|cheers|sincerely|"
    r"(?:mit )?(?:freundlichen |besten |viele |liebe )?gr[üu](?:ß|ss)(?:e|en)?|lg|vg|danke|"
    r"(?:un )?saludos?(?: cordiales)?|atentamente|cordiali saluti|saluti|distinti saluti|"
    r"cdlt|cdt|b[àa]v|slts?|belle (?:journ[ée]e|soir[ée]e)|bonne continuation|[àa] plus|"
    r"un saluto|grazie(?: mille)?|a presto|gracias|obrigad[oa]|dank(?:e|je)(?: schön)?|"
    r"bedankt|tack|vielen dank|beste gr[üu](?:ß|ss)e|sch[öo]ne gr[üu](?:ß|ss)e|"
    r"(?:met )?vriendelijke groet(?:en)?|groeten|atenciosamente|abra[çc]os|pozdrawiam|"
    r"(?:(?:com os )?melhores )?cumprimentos|sauda[çc][õo]es|"
    r"med vänlig hälsning|med vänliga hälsningar|vänliga hälsningar|hälsningar|mvh|"
    r"groetjes|groet|hartelijke groet(?:en)?|mvg|met groet|venlig hilsen|vennlig hilsen|"
    r"hilsen|ystävällisin terveisin|terveisin|s pozdravem|üdvözlettel|с уважением|"
    # Romanian, Bulgarian, Greek, Ukrainian, Serbo-Croatian and Slovenian, Baltic, Catalan,
    # Basque, Galician, Welsh, Icelandic, Turkish, Vietnamese, Indonesian, Hungarian, Slovak
    r"mul[țţt]umesc(?: frumos)?|cu stim[ăa]|toate cele bune|numai bine|salut[ăa]ri|cu drag|"
    r"поздрави|с уважение|благодаря|με εκτίμηση|ευχαριστώ|φιλικά|χαιρετισμούς|з повагою|"
    r"дякую|srda[čc]an pozdrav|(?:lijep |lep )?pozdrav|hvala|s po[šs]tovanjem|"
    r"s spo[šs]tovanjem|срдачан поздрав|поздрав|хвала|pagarbiai|su pagarba|a[čc]i[ūu]|"
    r"ar cie[ņn]u|paldies|lugupidamisega|t[äa]nan|ait[äa]h|salutacions|atentament|"
    r"cordialment|gr[àa]cies|agur|eskerrik asko|(?:un )?sa[úu]dos?|grazas|cofion|yn gywir|"
    r"diolch|kve[ðd]ja|(?:bestu |kær |með )?kve[ðd]jur?|takk|sayg[ıi]lar[ıi]mla|"
    r"te[şs]ekk[üu]rler|iyi [çc]al[ıi][şs]malar|tr[âa]n tr[ọo]ng|c[ảa]m [ơo]n|salam|"
    r"hormat saya|terima kasih|tisztelettel|k[öo]sz[öo]n[öo]m|s pozdravom|[ďd]akujem)"
    r"\b[\s,.!]*.{0,30}$",
    re.IGNORECASE,
)
_MAX_NAME_BLOCK = 5  # lines after the valediction: name, title, phone...

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a quoted line ('>')", re.compile(r"^\s*>")),
    ("a separator line", re.compile(r"^\s*(?:-{2,}|_{5,}|={5,}|\*{5,})")),
    ("a header-block line (Field: value)", re.compile(
        r"^\s*\*?[A-Za-zÀ-ÿ][\w .-]{0,20}\s?:\*?\s+\S.*@|^\s*\*?(?:from|de|von|da|van|od|to|à|an"
        r"|sent|envoy[ée]|gesendet|date|datum|subject|objet|betreff|cc)\s?:", re.IGNORECASE)),
    ("an attribution line (... wrote:)", re.compile(r"[:：]\s*$")),
    ("a valediction", _VALEDICTION),
    ("a signature or mobile tagline", re.compile(
        r"^(?:--\s*$|envoy[ée] (?:de|depuis)|sent from|obtenir outlook|get outlook|von meinem)",
        re.IGNORECASE)),
    ("a line with an address or phone", re.compile(r"@|\+?\d[\d .]{7,}\d")),
)


def norm(text: str | None) -> str:
    return _SPACE.sub(" ", (text or "").replace("\ufeff", "")).strip()


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def line_kind(line: str) -> str:
    for name, pattern in _KINDS:
        if pattern.search(line):
            return name
    return "plain text"


def code_shape(code: str) -> str:
    """A code's form without its value: letters A, digits 9, runs of 4 and more shortened."""
    shape = re.sub(r"[^\W\d_]", "A", re.sub(r"\d", "9", code))
    if re.fullmatch(r"0[xX][0-9A-Fa-f]+", code):
        return "0xHEX"
    return re.sub(r"(A{4,}|9{4,})", lambda m: f"{m.group(0)[0]}{{{len(m.group(0))}}}", shape)


# A name alone under the text is the shortest sign-off ("Jean", "Marie-Claire Dupont").
_NAME_ALONE = re.compile(r"^[^\W\d_][^\W\d_'’-]*(?:[ '’-][^\W\d_][^\W\d_'’-]*){0,2}$")


def _tolerated(rest: list[str]) -> bool:
    rest = [line for line in rest if line.strip()]
    if len(rest) == 1 and _NAME_ALONE.match(rest[0].strip()) and rest[0].strip()[0].isupper():
        return True
    return not rest or (bool(_VALEDICTION.match(rest[0].strip()))
                        and len(rest) <= 1 + _MAX_NAME_BLOCK
                        and all(len(line.strip()) <= 80 for line in rest))


def differs_in_reply(ours: str, body: str, want: str) -> str:
    """"" when our new text is the label's (give or take a trailing valediction and name block),
    else what differs, in kind."""
    want = norm(want)
    lines = _answers_only(ours.splitlines())
    for k in range(len(lines), -1, -1):
        head = norm("\n".join(lines[:k]))
        if head == want:
            return "" if _tolerated(lines[k:]) else (
                f"new text too long: {line_kind(_first(lines[k:]))} and "
                f"{len(words(' '.join(lines[k:])))} words kept ({shape(lines[k:])}, after "
                f"{shape([x for x in lines[:k] if x.strip()][-2:])})")
        if want.startswith(head) and (len(head) == len(want) or want[len(head)] == " "):
            break
    ours_n = norm(ours)
    if not ours_n:
        return "new text empty"
    if want.startswith(ours_n):
        lost = len(words(want)) - len(words(ours_n))
        return f"new text cut short: {lost} words lost, cut at {_cut_kind(ours, body)}"
    common = 0
    for a, b in zip(words(ours_n), words(want), strict=False):
        if a != b:
            break
        common += 1
    extra = sorted({line_kind(line) for line in lines if line.strip() and norm(line) not in want})
    return (f"new text differs after {common} words ({len(words(ours_n))} ours, "
            f"{len(words(want))} label's; ours has lines not in the label: {', '.join(extra)})")


def _answers_only(lines: list[str]) -> list[str]:
    """Our text without the quoted questions it keeps above inline answers (the product keeps
    them for the technician on purpose; labels hold the employee's own lines). A quote with
    no answer of ours under it is kept, so that a quote left in stays a miss."""
    kept = []
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">") and any(
                later.strip() and not later.lstrip().startswith(">") for later in lines[i + 1:]):
            continue
        kept.append(line)
    return kept


_SHORT = {"a quoted line ('>')": "quote", "a separator line": "separator",
          "a header-block line (Field: value)": "header", "an attribution line (... wrote:)":
          "colon-ended", "a valediction": "valediction", "a signature or mobile tagline":
          "signature", "a line with an address or phone": "address/phone",
          "plain text": "text"}


def shape(lines: list[str], *, limit: int = 14) -> str:
    """The layout of lines in kinds, runs counted ("text x3, header x4, quote x6"); a line that
    names the helpdesk's address is marked "(helpdesk)"."""
    runs: list[list] = []
    for line in lines:
        if not line.strip():
            continue
        kind = _SHORT[line_kind(line)] + (" (helpdesk)" if HELPDESK in line.lower() else "")
        if runs and runs[-1][0] == kind:
            runs[-1][1] += 1
        else:
            runs.append([kind, 1])
    return ", ".join(f"{k} x{n}" if n > 1 else k for k, n in runs[:limit])


HELPDESK = "support@exemple.fr"


def _first(lines: list[str]) -> str:
    return next((line for line in lines if line.strip()), "")


def _cut_kind(ours: str, body: str) -> str:
    """The kind of the body's first line after what we kept."""
    kept = [line for line in ours.splitlines() if line.strip()]
    body_lines = body.splitlines()
    if not kept:
        return line_kind(_first(body_lines))
    last = norm(kept[-1])
    for i, line in enumerate(body_lines):
        if norm(line) == last:
            return shape(body_lines[i + 1:]) or "the end"
    return "an unknown line"
