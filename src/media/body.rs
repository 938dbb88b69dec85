//! Images of the media library in article bodies: `<img src="/media/{id}/{name}">` as the
//! editor wrote it is stored as written; read, it gains the asset's size, alt text, `srcset`
//! and lazy loading.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::content::media::ImageRef;
use crate::models::ids::MediaId;
use crate::models::media::Asset;

static IMG: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r#"<img\b[^>]*>"#).expect("valid regex")
});
static SRC: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r#"\bsrc="/media/([0-9]{1,18})/[^"]*""#).expect("valid regex")
});
static ATTR: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r#"\b(alt|title)="([^"]*)""#).expect("valid regex")
});

/// The assets a (sanitized) body shows, in order of first appearance.
pub fn asset_ids(html: &str) -> Vec<MediaId> {
    let mut ids: Vec<MediaId> = Vec::new();
    for tag in IMG.find_iter(html) {
        if let Some(id) = SRC
            .captures(tag.as_str())
            .and_then(|c| c[1].parse().ok())
            .map(MediaId)
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

fn attr(name: &str, value: &str) -> String {
    format!(
        " {name}=\"{}\"",
        html_escape::encode_double_quoted_attribute(value)
    )
}

/// The body with each library image's tag rewritten from its asset: canonical `src`, `width`,
/// `height`, `srcset`, `sizes`, `loading="lazy"`, and the asset's alt text where the tag has
/// none. Other tags are left as they are.
pub fn enrich(html: &str, assets: &HashMap<MediaId, Asset>, widths: &[u32]) -> String {
    IMG.replace_all(html, |c: &regex::Captures<'_>| {
        let tag = &c[0];
        let asset = SRC
            .captures(tag)
            .and_then(|s| s[1].parse().ok())
            .and_then(|id| assets.get(&MediaId(id)));
        let Some(image) = asset.and_then(|a| ImageRef::of(a, widths)) else {
            return tag.to_owned();
        };
        let mut alt = None;
        let mut title = None;
        for a in ATTR.captures_iter(tag) {
            let value = html_escape::decode_html_entities(&a[2]).into_owned();
            match &a[1] {
                "alt" => alt = Some(value),
                _ => title = Some(value),
            }
        }
        let alt = alt
            .filter(|a| !a.is_empty())
            .or(image.alt.clone())
            .unwrap_or_default();
        let mut out = format!("<img{}", attr("src", &image.url));
        out.push_str(&attr("alt", &alt));
        if let Some(t) = title {
            out.push_str(&attr("title", &t));
        }
        out.push_str(&attr("width", &image.width.to_string()));
        out.push_str(&attr("height", &image.height.to_string()));
        if !image.renditions.is_empty() {
            out.push_str(&attr("srcset", &image.srcset));
            out.push_str(&attr(
                "sizes",
                &format!("(max-width: {w}px) 100vw, {w}px", w = image.width),
            ));
        }
        out.push_str(" loading=\"lazy\" decoding=\"async\">");
        out
    })
    .into_owned()
}
