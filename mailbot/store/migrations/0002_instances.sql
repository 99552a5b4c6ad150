-- Several daemons on one database: each registers its instance name and claim folder
-- ([mailbox] instance, claim_folder) and holds a session advisory lock on its name while its
-- connection lives. A registered instance whose lock is free has died: another daemon moves
-- the mail it had claimed back to the watched folder and releases its outbox leases.
CREATE TABLE mailbot_instance (
    name text PRIMARY KEY,
    claim_folder text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now()
);
