-- Staff who log in.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT        NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    display_name  TEXT        NOT NULL,
    role          TEXT        NOT NULL CHECK (role IN ('admin', 'editor', 'writer')),
    password_hash TEXT        NOT NULL,
    disabled      BOOLEAN     NOT NULL DEFAULT false,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Emails are stored lower-cased, so a plain unique index is case-insensitive.
CREATE UNIQUE INDEX users_email_key ON users (email);

-- Channels (频道/栏目), nested.
CREATE TABLE categories (
    id          BIGSERIAL PRIMARY KEY,
    parent_id   BIGINT REFERENCES categories (id) ON DELETE RESTRICT,
    slug        TEXT        NOT NULL CHECK (slug ~ '^[a-z0-9-]{1,64}$'),
    name        TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    description TEXT,
    position    INTEGER     NOT NULL DEFAULT 0,
    visible     BOOLEAN     NOT NULL DEFAULT true,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE UNIQUE INDEX categories_slug_key ON categories (slug);
CREATE INDEX categories_parent_id_idx ON categories (parent_id, position, name);

-- Where a story comes from (来源).
CREATE TABLE sources (
    id           BIGSERIAL PRIMARY KEY,
    slug         TEXT        NOT NULL CHECK (slug ~ '^[a-z0-9-]{1,64}$'),
    name         TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind         TEXT        NOT NULL DEFAULT 'other'
                 CHECK (kind IN ('newspaper', 'agency', 'website', 'broadcaster', 'government', 'other')),
    homepage_url TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sources_slug_key ON sources (slug);
CREATE UNIQUE INDEX sources_name_key ON sources (name);
