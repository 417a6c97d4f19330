-- Cover images, uploaded by creators and re-encoded by the server. Keyed by a hash of the
-- stored bytes, so a cover's address never changes meaning and can be cached forever.
CREATE TABLE covers (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id),
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
ALTER TABLE campaigns ADD COLUMN cover_id TEXT;
