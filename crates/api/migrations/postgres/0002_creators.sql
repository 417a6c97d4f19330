-- The creator side: edits, cancellation, updates and dashboard sign-in links. Other
-- processes (the command line) announce their changes with NOTIFY, as replicas do.

-- `revision` grows with every edit of the definition (and with cancellation), so the writer
-- can refuse a pledge checked against an older definition. `seq` grows with it too: viewers
-- see every change of what the view shows.
ALTER TABLE campaigns ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN cancelled_at BIGINT;

-- Exports and the backer list page through a campaign's pledges by id (ids grow with time).
DROP INDEX pledges_by_campaign;
CREATE INDEX pledges_by_campaign ON pledges (campaign_id, id);

-- One-time links into the dashboard: only a hash of the token is kept.
CREATE TABLE sign_in_links (
    token_hash  TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id),
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);

-- A creator's posts to their backers; ids grow with time.
CREATE TABLE updates (
    id            TEXT PRIMARY KEY,
    campaign_id   TEXT NOT NULL REFERENCES campaigns(id),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    published_at  BIGINT NOT NULL
);
CREATE INDEX updates_by_campaign ON updates (campaign_id, id);
