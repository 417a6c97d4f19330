-- Receipt secrets are kept only as SHA-256 hashes (`receipt_hash`); `receipt_secret` is
-- emptied once the server has hashed it at start (SQL has no portable SHA-256), and is read
-- only for a row an older replica wrote before it was upgraded. An idempotency key is kept
-- as its hash too, beside the pledge's receipt secret sealed with the key itself: a replay
-- that presents the key gets its receipt link back, a copy of the database alone does not.
ALTER TABLE pledges ADD COLUMN receipt_hash TEXT;
CREATE INDEX pledges_receipt_unhashed ON pledges (id) WHERE receipt_hash IS NULL;
ALTER TABLE idempotency_keys ADD COLUMN sealed TEXT;
