-- Stripe's side of a card pledge: the customer and the intent saving its card, the card,
-- and the charge. `attempt` counts the backer's tries at a card (a declined charge is fixed
-- with a new one); `claimed_at` marks a charge or refund under way on some replica, so only
-- one replica calls Stripe for it (taken again when older than the lease); `released_at`
-- when a pledge that will never be charged let go of its card at Stripe (the intent
-- cancelled, the card detached).
CREATE TABLE card_payments (
    pledge_id TEXT PRIMARY KEY REFERENCES pledges (id),
    customer TEXT,
    setup_intent TEXT,
    payment_method TEXT,
    payment_intent TEXT,
    attempt BIGINT NOT NULL DEFAULT 0,
    claimed_at BIGINT,
    failure TEXT,
    released_at BIGINT
);
-- Stripe events applied: each once, whichever replica receives it, however often sent.
CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);
-- A declined card has a time to be fixed, as a pending payment has to be made.
DROP INDEX pledges_payment_due;
CREATE INDEX pledges_payment_due ON pledges (payment_due_at) WHERE payment_status IN ('pending', 'failed');
