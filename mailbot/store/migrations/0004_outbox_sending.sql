-- An SMTP attempt is recorded before the server is given the message: `sending_at` is set by
-- the lease holder (mailbot.store.pgshare.mark_sending) and cleared by the row's next write
-- (sent: the row goes; refused or deferred: pending again). A row still marked when its
-- holder is gone (killed between the server's acceptance and the row's removal) is not sent
-- again: its status becomes 'maybe_sent', for the operator (`mailbot outbox`).
ALTER TABLE mailbot_outbox ADD COLUMN sending_at timestamptz;
