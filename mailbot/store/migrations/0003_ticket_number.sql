-- Several daemons open tickets at the same time: each takes the number of a new ticket from
-- this sequence instead of the counter in mailbot_meta, which the passes had to read and
-- write one after the other. A daemon reserves at the start of a pass the numbers it expects to
-- need (mailbot.store.pgahead), one more at a time if it needs more; a number reserved by a
-- daemon that stopped or died is skipped (a gap), one of a pass rolled back is used by its next.
CREATE SEQUENCE mailbot_ticket_number;

SELECT setval('mailbot_ticket_number', n)
FROM (SELECT GREATEST(
        coalesce((SELECT (value::text)::integer - 1 FROM mailbot_meta
                  WHERE name = 'next_number'), 0),
        coalesce((SELECT max(number) FROM mailbot_ticket), 0)) AS n) AS last
WHERE n > 0;
