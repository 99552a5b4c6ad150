"""Body cleaning measured on the shared corpus's reply oracles, plus the cases they do not cover."""

from __future__ import annotations

import email
import json
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

from mailbot.parsers import parse
from mailbot.parsers.body import CleanBody, clean_body, html_to_text
from tests.corpus_path import corpus_root

TARGET = 0.95
_SPACES = re.compile(r"\s+")
# email_reply_trimmer rewrites quote marks ("Richard>", "|") as ">" in what it elides.
_QUOTE_MARKS = re.compile(r"^[ \t]*(?:\w{0,20}>|\|)[ \t>]*", re.MULTILINE)


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _elided_norm(text: str) -> str:
    return _SPACES.sub("", _QUOTE_MARKS.sub("", text))


def _report(category: str, met: int, total: int, misses: list[str]) -> float:
    score = met / total if total else 0.0
    print(f"\n[corpus] {category}: {met}/{total} oracles met ({score:.0%})")
    for miss in misses:
        print(f"    miss: {miss}")
    return score


def _decoded_body(path: Path, *, html_first: bool) -> str:
    """The text an oracle was written against, decoded with the standard library."""
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    part = msg.get_body(("html", "plain") if html_first else ("plain", "html"))
    assert part is not None, path.name
    content = part.get_content()
    return html_to_text(content) if part.get_content_type() == "text/html" else content


def test_trimmer_oracles_met() -> None:
    """email_reply_trimmer: its trimmed text equals ours, and what it elides is what we cut."""
    folder = corpus_root() / "body_only" / "replies"
    sidecars = sorted(folder.glob("*.expected.json"))
    assert sidecars, folder
    met = total = 0
    misses: list[str] = []
    for sidecar in sidecars:
        expected = json.loads(sidecar.read_text(encoding="utf-8"))
        body = (folder / expected["message"]).read_text(encoding="utf-8")
        cleaned = clean_body(body)
        total += 2
        if _norm(cleaned.text) == _norm(expected["expected_trimmed"]):
            met += 1
        else:
            misses.append(f"{sidecar.name} trimmed: {cleaned.text!r}")
        cut = cleaned.quoted + "\n" + cleaned.signature
        if _elided_norm(cut) == _elided_norm(expected["expected_elided"]):
            met += 1
        else:
            misses.append(f"{sidecar.name} elided: q={cleaned.quoted!r} s={cleaned.signature!r}")
    assert _report("body_only/replies", met, total, misses) >= TARGET


def _eml_oracles(expected: dict[str, object], cleaned: CleanBody) -> list[tuple[str, bool]]:
    results: list[tuple[str, bool]] = []
    if "expected_reply_text" in expected:
        # talon only cuts quotations: its reply is our text followed by the signature we cut.
        reply = cleaned.text + "\n" + cleaned.signature
        results.append(("reply", _norm(reply) == _norm(str(expected["expected_reply_text"]))))
    for needle in expected.get("reply_must_contain", []):  # type: ignore[attr-defined]
        results.append((f"contains {needle!r}", needle in cleaned.text + cleaned.signature))
    for needle in expected.get("reply_must_not_contain", []):  # type: ignore[attr-defined]
        results.append((f"lacks {needle!r}", needle not in cleaned.text))
    return results


def test_reply_eml_oracles_met() -> None:
    """talon's expected replies and extended_email_reply_parser's must/must-not strings."""
    folder = corpus_root() / "replies"
    met = total = 0
    misses: list[str] = []
    for sidecar in sorted(folder.glob("*.expected.json")):
        expected = json.loads(sidecar.read_text(encoding="utf-8"))
        oracle = str(expected.get("oracle", ""))
        html_first = "html" in oracle.lower()
        cleaned = clean_body(_decoded_body(folder / expected["message"], html_first=html_first))
        for name, ok in _eml_oracles(expected, cleaned):
            total += 1
            met += ok
            if not ok:
                misses.append(f"{sidecar.name} {name}: {cleaned.text[:200]!r}")
    assert total >= 20
    assert _report("replies (eml)", met, total, misses) >= TARGET


