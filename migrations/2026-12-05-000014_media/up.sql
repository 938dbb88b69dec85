-- The media library: uploaded images, video and audio, stored by content hash in the
-- configured object store (local folder or S3-compatible bucket).
CREATE TABLE media_assets (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT        NOT NULL CHECK (kind IN ('image', 'video', 'audio')),
    -- The type read from the content's magic bytes, never from the client.
    mime        TEXT        NOT NULL,
    -- Name in URLs (`/media/{id}/{file_name}`): a slug of the uploaded name plus the
    -- extension of the detected type.
    file_name   TEXT        NOT NULL CHECK (file_name ~ '^[a-z0-9][a-z0-9-]{0,79}\.[a-z0-9]{2,5}$'),
    byte_size   BIGINT      NOT NULL CHECK (byte_size > 0),
    -- SHA-256 of the bytes as uploaded: the same file uploaded twice is one asset.
    upload_sha256 TEXT      NOT NULL CHECK (upload_sha256 ~ '^[0-9a-f]{64}$'),
    -- SHA-256 of the bytes stored (metadata stripped): the strong ETag, and the storage key.
    sha256      TEXT        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    title       TEXT        NOT NULL DEFAULT '',
    alt         TEXT,
    caption     TEXT,
    -- 来源 / photographer credit.
    credit      TEXT,
    tags        TEXT[]      NOT NULL DEFAULT '{}',
    width       INTEGER     CHECK (width > 0),
    height      INTEGER     CHECK (height > 0),
    duration_ms BIGINT      CHECK (duration_ms >= 0),
    -- A video's or audio's poster (an image asset).
    poster_id   BIGINT      REFERENCES media_assets (id) ON DELETE RESTRICT,
    -- Readable without a token even when no visible article uses it.
    public      BOOLEAN     NOT NULL DEFAULT false,
    uploaded_by BIGINT      NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'image') = (width IS NOT NULL AND height IS NOT NULL)),
    CHECK (kind <> 'image' OR poster_id IS NULL)
);
CREATE UNIQUE INDEX media_assets_upload_sha256_key ON media_assets (upload_sha256);
CREATE INDEX media_assets_created_idx ON media_assets (created_at DESC, id DESC);
CREATE INDEX media_assets_kind_created_idx ON media_assets (kind, created_at DESC, id DESC);
CREATE INDEX media_assets_uploader_idx ON media_assets (uploaded_by, created_at DESC, id DESC);
CREATE INDEX media_assets_tags_idx ON media_assets USING gin (tags);
CREATE INDEX media_assets_poster_idx ON media_assets (poster_id) WHERE poster_id IS NOT NULL;

-- Which articles use which assets, and how: the cover, the video or audio, the gallery (in
-- order) and the images of the body (in order). Written with the article; an asset in use
-- cannot be deleted.
CREATE TABLE article_media (
    article_id BIGINT  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('cover', 'media', 'gallery', 'body')),
    position   INTEGER NOT NULL CHECK (position >= 0),
    asset_id   BIGINT  NOT NULL REFERENCES media_assets (id) ON DELETE RESTRICT,
    PRIMARY KEY (article_id, role, position),
    CHECK (role IN ('gallery', 'body') OR position = 0)
);
CREATE INDEX article_media_asset_idx ON article_media (asset_id, article_id);
