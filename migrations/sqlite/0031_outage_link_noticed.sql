-- When a conversation was last told of the outage it is linked to (sqlite). Keep equivalent
-- to migrations/postgres/0031_outage_link_noticed.sql.
--
-- A staff member who asks for a person right after the outage's notice, with no question
-- of their own (「担当者と話したい」), is attached to the outage instead of opening a ticket.
-- Any other request for a person opens a ticket unless its question concerns the outage,
-- so a question about something else asked hours later is never filed under the outage.
-- linked_at stays the first link; noticed_at moves with every notice.
ALTER TABLE outage_links ADD COLUMN noticed_at TEXT;
UPDATE outage_links SET noticed_at = linked_at;
