-- A pledge may take several units of its tier, and its backer may cancel it while the
-- campaign is live; a cancelled pledge stays for the record but no longer counts.
ALTER TABLE pledges ADD COLUMN quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0);
ALTER TABLE pledges ADD COLUMN cancelled_at INTEGER;
