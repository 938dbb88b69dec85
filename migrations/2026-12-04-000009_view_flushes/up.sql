-- Idempotent view flushes: every batch of counted views carries an id, recorded in the same
-- statement that adds its counts. A batch whose reply was lost after PostgreSQL committed it
-- is retried with the same id and then adds nothing, so views are never counted twice.
CREATE TABLE view_flushes (
    id uuid PRIMARY KEY,
    views bigint NOT NULL CHECK (views >= 0),
    flushed_at timestamptz NOT NULL DEFAULT now()
);
-- Old ids are pruned by the flushes themselves (a week is far longer than any retry).
CREATE INDEX view_flushes_flushed_at_idx ON view_flushes (flushed_at);
