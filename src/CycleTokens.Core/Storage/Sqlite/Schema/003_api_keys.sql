-- Schema version 3. Applied inside one BEGIN IMMEDIATE transaction; user_version is set by the migrator.

-- API keys issued by an operator. The secret is shown once, when the key is created, and never stored: only its
-- SHA-256 hash is, and authentication looks the key up by that hash. Creating, revoking and updating a key are also
-- journal rows (kinds key_create, key_revoke, key_update; type admin; amount 0; no postings), so the chain covers them.
CREATE TABLE api_keys (
    id           TEXT    NOT NULL PRIMARY KEY,     -- key_<random>, from the ledger's id generator
    secret_hash  BLOB    NOT NULL UNIQUE,          -- SHA-256 of the secret's UTF-8 text (ctk_...); the unique index is the lookup
    account      TEXT    NOT NULL,                 -- the user account the key acts for (an operator key's default account)
    role         TEXT    NOT NULL,                 -- agent, operator
    name         TEXT,                             -- the operator's label, at most 100 characters
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER,                          -- null: never expires
    revoked_ms   INTEGER,                          -- null: not revoked; revocation is final
    last_used_ms INTEGER,                          -- last successful authentication, to the minute (see AuthenticateAsync)
    max_per_call INTEGER,                          -- budget in tokens, each null when unlimited (enforced by a later version)
    max_per_day  INTEGER,
    confirm_above INTEGER
) WITHOUT ROWID;

CREATE INDEX ix_api_keys_account ON api_keys (account, created_ms);
