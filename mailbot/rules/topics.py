"""Two topics in one mail: an activity stopped outranks a stronger-worded component.

The SLA procedure's P1 is an impact ("un site complet ou un département entier", the
activity of the company): a mail that tells of a department stopped and, among its symptoms,
of a share with a red cross is the department stopped, however many words the share got.
A P1 incident found with real evidence (at least `SHARE` of the strongest's, and not weak)
decides over a stronger P2-P4 incident. Between P2 and P3 the strength still decides: a mail
server named but denied must not outrank the one mailbox that fails.
"""

from __future__ import annotations

from typing import Any

SHARE = 0.6  # an incident this close to the strongest evidence competes on its priority


def graver_first(ranked: list[Any], weak_below: float) -> list[Any]:
    """`ranked`: (score, -index, rule, outcome), strongest first. The strongest P1 incident
    with real evidence moves first when the strongest is a lesser incident."""
    if len(ranked) < 2 or ranked[0][2].type != "incident":
        return ranked
    floor = max(weak_below, SHARE * ranked[0][0])
    close = [r for r in ranked if r[2].type == "incident" and r[0] >= floor]
    best = next((r for r in close if r[2].priority == "P1"), None)
    if best is None or ranked[0][2].priority == "P1":
        return ranked
    return [best, *(r for r in ranked if r is not best)]
