"""The corpus report: every oracle of ../shared/corpus checked against the parsers, scored per
category (`mailbot corpus-report`, and the assertions of tests/test_corpus.py).

Each check is (category, file, field, ok, detail). Categories whose oracles measure the body
cleaner and the error extractor (replies, body_only/replies, error_texts) are reported too: the
parse depends on them.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

from mailbot.parsers import ParsedMessage, ParseRules, parse
from mailbot.parsers.body import clean_body
from mailbot.parsers.errors import extract_errors
from mailbot.parsers.forwards import detect_forward, find_blocks
from mailbot.parsers.subject import analyse_subject

# The organisation of helpdesk_fr/ (corpus README): its technicians and the bot's address.
HELPDESK_TECHNICIANS = ["tech.alice@groupe-exemple.fr", "tech.bruno@groupe-exemple.fr"]
HELPDESK_RULES = ParseRules(bot_addresses=frozenset({"support@groupe-exemple.fr"}))
# Where the corpus contradicts itself, the kind we hold right, and why (reported, not hidden).
DISAGREEMENTS: dict[str, tuple[str, str]] = {
    "notmuch__17_2.eml": (
        "list",
        "filed under plain/, but it is the same kind of mail as lists/notmuch__09_2.eml: a post "
        "to notmuch@notmuchmail.org tagged '[notmuch]', received through the list",
    ),
}
_SPACE = re.compile(r"\s+")


@dataclass
class Check:
    category: str
    file: str
    field: str
    ok: bool
    detail: str = ""
    source: str = ""  # the project the file comes from (MANIFEST.tsv), or "authored"


def corpus_dir() -> Path:
    """MAILBOT_CORPUS, else ../shared/corpus next to the repository root."""
    env = os.environ.get("MAILBOT_CORPUS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def _norm(text: str | None) -> str:
    return _SPACE.sub(" ", (text or "").replace("\r\n", "\n")).strip()


def sources(corpus: Path) -> dict[str, str]:
    """File (relative to the corpus) -> its source project ("owner/name"), from MANIFEST.tsv.

    Files the manifest does not list (helpdesk_fr/, error_texts/) were authored for the corpus.
    """
    table: dict[str, str] = {}
    manifest = corpus / "MANIFEST.tsv"
    if manifest.is_file():
        for row in manifest.read_text("utf-8").splitlines()[1:]:
            cells = row.split("\t")
            if len(cells) > 2:
                table[cells[0]] = cells[2].removeprefix("https://github.com/")
    return table


def run(corpus: Path) -> list[Check]:
    """Every oracle of the corpus checked, each check tagged with its file's source project."""
    checks = _run(corpus)
    origin = sources(corpus)
    for c in checks:
        c.source = origin.get(f"{c.category}/{c.file}", "authored")
    return checks


def _run(corpus: Path) -> list[Check]:
    checks: list[Check] = []
    for eml in sorted(corpus.glob("*/*.eml")):
        category = eml.parent.name
        raw = eml.read_bytes()
        rules = HELPDESK_RULES if category == "helpdesk_fr" else ParseRules()
        parsed = parse(raw, rules)
        oracle_path = eml.with_suffix(".expected.json")
        oracle = json.loads(oracle_path.read_text("utf-8")) if oracle_path.exists() else {}
        checks.extend(_message_checks(category, eml.name, raw, parsed, oracle, corpus))
    checks.extend(_body_only_checks(corpus))
    checks.extend(_error_text_checks(corpus))
    return checks


def _message_checks(category: str, name: str, raw: bytes, p: ParsedMessage, o: dict,
                    corpus: Path) -> Iterator[Check]:
    def check(field: str, ok: bool, detail: object = "") -> Check:
        return Check(category, name, field, bool(ok), str(detail)[:200])

    yield check("never raises", not any(d.startswith("parse failed") for d in p.defects),
                p.defects[:1])
    yield from _kind_checks(category, name, raw, p, o, check)
    if category == "helpdesk_fr":
        yield from _helpdesk_checks(p, o, check)
        return
    if "subject" in o:
        yield check("subject", _norm(p.subject_raw) == _norm(o["subject"]), p.subject_raw)
    if "from_" in o:
        yield check("from", p.sender == parseaddr(o["from_"])[1].lower() or
                    p.sender == o["from_"].lower(), p.sender)
    if "to" in o:
        yield check("to", [a.lower() for a in o["to"]] == p.to, p.to)
    if "attachments" in o:
        ours = {(a.filename, a.content_type) for a in p.attachments}
        want = {(a.get("filename", ""), a["content_type"]) for a in o["attachments"]}
        yield check("attachments", want <= ours, sorted(ours))
    if "text" in o and o["text"] and not o.get("attachments") and "forward" not in category:
        yield check("body text", _norm(p.body) == _norm(o["text"]), p.body[:80])
    if "expected_reply_text" in o:
        # talon's oracle is its extract_from_plain, which removes the quotation only (talon
        # finds signatures with another function): it is compared with what our cleaner keeps
        # once the quotation is cut, signature included. Signatures are checked by our own
        # fixtures (tests/formats/replies).
        cleaned = clean_body(p.body)
        unquoted = f"{cleaned.text}\n{cleaned.signature}"
        yield check("reply text (quotation cut)",
                    _norm(unquoted) == _norm(o["expected_reply_text"]), unquoted[:80])
    for must in o.get("reply_must_contain", []):
        yield check("reply contains", _norm(must) in _norm(p.text), must)
    for must_not in o.get("reply_must_not_contain", []):
        yield check("reply omits", _norm(must_not) not in _norm(p.text), must_not)
    if "body_starts" in o:
        yield check("charset", p.body.lstrip().startswith(o["body_starts"]), p.body[:30])
    if "in_reply_to_loop_with" in o:
        other = parse((corpus / category / f"notmuch__{o['in_reply_to_loop_with']}.eml")
                      .read_bytes())
        yield check("in-reply-to", other.message_id in p.in_reply_to + p.references,
                    p.in_reply_to)
    yield from _forward_checks(p, o, check)


