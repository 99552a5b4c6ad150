"""Body cleaning measured on the shared corpus's reply oracles, plus the cases they do not cover."""

from __future__ import annotations

import email
import json
import os
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailbot.parsers.body import CleanBody, clean_body, html_to_text

TARGET = 0.95
_SPACES = re.compile(r"\s+")
# email_reply_trimmer rewrites quote marks ("Richard>", "|") as ">" in what it elides.
_QUOTE_MARKS = re.compile(r"^[ \t]*(?:\w{0,20}>|\|)[ \t>]*", re.MULTILINE)


def corpus_root() -> Path:
    """The shared corpus; its absence is a failure, never a skip."""
    env = os.environ.get("MAILBOT_CORPUS")
    root = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
    assert root.is_dir(), f"corpus not found at {root} (set MAILBOT_CORPUS)"
    return root


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
    """discourse/email_reply_trimmer: the trimmed text equals ours, and what it elides is what we cut."""
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
