-- Message archives (XEP-0313) and archiving preferences (XEP-0441), keyed by the owner's prepared domain and username.

-- seq orders every archive and is also the time the message was archived, in microseconds since the Unix epoch: the
-- insert makes it strictly greater than any seq before it, so archive order is commit order even if the clock steps
-- back, and the 'start'/'end' filters become seq ranges on the same indexes as paging. id is the opaque archive id
-- clients see (the XEP-0359 stanza-id); it is random, so it reveals nothing and is never reused.
CREATE TABLE archive_messages (
    seq INTEGER PRIMARY KEY,
    domain TEXT NOT NULL,
    username TEXT NOT NULL,
    id TEXT NOT NULL,
    with_bare TEXT NOT NULL,
    with_resource TEXT NULL,
    stanza TEXT NOT NULL
);

-- Keyset paging over one archive, and over one conversation of it ('with').
CREATE INDEX archive_messages_user ON archive_messages (domain, username, seq);
CREATE INDEX archive_messages_with ON archive_messages (domain, username, with_bare, seq);

-- Lookup of the ids clients page from (RSM after/before, before-id, after-id, ids).
CREATE UNIQUE INDEX archive_messages_id ON archive_messages (domain, username, id);

-- default_mode is 'always', 'never' or 'roster'; the lists hold JIDs, one per line.
CREATE TABLE archive_preferences (
    domain TEXT NOT NULL,
    username TEXT NOT NULL,
    default_mode TEXT NOT NULL CHECK (default_mode IN ('always', 'never', 'roster')),
    always_jids TEXT NOT NULL,
    never_jids TEXT NOT NULL,
    PRIMARY KEY (domain, username)
) WITHOUT ROWID;

-- How many messages each archive holds, kept with every insert and delete: the RSM count of an unfiltered query
-- without walking a million index entries.
CREATE TABLE archive_counts (
    domain TEXT NOT NULL,
    username TEXT NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (domain, username)
) WITHOUT ROWID;
