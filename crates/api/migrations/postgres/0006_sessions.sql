-- Dashboard sessions. Only a hash of the cookie's token is kept, with the site key's hash
-- at sign-in: rotating the key ends every session made with the old one.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id),
    key_hash    TEXT NOT NULL,
    csrf        TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
