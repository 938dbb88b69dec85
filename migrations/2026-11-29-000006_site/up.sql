-- Site settings (站点设置): one row (id = 1) read by front ends for the header, the scrolling
-- slogans, the navigation and the footer. Absent until seeded or first changed.
CREATE TABLE site_settings (
    id         SMALLINT    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    name       TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    logo_url   TEXT,
    -- [{"text": "...", "url": "https://..." | null}], in display order.
    slogans    JSONB       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(slogans) = 'array'),
    -- Category ids in display order; ids of deleted channels are skipped when read.
    navigation BIGINT[]    NOT NULL DEFAULT '{}' CHECK (array_position(navigation, NULL) IS NULL),
    copyright  TEXT,
    phone      TEXT,
    email      TEXT,
    address    TEXT,
    icp        TEXT,
    version    INTEGER     NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by BIGINT      REFERENCES users (id) ON DELETE SET NULL
);
