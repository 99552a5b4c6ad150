"""One pass of the daemon: every effect of the pass (messages, timer decisions, the intake's
cursor, deliveries) in one store commit, with the clock read once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailbot import config as configuration
from mailbot import mails
from mailbot.daemon import Daemon, Summary
from mailbot.intake import MaildirIntake
from mailbot.pipeline import Decision, View
from mailbot.store import Commit, Store
from mailbot.transport import MaildirTransport
from tests.harness import PARIS, mail, write_rules

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)


class CountingStore(Store):
    commits: list[Commit]

    def commit(self, commit: Commit) -> None:
        self.commits.append(commit)
        super().commit(commit)


def test_a_timer_decision_and_the_mail_of_the_same_pass_share_one_commit(
        tmp_path: Path) -> None:
    """A timer step (what SLA escalation will be) decides with the pass's `now`: its ticket
    change and its mail are committed with the pass's messages, and sent by the outbox."""
    config = configuration.load(write_rules(tmp_path))
    inbox = tmp_path / "inbox"
    for sub in ("cur", "new", "tmp"):
        (inbox / sub).mkdir(parents=True)
    (inbox / "new" / "1.eml").write_bytes(mail(message_id="<m1@groupe-exemple.fr>"))
    clock_reads: list[datetime] = []

    def clock() -> datetime:
        clock_reads.append(NOW)
        return NOW

    def escalate_everything(view: View, cfg: configuration.Config,
                            now: datetime) -> Sequence[Decision]:
        ticket = view.ticket(1)
        if ticket is None or ticket.escalation_level:
            return []
        ticket.escalation_level = 1
        notice = mails.team_update(ticket, mails.Incoming("timer", "late"), cfg, now,
                                   headline="escalation", detail="late")
        return [Decision("timer", None, mails.with_outgoing(ticket, notice, now), [notice])]

    store = CountingStore(config.state_dir, writer=True)
    store.commits = []
    daemon = Daemon(config, store=store, intake=MaildirIntake(inbox),
                    make_transport=lambda: MaildirTransport(tmp_path / "outbox"),
                    clock=clock, timer_steps=[("escalate", "test", escalate_everything)])
    done = Summary()
    daemon.run_pass(done)
    first = store.commits[0]
    assert len(store.commits) == 1 and len(clock_reads) == 1
    # The message's key (Message-ID and content hash), its Message-ID for threading and the
    # new ticket's tracking-token digest (the page's lookup, RELIABILITY S11).
    assert set(first.index.values()) == {1} and len(first.index) == 3
    assert any(key.startswith("tok:") for key in first.index)
    assert "mid:<m1@groupe-exemple.fr>" in first.index
    assert first.tickets[1]["escalation_level"] == 1  # the timer saw the staged new ticket
    assert {m["kind"] for m in first.outbox.values()} == {"acknowledgement", "team_notice",
                                                          "escalation"}
    # The loop cap's old counts are forgotten in the same commit.
    # (mail.automatic_window_minutes: a day, Mailman's window.)
    assert first.automatic_before == (NOW - timedelta(days=1)).astimezone(UTC).isoformat()
    daemon.finish_deliveries(done)
    assert done.sent == 3 and Store(config.state_dir).outbox() == []
    daemon.courier.close()
