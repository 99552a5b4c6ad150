"""The operator's documentation: a short README that leads to docs/, links that resolve, a
configuration page as new as rules.toml, every CLI command documented, and only the product's
words (no "issue N" of how the team works, no "seed" for the organisation's procedures)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    first_heading = re.findall(r"^## (.+)$", text, re.M)[0]
    assert first_heading == "The two commands"
    assert "mailbot demo" in text and "./scripts/test.sh" in text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_speak_of_the_product_not_of_our_tracker(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert re.findall(r"\bissues? \d+|\(issue", text, re.I) == []
    assert re.findall(r"\bseeds?\b(?! ?with| ?by| ?from)", text, re.I) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = [
        target
        for target, _ in LINK.findall(page.read_text(encoding="utf-8"))
        if not target.startswith(("http://", "https://", "mailto:"))
        and not (page.parent / target).exists()
    ]
    assert broken == []


def test_configuration_page_is_as_new_as_rules_toml() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "config_doc.py"), "--check"],
        capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout


def test_every_cli_command_is_in_the_operations_page() -> None:
    shown = subprocess.run(
        [sys.executable, "-c", "from mailbot.cli import main; main()", "--help"],
        capture_output=True, text=True, cwd=ROOT,
    ).stdout
    commands = re.search(r"\{([a-z,-]+)\}", shown).group(1).split(",")
    assert "run" in commands
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = [name for name in commands if f"mailbot {name}" not in operations]
    assert missing == []
