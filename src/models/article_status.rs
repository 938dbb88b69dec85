//! An article's editorial state and kind (the visibility rule reads the state).

crate::text_enum! {
    /// Editorial state. Only `published` articles can be visible to the public.
    ArticleStatus { Draft => "draft", Published => "published", Archived => "archived" }
}

crate::text_enum! {
    /// What the story is; `video` and `audio` carry a `media_url`.
    ArticleKind { Article => "article", Video => "video", Audio => "audio", Gallery => "gallery" }
}
