-- Rosters (RFC 6121 §2) and subscription state (RFC 6121 §3), keyed by the owner's prepared domain and username.

-- One row per contact in a user's roster. subscription is 'none', 'to', 'from' or 'both'; ask = 1 is "Pending Out"
-- (ask='subscribe'); approved = 1 is a pre-approval (RFC 6121 §3.4).
CREATE TABLE roster_items (
    domain TEXT NOT NULL,
    username TEXT NOT NULL,
    contact TEXT NOT NULL,
    name TEXT NULL,
    subscription TEXT NOT NULL CHECK (subscription IN ('none', 'to', 'from', 'both')),
    ask INTEGER NOT NULL DEFAULT 0,
    approved INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (domain, username, contact)
) WITHOUT ROWID;

-- The groups of an item, in the order the client gave them.
CREATE TABLE roster_groups (
    domain TEXT NOT NULL,
    username TEXT NOT NULL,
    contact TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (domain, username, contact, name),
    FOREIGN KEY (domain, username, contact) REFERENCES roster_items (domain, username, contact) ON DELETE CASCADE
) WITHOUT ROWID;

-- Inbound subscription requests not answered yet ("Pending In", RFC 6121 §3.1.3), whether or not the contact is in
-- the roster: a request from a stranger must be kept (and re-delivered) without becoming a roster item.
CREATE TABLE roster_pending_in (
    domain TEXT NOT NULL,
    username TEXT NOT NULL,
    contact TEXT NOT NULL,
    status TEXT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (domain, username, contact)
) WITHOUT ROWID;

-- The roster version (XEP-0237), bumped on every change of an item.
CREATE TABLE roster_versions (
    domain TEXT NOT NULL,
    username TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (domain, username)
) WITHOUT ROWID;
