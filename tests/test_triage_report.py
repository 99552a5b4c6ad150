"""`mailbot triage-report`: the first guess's accuracy from the technicians' corrections."""

from __future__ import annotations

from mailbot import triage_report
from mailbot.model import Ticket


def _ticket(n: int, guess: tuple[str, str | None, str | None],
            fix: tuple[str, str | None] | None) -> Ticket:
    type_, priority, rule = guess
    return Ticket(number=n, subject="s", requester="a@b.fr", token=f"{n}-t",
                  created_at="2026-11-23T09:00:00+01:00", updated_at="2026-11-23T09:00:00+01:00",
                  first_guess={"type": type_, "priority": priority, "rule": rule},
                  correction=None if fix is None else {"type": fix[0], "priority": fix[1],
                                                       "by": "t@b.fr", "at": "x"})


def test_accuracy_per_priority_and_type_and_the_rules_corrected_most() -> None:
    tickets = [
        _ticket(1, ("incident", "P3", "printer_down"), ("incident", "P3")),  # confirmed
        _ticket(2, ("incident", "P3", "remote_access"), ("request", "P2")),
        _ticket(3, ("incident", "P3", "remote_access"), ("request", "P2")),
        _ticket(4, ("request", "P2", "password_reset"), ("request", "P2")),
        _ticket(5, ("incident", "P3", "learnt:#2, #3, #7"), ("incident", "P4")),
        _ticket(6, ("incident", "P3", None), None),  # classified, never reviewed
        Ticket(number=7, subject="s", requester="a@b.fr", token="7-t", created_at="x",
               updated_at="x"),  # no first guess (a phone log): not counted
    ]
    text = triage_report.render(triage_report.build(tickets))
    assert "5 reviewed tickets (a #priority or #type given) of 6 classified" in text
    assert "first guess right (type and priority):  40.0 % (2/5)" in text
    assert "  P3            25.0 % (1/4)" in text
    assert "  P2           100.0 % (1/1)" in text
    assert "  incident      25.0 % (1/4)" in text
    rules = text.split("rules corrected most")[1].split("learnt guesses")[0]
    assert rules.splitlines()[1].split() == ["remote_access", "2", "(incident", "P3", "->",
                                             "request", "P2", "x2)"]
    assert "#2, #3, #7" in text.split("learnt guesses")[1]


def test_no_correction_yet_says_so() -> None:
    text = triage_report.render(triage_report.build([]))
    assert "no corrections yet" in text
