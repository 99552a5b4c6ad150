"""Where the shared corpus is: $MAILBOT_CORPUS, else ../shared/corpus beside the checkout.

A missing corpus fails the tests that walk it (CI always runs them); it never skips them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def corpus_root() -> Path:
    root = Path(os.environ.get("MAILBOT_CORPUS") or ROOT.parent / "shared" / "corpus")
    if not (root / "README.md").exists():
        pytest.fail(f"the shared corpus is missing at {root} (set MAILBOT_CORPUS)")
    return root
