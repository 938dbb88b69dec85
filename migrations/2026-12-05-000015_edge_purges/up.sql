-- Purges for the edge tier (Varnish, a CDN): written in the transaction of the write that made
-- them necessary, sent by whichever instance claims them first (FOR UPDATE SKIP LOCKED).
CREATE TABLE edge_purges (
    id BIGSERIAL PRIMARY KEY,
    -- Surrogate keys to purge (see src/cache/surrogate.rs); empty with `everything`.
    keys TEXT[] NOT NULL DEFAULT '{}',
    everything BOOLEAN NOT NULL DEFAULT FALSE,
    -- Not sent before (a purge is sent twice: at once, and again a few seconds later).
    not_before TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts INTEGER NOT NULL DEFAULT 0,
    -- Claimed by an instance until then.
    leased_until TIMESTAMPTZ
);

CREATE INDEX edge_purges_due ON edge_purges (not_before);
