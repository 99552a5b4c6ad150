"""The paraphrase set (cases.txt): every example of the SLA procedure said several ways, the
way employees write, labelled from the procedures before mailbot ran on them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

CASES = Path(__file__).with_name("cases.txt")
HOLDOUT = Path(__file__).with_name("holdout.txt")  # written after the rules changed
HOLDOUT2 = Path(__file__).with_name("holdout2.txt")  # the classes a blind set still missed
CASES5 = Path(__file__).with_name("cases5.txt")  # round 5: triage-r4's classes of misses
HOLDOUT5 = Path(__file__).with_name("holdout5.txt")  # round 5, scored once at the end
CASES6 = Path(__file__).with_name("cases6.txt")  # round 6: triage-r5's classes of misses
HOLDOUT6 = Path(__file__).with_name("holdout6.txt")  # round 6, scored once at the end
CASES7 = Path(__file__).with_name("cases7.txt")  # round 7: triage-r5's remaining classes, day 5
CASES8 = Path(__file__).with_name("cases8.txt")  # round 8: triage-r6's classes of misses
HOLDOUT8 = Path(__file__).with_name("holdout8.txt")  # round 8, scored once at the end
EMPLOYEE = "sam.employe@groupe-exemple.fr"


@dataclass(frozen=True)
class Case:
    example: str  # the "## ..." heading: which example of the procedure
    sender: str
    type: str
    priority: str | None
    subject: str
    body: str
    line: int


def cases(path: Path = CASES) -> list[Case]:
    out: list[Case] = []
    example = ""
    for n, raw in enumerate(path.read_text("utf-8").splitlines(), 1):
        if raw.startswith("## "):
            example = raw[3:].strip()
            continue
        if not raw.strip() or raw.startswith("#"):
            continue
        sender = EMPLOYEE
        if raw.startswith("from "):
            head, raw = raw.split(" | ", 1)
            sender = head[5:].strip()
        parts = [p.strip() for p in raw.split(" | ", 2)]
        type_, priority = parts[0].split()
        out.append(Case(example, sender, type_, None if priority == "-" else priority,
                        parts[1], parts[2].replace("\\n", "\n") + "\n", n))
    return out


def score(decide: object, path: Path = CASES) -> dict[str, object]:
    """`decide(case) -> (type, priority)`; the share right, per example class, the misses."""
    right = 0
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    all_cases = cases(path)
    for case in all_cases:
        got = decide(case)  # type: ignore[operator]
        ok = got == (case.type, case.priority)
        right += ok
        kind = case.example.split(":")[0]
        per[kind][0] += ok
        per[kind][1] += 1
        if not ok:
            misses.append(f"line {case.line} ({case.example}): expected {case.type},"
                          f"{case.priority} got {got[0]},{got[1]}: {case.subject!r}")
    return {"right": right, "total": len(all_cases), "per": dict(per), "misses": misses}
