-- Reads per article per day (the day in NEWSDESK_TIMEZONE), flushed in batches by the beacon.
CREATE TABLE article_views_daily (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    day        DATE   NOT NULL,
    views      BIGINT NOT NULL CHECK (views >= 0),
    PRIMARY KEY (article_id, day)
);
-- Rolling windows scan a range of days.
CREATE INDEX article_views_daily_day_idx ON article_views_daily (day, article_id) INCLUDE (views);

-- Boards: 点击排行 (most_read, computed) and 推荐位 (curated, chosen by editors).
CREATE TABLE rankings (
    id          BIGSERIAL PRIMARY KEY,
    slug        TEXT        NOT NULL CHECK (slug ~ '^[a-z0-9-]{1,64}$'),
    title       TEXT        NOT NULL CHECK (length(title) BETWEEN 1 AND 64),
    description TEXT,
    kind        TEXT        NOT NULL CHECK (kind IN ('most_read', 'curated')),
    size        INTEGER     NOT NULL DEFAULT 10 CHECK (size BETWEEN 1 AND 100),
    position    INTEGER     NOT NULL DEFAULT 0,
    time_window TEXT        CHECK (time_window IN ('day', 'week', 'month', 'year', 'all')),
    category_id BIGINT      REFERENCES categories (id) ON DELETE RESTRICT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'most_read' AND time_window IS NOT NULL)
        OR (kind = 'curated' AND time_window IS NULL AND category_id IS NULL))
);
CREATE UNIQUE INDEX rankings_slug_key ON rankings (slug);

-- The ordered picks of a curated board, each optionally limited in time.
CREATE TABLE ranking_entries (
    ranking_id BIGINT      NOT NULL REFERENCES rankings (id) ON DELETE CASCADE,
    article_id BIGINT      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER     NOT NULL,
    note       TEXT,
    starts_at  TIMESTAMPTZ,
    ends_at    TIMESTAMPTZ,
    PRIMARY KEY (ranking_id, article_id),
    CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
);
CREATE INDEX ranking_entries_article_idx ON ranking_entries (article_id);
