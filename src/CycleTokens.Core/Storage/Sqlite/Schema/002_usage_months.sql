-- Schema version 2. Applied inside one BEGIN IMMEDIATE transaction; user_version is set by the migrator.

-- Usage per user, calendar month and operation: what charges and spends used, net of refunds, since the last clear.
-- Kept in the same transaction as the journal rows it sums, so a month's usage (get_balance's used_this_month,
-- get_usage for whole months) is one index range, however long the user's history. The month is that of the
-- transaction's created_ms in the ledger's month time zone (year*12 + month-1), as the journal scan would count it.
CREATE TABLE usage_months (
    account   TEXT    NOT NULL,
    month_key INTEGER NOT NULL,
    operation TEXT    NOT NULL,
    count     INTEGER NOT NULL,                    -- charges and spends, less those refunded
    tokens    INTEGER NOT NULL,                    -- their amounts, less those refunded
    PRIMARY KEY (account, month_key, operation)
) WITHOUT ROWID;

-- Work the engine owes the file once, under the write lock, on its next open: SQL cannot apply the month time zone,
-- so a file that already holds charges gets its usage_months filled from the journal by the engine.
CREATE TABLE pending_work (
    name TEXT NOT NULL PRIMARY KEY
) WITHOUT ROWID;

INSERT INTO pending_work (name)
SELECT 'usage_months' WHERE EXISTS (SELECT 1 FROM transactions WHERE kind IN ('charge', 'spend'));

-- No query reads postings by account (verification streams them in journal order); the index only cost two page
-- writes per charge.
DROP INDEX ix_postings_account;
