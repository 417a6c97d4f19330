-- Idempotency keys are forgotten after 24 hours (store/retention.rs): by age.
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
