-- Secrets every replica shares, made once by whichever starts first (the plain form's
-- signing key).
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
