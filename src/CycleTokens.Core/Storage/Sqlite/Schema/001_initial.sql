-- Schema version 1. Applied inside one BEGIN IMMEDIATE transaction; user_version is set by the migrator.
-- Amounts are whole tokens (INTEGER, 64-bit). Times are Unix milliseconds UTC.

-- Every account that ever held a posting. Balances are maintained in the same transaction as the postings
-- and can always be recomputed from them (see verification).
CREATE TABLE accounts (
    id            TEXT    NOT NULL PRIMARY KEY,
    kind          TEXT    NOT NULL,                -- user, creator, fab, platform, system, escrow
    balance       INTEGER NOT NULL DEFAULT 0,      -- allowance + purchased for users; the single bucket for others
    allowance     INTEGER NOT NULL DEFAULT 0,      -- users: this month's tier tokens still unspent
    purchased     INTEGER NOT NULL DEFAULT 0,      -- users: bought or granted tokens, never expire
    tier          TEXT,                            -- users only
    month_key     INTEGER,                         -- users: year*12 + month-1 of the allowance's month
    history_start INTEGER NOT NULL DEFAULT 0,      -- users: history and exports show seq > this (set by a clear)
    created_ms    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX ix_accounts_kind ON accounts (kind, id);

-- The journal: append-only, one row per movement, chained by SHA-256 in commit (seq) order.
CREATE TABLE transactions (
    seq             INTEGER NOT NULL PRIMARY KEY,  -- commit order (rowid)
    id              TEXT    NOT NULL UNIQUE,
    created_ms      INTEGER NOT NULL,
    kind            TEXT    NOT NULL,              -- charge, spend, grant, purchase, allowance, expiry, refund, escrow, clear
    type            TEXT    NOT NULL,              -- debit, credit, escrow_hold, escrow_release, escrow_cancel
    account         TEXT    NOT NULL,              -- the user the movement belongs to
    operation       TEXT,
    amount          INTEGER NOT NULL,              -- magnitude of the user's movement (or of the escrow moved)
    counterparty    TEXT,
    balance_after   INTEGER NOT NULL,              -- the user's balance after this transaction
    month_key       INTEGER NOT NULL,              -- the user's allowance month when it was written
    metadata        TEXT,                          -- caller JSON object (canonical), at most 4 KiB
    idempotency_key TEXT,
    ref             TEXT,                          -- escrow id, purchase id or refunded transaction id
    details         TEXT,                          -- engine JSON: prices, quantity, shares, params hash
    hash            BLOB    NOT NULL
);

CREATE INDEX ix_tx_account_seq ON transactions (account, seq);
CREATE INDEX ix_tx_account_kind_seq ON transactions (account, kind, seq);
CREATE INDEX ix_tx_account_op_seq ON transactions (account, operation, seq);
CREATE INDEX ix_tx_account_time ON transactions (account, created_ms);

-- Double-entry postings: the amounts of one transaction sum to zero.
CREATE TABLE postings (
    tx_seq  INTEGER NOT NULL REFERENCES transactions (seq),
    idx     INTEGER NOT NULL,
    account TEXT    NOT NULL,
    bucket  TEXT    NOT NULL,                      -- allowance, purchased (users) or main (all others)
    amount  INTEGER NOT NULL,
    PRIMARY KEY (tx_seq, idx)
) WITHOUT ROWID;

CREATE INDEX ix_postings_account ON postings (account, tx_seq);

-- A charge can be refunded once: the primary key enforces it.
CREATE TABLE refunds (
    charge_id TEXT NOT NULL PRIMARY KEY,
    refund_id TEXT NOT NULL
) WITHOUT ROWID;

-- Cache-discount memory: the last successful charge of (user, operation, canonical params).
CREATE TABLE discount_cache (
    account     TEXT    NOT NULL,
    operation   TEXT    NOT NULL,
    params_hash TEXT    NOT NULL,
    last_ms     INTEGER NOT NULL,
    PRIMARY KEY (account, operation, params_hash)
) WITHOUT ROWID;

CREATE TABLE escrows (
    id              TEXT    NOT NULL PRIMARY KEY,
    account         TEXT    NOT NULL,
    amount          INTEGER NOT NULL,
    allowance_part  INTEGER NOT NULL,
    purchased_part  INTEGER NOT NULL,
    month_key       INTEGER NOT NULL,
    hold_seq        INTEGER NOT NULL,              -- seq of the hold transaction (a clear hides earlier escrows)
    job_id          TEXT    NOT NULL,
    fab_id          TEXT    NOT NULL,
    status          TEXT    NOT NULL,              -- held, released, cancelled
    metadata        TEXT,
    created_ms      INTEGER NOT NULL,
    expires_ms      INTEGER,
    released_ms     INTEGER,
    cancelled_ms    INTEGER
) WITHOUT ROWID;

CREATE INDEX ix_escrows_account ON escrows (account, status, created_ms);
CREATE INDEX ix_escrows_due ON escrows (account, status, expires_ms);

CREATE TABLE purchases (
    id           TEXT    NOT NULL PRIMARY KEY,
    account      TEXT    NOT NULL,
    tokens       INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    method       TEXT    NOT NULL,
    status       TEXT    NOT NULL,                 -- pending, completed
    checkout_url TEXT,
    currency     TEXT,
    created_ms   INTEGER NOT NULL,
    completed_ms INTEGER,
    tx_id        TEXT
) WITHOUT ROWID;

CREATE INDEX ix_purchases_account ON purchases (account, created_ms);
CREATE INDEX ix_purchases_status ON purchases (status, created_ms);

-- Idempotency: key, argument fingerprint and outcome, written in the same transaction as the effects.
CREATE TABLE idempotency (
    account     TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,                  -- JSON: {"ok":...} or {"error":{code,field,message}}
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (account, key)
) WITHOUT ROWID;

CREATE INDEX ix_idempotency_age ON idempotency (account, created_ms);
