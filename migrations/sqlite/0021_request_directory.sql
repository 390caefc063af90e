-- Account steps of requests carried out by a network's Active Directory
-- ([requests.directory.<network>]): one row per operation the directory did, so that a
-- retry after a failure does not repeat it (SQLite). Keep equivalent to
-- migrations/postgres/0021_request_directory.sql. Operations match
-- src/requests/directory.rs, networks src/domain/address.rs.
CREATE TABLE request_directory_results (
    request_id INTEGER NOT NULL REFERENCES requests (id),
    position   INTEGER NOT NULL,
    network    TEXT    NOT NULL,
    operation  TEXT    NOT NULL,
    note       TEXT    NOT NULL,
    done_by    TEXT    NOT NULL,
    done_at    TEXT    NOT NULL,
    PRIMARY KEY (request_id, position, network, operation)
);

CREATE TRIGGER request_directory_results_typed BEFORE INSERT ON request_directory_results
WHEN NEW.network NOT IN ('mynumber', 'lgwan', 'internet')
  OR NEW.operation NOT IN ('create', 'password', 'enable', 'update', 'move', 'group', 'disable')
BEGIN SELECT RAISE(ABORT, 'request_directory_results: unknown network or operation'); END;
