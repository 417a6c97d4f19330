-- Campaign drafts from the dashboard's editor, kept as typed (JSON) until published: a new
-- campaign's draft under an id of its own, or a published campaign's changes under its id.
CREATE TABLE drafts (
    site_id     TEXT NOT NULL REFERENCES sites(id),
    id          TEXT NOT NULL,
    campaign_id TEXT,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (site_id, id)
);
