CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Bylines (not logins).
CREATE TABLE authors (
    id          BIGSERIAL PRIMARY KEY,
    slug        TEXT        NOT NULL CHECK (slug ~ '^[a-z0-9-]{1,64}$'),
    name        TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    affiliation TEXT,
    bio         TEXT,
    avatar_url  TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX authors_slug_key ON authors (slug);

-- Keywords, created on first use.
CREATE TABLE tags (
    id         BIGSERIAL PRIMARY KEY,
    slug       TEXT        NOT NULL,
    name       TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 32),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tags_name_key ON tags (name);
CREATE UNIQUE INDEX tags_slug_key ON tags (slug);
CREATE INDEX tags_name_prefix_idx ON tags (name text_pattern_ops);

CREATE TABLE articles (
    id              BIGSERIAL PRIMARY KEY,
    slug            TEXT        NOT NULL CHECK (slug ~ '^[a-z0-9-]{1,96}$'),
    kicker          TEXT,
    title           TEXT        NOT NULL,
    subtitle        TEXT,
    summary         TEXT        NOT NULL DEFAULT '',
    body            TEXT        NOT NULL DEFAULT '',
    body_text       TEXT        NOT NULL DEFAULT '',
    cover_image_url TEXT,
    kind            TEXT        NOT NULL DEFAULT 'article' CHECK (kind IN ('article', 'video', 'audio', 'gallery')),
    media_url       TEXT,
    category_id     BIGINT      NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    source_id       BIGINT      REFERENCES sources (id) ON DELETE RESTRICT,
    editor_id       BIGINT      REFERENCES users (id) ON DELETE RESTRICT,
    is_headline     BOOLEAN     NOT NULL DEFAULT false,
    is_featured     BOOLEAN     NOT NULL DEFAULT false,
    is_pinned       BOOLEAN     NOT NULL DEFAULT false,
    status          TEXT        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    published_at    TIMESTAMPTZ,
    offline_at      TIMESTAMPTZ,
    view_count      BIGINT      NOT NULL DEFAULT 0,
    word_count      INTEGER     NOT NULL DEFAULT 0,
    version         INTEGER     NOT NULL DEFAULT 1,
    created_by      BIGINT      NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    updated_by      BIGINT      NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at      TIMESTAMPTZ,
    CHECK (status <> 'published' OR published_at IS NOT NULL)
);
CREATE UNIQUE INDEX articles_slug_key ON articles (slug);
-- Public feeds (partial: live rows only; the clock is checked on the index rows). Default
-- order is newest first with unpublished rows last; in a channel, pinned ones first.
CREATE INDEX articles_feed_idx ON articles (published_at DESC NULLS LAST, id DESC)
    WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX articles_pinned_feed_idx ON articles (is_pinned DESC, published_at DESC NULLS LAST, id DESC)
    WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX articles_category_feed_idx ON articles (category_id, is_pinned DESC, published_at DESC NULLS LAST, id DESC)
    WHERE status = 'published' AND deleted_at IS NULL;
-- Staff lists (every status).
CREATE INDEX articles_staff_feed_idx ON articles (published_at DESC NULLS LAST, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX articles_staff_category_idx ON articles (category_id, published_at DESC NULLS LAST, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX articles_views_idx ON articles (view_count DESC, id DESC)
    WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX articles_headline_idx ON articles (published_at DESC NULLS LAST, id DESC)
    WHERE is_headline AND status = 'published' AND deleted_at IS NULL;
CREATE INDEX articles_featured_idx ON articles (published_at DESC NULLS LAST, id DESC)
    WHERE is_featured AND status = 'published' AND deleted_at IS NULL;
CREATE INDEX articles_source_idx ON articles (source_id, published_at DESC NULLS LAST, id DESC);
CREATE INDEX articles_kind_idx ON articles (kind, published_at DESC NULLS LAST, id DESC);
CREATE INDEX articles_updated_idx ON articles (updated_at DESC, id DESC);
CREATE INDEX articles_staff_idx ON articles (status, updated_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX articles_trash_idx ON articles (deleted_at DESC, id DESC) WHERE deleted_at IS NOT NULL;
CREATE INDEX articles_editor_idx ON articles (editor_id);
CREATE INDEX articles_created_by_idx ON articles (created_by);
CREATE INDEX articles_title_trgm_idx ON articles USING gin (title gin_trgm_ops);

-- Bylines in order.
CREATE TABLE article_authors (
    article_id BIGINT  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id  BIGINT  NOT NULL REFERENCES authors (id) ON DELETE RESTRICT,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author_idx ON article_authors (author_id, article_id);

CREATE TABLE article_tags (
    article_id BIGINT  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     BIGINT  NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id, article_id);

-- The state of an article before each update.
CREATE TABLE article_revisions (
    id         BIGSERIAL PRIMARY KEY,
    article_id BIGINT      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    number     INTEGER     NOT NULL,
    snapshot   JSONB       NOT NULL,
    created_by BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (article_id, number)
);
