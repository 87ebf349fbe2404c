-- Accounts: only salted SCRAM keys are kept, never a password (RFC 5802 §3).
CREATE TABLE accounts (
    domain TEXT NOT NULL,
    username TEXT NOT NULL,
    iterations INTEGER NOT NULL,
    salt BLOB NOT NULL,
    sha1_stored_key BLOB NOT NULL,
    sha1_server_key BLOB NOT NULL,
    sha256_stored_key BLOB NOT NULL,
    sha256_server_key BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (domain, username)
) WITHOUT ROWID;
