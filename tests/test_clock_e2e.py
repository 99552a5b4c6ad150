"""Time end to end, with the shipped calendar (Europe/Paris, Monday to Friday, French holidays),
a real Dovecot, a recording SMTP server and `mailbot run --once --now`: due times, quiet hours,
the morning digest and the escalation ladder, across restarts and a crash. No sleeping."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.harness import BOT, TEAM, TECHS, env, mail, mailbot, show, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer

CLAIRE = "claire.martin@groupe-exemple.fr"
ON_CALL = "astreinte@groupe-exemple.fr"
SPECIALIST, SUPERVISOR, HEAD = ("support-n2@example.com", "superviseur-support@example.com",
                                "chef-service-si@example.com")


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> Path:
    path = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, time_rules="")
    text = path.read_text("utf-8").replace("[team]\n", f'[team]\non_call = "{ON_CALL}"\n')
    path.write_text(text, encoding="utf-8")
    return path


def run_at(rules: Path, dovecot: DovecotServer, when: str, *, check: bool = True,
           **more: str) -> subprocess.CompletedProcess[str]:
    return mailbot("run", "--once", "--config", str(rules), "--now", when,
                   environ=env(dovecot, **more), check=check)


def to(smtp: RecordingSmtpServer, address: str) -> list:
    return [m for m in smtp.messages if address in m.recipients]


def body(received) -> str:  # type: ignore[no-untyped-def]
    return received.message.get_content()


def test_a_p3_on_friday_night_is_acknowledged_at_once_and_the_team_told_on_monday(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Claire writes on Friday at 20:30: her acknowledgement goes at once; the team's notice
    waits for Monday 09:00 (not Saturday), with the morning digest; due times skip the
    weekend; an answer and a closure meet the two targets."""
    dovecot.append(mail())
    run_at(rules, dovecot, "2026-11-27T20:30:00+01:00")
    assert len(to(smtp_server, CLAIRE)) == 1
    assert to(smtp_server, TEAM) == []
    ticket = show(rules, 1)
    # 48 working hours from Friday evening: Monday 09:00 + 6 working days; 120 h: 15 days.
    assert ticket["first_response_due"] == "2026-12-07T18:00:00+01:00"
    assert ticket["resolution_due"] == "2026-12-18T18:00:00+01:00"
    assert [(e["name"], e["state"]) for e in ticket["sla"]] == [
        ("first_response", "running"), ("resolution", "running")]

    run_at(rules, dovecot, "2026-11-28T10:00:00+01:00")  # Saturday: still held
    assert to(smtp_server, TEAM) == []
    run_at(rules, dovecot, "2026-11-30T09:00:00+01:00")  # Monday morning
    team = to(smtp_server, TEAM)
    subjects = sorted(m.message["Subject"] for m in team)
    assert len(team) == 2, subjects
    assert any("Nouveau ticket" in s for s in subjects)
    [digest] = [m for m in team if m.message["Subject"].startswith("Tickets à suivre")]
    assert "lundi 30 novembre 2026" in digest.message["Subject"]
    assert "--- Non attribués (1) ---" in body(digest) and "[#1] P3" in body(digest)
    assert digest.message["Auto-Submitted"] == "auto-generated"

    run_at(rules, dovecot, "2026-11-30T10:00:00+01:00")  # a restart: no second digest today
    assert len(to(smtp_server, TEAM)) == 2

    notice_id = next(m["message_id"] for m in show(rules, 1)["messages"]
                     if m["direction"] == "out" and "team_notice" in m["message_id"])
    dovecot.append(mail(sender=TECHS[0], subject="Re: [#1] Imprimante HS",
                        body="Bonjour Claire,\n\nLe bac est débloqué.\n", in_reply_to=notice_id))
    run_at(rules, dovecot, "2026-11-30T10:30:00+01:00")
    dovecot.append(mail(sender=TECHS[0], subject="Re: [#1] Imprimante HS",
                        body="#close\n", in_reply_to=notice_id))
    run_at(rules, dovecot, "2026-11-30T11:00:00+01:00")
    ticket = show(rules, 1)
    # --now sets the clock, which then runs: instants are compared to the minute.
    assert ticket["first_response_at"][:16] == "2026-11-30T10:30"
    assert ticket["resolved_at"][:16] == "2026-11-30T11:00"
    assert [(e["name"], e["state"]) for e in ticket["sla"]] == [
        ("first_response", "met"), ("resolution", "met")]
    # The ticket waited for Claire from the answer to the closure.
    assert [[p[:16] for p in period] for period in ticket["waiting_periods"]] == [
        ["2026-11-30T10:30", "2026-11-30T11:00"]]


