-- Webhooks: endpoints that admins register for change events, and the queue of deliveries.
-- `events` holds exact event names (`category.*` is expanded when an endpoint is saved).
CREATE TABLE webhooks (
    id          BIGSERIAL PRIMARY KEY,
    url         TEXT        NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    events      TEXT[]      NOT NULL CHECK (cardinality(events) >= 1
                                            AND array_position(events, NULL) IS NULL),
    -- Kept in full: the worker signs every delivery with it (unlike passwords and API keys).
    secret      TEXT        NOT NULL CHECK (length(secret) BETWEEN 16 AND 256),
    active      BOOLEAN     NOT NULL DEFAULT TRUE,
    description TEXT,
    created_by  BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    version     INTEGER     NOT NULL DEFAULT 1
);
CREATE INDEX webhooks_events_idx ON webhooks USING GIN (events) WHERE active;

-- One row per (event, endpoint), written in the transaction of the change it announces.
CREATE TABLE webhook_deliveries (
    id               BIGSERIAL PRIMARY KEY,
    webhook_id       BIGINT      NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event            TEXT        NOT NULL,
    -- The exact JSON body sent, fixed when the event happened.
    payload          JSONB       NOT NULL,
    status           TEXT        NOT NULL DEFAULT 'pending'
                                 CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed')),
    attempts         INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- While `delivering`: a worker holds it until then; later, another worker may take it over.
    locked_until     TIMESTAMPTZ,
    -- Retries stop (status `failed`) once an attempt fails after this time; NULL means
    -- created_at + WEBHOOK_MAX_AGE_SECS (a redelivery by hand sets it).
    give_up_at       TIMESTAMPTZ,
    last_status_code INTEGER,
    last_error       TEXT,
    -- The first KiB of the last response body.
    last_response    TEXT,
    last_duration_ms INTEGER,
    last_attempt_at  TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at     TIMESTAMPTZ
);
-- The worker's scan: due pending rows and expired leases.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status IN ('pending', 'delivering');
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id DESC);
