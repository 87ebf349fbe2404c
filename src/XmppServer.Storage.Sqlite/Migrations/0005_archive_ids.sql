-- Archive ids of new messages are made from seq (AES of the seq under archive_id_key, see ArchiveIdCodec), so a new
-- row stores '' in id and needs no index entry for it: an index on random ids put every append on a random page of
-- that index, the largest share of the disk writes per message once archives grow. Rows archived before keep their
-- random ids, still looked up through the partial index below.
DROP INDEX archive_messages_id;
CREATE UNIQUE INDEX archive_messages_legacy_id ON archive_messages (domain, username, id) WHERE id <> '';

-- The one AES-128 key the ids are made with. It stays secret with the database: without it an id says nothing about
-- the archive (XEP-0359 §6). randomblob() draws from SQLite's ChaCha20 generator, seeded from the operating system's
-- random source; made here, the key is there before any append, so reading it never waits for a writer.
CREATE TABLE archive_id_key (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    key BLOB NOT NULL CHECK (length(key) = 16)
);
INSERT INTO archive_id_key (only, key) VALUES (1, randomblob(16));
