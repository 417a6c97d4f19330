-- Endpoints a site registered for its events. The secret signs each delivery; it must be
-- kept as given, so it is only ever shown to its site.
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    site_id         TEXT NOT NULL REFERENCES sites (id),
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    -- Deliveries failed in a row; at the limit the endpoint is disabled, with the reason.
    failures        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    disabled_at     BIGINT,
    disabled_reason TEXT
);
CREATE INDEX webhook_endpoints_by_site ON webhook_endpoints (site_id);

-- The outbox: one row per event and endpoint, written in the transaction of the change
-- itself, so an event exists exactly when its change does.
CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    event_id        TEXT NOT NULL,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    -- A replica delivering it holds it until then.
    locked_until    BIGINT NOT NULL DEFAULT 0,
    delivered_at    BIGINT,
    last_error      TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, id);
