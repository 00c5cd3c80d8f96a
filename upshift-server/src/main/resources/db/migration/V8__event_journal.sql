-- The report journal's applied mark (decision 0025): the highest journal sequence whose report is in events. The
-- event writer moves it in the transaction that stores the reports, so a restart writes exactly the reports above it.
-- One row; PostgreSQL installations keep it at 0 (their reports wait for the commit instead).
CREATE TABLE event_journal (
    id              INTEGER PRIMARY KEY,
    applied_through BIGINT  NOT NULL
);
INSERT INTO event_journal (id, applied_through) VALUES (1, 0);