def test_a_p1_never_answered_climbs_the_ladder_once_per_level_until_closed(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """At 03:00 on a Sunday a ticket is raised to P1: seed 003's immediate notice and every
    ladder level go out at once (round the clock, the on-call address too), each once, even
    when the run is repeated or crashes between the crossing and its mail; #escalate moves up
    one level; #close stops the ladder."""
    # A printer (seed 002: P3), so that the ticket starts at P3 by the classification rules.
    dovecot.append(mail(subject="Imprimante du 2e étage en panne"))
    run_at(rules, dovecot, "2026-11-29T03:00:00+01:00")
    dovecot.append(mail(sender=TECHS[1], subject="Re: [#1] Imprimante du 2e étage en panne",
                        body="#priority P1\n#note tout le site est bloqué\n"))
    run_at(rules, dovecot, "2026-11-29T03:02:00+01:00")
    ticket = show(rules, 1)
    assert ticket["priority"] == "P1"
    assert ticket["first_response_due"] == "2026-11-29T03:15:00+01:00"
    assert ticket["resolution_due"] == "2026-11-29T07:00:00+01:00"
    [immediate] = to(smtp_server, SUPERVISOR)
    assert ON_CALL in immediate.recipients  # round the clock, at night: the on-call too
    assert "escalade hiérarchique immédiate" in body(immediate)

    for _ in range(2):  # repeated at the same instant: one notice, not two
        run_at(rules, dovecot, "2026-11-29T03:16:00+01:00")
    [level2] = to(smtp_server, SPECIALIST)
    notice = level2.message
    assert notice["Auto-Submitted"] == "auto-generated"
    assert notice["Reply-To"] == BOT and "[#1]" in notice["Subject"]
    text = body(level2)
    assert "niveau 2, Spécialiste senior de l'assistance client" in text
    assert "ticket non résolu 15 minutes après sa création" in text
    assert "Première réponse : échéance dimanche 29 novembre 2026 à 03:15 ; EN RETARD, " \
           "en retard de 1 min" in text
    assert f"Demandeur : {CLAIRE}" in text and "Priorité : P1 – critique" in text
    assert "L'imprimante du 2e étage ne marche plus." in text  # the last public message
    assert "#escalate" in text and "Europe/Paris" in text
    assert show(rules, 1)["escalation_level"] == 2

    # Level 3 (one hour): the run dies before its commit, then after it but before sending.
    crashed = run_at(rules, dovecot, "2026-11-29T04:01:00+01:00", check=False,
                     MAILBOT_FAULTS="crash:before_commit")
    assert crashed.returncode == 70
    crashed = run_at(rules, dovecot, "2026-11-29T04:01:00+01:00", check=False,
                     MAILBOT_FAULTS="crash:before_dispatch")
    assert crashed.returncode == 70
    assert len(to(smtp_server, SUPERVISOR)) == 1  # only the immediate notice so far
    run_at(rules, dovecot, "2026-11-29T04:02:00+01:00")
    crossings = [m for m in to(smtp_server, SUPERVISOR) if "1 heure après" in body(m)]
    assert len(crossings) == 1
    assert len(to(smtp_server, SPECIALIST)) == 1  # level 2 is not told again
    assert show(rules, 1)["escalation_level"] == 3

    dovecot.append(mail(sender=TECHS[1], subject="Re: [#1] Imprimante du 2e étage en panne",
                        body="#escalate il faut le chef de service\n"))
    run_at(rules, dovecot, "2026-11-29T04:10:00+01:00")
    [head] = to(smtp_server, HEAD)
    assert f"escalade demandée par {TECHS[1]} (il faut le chef de service)" in body(head)
    assert show(rules, 1)["escalation_level"] == 4

    dovecot.append(mail(sender=TECHS[1], subject="Re: [#1] Imprimante du 2e étage en panne",
                        body="#close Serveur redémarré.\n"))
    run_at(rules, dovecot, "2026-11-29T04:20:00+01:00")
    sent = len(smtp_server.messages)
    run_at(rules, dovecot, "2026-12-07T10:00:00+01:00")  # a week later: no escalation
    later = smtp_server.messages[sent:]
    # Only the new-ticket notice of Sunday 03:00 (the ticket was P3 then) leaves its quiet
    # hours on the working morning; the ladder stopped with the closure.
    assert [(m.recipients, "Nouveau ticket" in m.message["Subject"]) for m in later] == [
        ([TEAM], True)]
    ticket = show(rules, 1)
    assert ticket["status"] == "closed" and ticket["escalation_level"] == 4
    # First answered by the closure (04:20, due 03:15), resolved before 07:00.
    assert [e["state"] for e in ticket["sla"]] == ["met_late", "met"]


def test_c06_a_reply_landing_exactly_at_the_deadline_escalates_nothing_then_each_level_once(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """C06. A P1 answered at 03:05 waits for Claire; her reply lands at 03:15:00, the very
    instant of the first-response deadline and of level 2's threshold, in the same pass as the
    ladder's check. The answered ticket escalates nothing then; the ten minutes it waited push
    the ladder back, and each level then goes out once."""
    dovecot.append(mail(subject="Imprimante du 2e étage en panne"))
    run_at(rules, dovecot, "2026-11-29T03:00:00+01:00")
    dovecot.append(mail(sender=TECHS[1], subject="Re: [#1] Imprimante du 2e étage en panne",
                        body="#priority P1\nPouvez-vous éteindre et rallumer l'imprimante ?\n"))
    run_at(rules, dovecot, "2026-11-29T03:05:00+01:00")
    ticket = show(rules, 1)
    assert ticket["status"] == "waiting" and ticket["priority"] == "P1"
    assert ticket["first_response_due"] == "2026-11-29T03:15:00+01:00"
    assert len(to(smtp_server, CLAIRE)) == 2  # the acknowledgement and the answer

    dovecot.append(mail(subject="Re: [#1] Imprimante du 2e étage en panne",
                        body="C'est fait, elle ne redémarre pas."))
    run_at(rules, dovecot, "2026-11-29T03:15:00+01:00")
    ticket = show(rules, 1)
    assert ticket["status"] == "open" and ticket["escalation_level"] == 0
    assert [e["state"] for e in ticket["sla"]][0] == "met"
    assert to(smtp_server, SPECIALIST) == []
    run_at(rules, dovecot, "2026-11-29T03:24:59+01:00")
    assert to(smtp_server, SPECIALIST) == []

    for _ in range(2):
        run_at(rules, dovecot, "2026-11-29T03:25:00+01:00")
    [level2] = to(smtp_server, SPECIALIST)
    assert "niveau 2" in body(level2)
    supervisor = len(to(smtp_server, SUPERVISOR))  # seed 003's immediate notice for a P1
    for _ in range(2):
        run_at(rules, dovecot, "2026-11-29T04:10:00+01:00")
    assert len(to(smtp_server, SUPERVISOR)) == supervisor + 1
    assert len(to(smtp_server, SPECIALIST)) == 1
    assert show(rules, 1)["escalation_level"] == 3


def test_a_notice_held_overnight_is_not_sent_for_a_ticket_closed_before_morning(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """A P3 opened on Friday morning passes its first ladder level (3 working hours) at noon,
    but the first pass after it runs at night: the level-1 notice is held for Monday (quiet
    hours). A technician closes the ticket on Saturday: on Monday the notice is not sent, for
    it would report as late a ticket that is done."""
    dovecot.append(mail(subject="Imprimante du 2e étage en panne"))
    run_at(rules, dovecot, "2026-11-27T09:00:00+01:00")
    run_at(rules, dovecot, "2026-11-27T20:00:00+01:00")  # level 1 crossed at 12:00: held
    assert show(rules, 1)["escalation_level"] == 2  # level 1 is the team, from the start
    assert to(smtp_server, SPECIALIST) == []
    dovecot.append(mail(sender=TECHS[0], subject="Re: [#1] Imprimante du 2e étage en panne",
                        body="#close\nChangé le fusible.\n"))
    closing = run_at(rules, dovecot, "2026-11-28T10:00:00+01:00")
    assert show(rules, 1)["status"] == "closed"
    run_at(rules, dovecot, "2026-11-30T09:00:00+01:00")  # Monday morning
    assert to(smtp_server, SPECIALIST) == []
    assert "not sent: ticket #1 closed while it was held" in closing.stderr
