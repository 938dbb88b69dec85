-- Bumped to invalidate every access token of a user at once (logout everywhere, password
-- change, disabling); tokens carry the generation they were issued under.
ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;

-- Sessions: opaque refresh tokens, stored only as SHA-256 hashes, rotated on every use and
-- grouped in families (one login = one family). A used token presented again revokes its family.
CREATE TABLE refresh_tokens (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family      UUID        NOT NULL,
    token_hash  BYTEA       NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    ip          TEXT,
    user_agent  TEXT
);
CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Failed logins, per account (`email:<address>`) and per client (`ip:<address>`).
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    failures      INTEGER     NOT NULL DEFAULT 0,
    blocked_until TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Content API keys for front ends: read-only, each with its own rate limit.
CREATE TABLE api_keys (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix          TEXT        NOT NULL,
    secret_hash     BYTEA       NOT NULL,
    rate_per_minute INTEGER     NOT NULL CHECK (rate_per_minute BETWEEN 1 AND 1000000),
    burst           INTEGER     NOT NULL CHECK (burst BETWEEN 1 AND 100000),
    expires_at      TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ,
    last_used_at    TIMESTAMPTZ,
    created_by      BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX api_keys_secret_hash_key ON api_keys (secret_hash);

-- Who did what to which resource, when and from where.
CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    user_id     BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    actor       TEXT,
    action      TEXT        NOT NULL,
    resource    TEXT        NOT NULL,
    resource_id TEXT,
    method      TEXT,
    path        TEXT,
    status      INTEGER,
    ip          TEXT,
    user_agent  TEXT,
    request_id  TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, at DESC, id DESC);
CREATE INDEX audit_log_resource_idx ON audit_log (resource, resource_id, at DESC, id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC, id DESC);
