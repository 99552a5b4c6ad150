"""The escalation ladder, quiet hours and the morning digest, on fixed instants: which levels a
ticket has crossed, when a staff notice may go out, and what the digest lists."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

from mailbot import config as configuration
from mailbot import notices
from mailbot.clock import digest, ladder, quiet
from mailbot.clock.policy import TimePolicy
from mailbot.clock.settings import CalendarConfig, business_calendar
from mailbot.model import Ticket

ROOT = Path(__file__).resolve().parents[1]
CAL = business_calendar(CalendarConfig())
POLICY = TimePolicy.from_config(configuration.Config())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ticket(number: int = 1, **fields: object) -> Ticket:
    base = Ticket(number=number, subject=f"ticket {number}", requester="a@example.com",
                  token="t" * 32, created_at="2026-11-29T03:00:00+01:00",
                  updated_at="2026-11-29T03:00:00+01:00", priority="P1")
    return replace(base, **fields)  # type: ignore[arg-type]


def levels(crossings: list[ladder.Crossing]) -> list[int]:
    return [c.level.number for c in crossings]


def test_a_p1_never_answered_crosses_one_level_at_each_threshold() -> None:
    # P1 at 03:00 on a Sunday, round the clock: level 2 at 03:15, 3 at 04:00, 4 at 07:00.
    p1 = ticket()
    assert levels(POLICY.due_crossings(p1, at("2026-11-29T03:14:00+01:00"))) == []
    assert levels(POLICY.due_crossings(p1, at("2026-11-29T03:15:00+01:00"))) == [2]
    assert levels(POLICY.due_crossings(p1, at("2026-11-29T04:30:00+01:00"))) == [2, 3]
    # Once level 2 is notified it is not due again; the next crossing is level 3's.
    notified = replace(p1, escalation_level=2)
    assert levels(POLICY.due_crossings(notified, at("2026-11-29T04:30:00+01:00"))) == [3]
    assert POLICY.next_deadline(notified) == "2026-11-29T04:00:00+01:00"
    assert POLICY.next_deadline(replace(p1, escalation_level=3)) == "2026-11-29T07:00:00+01:00"
    # At the top of the ladder nothing more is coming.
    assert POLICY.next_deadline(replace(p1, escalation_level=7)) is None


def test_closing_stops_the_ladder_and_waiting_pauses_it() -> None:
    late = at("2026-12-01T00:00:00+01:00")
    assert POLICY.due_crossings(ticket(status="closed"), late) == []
    assert POLICY.next_deadline(ticket(status="closed")) is None
    waiting = ticket(status="waiting", waiting_periods=[["2026-11-29T03:10:00+01:00", None]])
    assert POLICY.due_crossings(waiting, late) == []
    # After a wait of ten minutes, level 2 comes ten minutes later than it would have.
    back = ticket(waiting_periods=[["2026-11-29T03:10:00+01:00", "2026-11-29T03:20:00+01:00"]])
    assert POLICY.next_deadline(back) == "2026-11-29T03:25:00+01:00"


def test_waits_and_closed_time_are_kept_as_the_ticket_changes() -> None:
    opened = POLICY.follow(None, ticket(), at("2026-11-29T03:00:00+01:00"))
    assert opened.waiting_periods == [] and opened.first_response_due is not None
    waiting = POLICY.follow(opened, replace(opened, status="waiting"),
                            at("2026-11-29T03:05:00+01:00"))
    assert waiting.waiting_periods == [["2026-11-29T03:05:00+01:00", None]]
    back = POLICY.follow(waiting, replace(waiting, status="open"),
                         at("2026-11-29T03:35:00+01:00"))
    assert back.waiting_periods == [["2026-11-29T03:05:00+01:00", "2026-11-29T03:35:00+01:00"]]
    assert back.resolution_due == "2026-11-29T07:30:00+01:00"  # 4 h + the 30 min wait
    closed = replace(back, status="closed", closed_at="2026-11-29T04:00:00+01:00")
    # Reopened two days later: those days do not count, no level fires at once.
    reopened = POLICY.follow(closed, replace(closed, status="open", closed_at=None),
                             at("2026-12-01T04:00:00+01:00"))
    assert reopened.waiting_periods[-1] == ["2026-11-29T04:00:00+01:00",
                                            "2026-12-01T04:00:00+01:00"]
    assert POLICY.due_crossings(replace(reopened, escalation_level=3),
                                at("2026-12-01T04:05:00+01:00")) == []


def test_a_p3_ladder_runs_on_working_hours() -> None:
    # P3's first step is 3 working hours: from Friday 16:00, Monday 10:00; nothing on Saturday.
    p3 = ticket(priority="P3", created_at="2026-11-27T16:00:00+01:00")
    assert POLICY.due_crossings(p3, at("2026-11-28T23:00:00+01:00")) == []
    assert POLICY.next_deadline(p3) == "2026-11-30T10:00:00+01:00"
    crossing = POLICY.due_crossings(p3, at("2026-11-30T10:00:00+01:00"))
    assert levels(crossing) == [2]
    assert crossing[0].level.role == "Spécialiste senior de l'assistance client"
    assert crossing[0].level.kind == "functional"


def test_escalate_moves_one_level_up_and_vip_or_p1_get_an_immediate_notice() -> None:
    up = ladder.one_level_up(0, POLICY.levels)
    assert up is not None and up.number == 2
    up = ladder.one_level_up(4, POLICY.levels)
    assert up is not None and up.number == 5
    assert ladder.one_level_up(7, POLICY.levels) is None
    for vip, priority in ((True, "P3"), (False, "P1")):
        level = POLICY.immediate_notice(ticket(vip=vip, priority=priority))
        assert level is not None and level.number == 3 and level.kind == "hierarchical"
    assert POLICY.immediate_notice(ticket(vip=False, priority="P3")) is None


def test_due_times_follow_the_priority() -> None:
    p1 = POLICY.with_due_times(ticket())
    assert (p1.first_response_due, p1.resolution_due) == (
        "2026-11-29T03:15:00+01:00", "2026-11-29T07:00:00+01:00")
    # A priority change recomputes them from creation: P2's 4 working hours from Sunday are
    # 3.5 on Monday morning and half an hour after lunch; 96 hours are 12 working days.
    p2 = POLICY.with_due_times(replace(p1, priority="P2"))
    assert (p2.first_response_due, p2.resolution_due) == (
        "2026-11-30T14:00:00+01:00", "2026-12-15T18:00:00+01:00")
    states = [(e.name, e.state) for e in POLICY.engagements(p2, at("2026-11-30T14:30:00+01:00"))]
    assert states == [("first_response", "late"), ("resolution", "running")]


def test_quiet_hours_hold_staff_notices_until_the_next_working_morning() -> None:
    # A P3 on Friday at 20:30: its team notice goes out on Monday at 09:00, not on Saturday.
    friday_night = at("2026-11-27T20:30:00+01:00")
    assert (quiet.release_at(friday_night, CAL, round_the_clock=False).isoformat()
            == "2026-11-30T09:00:00+01:00")
    # A P1 on Saturday night goes out at once.
    saturday = at("2026-11-28T23:05:00+01:00")
    assert quiet.release_at(saturday, CAL, round_the_clock=True) == saturday
    # The lunch break is not quiet; early on a working day waits for the opening.
    lunch = at("2026-11-30T12:45:00+01:00")
    assert quiet.release_at(lunch, CAL, round_the_clock=False) == lunch
    assert (quiet.release_at(at("2026-11-30T07:00:00+01:00"), CAL, round_the_clock=False)
            .isoformat() == "2026-11-30T09:00:00+01:00")
    # Ascension Thursday is a day off: Friday morning.
    assert (quiet.release_at(at("2026-05-14T10:00:00+02:00"), CAL, round_the_clock=False)
            .isoformat() == "2026-05-15T09:00:00+02:00")


def test_the_digest_is_due_once_per_working_day_from_its_hour() -> None:
    nine = time(9, 0)
    monday = at("2026-11-30T09:05:00+01:00")
    assert quiet.digest_day(monday, CAL, nine, None) == date(2026, 11, 30)
    assert quiet.digest_day(monday, CAL, nine, date(2026, 11, 27)) == date(2026, 11, 30)
    assert quiet.digest_day(monday, CAL, nine, date(2026, 11, 30)) is None  # already sent
    assert quiet.digest_day(at("2026-11-30T08:55:00+01:00"), CAL, nine, None) is None
    assert quiet.digest_day(at("2026-11-27T20:30:00+01:00"), CAL, nine, None) is None  # Fri night
    assert quiet.digest_day(at("2026-11-28T10:00:00+01:00"), CAL, nine, None) is None  # Sat
    assert quiet.digest_day(at("2026-12-25T10:00:00+01:00"), CAL, nine, None) is None


def test_the_digest_lists_what_needs_eyes_today() -> None:
    now = at("2026-11-30T10:00:00+01:00")  # Monday
    tickets = [
        ticket(1, priority="P2", first_response_due="2026-11-30T11:00:00+01:00"),
        ticket(2, priority="P3", first_response_due="2026-11-27T18:00:00+01:00",
               assignee="alice"),
        ticket(3, priority="P3", status="waiting", assignee="bruno",
               first_response_due="2026-11-20T10:00:00+01:00",
               first_response_at="2026-11-20T09:00:00+01:00",
               resolution_due="2026-11-26T10:00:00+01:00",
               waiting_periods=[["2026-11-25T10:00:00+01:00", None]]),
        ticket(4, priority="P4", status="waiting", assignee="bruno",
               first_response_at="2026-11-27T09:00:00+01:00",
               resolution_due="2026-11-29T10:00:00+01:00",
               waiting_periods=[["2026-11-28T10:00:00+01:00", None]]),
        ticket(5, priority="P1", status="closed", first_response_due="2026-11-01T10:00:00+01:00"),
        ticket(6, priority="P1", assignee="alice", first_response_at="2026-11-30T09:00:00+01:00",
               first_response_due="2026-11-30T09:15:00+01:00",
               resolution_due="2026-11-30T12:00:00+01:00"),
        ticket(7, priority="P2", assignee="alice", first_response_at="2026-11-30T09:00:00+01:00",
               resolution_due="2026-12-01T12:00:00+01:00"),
        ticket(8, priority=None, type="information"),
    ]
    result = digest.build(tickets, now, CAL, waiting_days=3)
    assert result.day == "2026-11-30"
    assert result.numbers() == {"due_today": [6, 1], "late": [2], "waiting": [3],
                                "unassigned": [1]}
    mine = {who: {k: [t.number for t in v] for k, v in lists.items()}
            for who, lists in result.per_assignee.items()}
    # Each assignee's other open tickets are listed too: no assigned ticket is missing (day 4
    # item 13): 7's resolution is due tomorrow, 4 has waited two days only.
    assert mine == {"alice": {"due_today": [6], "late": [2], "waiting": [], "other": [7]},
                    "bruno": {"due_today": [], "late": [], "waiting": [3], "other": [4]}}

    # The mail says which deadline each date is, or why there is none (day 4 item 12).
    config = configuration.Config()
    text = " ".join(notices.digest(tickets, config, now).text.split())  # type: ignore[union-attr]
    assert ("[#1] P2 · ticket 1 · a@example.com · première réponse attendue le lundi 30 "
            "novembre 2026 à 11:00") in text
    assert "[#6] P1 · ticket 6 · résolution attendue le lundi 30 novembre 2026 à 12:00" in text
    # Late: since when, not "attendue le" a day gone by (day 5: one clear SLA wording).
    assert ("[#2] P3 · ticket 2 · a@example.com · alice · première réponse en retard depuis le "
            "vendredi 27 novembre 2026 à 18:00") in text
    assert "échéance" not in text
    alice = text.split("=== Pour alice ===")[1].split("=== Pour bruno ===")[0]
    assert ("Autres tickets ouverts : [#7] P2 · ticket 7 · nouveau · résolution attendue le "
            "mardi 1 décembre 2026 à 12:00") in alice
    bruno = text.split("=== Pour bruno ===")[1]
    assert ("Autres tickets ouverts : [#4] P4 · ticket 4 · en attente du demandeur · délais "
            "en pause (attente du demandeur)") in bruno
    english = replace(config, mail=replace(config.mail, language="en"))
    text = " ".join(notices.digest(tickets, english, now).text.split())  # type: ignore[union-attr]
    assert "[#1] P2 · ticket 1 · a@example.com · first answer due Monday" in text
    assert "[#2] P3 · ticket 2 · a@example.com · alice · first answer overdue since Friday" in text
    assert "Other open tickets: [#7] P2 · ticket 7 · new · resolution due Tuesday" in text


def _due_view(tmp_path: Path, count: int, config: configuration.Config):  # type: ignore[no-untyped-def]
    """A store holding `count` P1 tickets opened at 03:00, committed as the daemon does."""
    from mailbot.batch import Batch
    from mailbot.decision import Decision
    from mailbot.store import Store

    batch = Batch(Store(tmp_path, writer=True), deadline=config.time.index_entry)
    for n in range(1, count + 1):
        batch.stage(Decision("new_ticket", None, config.time.follow(None, ticket(n), at(
            "2026-11-29T03:00:00+01:00"))))
    batch.store.commit(batch.commit)
    return Batch(batch.store, deadline=config.time.index_entry)


def test_o12_many_escalations_to_the_same_contacts_in_one_pass_go_as_one_summary(
        tmp_path: Path) -> None:
    """More than [escalation] group_above notices to the same contacts in one pass: ONE
    summary listing the tickets (French and English); each ticket records its level and the
    summary in its history. At the limit, each ticket gets its own notice."""
    from mailbot import timekeeping

    config = configuration.Config()
    config.escalation.group_above = 5
    view = _due_view(tmp_path / "six", 6, config)
    # 04:05: every P1 has crossed level 2 (15 min) and level 3 (1 h) since the last pass.
    decisions = timekeeping.timers(view, config, at("2026-11-29T04:05:00+01:00"))
    mails = [m for d in decisions for m in d.mails]
    [summary] = mails
    assert summary.kind == "escalation_summary" and summary.ticket is None
    # Level 3's contacts, and level 2's, which the burst passed: the summary stands for theirs.
    assert summary.recipients == [*config.escalation.levels[2].contacts,
                                  *config.escalation.levels[1].contacts]
    assert summary.subject == "Escalades : 6 tickets"
    assert "Auto-Submitted: auto-generated" in summary.data
    for n in range(1, 7):
        assert f"[#{n}] P1 · ticket {n}" in summary.text
    assert "Niveau 3 (Superviseur de l'équipe d'assistance) : ticket non résolu 1 heure " \
           "après sa création ; niveau 2 franchi entre-temps" in summary.text
    assert "n'y répondez pas" in summary.text
    # No guess at the cause: in normal operation it is no backlog after an outage (day 4 #11).
    assert "(plus de 5 en même temps)." in summary.text and "panne" not in summary.text
    tickets = [d.ticket for d in decisions if d.ticket is not None]
    assert sorted(t.number for t in tickets) == list(range(1, 7))
    for t in tickets:
        assert t.escalation_level == 3
        [entry] = [m for m in t.messages if m.kind == "escalation"]
        assert entry.message_id == summary.message_id and entry.data == ""
        assert entry.note.startswith("told in one summary of 6 tickets")
        assert summary.message_id not in t.message_ids  # a reply to it threads to no ticket
    for decision in decisions:
        view.stage(decision)
    view.store.commit(view.commit)
    again = _batch_of(view)
    assert [m for d in timekeeping.timers(again, config, at("2026-11-29T04:06:00+01:00"))
            for m in d.mails] == []  # recorded: nothing due again

    config.mail.language = "en"
    five = timekeeping.timers(_due_view(tmp_path / "five", 5, config), config,
                              at("2026-11-29T04:05:00+01:00"))
    assert sorted(m.kind for d in five for m in d.mails) == ["escalation"] * 5
    seven = timekeeping.timers(_due_view(tmp_path / "seven", 7, config), config,
                               at("2026-11-29T04:05:00+01:00"))
    [summary] = [m for d in seven for m in d.mails]
    assert summary.subject == "Escalations: 7 tickets"
    assert "outage" not in summary.text and "backlog" not in summary.text
    assert "Level 3 (Superviseur de l'équipe d'assistance): ticket not resolved 1 hour " \
           "after it was opened; level 2 passed meanwhile" in summary.text
    # The notice stands for level 2's, which the burst passed: level 2 reads it too, once.
    level2, level3 = (next(lv for lv in config.time.levels if lv.number == n) for n in (2, 3))
    assert summary.recipients == list(dict.fromkeys([*level3.contacts, *level2.contacts]))
    config.escalation.group_above = 0  # never grouped
    never = timekeeping.timers(_due_view(tmp_path / "never", 7, config), config,
                               at("2026-11-29T04:05:00+01:00"))
    assert sorted(m.kind for d in never for m in d.mails) == ["escalation"] * 7


def _batch_of(view):  # type: ignore[no-untyped-def]
    from mailbot.batch import Batch

    return Batch(view.store, deadline=view.deadline)


def test_a_burst_notice_goes_to_the_levels_it_stands_for() -> None:
    """Runs skipped for days: a ticket crosses levels 3 to 5 in one pass. ONE notice, to level
    5, says levels 3 and 4 were passed "sans avis séparé (cet avis les remplace)": their
    contacts are on it, or they would never hear of the ticket (a day of use found them so)."""
    from mailbot import notices
    from mailbot.model import Ticket

    config = configuration.load(None)
    level = {lv.number: lv for lv in config.time.levels}
    opened = "2026-11-23T09:00:00+01:00"
    ticket = Ticket(number=7, token="t", subject="Serveur", requester="a@groupe-exemple.fr",
                    status="open", priority="P1", created_at=opened, updated_at=opened)
    notice = notices.escalation(ticket, level[5], threshold_hours=24.0, config=config,
                                now=at("2026-11-24T09:00:00+01:00"), passed=[level[3], level[4]])
    expected = list(dict.fromkeys([*level[5].contacts, *level[3].contacts,
                                   *level[4].contacts]))
    assert notice.recipients == expected and len(expected) >= 3


def test_a_p3_or_p4_ladder_written_too_early_is_moved_after_the_resolution_target() -> None:
    # The ladder shipped before (P3 times 12): the supervisor at 12 h, the head of service at
    # 48 h, both before the 120-hour resolution target. Level 2 (functional) stays; level 3 and
    # every level above it move by 108 h, in order, with their gaps.
    old = [3.0, 12.0, 48.0, 96.0, 288.0, 480.0]
    assert ladder.management_after(old, POLICY.levels, 120.0) == (
        3.0, 120.0, 156.0, 204.0, 396.0, 588.0)
    # A ladder that already waits for the target is kept as written.
    assert ladder.management_after([3.0, 130.0, 140.0, 150.0, 160.0, 170.0], POLICY.levels,
                                   120.0) == (3.0, 130.0, 140.0, 150.0, 160.0, 170.0)
    config = configuration.Config()
    config.escalation.ladders["P3"] = old
    config.escalation.ladders["P2"] = [1.0, 4.0, 16.0, 32.0, 96.0, 160.0]
    policy = TimePolicy.from_config(config)
    assert policy.ladders["P3"][1] == 120.0
    assert policy.ladders["P2"] == (1.0, 4.0, 16.0, 32.0, 96.0, 160.0)  # P2 as written
    # Shipped: a P3 reaches the supervisor when its resolution is overdue, not before.
    p3 = ticket(priority="P3", created_at="2026-11-23T09:00:00+01:00")
    assert levels(POLICY.due_crossings(p3, at("2026-12-11T17:59:00+01:00"))) == [2]
    assert levels(POLICY.due_crossings(p3, at("2026-12-11T18:00:00+01:00"))) == [2, 3]
