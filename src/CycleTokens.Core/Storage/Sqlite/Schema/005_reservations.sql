-- Schema version 5. Applied inside one BEGIN IMMEDIATE transaction; user_version is set by the migrator.

-- Reservations (agent-billing spec §1): a price quoted and its total held in hold:<id> before an operation runs, then
-- settled (charged for what ran, the rest returned), voided, or expired. The hold and its end are journal rows; this
-- table keeps the state machine, the price fixed at reservation time, and the parts the hold drew (so the rest returns
-- to where it came from, an allowance part of an ended month expiring instead).
CREATE TABLE reservations (
    id               TEXT    NOT NULL PRIMARY KEY,     -- res_<random>, from the ledger's id generator
    account          TEXT    NOT NULL,                 -- the user whose tokens are held
    operation        TEXT    NOT NULL,
    params_hash      TEXT    NOT NULL,                 -- canonical params' hash: the settle's discount cache entry
    quantity         INTEGER NOT NULL,                 -- operations reserved
    base_price       INTEGER NOT NULL,                 -- catalogue (or default) price of one operation when reserved
    unit_price       INTEGER NOT NULL,                 -- after the cache discount: the price a settle charges per unit
    cached           INTEGER NOT NULL,                 -- 1 when the cache discount applied
    batch_pct        INTEGER NOT NULL,                 -- the batch discount of the reserved quantity
    priced_by        TEXT    NOT NULL,                 -- catalogue, default
    creator_id       TEXT,                             -- the creator a settle credits, or null
    held             INTEGER NOT NULL,                 -- tokens held in hold:<id>
    allowance_part   INTEGER NOT NULL,
    purchased_part   INTEGER NOT NULL,
    month_key        INTEGER NOT NULL,                 -- the month the allowance part belongs to
    hold_seq         INTEGER NOT NULL,                 -- seq of the hold transaction (a clear hides earlier reservations)
    status           TEXT    NOT NULL,                 -- held, settled, voided, expired
    metadata         TEXT,
    created_ms       INTEGER NOT NULL,
    expires_ms       INTEGER NOT NULL,
    ended_ms         INTEGER,                          -- when it was settled, voided or expired
    settled_quantity INTEGER,                          -- settled: operations charged for
    charged          INTEGER,                          -- settled: tokens charged
    released         INTEGER,                          -- ended: tokens returned to the balance
    expired          INTEGER,                          -- ended: allowance tokens of an ended month that expired instead
    tx_id            TEXT                              -- settled: the charge transaction
) WITHOUT ROWID;

-- A user's reservations for list_reservations; an end changes none of its columns, so settling writes no page of it.
CREATE INDEX ix_reservations_account ON reservations (account, created_ms);
-- Only the held ones, the few that can fall due: what each call's state read, the held total and the server's sweep
-- look at. An end removes the entry and adds none.
CREATE INDEX ix_reservations_held ON reservations (account, expires_ms) WHERE status = 'held';
