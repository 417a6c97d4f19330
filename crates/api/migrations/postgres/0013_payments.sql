-- With payments on, `raised` counts only secured or paid money and `pledged` everything
-- live pledges promise; without payments the two are equal.
ALTER TABLE campaigns ADD COLUMN pledged BIGINT NOT NULL DEFAULT 0;
UPDATE campaigns SET pledged = raised;
-- NULL for a campaign without payments; otherwise pending, secured, paid, failed,
-- refunded or void. A pending pledge is voided at `payment_due_at`, releasing its units.
ALTER TABLE pledges ADD COLUMN payment_status TEXT;
ALTER TABLE pledges ADD COLUMN payment_due_at BIGINT;
ALTER TABLE pledges ADD COLUMN paid_at BIGINT;
CREATE INDEX pledges_payment_due ON pledges (payment_due_at) WHERE payment_status = 'pending';
