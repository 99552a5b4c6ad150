"""Our own fixtures of the formats the parsers must know, each beside its expected result.

Every file under tests/formats/ was written for this project from what the mail clients, MTAs and
RFCs document (no other project's test files): a reply quote header in one language, a
forward's header block of one client, one kind of machine mail, one pasted error. Each
`NAME.expected.json` says what a correct parse gives; this one test walks them all.

- replies/NAME.txt: a body; `text` is what the author wrote (quotes and signature cut);
  `own`, the helpdesk's addresses when the reply quotes the helpdesk's mail.
- forwards/NAME.txt: a body forwarded with `subject`; `original_sender`, `note` (the
  forwarder's own words), `original_subject`. forwards/NAME.eml: a whole message; also
  `original_text`, what the forwarded message says.
- machine/NAME.eml: `kind` (person, auto_reply, bounce, list); for bounces `status` and
  `recipient` when the mail states them.
- errors/NAME.txt: `codes` that must be found (extra finds are tolerated, but not those in
  `not_codes`), `kind` and `message` of the main error when given; `no_error` for prose that
  holds none.
- programs/NAME.eml: `program`, the catalogue entry the message names (null for none).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mailbot.parsers import ParseRules, parse
from mailbot.parsers.body import clean_body
from mailbot.parsers.errors import extract_errors
from mailbot.parsers.forwards import detect_forward
from mailbot.parsers.subject import analyse_subject

FORMATS = Path(__file__).parent / "formats"
SIDECARS = sorted(FORMATS.glob("*/*.expected.json"))
RULES = ParseRules(bot_addresses=frozenset({"support@groupe-exemple.fr"}))
_SPACES = re.compile(r"\s+")


def _norm(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def _fixture(sidecar: Path) -> Path:
    stem = sidecar.name.removesuffix(".expected.json")
    found = [p for p in sidecar.parent.glob(f"{stem}.*") if p != sidecar]
    assert len(found) == 1, f"{sidecar}: one fixture beside it, found {found}"
    return found[0]


def test_there_are_enough_fixtures_of_every_format() -> None:
    kinds = {p.parent.name for p in SIDECARS}
    assert kinds == {"replies", "forwards", "machine", "errors", "programs"}
    assert len(SIDECARS) >= 60


@pytest.mark.parametrize("sidecar", SIDECARS, ids=lambda p: f"{p.parent.name}/{p.name[:-14]}")
def test_format_fixture(sidecar: Path) -> None:
    want = json.loads(sidecar.read_text("utf-8"))
    fixture = _fixture(sidecar)
    kind = sidecar.parent.name
    if kind == "replies":
        got = clean_body(fixture.read_text("utf-8"), own=frozenset(want.get("own", ()))).text
        assert _norm(got) == _norm(want["text"]), want["format"]
    elif kind == "forwards" and fixture.suffix == ".txt":
        info = analyse_subject(want["subject"], tag_prefix="#", programs=())
        forwarded, note, _ = detect_forward(
            fixture.read_text("utf-8"), subject_is_forward=info.is_forward,
            subject_is_reply=info.is_reply, fallback_subject=info.cleaned or None)
        assert forwarded is not None, want["format"]
        assert forwarded.original_sender == want["original_sender"], want["format"]
        assert _norm(note) == _norm(want["note"]), want["format"]
        if want.get("original_subject") is not None:
            assert forwarded.original_subject == want["original_subject"], want["format"]
    elif kind == "forwards":
        parsed = parse(fixture.read_bytes(), RULES)
        assert parsed.forwarded is not None, want["format"]
        assert parsed.forwarded.original_sender == want["original_sender"], want["format"]
        assert _norm(want["original_text"]) in _norm(parsed.forwarded.text), want["format"]
        assert _norm(want["note"]) in _norm(parsed.body), want["format"]
        if want.get("original_subject") is not None:
            assert parsed.forwarded.original_subject == want["original_subject"], want["format"]
    elif kind == "machine":
        parsed = parse(fixture.read_bytes(), RULES)
        assert parsed.kind == want["kind"], (want["format"], parsed.machine_reasons)
        for key in ("status", "recipient"):
            if key in want:
                assert parsed.bounce is not None and getattr(parsed.bounce, key) == want[key]
    elif kind == "programs":
        parsed = parse(fixture.read_bytes(), RULES)
        assert parsed.program == want["program"], want["format"]
    else:
        errors = extract_errors(fixture.read_text("utf-8"))
        if want.get("no_error"):
            assert errors == [], want["format"]
        codes = {c for e in errors for c in e.codes}
        assert set(want["codes"]) <= codes, (want["format"], errors)
        assert not set(want.get("not_codes", ())) & codes, (want["format"], errors)
        if "kind" in want:
            assert want["kind"] in [e.kind for e in errors], (want["format"], errors)
        if "message" in want:
            assert _norm(want["message"]) in [_norm(e.message) for e in errors], (
                want["format"], errors)
