-- SLA due times of a ticket (PostgreSQL), from the business calendar when it is opened.
ALTER TABLE tickets ADD COLUMN first_response_due TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN resolution_due TIMESTAMPTZ;