def test_html_rendering_drops_code_and_keeps_links_lists_and_quotes() -> None:
    """Scripts and styles vanish, links keep a differing URL, lists and blockquotes are marked."""
    html = (
        "<html><head><style>p{}</style></head><body><script>x()</script>"
        "<p>Voir <a href='https://intranet/x'>la page</a> et "
        "<a href='https://a.fr'>https://a.fr</a></p><ul><li>un</li><li>deux</li></ul>"
        "<blockquote>cité<br>encore</blockquote></body></html>"
    )
    assert html_to_text(html) == (
        "Voir la page (https://intranet/x) et https://a.fr\n\n- un\n- deux\n> cité\n> encore\n"
    )


def test_m06_link_addresses_beyond_five_thousand_are_dropped_with_a_defect() -> None:
    """RELIABILITY M06, Zammad's limit: 5 000 link addresses are written out, no more; the
    links' text stays and the parsed message records what was dropped."""
    links = "".join(f"<p><a href='https://x.example/{i}'>lien {i}</a></p>" for i in range(5003))
    defects: list[str] = []
    text = html_to_text(f"<html><body>{links}</body></html>", defects)
    assert "lien 4999 (https://x.example/4999)" in text
    assert "https://x.example/5000" not in text and "\nlien 5002\n" in text
    assert text.count("https://") == 5000
    assert defects == ["HTML with more than 5000 links: the addresses of 3 links not rendered"]
    few: list[str] = []
    assert "(https://x.example/1)" in html_to_text(links[:2000], few) and few == []
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.example", "support@c.example", "x"
    message.set_content(f"<html><body>{links}</body></html>", subtype="html")
    parsed = parse(message.as_bytes())
    assert "https://x.example/5001" not in parsed.body
    assert any("more than 5000 links" in d for d in parsed.defects)


def test_outlook_html_reply_is_cut_at_its_marker() -> None:
    """Outlook's divRplyFwdMsg block starts the history even though nothing quotes it."""
    html = (
        "<div>Merci, ça marche.</div><div id='appendonsend'></div><hr>"
        "<div id='divRplyFwdMsg'><b>De :</b> Support<br><b>Envoyé :</b> lundi<br>"
        "<b>Objet :</b> [#12]</div><div>Votre demande a été enregistrée.</div>"
    )
    cleaned = clean_body(html_to_text(html))
    assert cleaned.text == "Merci, ça marche.\n"
    assert "Votre demande" in cleaned.quoted


def test_commands_survive_and_french_signature_and_disclaimer_are_cut() -> None:
    """Technician commands stay at the top; the sign-off and name are the person's text (issue
    10), the title and disclaimer below them go to the signature."""
    body = (
        "#priority P2\n#note disque remplacé\n\nFait ce matin.\n\nCordialement,\nAlice Moreau\n"
        "Support informatique\n\nCe message et toutes les pièces jointes sont confidentiels et "
        "établis à l'intention exclusive de ses destinataires.\n"
    )
    cleaned = clean_body(body)
    assert cleaned.text == ("#priority P2\n#note disque remplacé\n\nFait ce matin.\n\n"
                            "Cordialement,\nAlice Moreau\n")
    assert cleaned.signature.startswith("Support informatique")
    assert "confidentiels" in cleaned.signature


def test_unsure_cases_keep_the_text() -> None:
    """A lone closing, a long text after "Cordialement" and a sentence with "De :" are kept."""
    assert clean_body("Tout fonctionne.\nCordialement\n").text == "Tout fonctionne.\nCordialement\n"
    long_tail = "Cordialement\n" + "".join(f"ligne {n} du texte\n" for n in range(20))
    assert clean_body("Bonjour\n" + long_tail).signature == ""
    prose = "De : mon poste je ne vois plus le lecteur P.\nMerci\n"
    assert clean_body(prose).text == prose