def _kind_checks(category: str, name: str, raw: bytes, p: ParsedMessage, o: dict,
                 check) -> Iterator[Check]:
    why = f"{p.kind} {p.machine_reasons}"
    if o.get("is_bounce") is True:
        yield check("kind bounce", p.kind == "bounce", why)
        yield from _bounce_status(p, o, raw, check)
    elif o.get("is_autoreply") is True:
        yield check("kind auto_reply", p.kind == "auto_reply", why)
    elif o.get("is_auto_generated") is True:
        yield check("kind machine", p.kind != "person", why)
    elif category == "lists":
        yield check("kind list", p.kind == "list", why)
    elif name in DISAGREEMENTS:
        kind, _reason = DISAGREEMENTS[name]
        yield check(f"kind {kind} (see DISAGREEMENTS)", p.kind == kind, why)
    elif category == "plain":
        # Negatives: people, including a human "vacation" mail and bounce look-alikes.
        # Mail that says in its own headers that it is bulk or from a no-reply robot is not.
        robot = p.sender.startswith("noreply") or b"\nPrecedence: junk" in raw
        yield check("kind person" if not robot else "kind machine", (p.kind == "person") != robot,
                    why)


def _bounce_status(p: ParsedMessage, o: dict, raw: bytes, check) -> Iterator[Check]:
    # sisimai's "5.0.9xx" are its own inferences, not in the mail: only real codes are checked.
    statuses = [b["deliverystatus"] for b in o.get("bounces", []) if b.get("deliverystatus")]
    real = [s for s in statuses if s.encode() in raw]
    if real:
        got = p.bounce.status if p.bounce else None
        yield check("bounce status", got in real, got)


def _forward_checks(p: ParsedMessage, o: dict, check) -> Iterator[Check]:
    fw = p.forwarded
    sender = o.get("deepest_original_from") or o.get("original_from")
    if "original_sender" in o:
        sender = parseaddr(o["original_sender"])[1]
    if sender:
        yield check("forward sender", fw is not None and fw.original_sender == sender.lower(), fw)
    if "original_subject" in o:
        yield check("forward subject", fw is not None and fw.original_subject ==
                    o["original_subject"], fw)
    depth = o.get("depth_at_least")
    if depth:
        yield check("forward depth", fw is not None and fw.depth >= depth, fw)


def _helpdesk_checks(p: ParsedMessage, o: dict, check) -> Iterator[Check]:
    yield check("urgent_requested", p.urgent == o["urgent_requested"], p.urgent)
    want = o["program"]
    got = p.program or ""
    yield check("program", (want is None and p.program is None) or (
        want is not None and got != "" and (want.lower() in got.lower() or
                                            got.lower() in want.lower())), p.program)
    codes = {c for e in p.errors for c in e.codes}
    yield check("error_codes", set(o["error_codes"]) <= codes, sorted(codes))
    files = sorted(a.filename for a in p.attachments if not a.inline)
    yield check("attachments", files == sorted(o["attachments"]), files)
    commands = [_normal_command(c) for c in p.commands]
    yield check("commands", commands == o["commands"], p.commands)
    if o["kind"] in ("auto_reply", "bounce"):
        yield check("kind", p.kind == o["kind"], p.kind)
    else:
        yield check("kind person", p.kind == "person", p.machine_reasons)
    if o["kind"] in ("new", "forward", "phone_log"):
        requester = _requester(p)
        yield check("requester", requester == o["requester"], requester)
    if o["ticket_ref"] is not None:
        yield check("ticket_ref", p.ticket_ref == o["ticket_ref"], p.ticket_ref)


