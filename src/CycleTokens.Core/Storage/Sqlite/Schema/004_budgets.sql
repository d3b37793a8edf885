-- Schema version 4. Applied inside one BEGIN IMMEDIATE transaction; user_version is set by the migrator.

-- Spend budgets (agent-billing spec §2): what each credential debited per UTC calendar day, kept in the same write
-- transaction as the debits it counts, so a daily limit is exact across processes. Holds given back (an escrow
-- cancelled, the unused part of a reservation) are taken off the day they were counted on.
CREATE TABLE credential_spend (
    credential TEXT    NOT NULL,                   -- key_..., jwt:<issuer> <subject>, or stdio:<account>
    day        INTEGER NOT NULL,                   -- UTC day: Unix milliseconds / 86400000
    amount     INTEGER NOT NULL,                   -- tokens debited through the credential that day, less holds given back
    PRIMARY KEY (credential, day)
) WITHOUT ROWID;

-- Holds counted in a credential's day, until they are settled: released (the tokens were spent) or given back.
CREATE TABLE budget_holds (
    hold_id    TEXT    NOT NULL PRIMARY KEY,       -- the escrow (or reservation) id
    credential TEXT    NOT NULL,
    day        INTEGER NOT NULL,                   -- the day the hold was counted on
    amount     INTEGER NOT NULL
) WITHOUT ROWID;

-- Low-balance alerts (spec §4): an operator's threshold per account, and whether the alert has been raised since the
-- balance was last seen at or above it, so the event is raised once per crossing by whichever process debits.
CREATE TABLE low_balance (
    account   TEXT    NOT NULL PRIMARY KEY,
    threshold INTEGER,                             -- tokens; null: 10% of the tier's monthly allowance
    alerted   INTEGER NOT NULL                     -- 1 from the alert until a debit leaves the balance at or above the threshold
) WITHOUT ROWID;
