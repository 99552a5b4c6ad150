#!/usr/bin/env python3
"""Score mailbot's triage on a blind set without showing its cases (shared/BLIND.md).

    scripts/blind_triage.py DIR [--rules rules.toml] [--organisation DOMAIN]

DIR holds NNN.eml and NNN.json (type, priority (null for information), vip,
urgent_flag_justified, slice, class). Each mail goes through the daemon's own decision core
(`decide`, as for a new mail on an empty store, with the shipped rules.toml), and the script
prints ONLY: the share of mails whose type and priority are both right, the score per slice,
the share of information mails recognised, and one line per miss naming its slice, its class,
the expected and the obtained type and priority. Never a subject, a sender or a line of text:
whoever tunes the rules reads this output and nothing else of the set.

The shipped rules.toml is a sample written for an organisation at groupe-exemple.fr; an operator
puts their own domain in it. A set written for another organisation (the blind sets are written
for exemple.fr) is scored with `--organisation exemple.fr`: every domain of the sample
organisation (its [vip] domains, else the domains of the addresses the rules name) is rewritten
into that one wherever the rules name it (addresses, hosts, [vip] addresses and domains), as the
operator would, before the mails are decided.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=timezone(timedelta(hours=1)))  # a Tuesday morning


def _decide(raw: bytes, rules: Path, store_dir: Path) -> tuple[str | None, str | None]:
    from mailbot import config as configuration
    from mailbot.batch import Batch
    from mailbot.parsers import parse
    from mailbot.store import Store

    try:
        from mailbot.pipeline import decide
    except ImportError:  # after the layout step
        from mailbot.steps import decide  # type: ignore[no-redef]
    config = configuration.load(rules)
    config.storage.dir = str(store_dir)
    store = Store(store_dir, writer=True)
    parsed = parse(raw, config.parse_rules())
    decision = decide(parsed, raw_path="raw/blind.eml", view=Batch(store), config=config,
                      now=NOW)
    ticket = decision.ticket
    if ticket is None:
        return None, None
    return ticket.type, ticket.priority


def organised(rules: Path, organisation: str, folder: Path) -> Path:
    """A copy of `rules` in `folder` with the sample organisation's domains replaced by
    `organisation` (a domain such as "exemple.fr")."""
    from mailbot import config as configuration
    from mailbot.rules.assess import own_domains

    organisation = organisation.strip().lower().lstrip("@")
    if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", organisation):
        raise SystemExit(f"--organisation: not a domain: {organisation!r}")
    text = rules.read_text("utf-8")
    for domain in sorted(own_domains(configuration.load(rules)), key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(domain)}(?![\w-])", organisation, text,
                      flags=re.IGNORECASE)
    copy = folder / "rules.toml"
    copy.write_text(text, "utf-8")
    return copy


def score(folder: Path, rules: Path, organisation: str | None = None) -> dict[str, object]:
    """Score the set in `folder` with `rules`, configured for `organisation`'s domain if given."""
    if organisation:
        with tempfile.TemporaryDirectory() as tmp:
            return _score(folder, organised(rules, organisation, Path(tmp)))
    return _score(folder, rules)


def _score(folder: Path, rules: Path) -> dict[str, object]:
    cases = sorted(folder.glob("*.eml"))
    total = right = info_total = info_right = 0
    per_slice: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    for eml in cases:
        label = json.loads(eml.with_suffix(".json").read_text("utf-8"))
        with tempfile.TemporaryDirectory() as tmp:
            got_type, got_priority = _decide(eml.read_bytes(), rules, Path(tmp))
        want_type, want_priority = label["type"], label.get("priority")
        ok = got_type == want_type and got_priority == want_priority
        total += 1
        right += ok
        slice_ = str(label.get("slice", "?"))
        per_slice[slice_][0] += ok
        per_slice[slice_][1] += 1
        if want_type == "information":
            info_total += 1
            info_right += ok
        if not ok:
            misses.append(f"{slice_} / {label.get('class', '?')} / expected {want_type},"
                          f"{want_priority} / got {got_type},{got_priority}")
    return {"total": total, "right": right, "info_total": info_total,
            "info_right": info_right, "slices": dict(per_slice), "misses": misses}


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f} % ({a}/{b})" if b else "n/a (0 cases)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--rules", type=Path, default=ROOT / "rules.toml")
    parser.add_argument("--organisation", metavar="DOMAIN",
                        help="the set's organisation (e.g. exemple.fr): the sample rules' "
                             "domains are rewritten into it, as an operator configures theirs")
    args = parser.parse_args(argv)
    import logging

    logging.disable(logging.CRITICAL)  # a log line could quote a subject
    result = score(args.dir, args.rules, args.organisation)
    print(f"type and priority both right: {_pct(result['right'], result['total'])}")
    for name, (ok, n) in sorted(result["slices"].items()):  # type: ignore[attr-defined]
        print(f"  slice {name}: {_pct(ok, n)}")
    print(f"information mails: {_pct(result['info_right'], result['info_total'])}")
    for line in result["misses"]:  # type: ignore[attr-defined]
        print(f"miss: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
