-- The ticket store on PostgreSQL, version 1: the same documents as the TinyDB state directory
-- (mailbot/store/database.py), one table each. A ticket is one JSON document, as in a TinyDB
-- block; what is looked up by key has a primary key; the due-time sweep has its index.

CREATE TABLE mailbot_ticket (
    number integer PRIMARY KEY,
    doc jsonb NOT NULL
);

-- Incoming message key, tracking-token digest -> ticket (0: handled without one).
CREATE TABLE mailbot_index (
    key text PRIMARY KEY,
    ticket integer NOT NULL
);

-- Every open ticket -> its next deadline (UTC ISO 8601, '' for none): the sweep reads the
-- index range up to now, never the open tickets one by one.
CREATE TABLE mailbot_deadline (
    number integer PRIMARY KEY,
    due text NOT NULL
);
CREATE INDEX mailbot_deadline_due ON mailbot_deadline (due) WHERE due <> '';

-- Mail waiting to be sent. A daemon takes a row with a lease (lease_holder, lease_until) before
-- it hands the mail to SMTP: another daemon skips it until the lease has expired.
CREATE TABLE mailbot_outbox (
    message_id text PRIMARY KEY,
    doc jsonb NOT NULL,
    status text NOT NULL,
    lease_holder text,
    lease_until timestamptz
);
CREATE INDEX mailbot_outbox_pending ON mailbot_outbox (message_id) WHERE status = 'pending';

-- Small named values: the ticket counter, the IMAP cursors, the day of the last digest...
CREATE TABLE mailbot_meta (
    name text PRIMARY KEY,
    value jsonb
);

-- The automatic mails sent per recipient (the loop caps count them within their window).
CREATE TABLE mailbot_automatic (
    recipient text NOT NULL,
    at text NOT NULL,
    PRIMARY KEY (recipient, at)
);

-- The events the rules count (URGENT per sender, new tickets per address, mass reports).
CREATE TABLE mailbot_recent (
    tbl text NOT NULL,
    key text NOT NULL,
    at text NOT NULL,
    event jsonb NOT NULL,
    PRIMARY KEY (tbl, key, event)
);
CREATE INDEX mailbot_recent_at ON mailbot_recent (tbl, at);

-- Raw incoming messages and attachments, content-addressed (the state directory's raw/ and
-- files/): every daemon reads what another one kept.
CREATE TABLE mailbot_file (
    path text PRIMARY KEY,
    content bytea NOT NULL
);
