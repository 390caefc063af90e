-- Account steps of requests carried out by a network's Active Directory
-- ([requests.directory.<network>]): one row per operation the directory did, so that a
-- retry after a failure does not repeat it (PostgreSQL). Keep equivalent to
-- migrations/sqlite/0021_request_directory.sql.
CREATE TABLE request_directory_results (
    request_id BIGINT      NOT NULL REFERENCES requests (id),
    position   BIGINT      NOT NULL,
    network    TEXT        NOT NULL CHECK (network IN ('mynumber', 'lgwan', 'internet')),
    operation  TEXT        NOT NULL CHECK (operation IN ('create', 'password', 'enable',
                   'update', 'move', 'group', 'disable')),
    note       TEXT        NOT NULL,
    done_by    TEXT        NOT NULL,
    done_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (request_id, position, network, operation)
);
