-- Offline messages (XEP-0160). AUTOINCREMENT keeps ids growing and never reused, so id order is arrival order and
-- an id removed after delivery can never name a newer message.
CREATE TABLE offline_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain TEXT NOT NULL,
    username TEXT NOT NULL,
    stamp TEXT NOT NULL,
    stanza TEXT NOT NULL
);

CREATE INDEX offline_messages_user ON offline_messages (domain, username, id);
