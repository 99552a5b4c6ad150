#!/usr/bin/env python3
"""Write docs/configuration.md from rules.toml, the commented reference of every key.

rules.toml stays the one place where a key is explained (its comment sits above it); this page
lays the same text out key by key, section by section, for an operator who reads in a browser.
`tests/test_docs.py` fails when the page is older than rules.toml: run this script again.

    .venv/bin/python scripts/config_doc.py            # rewrites docs/configuration.md
    .venv/bin/python scripts/config_doc.py --check    # exit 1 when it is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "rules.toml"
TARGET = ROOT / "docs" / "configuration.md"

HEADER = """\
# Configuration, key by key

mailbot reads one TOML file: `--config PATH`, else `$MAILBOT_CONFIG`, else
`/etc/mailbot/rules.toml`, else the embedded default (local Maildirs under `./mailbot-demo`). It
is read strictly: an unknown key, a wrong type or a bad value stops `mailbot check-config` and
the daemon with one line naming the key. Passwords never go in it (see
[installation](install.md#passwords-and-credentials)).

This page is written from the comments of the shipped `rules.toml` (by `scripts/config_doc.py`),
so the two say the same. Copy `rules.toml` to `/etc/mailbot/rules.toml` and edit it there; the
lists the organisation maintains (`[[programs]]`, `[[classification]]`, `[vocabulary]`) are
described once with their keys, and the shipped entries are in the file itself.
"""

# rules.toml cites the organisation's procedures by their file numbers; the page names them.
PROCEDURES = {
    "000": "the urgency levels procedure",
    "001": "the escalation procedure",
    "002": "the SLA procedure",
    "003": "the VIP escalation procedure",
    "004": "the support mailbox procedure",
}
SECTION = re.compile(r"^\[\[?([^\]]+)\]\]?\s*$")
KEY = re.compile(r"^([A-Za-z0-9_\"-]+)\s*=\s*(.*)$")


def _entries(lines: list[str]):
    """Yield (section, is_array, key, value, comment) in file order."""
    section, is_array, comment = "", False, []
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        i += 1
        if line.startswith("#"):
            comment.append(line.lstrip("#").strip())
            continue
        if not line.strip():
            comment = [] if section else comment
            continue
        if match := SECTION.match(line):
            section, is_array, comment = match.group(1), line.startswith("[["), []
            yield section, is_array, None, None, None
            continue
        if match := KEY.match(line):
            key, value = match.group(1).strip('"'), match.group(2)
            depth = value.count("[") - value.count("]")
            while depth > 0 and i < len(lines):  # a value spread over several lines
                depth += lines[i].count("[") - lines[i].count("]")
                i += 1
                value = value.split("#")[0].rstrip() + " …]"
            yield section, is_array, key, value.strip(), re.sub(r"\s{2,}", " ", " ".join(comment))
            comment = []


def _short(value: str) -> str:
    value = value.split(" #")[0].strip()
    return value if len(value) <= 60 else value[:57] + "…"


def _procedures(text: str) -> str:
    text = re.sub(r"\b(?:[Ss]eeds?|[Pp]roc[ée]dures?) (00\d)", lambda m: PROCEDURES[m.group(1)],
                  text)
    return text.replace("the seed's", "the procedure's").replace("the seed ", "the procedure ")


def render() -> str:
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if SECTION.match(line))
    out = [HEADER]
    seen_arrays: dict[str, int] = {}
    documented: set[tuple[str, str]] = set()
    for section, is_array, key, value, comment in _entries(lines[start:]):
        if key is None:
            if is_array:
                seen_arrays[section] = seen_arrays.get(section, 0) + 1
                if seen_arrays[section] > 1:
                    continue
                out.append(f"\n## `[[{section}]]` (a list: one table per entry)\n")
            else:
                out.append(f"\n## `[{section}]`\n")
            continue
        if (section, key) in documented:
            continue
        documented.add((section, key))
        text = f"- **`{key}`** = `{_short(value)}`"
        out.append(f"{text}: {comment}" if comment else text)
    counts = ", ".join(f"`[[{name}]]`: {n}" for name, n in seen_arrays.items() if n > 1)
    if counts:
        out.append(f"\nEntries shipped in `rules.toml`: {counts}.")
    return _procedures("\n".join(out).rstrip() + "\n")


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print("docs/configuration.md is older than rules.toml: run scripts/config_doc.py")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
