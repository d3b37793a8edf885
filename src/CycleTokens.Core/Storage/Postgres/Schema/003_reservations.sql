-- PostgreSQL schema version 3: the reservations table of SQLite schema version 5 (Sqlite/Schema/005_reservations.sql),
-- the same columns, key and indexes. Applied by PostgresMigrator inside one transaction holding the migration lock.

-- Reservations (agent-billing spec §1): a price quoted and its total held in hold:<id> before an operation runs, then
-- settled (charged for what ran, the rest returned), voided, or expired. The hold and its end are journal rows; this
-- table keeps the state machine, the price fixed at reservation time, and the parts the hold drew.
CREATE TABLE reservations (
    id               TEXT   NOT NULL PRIMARY KEY,      -- res_<random>, from the ledger's id generator
    account          TEXT   NOT NULL,                  -- the user whose tokens are held
    operation        TEXT   NOT NULL,
    params_hash      TEXT   NOT NULL,                  -- canonical params' hash: the settle's discount cache entry
    quantity         BIGINT NOT NULL,                  -- operations reserved
    base_price       BIGINT NOT NULL,                  -- catalogue (or default) price of one operation when reserved
    unit_price       BIGINT NOT NULL,                  -- after the cache discount: the price a settle charges per unit
    cached           BIGINT NOT NULL,                  -- 1 when the cache discount applied (an integer, as in SQLite)
    batch_pct        BIGINT NOT NULL,                  -- the batch discount of the reserved quantity
    priced_by        TEXT   NOT NULL,                  -- catalogue, default
    creator_id       TEXT,                             -- the creator a settle credits, or null
    held             BIGINT NOT NULL,                  -- tokens held in hold:<id>
    allowance_part   BIGINT NOT NULL,
    purchased_part   BIGINT NOT NULL,
    month_key        BIGINT NOT NULL,                  -- the month the allowance part belongs to
    hold_seq         BIGINT NOT NULL,                  -- seq of the hold transaction (a clear hides earlier reservations)
    status           TEXT   NOT NULL,                  -- held, settled, voided, expired
    metadata         TEXT,
    created_ms       BIGINT NOT NULL,
    expires_ms       BIGINT NOT NULL,
    ended_ms         BIGINT,                           -- when it was settled, voided or expired
    settled_quantity BIGINT,                           -- settled: operations charged for
    charged          BIGINT,                           -- settled: tokens charged
    released         BIGINT,                           -- ended: tokens returned to the balance
    expired          BIGINT,                           -- ended: allowance tokens of an ended month that expired instead
    tx_id            TEXT                              -- settled: the charge transaction
);

-- A user's reservations for list_reservations; an end changes none of its columns, so settling writes no page of it.
CREATE INDEX ix_reservations_account ON reservations (account, created_ms);
-- Only the held ones, the few that can fall due: what each call's state read, the held total and the server's sweep
-- look at. An end removes the entry and adds none.
CREATE INDEX ix_reservations_held ON reservations (account, expires_ms) WHERE status = 'held';
