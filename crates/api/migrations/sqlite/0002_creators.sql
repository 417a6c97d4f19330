-- The creator side: edits, cancellation, updates, dashboard sign-in links, and changes made
-- by other processes (the command line) for a running server to pick up.

-- `revision` grows with every edit of the definition (and with cancellation), so the writer
-- can refuse a pledge checked against an older definition. `seq` grows with it too: viewers
-- see every change of what the view shows.
ALTER TABLE campaigns ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN cancelled_at INTEGER;

-- Exports and the backer list page through a campaign's pledges by id (ids grow with time).
DROP INDEX pledges_by_campaign;
CREATE INDEX pledges_by_campaign ON pledges (campaign_id, id);

-- One-time links into the dashboard: only a hash of the token is kept.
CREATE TABLE sign_in_links (
    token_hash  TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id),
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);

-- A creator's posts to their backers; ids grow with time.
CREATE TABLE updates (
    id            TEXT PRIMARY KEY,
    campaign_id   TEXT NOT NULL REFERENCES campaigns(id),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    published_at  INTEGER NOT NULL
);
CREATE INDEX updates_by_campaign ON updates (campaign_id, id);

-- SQLite has no NOTIFY: the command line records what it changed here, and a running
-- server polls for rows it has not seen (a campaign id, or `site:<id>`).
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    subject     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
