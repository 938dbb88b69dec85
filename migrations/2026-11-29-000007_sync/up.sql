-- Delta sync (GET /articles/changes). Every change to what an article's summary shows, and
-- every crossing of its published_at/offline_at, stamps the article with the next number of
-- one sequence. Stamps are taken under a transaction-level advisory lock held until commit,
-- so they become visible in stamp order: a reader holding the lock in shared mode has seen
-- every stamp handed out, and no row can later appear with a lower one.
CREATE SEQUENCE article_sync_seq;

CREATE FUNCTION sync_tick() RETURNS BIGINT LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(7401001);
    SELECT nextval('article_sync_seq');
$$;

-- The public rule (design.md) at an instant.
CREATE FUNCTION article_visible_at(live BOOLEAN, published_at TIMESTAMPTZ,
                                   offline_at TIMESTAMPTZ, at TIMESTAMPTZ) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE AS
    $$ SELECT live AND published_at IS NOT NULL AND published_at <= at
              AND (offline_at IS NULL OR offline_at > at) $$;

-- One row per article ever written, kept after the article is purged. seq: its last stamp;
-- visible: whether it was visible when stamped; first_visible_seq: the first stamp at which
-- it was visible (NULL: never was, so no client can hold it and its removal is not reported);
-- live, published_at, offline_at: copies for the scheduler's indexes (live: published and
-- not in the trash); visible_before: whether it was visible before the transaction that
-- stamped it last (stamp_xid), so a write can tell whether it published or unpublished it.
CREATE TABLE article_sync (
    article_id        BIGINT  PRIMARY KEY,
    seq               BIGINT  NOT NULL,
    visible           BOOLEAN NOT NULL,
    first_visible_seq BIGINT,
    live              BOOLEAN NOT NULL,
    published_at      TIMESTAMPTZ,
    offline_at        TIMESTAMPTZ,
    purged            BOOLEAN NOT NULL DEFAULT false,
    visible_before    BOOLEAN NOT NULL DEFAULT false,
    stamp_xid         BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX article_sync_seq_idx ON article_sync (seq, article_id);
-- What the clock will change: stamped invisible but live and not yet offline (scheduled), and
-- stamped visible with an offline time.
CREATE INDEX article_sync_due_on_idx
    ON article_sync ((COALESCE(offline_at, 'infinity'::timestamptz)), published_at)
    WHERE NOT visible AND live;
CREATE INDEX article_sync_due_off_idx ON article_sync (offline_at)
    WHERE visible AND offline_at IS NOT NULL;

INSERT INTO article_sync (article_id, seq, visible, first_visible_seq, live, published_at, offline_at)
SELECT id, 0, v, CASE WHEN v THEN 0 END, live, published_at, offline_at
  FROM (SELECT id, published_at, offline_at,
               status = 'published' AND deleted_at IS NULL AS live,
               article_visible_at(status = 'published' AND deleted_at IS NULL, published_at,
                                  offline_at, now()) AS v
          FROM articles) a;

CREATE FUNCTION articles_sync_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    stamp BIGINT := sync_tick();
    is_live BOOLEAN := NEW.status = 'published' AND NEW.deleted_at IS NULL;
    vis BOOLEAN := article_visible_at(is_live, NEW.published_at, NEW.offline_at, clock_timestamp());
    xid BIGINT := pg_current_xact_id()::text::bigint;
BEGIN
    INSERT INTO article_sync AS s (article_id, seq, visible, first_visible_seq, live, published_at,
                                   offline_at, visible_before, stamp_xid)
    VALUES (NEW.id, stamp, vis, CASE WHEN vis THEN stamp END, is_live, NEW.published_at,
            NEW.offline_at, false, xid)
    ON CONFLICT (article_id) DO UPDATE
        SET visible_before = CASE WHEN s.stamp_xid = EXCLUDED.stamp_xid THEN s.visible_before
                                  ELSE s.visible END,
            stamp_xid = EXCLUDED.stamp_xid,
            seq = EXCLUDED.seq, visible = EXCLUDED.visible,
            first_visible_seq = COALESCE(s.first_visible_seq, EXCLUDED.first_visible_seq),
            live = EXCLUDED.live, published_at = EXCLUDED.published_at,
            offline_at = EXCLUDED.offline_at;
    RETURN NULL;
END $$;

-- Every column a summary shows or visibility depends on; not view_count (views are flushed
-- often and are not a change), nor the search columns.
CREATE TRIGGER articles_sync_stamp
    AFTER INSERT OR UPDATE OF slug, kicker, title, subtitle, summary, body, cover_image_url, kind,
        media_url, category_id, source_id, editor_id, is_headline, is_featured, is_pinned, status,
        published_at, offline_at, version, deleted_at
    ON articles FOR EACH ROW EXECUTE FUNCTION articles_sync_stamp();

CREATE FUNCTION articles_sync_purged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_sync
       SET seq = sync_tick(), visible = false, live = false, purged = true
     WHERE article_id = OLD.id;
    RETURN NULL;
END $$;

CREATE TRIGGER articles_sync_purged
    AFTER DELETE ON articles FOR EACH ROW EXECUTE FUNCTION articles_sync_purged();

-- Summaries show the channel's, source's and authors' slug and name: renaming one restamps
-- its articles. The articles are locked before the stamp is taken, the order every writer
-- uses (article row, stamp lock, sync row).
CREATE FUNCTION sync_restamp(ids BIGINT[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    stamp BIGINT;
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM articles WHERE id = ANY (ids) ORDER BY id FOR UPDATE;
    stamp := sync_tick();
    UPDATE article_sync SET seq = stamp WHERE article_id = ANY (ids);
END $$;

CREATE FUNCTION sync_restamp_articles_of() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sync_restamp(CASE TG_TABLE_NAME
        WHEN 'categories' THEN ARRAY(SELECT id FROM articles WHERE category_id = NEW.id)
        WHEN 'sources' THEN ARRAY(SELECT id FROM articles WHERE source_id = NEW.id)
        ELSE ARRAY(SELECT article_id FROM article_authors WHERE author_id = NEW.id)
    END);
    RETURN NULL;
END $$;

CREATE TRIGGER categories_sync_restamp AFTER UPDATE OF slug, name ON categories FOR EACH ROW
    WHEN (OLD.slug IS DISTINCT FROM NEW.slug OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION sync_restamp_articles_of();
CREATE TRIGGER sources_sync_restamp AFTER UPDATE OF slug, name ON sources FOR EACH ROW
    WHEN (OLD.slug IS DISTINCT FROM NEW.slug OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION sync_restamp_articles_of();
CREATE TRIGGER authors_sync_restamp AFTER UPDATE OF slug, name ON authors FOR EACH ROW
    WHEN (OLD.slug IS DISTINCT FROM NEW.slug OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION sync_restamp_articles_of();
