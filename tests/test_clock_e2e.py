"""Time end to end, with the shipped calendar (Europe/Paris, Monday to Friday, French holidays),
a real Dovecot, a recording SMTP server and `mailbot run --once --now`: due times, quiet hours,
the morning digest and the escalation ladder, across restarts and a crash. No sleeping."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from tests.harness import BOT, TEAM, TECHS, env, mail, mailbot, show, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer

CLAIRE = "claire.martin@groupe-exemple.fr"
ON_CALL = "astreinte@groupe-exemple.fr"
SPECIALIST, SUPERVISOR, HEAD = ("support-n2@example.com", "superviseur-support@example.com",
                                "chef-service-si@example.com")
TECHNICAL = "responsable-technique@example.com"


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
    ticket = show(rules, 1, now=datetime.fromisoformat("2026-11-27T20:30:00+01:00"))
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
                        body="Bonjour Claire,\n\nLe bac est débloqué, pouvez-vous "
                             "réessayer ?\n", in_reply_to=notice_id))
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
    """At 03:00 on a Sunday a ticket is raised to P1: the VIP escalation procedure's immediate
    notice (level 3) goes out at once (round the clock, the on-call address too) and counts as
    told, so level 2 is never told after it (issue 16 §4); the P1 clocks and ladder count from
    the change (§2); level 4 goes out once, even when the run is repeated or crashes between
    the crossing and its mail; #escalate moves up one level; #close stops the ladder."""
    # A printer (seed 002: P3), so that the ticket starts at P3 by the classification rules.
    dovecot.append(mail(subject="Imprimante du 2e étage en panne"))
    run_at(rules, dovecot, "2026-11-29T03:00:00+01:00")
    dovecot.append(mail(sender=TECHS[1], subject="Re: [#1] Imprimante du 2e étage en panne",
                        body="#priority P1\n#note tout le site est bloqué\n"))
    run_at(rules, dovecot, "2026-11-29T03:02:00+01:00")
    ticket = show(rules, 1)
    assert ticket["priority"] == "P1" and ticket["escalation_level"] == 3
    assert ticket["first_response_due"] == "2026-11-29T03:17:00+01:00"
    assert ticket["resolution_due"] == "2026-11-29T07:02:00+01:00"
    [immediate] = to(smtp_server, SUPERVISOR)
    assert ON_CALL in immediate.recipients  # round the clock, at night: the on-call too
    assert "escalade hiérarchique immédiate" in body(immediate)
    # The new-ticket notice of 03:00 (P3 then, held for quiet hours) goes with it: the team is
    # told no later than management (day 7, defect 3).
    [notice] = to(smtp_server, TEAM)
    assert "Nouveau ticket" in notice.message["Subject"]

    for when in ("03:18", "03:18", "04:03"):  # level 2's and level 3's thresholds pass
        run_at(rules, dovecot, f"2026-11-29T{when}:00+01:00")
    assert to(smtp_server, SPECIALIST) == [] and len(to(smtp_server, SUPERVISOR)) == 1

    # Level 4 (four hours): the run dies before its commit, then after it but before sending.
    crashed = run_at(rules, dovecot, "2026-11-29T07:03:00+01:00", check=False,
                     MAILBOT_FAULTS="crash:before_commit")
    assert crashed.returncode == 70
    crashed = run_at(rules, dovecot, "2026-11-29T07:03:00+01:00", check=False,
                     MAILBOT_FAULTS="crash:before_dispatch")
    assert crashed.returncode == 70
    assert to(smtp_server, HEAD) == []
    for _ in range(2):
        run_at(rules, dovecot, "2026-11-29T07:04:00+01:00")
    [level4] = to(smtp_server, HEAD)
    notice = level4.message
    assert notice["Auto-Submitted"] == "auto-generated"
    assert notice["Reply-To"] == BOT and "[#1]" in notice["Subject"]
    text = body(level4)
    assert "niveau 4, Chef de service" in text
    assert "ticket non résolu 4 heures après le passage en P1" in text
    assert "Première réponse : échéance dimanche 29 novembre 2026 à 03:17 ; EN RETARD de " \
           "3 h 46 min" in text  # decided at 07:03, before the crash
    assert f"Demandeur : {CLAIRE}" in text and "Priorité : P1 – critique" in text
    assert "L'imprimante du 2e étage ne marche plus." in text  # the last public message
    # The head of service is no technician: his reply stays internal, and no command is offered.
    assert "#escalate" not in text and "reste interne" in text and "Europe/Paris" in text
    assert len(to(smtp_server, SUPERVISOR)) == 1 and to(smtp_server, SPECIALIST) == []
    assert show(rules, 1)["escalation_level"] == 4

    dovecot.append(mail(sender=TECHS[1], subject="Re: [#1] Imprimante du 2e étage en panne",
                        body="#escalate il faut le responsable technique\n"))
    run_at(rules, dovecot, "2026-11-29T07:10:00+01:00")
    [technical] = to(smtp_server, TECHNICAL)
    assert (f"escalade demandée par {TECHS[1]} (il faut le responsable technique)"
            in body(technical))
    assert show(rules, 1)["escalation_level"] == 5

    dovecot.append(mail(sender=TECHS[1], subject="Re: [#1] Imprimante du 2e étage en panne",
                        body="#close Serveur redémarré.\n"))
    run_at(rules, dovecot, "2026-11-29T07:20:00+01:00")
    sent = len(smtp_server.messages)
    run_at(rules, dovecot, "2026-12-07T10:00:00+01:00")  # a week later: no escalation
    later = smtp_server.messages[sent:]
    # One closure notice to each person the ladder told leaves its quiet hours on the working
    # morning; the ladder itself stopped with the closure.
    assert [(m.recipients, m.message["Subject"].split(" :")[0]) for m in later] == [
        *(([who], "[#1] Résolu") for who in (
            SUPERVISOR, HEAD, TECHNICAL, ON_CALL))]
    ticket = show(rules, 1)
    assert ticket["status"] == "closed" and ticket["escalation_level"] == 5
    # First answered by the closure (07:20, due 03:17), resolved after 07:02.
    assert [e["state"] for e in ticket["sla"]] == ["met_late", "met_late"]


