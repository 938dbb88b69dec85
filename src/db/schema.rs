// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;
}

diesel::table! {
    api_keys (id) {
        id -> Int8,
        name -> Text,
        prefix -> Text,
        secret_hash -> Bytea,
        rate_per_minute -> Int4,
        burst -> Int4,
        expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    article_authors (article_id, author_id) {
        article_id -> Int8,
        author_id -> Int8,
        position -> Int4,
    }
}

diesel::table! {
    article_media (article_id, role, position) {
        article_id -> Int8,
        role -> Text,
        position -> Int4,
        asset_id -> Int8,
    }
}

diesel::table! {
    article_related (article_id, related_id) {
        article_id -> Int8,
        related_id -> Int8,
        position -> Int4,
    }
}

diesel::table! {
    article_revisions (id) {
        id -> Int8,
        article_id -> Int8,
        number -> Int4,
        snapshot -> Jsonb,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    article_sync (article_id) {
        article_id -> Int8,
        seq -> Int8,
        visible -> Bool,
        first_visible_seq -> Nullable<Int8>,
        live -> Bool,
        published_at -> Nullable<Timestamptz>,
        offline_at -> Nullable<Timestamptz>,
        purged -> Bool,
        visible_before -> Bool,
        stamp_xid -> Int8,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> Int8,
        tag_id -> Int8,
        position -> Int4,
    }
}

diesel::table! {
    article_terms (term, article_id) {
        term -> Text,
        article_id -> Int8,
        published_at -> Timestamptz,
    }
}

diesel::table! {
    article_views_daily (article_id, day) {
        article_id -> Int8,
        day -> Date,
        views -> Int8,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    articles (id) {
        id -> Int8,
        slug -> Text,
        kicker -> Nullable<Text>,
        title -> Text,
        subtitle -> Nullable<Text>,
        summary -> Text,
        body -> Text,
        body_text -> Text,
        cover_image_url -> Nullable<Text>,
        kind -> Text,
        media_url -> Nullable<Text>,
        category_id -> Int8,
        source_id -> Nullable<Int8>,
        editor_id -> Nullable<Int8>,
        is_headline -> Bool,
        is_featured -> Bool,
        is_pinned -> Bool,
        status -> Text,
        published_at -> Nullable<Timestamptz>,
        offline_at -> Nullable<Timestamptz>,
        view_count -> Int8,
        word_count -> Int4,
        version -> Int4,
        created_by -> Int8,
        updated_by -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        search_vector -> Nullable<Tsvector>,
        keywords -> Array<Nullable<Text>>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        user_id -> Nullable<Int8>,
        actor -> Nullable<Text>,
        action -> Text,
        resource -> Text,
        resource_id -> Nullable<Text>,
        method -> Nullable<Text>,
        path -> Nullable<Text>,
        status -> Nullable<Int4>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    authors (id) {
        id -> Int8,
        slug -> Text,
        name -> Text,
        affiliation -> Nullable<Text>,
        bio -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    categories (id) {
        id -> Int8,
        parent_id -> Nullable<Int8>,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        position -> Int4,
        visible -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    edge_purges (id) {
        id -> Int8,
        keys -> Array<Nullable<Text>>,
        everything -> Bool,
        not_before -> Timestamptz,
        created_at -> Timestamptz,
        attempts -> Int4,
        leased_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Int4,
        blocked_until -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    media_assets (id) {
        id -> Int8,
        kind -> Text,
        mime -> Text,
        file_name -> Text,
        byte_size -> Int8,
        upload_sha256 -> Text,
        sha256 -> Text,
        title -> Text,
        alt -> Nullable<Text>,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        tags -> Array<Nullable<Text>>,
        width -> Nullable<Int4>,
        height -> Nullable<Int4>,
        duration_ms -> Nullable<Int8>,
        poster_id -> Nullable<Int8>,
        public -> Bool,
        uploaded_by -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    ranking_entries (ranking_id, article_id) {
        ranking_id -> Int8,
        article_id -> Int8,
        position -> Int4,
        note -> Nullable<Text>,
        starts_at -> Nullable<Timestamptz>,
        ends_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    rankings (id) {
        id -> Int8,
        slug -> Text,
        title -> Text,
        description -> Nullable<Text>,
        kind -> Text,
        size -> Int4,
        position -> Int4,
        time_window -> Nullable<Text>,
        category_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Int8,
        user_id -> Int8,
        family -> Uuid,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    related_choices (article_id, related_id) {
        article_id -> Int8,
        related_id -> Int8,
        score -> Float8,
    }
}

diesel::table! {
    related_computed (article_id) {
        article_id -> Int8,
        computed_at -> Timestamptz,
    }
}

diesel::table! {
    search_synonyms (id) {
        id -> Int8,
        name -> Text,
        terms -> Array<Nullable<Text>>,
        ambiguous -> Array<Nullable<Text>>,
        context -> Array<Nullable<Text>>,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    site_settings (id) {
        id -> Int2,
        name -> Text,
        logo_url -> Nullable<Text>,
        slogans -> Jsonb,
        navigation -> Array<Nullable<Int8>>,
        version -> Int4,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Int8>,
        url -> Nullable<Text>,
        footer -> Jsonb,
        blocks -> Jsonb,
    }
}

diesel::table! {
    sources (id) {
        id -> Int8,
        slug -> Text,
        name -> Text,
        kind -> Text,
        homepage_url -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    tag_articles (tag_id, article_id) {
        tag_id -> Int8,
        article_id -> Int8,
        published_at -> Timestamptz,
    }
}

diesel::table! {
    tags (id) {
        id -> Int8,
        slug -> Text,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        email -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        token_generation -> Int4,
    }
}

diesel::table! {
    view_flushes (id) {
        id -> Uuid,
        views -> Int8,
        flushed_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Int8,
        webhook_id -> Int8,
        event -> Text,
        payload -> Jsonb,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
        give_up_at -> Nullable<Timestamptz>,
        last_status_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        last_response -> Nullable<Text>,
        last_duration_ms -> Nullable<Int4>,
        last_attempt_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Int8,
        url -> Text,
        events -> Array<Nullable<Text>>,
        secret -> Text,
        active -> Bool,
        description -> Nullable<Text>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::joinable!(api_keys -> users (created_by));
diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_authors -> authors (author_id));
diesel::joinable!(article_media -> articles (article_id));
diesel::joinable!(article_media -> media_assets (asset_id));
diesel::joinable!(article_revisions -> articles (article_id));
diesel::joinable!(article_revisions -> users (created_by));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(article_terms -> articles (article_id));
diesel::joinable!(article_views_daily -> articles (article_id));
diesel::joinable!(articles -> categories (category_id));
diesel::joinable!(articles -> sources (source_id));
diesel::joinable!(audit_log -> users (user_id));
diesel::joinable!(media_assets -> users (uploaded_by));
diesel::joinable!(ranking_entries -> articles (article_id));
diesel::joinable!(ranking_entries -> rankings (ranking_id));
diesel::joinable!(rankings -> categories (category_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(related_computed -> articles (article_id));
diesel::joinable!(site_settings -> users (updated_by));
diesel::joinable!(tag_articles -> articles (article_id));
diesel::joinable!(tag_articles -> tags (tag_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhooks -> users (created_by));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    article_authors,
    article_media,
    article_related,
    article_revisions,
    article_sync,
    article_tags,
    article_terms,
    article_views_daily,
    articles,
    audit_log,
    authors,
    categories,
    edge_purges,
    login_throttle,
    media_assets,
    ranking_entries,
    rankings,
    refresh_tokens,
    related_choices,
    related_computed,
    search_synonyms,
    site_settings,
    sources,
    tag_articles,
    tags,
    users,
    view_flushes,
    webhook_deliveries,
    webhooks,
);
