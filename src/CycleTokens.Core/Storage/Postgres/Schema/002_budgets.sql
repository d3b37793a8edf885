-- Schema version 2 (SQLite's version 4). Spend budgets per credential and low-balance alerts per account.

-- What each credential debited per UTC calendar day, kept in the same transaction as the debits it counts. Holds given
-- back (an escrow cancelled, the unused part of a reservation) are taken off the day they were counted on.
CREATE TABLE credential_spend (
    credential TEXT   NOT NULL,                    -- key_..., jwt:<issuer> <subject>, or stdio:<account>
    day        BIGINT NOT NULL,                    -- UTC day: Unix milliseconds / 86400000
    amount     BIGINT NOT NULL,                    -- tokens debited through the credential that day, less holds given back
    PRIMARY KEY (credential, day)
);

-- Holds counted in a credential's day, until they are settled: released (the tokens were spent) or given back.
CREATE TABLE budget_holds (
    hold_id    TEXT   NOT NULL PRIMARY KEY,        -- the escrow (or reservation) id
    credential TEXT   NOT NULL,
    day        BIGINT NOT NULL,                    -- the day the hold was counted on
    amount     BIGINT NOT NULL
);

-- An operator's low-balance threshold per account, and whether the alert has been raised since the balance was last
-- seen at or above it.
CREATE TABLE low_balance (
    account   TEXT   NOT NULL PRIMARY KEY,
    threshold BIGINT,                              -- tokens; null: 10% of the tier's monthly allowance
    alerted   BIGINT NOT NULL                      -- 1 from the alert until a debit leaves the balance at or above the threshold
);
