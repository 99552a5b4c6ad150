"""Two small test helpers used across the suite: waiting for an observable outcome, and what to
do when a tool or server the test needs is missing."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import NoReturn

import pytest


def wait_until(what: Callable[[], object], timeout: float = 20.0, *,
               interval: float = 0.05) -> None:
    """Poll an observable outcome (never a bare sleep standing in for it)."""
    deadline = time.monotonic() + timeout
    while not what():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what.__doc__ or what}")
        time.sleep(interval)


def unavailable(reason: str) -> NoReturn:
    """A server or tool the test needs is missing: a failure in CI (scripts/test.sh sets CI and
    installs everything), a skip on a developer's machine."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)
