"""The daemon: the imperative shell, the one place that touches the mailbox, the store, SMTP
and the clock. The rooms:

    loop     Daemon: one pass (fetch, decide, one commit, move, hand over the outbox) and the
             loop around it, with its outage and state-directory fault handling
    aside    setting mail aside: quarantine, its copy and error, the team's alert
    outbox   the outbox: dispatch, delivery reports, stale mail, the outage mail to the team
    summary  Summary, what a run reports

The names below are re-exported for the code outside the package; modules inside it import
each other by their full path.
"""

from mailbot.daemon.loop import Clock, Daemon, PendingCursor, system_clock
from mailbot.daemon.summary import Summary

__all__ = ["Clock", "Daemon", "PendingCursor", "Summary", "system_clock"]
