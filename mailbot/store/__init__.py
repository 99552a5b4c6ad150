"""The ticket store: TinyDB files in the state directory, laid out so that the cost of one
message does not grow with years of history.

TinyDB rewrites a whole file on every write, so nothing that grows with history lives in one file:

    state/
      lock                     held (flock) by the one daemon that writes here
      journal.log              the passes committed since the last checkpoint (mailbot.passlog)
      state.json               small and bounded: the schema version, ticket counter, IMAP
                               cursors, the outbox, the recent automatic mails per recipient
      deadlines.json           every open ticket -> its next deadline (escalation), so that
                               the due check never reads the history (bounded by open tickets)
      tickets/00000.json       tickets 0-99, 100-199, ... one TinyDB per block of 100 numbers
      index/a/3f.json          incoming Message-ID -> ticket, tracking-token digest -> ticket,
                               sharded by hash (4096 shards)
      raw/2026/11/<sha256>.eml every incoming message, byte for byte
      files/ab/<sha256>        attachment contents, under generated names

A ticket file is touched only when that ticket changes, an index shard holds a few dozen entries
even at 100,000 tickets, and state.json only holds what is pending. Old tickets simply stay in
their block files (the archive); the working set is the few blocks with recent activity.

One commit, many files, one fsync: the files a pass changes (each whole: TinyDB rewrites a file
anyway) are appended to journal.log with a trailer that closes the pass, the log is fsynced once,
and only then are the files replaced, without an fsync each; raw copies and attachments go to
the log as they are kept. A crash at any instant leaves the files of the last checkpoint and a
log whose committed passes the next start writes back (mailbot.passlog); a checkpoint (one
syncfs, each time the log passes 32 MB) makes the files durable and drops the log. (A
journal.json left by a mailbot from before the log is applied at start as before.)
`Store.commit` is the interface: one pass, one call, one durable commit.

The layout has a schema version (`SCHEMA`, in state.json's meta, written at the first start). A
state directory written by a newer mailbot is refused before anything is read or written (an
older program would misread it and could overwrite what it does not know); an older one is
upgraded in place at the start of the writer, each step idempotent, the version written last.

The same interface (`TicketStore`, in `backend`, which also picks one from `[storage] kind`)
is offered by `postgres` (`PgStore`: the tickets in a PostgreSQL database shared by several
daemons; its schema by `migrate`). The rooms: `database` (`Store`: the files, the reads, the
write path through the pass log and the schema upgrade), `commit` (`Commit` and how it is
applied to the JSON documents) and `lock` (`StateLock`, one writer per state directory).
Importers use the names below.
"""

from mailbot.store.ahead import ReadAhead
from mailbot.store.backend import TicketStore, open_store
from mailbot.store.commit import Commit
from mailbot.store.database import BLOCK, SCHEMA, StateTooNew, Store
from mailbot.store.lock import AlreadyRunning, StateLock

__all__ = ["BLOCK", "SCHEMA", "AlreadyRunning", "Commit", "ReadAhead", "StateLock",
           "StateTooNew", "Store", "TicketStore", "open_store"]
