"""RELIABILITY M01: tests/fuzz_ingest.py (atheris, coverage-guided) run bounded, in a subprocess
(atheris.Fuzz() ends the process it runs in), seeded with our own fixtures; and the same run with
a planted invariant violation, which must fail: the harness reports what it checks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from hashlib import sha1
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "tests" / "fuzz_ingest.py"
# Our format fixtures; the spent blind sets under formats/blind-* (200 more mails, scored by
# test_blind) would eat the bounded run's time before any mutation.
SEEDS = sorted(p for p in (ROOT / "tests" / "formats").glob("**/*.eml")
               if not p.relative_to(ROOT / "tests" / "formats").parts[0].startswith("blind-"))


def _fuzz(tmp_path: Path, *options: str, plant: str = "") -> tuple[subprocess.CompletedProcess,
                                                                     list[Path]]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in SEEDS:  # a copy: libFuzzer adds what it learns to the corpus directory
        shutil.copy(seed, corpus / f"{seed.parent.name}-{seed.name}")
    crashes = tmp_path / "crashes"
    crashes.mkdir()
    env = {**os.environ, "MAILBOT_FUZZ_PLANT": plant,
           "MAILBOT_FUZZ_QUARANTINE_LOG": str(tmp_path / "quarantined.txt"),
           "TMPDIR": str(tmp_path)}  # the target's state directory, left in pytest's tmp
    run = subprocess.run(
        [sys.executable, str(TARGET), "-timeout=30", "-rss_limit_mb=2048",
         f"-artifact_prefix={crashes}/", *options, str(corpus)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=120)  # atheris prints the Python traceback on stdout, libFuzzer on stderr
    return run, sorted(crashes.iterdir())


def _report(run: subprocess.CompletedProcess, crashes: list[Path]) -> str:
    return (f"exit {run.returncode}; crash inputs: {[str(c) for c in crashes]}\n"
            f"--- output (tail) ---\n{run.stdout[-6000:]}")


def test_m01_coverage_guided_fuzz_of_the_daemon_ingest_finds_nothing(tmp_path: Path) -> None:
    # 30 s per input is M01's budget; the run itself is bounded to keep the suite fast
    # (docs/testing.md, "Fuzzing the ingest", runs it longer by hand).
    assert len(SEEDS) > 20
    run, crashes = _fuzz(tmp_path, "-max_total_time=25", "-runs=5000")
    assert run.returncode == 0 and not crashes, _report(run, crashes)
    # It ran to its bound past the seeds ("#N DONE", N inputs run), it did not die early.
    done = re.search(r"^#(\d+)\s+DONE", run.stdout, re.MULTILINE)
    assert done and int(done.group(1)) > len(SEEDS), run.stdout[-3000:]
    # Set aside is an accepted end for any bytes, not for our fixtures: well-formed mail (it
    # found test_pipeline::test_a_forward_of_an_attached_message_keeps_its_zoned_date).
    log = tmp_path / "quarantined.txt"
    aside = dict(line.split(" ", 1) for line in log.read_text().splitlines()) \
        if log.exists() else {}
    seeds = {sha1(seed.read_bytes()).hexdigest(): seed for seed in SEEDS}
    assert not {str(seeds[h]): aside[h] for h in aside if h in seeds}

def test_m01_the_fuzz_fails_on_a_planted_violation(tmp_path: Path) -> None:
    """MAILBOT_FUZZ_PLANT=bcc adds a Bcc line to every mail before the checks: the first seed
    that opens a ticket (an acknowledgement goes out) must be reported as a crash, with its
    input saved and the AssertionError's traceback shown. (The first input libFuzzer runs is
    the empty one: a message without a sender, ticketed, whose team notice goes out.)"""
    run, crashes = _fuzz(tmp_path, "-max_total_time=25", plant="bcc")
    assert run.returncode != 0, run.stdout[-3000:]
    assert "Uncaught Python exception" in run.stdout and "AssertionError" in run.stdout, \
        run.stdout[-3000:]
    assert "check_mail" in run.stdout  # the traceback names the check that failed
    assert len(crashes) == 1 and str(crashes[0]) in run.stdout  # the input kept, and named
