-- Schema version 6. Applied inside one BEGIN IMMEDIATE transaction; user_version is set by the migrator.

-- A reservation's hold (hold:<id>) keeps its balance in the reservation's row only: the tokens held while it is held,
-- none once it ended. The journal's postings to it are unchanged, and verify still checks them against the
-- reservation. The copy in accounts cost every reserve a row and an index entry, and every settle or void an update.
DELETE FROM accounts WHERE kind = 'hold';

-- list_reservations finds a user's reservations through their hold rows in the journal's (account, kind, seq) index.
DROP INDEX ix_reservations_account;

-- 1 when the reserve counted the hold on a credential's budget day (a budget_holds row to settle when it ends).
-- Reservations made before this version may have one: they are looked up, as before.
ALTER TABLE reservations ADD COLUMN budget_hold INTEGER NOT NULL DEFAULT 1;