def test_c06_a_reply_landing_exactly_at_the_deadline_escalates_nothing_then_each_level_once(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """C06. A ticket raised to P1 and answered at 03:05 waits for Claire; her reply lands at
    03:20:00, the very instant of the first-response deadline (15 minutes from the change), in
    the same pass as the ladder's check. The answered ticket escalates nothing then; the
    fifteen minutes it waited push the ladder back, and the next level (4: the immediate
    notice told level 3) then goes out once."""
    dovecot.append(mail(subject="Imprimante du 2e étage en panne"))
    run_at(rules, dovecot, "2026-11-29T03:00:00+01:00")
    dovecot.append(mail(sender=TECHS[1], subject="Re: [#1] Imprimante du 2e étage en panne",
                        body="#priority P1\nPouvez-vous éteindre et rallumer l'imprimante ?\n"))
    run_at(rules, dovecot, "2026-11-29T03:05:00+01:00")
    ticket = show(rules, 1)
    assert ticket["status"] == "waiting" and ticket["priority"] == "P1"
    assert ticket["first_response_due"] == "2026-11-29T03:20:00+01:00"
    assert len(to(smtp_server, CLAIRE)) == 2  # the acknowledgement and the answer
    assert len(to(smtp_server, SUPERVISOR)) == 1  # the immediate notice for a P1

    dovecot.append(mail(subject="Re: [#1] Imprimante du 2e étage en panne",
                        body="C'est fait, elle ne redémarre pas."))
    run_at(rules, dovecot, "2026-11-29T03:20:00+01:00")
    ticket = show(rules, 1)
    assert ticket["status"] == "open" and ticket["escalation_level"] == 3
    assert [e["state"] for e in ticket["sla"]][0] == "met"
    run_at(rules, dovecot, "2026-11-29T07:19:59+01:00")
    assert to(smtp_server, HEAD) == []

    for _ in range(2):
        run_at(rules, dovecot, "2026-11-29T07:20:00+01:00")
    [level4] = to(smtp_server, HEAD)
    assert "niveau 4" in body(level4)
    assert to(smtp_server, SPECIALIST) == [] and len(to(smtp_server, SUPERVISOR)) == 1
    assert show(rules, 1)["escalation_level"] == 4


def test_a_notice_held_overnight_is_not_sent_for_a_ticket_closed_before_morning(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """A P3 opened on Friday morning passes its first ladder level (3 working hours) at noon,
    but the first pass after it runs at night: quiet hours, so the level is not decided then
    but on the next pass in working time, with the figures of then. A technician closes the
    ticket on Saturday: on Monday no notice goes, for it would report as late a ticket that is
    done."""
    dovecot.append(mail(subject="Imprimante du 2e étage en panne"))
    run_at(rules, dovecot, "2026-11-27T09:00:00+01:00")
    run_at(rules, dovecot, "2026-11-27T20:00:00+01:00")  # level 2 crossed at 12:00: waits
    assert show(rules, 1)["escalation_level"] == 0
    assert to(smtp_server, SPECIALIST) == []
    dovecot.append(mail(sender=TECHS[0], subject="Re: [#1] Imprimante du 2e étage en panne",
                        body="#close\nChangé le fusible.\n"))
    run_at(rules, dovecot, "2026-11-28T10:00:00+01:00")
    assert show(rules, 1)["status"] == "closed"
    run_at(rules, dovecot, "2026-11-30T09:00:00+01:00")  # Monday morning
    assert to(smtp_server, SPECIALIST) == []
    assert show(rules, 1)["escalation_level"] == 0