def _requester(p: ParsedMessage) -> str:
    # On whose behalf a message opens a ticket is the core's decision (mailbot.people), made
    # from what the parsers report: scored here with the corpus organisation's technicians.
    from mailbot import people
    from mailbot.config import Config, SmtpConfig, TeamConfig

    config = Config(smtp=SmtpConfig(from_="support@groupe-exemple.fr"),
                    team=TeamConfig(technicians=HELPDESK_TECHNICIANS))
    return people.requester_of(p, people.identify(p, config), config)


def _normal_command(line: str) -> str:
    word, _, rest = line.partition(" ")
    return f"{word.lower()} {rest}".strip() if rest else word.lower()


def _body_only_checks(corpus: Path) -> Iterator[Check]:
    for path in sorted((corpus / "body_only" / "forwards").glob("*.txt")):
        o = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
        text = path.read_text("utf-8")
        info = analyse_subject(o.get("input_subject") or "", tag_prefix="#", programs=())
        fw, note, _ = detect_forward(text, subject_is_forward=info.is_forward,
                                     subject_is_reply=info.is_reply,
                                     fallback_subject=info.cleaned or None)
        cat = "body_only/forwards"
        yield Check(cat, path.name, "forwarded", (fw is not None) == o["forwarded"], str(fw))
        if o["forwarded"] and fw is not None:
            # crisp's oracle names the first forwarded level; ours reports the innermost, so the
            # first block found is compared here (they differ only in nested chains).
            first = find_blocks(text)[1][0]
            want = o["original_from"]["address"]
            yield Check(cat, path.name, "original sender",
                        (first.sender or fw.original_sender) == want, first.sender)
            yield Check(cat, path.name, "original subject",
                        (first.subject or fw.original_subject) == o["original_subject"],
                        str(first.subject))
            yield Check(cat, path.name, "forwarder note", (note or None) == o["forwarder_message"],
                        note[:60])
    for path in sorted((corpus / "body_only" / "replies").glob("*.txt")):
        o = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
        got = clean_body(path.read_text("utf-8")).text
        yield Check("body_only/replies", path.name, "trimmed",
                    _norm(got) == _norm(o["expected_trimmed"]), got[:80])


def _error_text_checks(corpus: Path) -> Iterator[Check]:
    for path in sorted((corpus / "error_texts").glob("*.txt")):
        o = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
        errors = extract_errors(path.read_bytes().decode("utf-8"))
        codes = {c for e in errors for c in e.codes}
        yield Check("error_texts", path.name, "kind", any(e.kind == o["kind"] for e in errors),
                    [e.kind for e in errors])
        yield Check("error_texts", path.name, "codes", set(o["codes"]) <= codes, sorted(codes))
        messages = [_norm(e.message) for e in errors]
        yield Check("error_texts", path.name, "message", _norm(o["message"]) in messages,
                    messages[:2])


def scores(checks: list[Check], *, by: str = "category") -> dict[str, tuple[int, int]]:
    """(passed, total) per category, or per source project with by="source"."""
    table: dict[str, tuple[int, int]] = {}
    for c in checks:
        key = getattr(c, by)
        ok, total = table.get(key, (0, 0))
        table[key] = (ok + c.ok, total + 1)
    return dict(sorted(table.items()))


def format_report(checks: list[Check], *, failures: bool = True, by: str = "category") -> str:
    width = max([22, *(len(k) + 1 for k in scores(checks, by=by))])
    lines = [f"{by:<{width}} {'passed':>7} {'checks':>7} {'score':>7}"]
    for key, (ok, total) in scores(checks, by=by).items():
        lines.append(f"{key:<{width}} {ok:>7} {total:>7} {100 * ok / total:>6.1f}%")
    if failures:
        lines += ["", "failed checks:"]
        lines += [f"  {c.category}/{c.file}: {c.field}: got {c.detail}" for c in checks if not c.ok]
    return "\n".join(lines)


def main(argv: list[str] | None = None, *, by_source: bool = False,
         only_source: str | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--blind" in args:  # a frozen set, scored without printing its texts (blind.py)
        from mailbot.parsers.blind import main as blind

        where = args[args.index("--blind") + 1:]
        if not where:
            print("--blind needs the set's folder", file=sys.stderr)
            return 2
        return blind(Path(where[0]))
    paths = [a for a in args if not a.startswith("--")]
    by_source = by_source or "--by-source" in args
    corpus = Path(paths[0]) if paths else corpus_dir()
    if not corpus.is_dir():
        print(f"corpus not found: {corpus} (set MAILBOT_CORPUS)", file=sys.stderr)
        return 2
    checks = run(corpus)
    if only_source:
        checks = [c for c in checks if only_source.lower() in c.source.lower()]
        if not checks:
            print(f"no check comes from a source matching {only_source!r}", file=sys.stderr)
            return 2
    print(format_report(checks, failures="--quiet" not in args,
                        by="source" if by_source else "category"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
