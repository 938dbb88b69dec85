// @generated automatically by Diesel CLI.

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
    users (id) {
        id -> Int8,
        email -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(categories, sources, users,);
