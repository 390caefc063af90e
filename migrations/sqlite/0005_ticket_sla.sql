-- SLA due times of a ticket (SQLite), from the business calendar when it is opened.
ALTER TABLE tickets ADD COLUMN first_response_due TEXT;
ALTER TABLE tickets ADD COLUMN resolution_due TEXT;
