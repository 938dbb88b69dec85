//! Demo media: generated landscape pictures as covers and posters, a short clip (a 3-second
//! test pattern, WebM) and a tone (MP3) for the video and audio articles, stored through the
//! same path as uploads (so `make run` shows covers with renditions and a playable 影音黑河).

use std::io::Cursor;

use diesel_async::AsyncPgConnection;

use super::articles::{media_plan, seeding_user};
use crate::media::{Media, ingest};
use crate::models::Key;
use crate::models::article::{self, ArticleKind};
use crate::models::ids::{MediaId, UserId};
use crate::models::media::{self, MediaKind, MediaRole, NewAsset, Use};

/// The demo clip and tone are the media tests' fixtures.
const CLIP: &[u8] = include_bytes!("../../tests/fixtures/media/clip.webm");
const TONE: &[u8] = include_bytes!("../../tests/fixtures/media/tone.mp3");

/// How many distinct pictures the demo has.
const PICTURES: u32 = 6;

/// A 1280×720 landscape: sky, hills and a river, in the palette of picture `n`.
fn picture(n: u32) -> Result<Vec<u8>, String> {
    let (w, h) = (1280u32, 720u32);
    let hue = |base: u8, k: u32| base.wrapping_add((k * 37 % 90) as u8);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let fx = f64::from(x) / f64::from(w);
        let fy = f64::from(y) / f64::from(h);
        let hill = 0.55 + 0.08 * (fx * 6.3 + f64::from(n)).sin() + 0.04 * (fx * 17.0).sin();
        let river = 0.78 + 0.03 * (fx * 4.0 + f64::from(n) * 0.7).sin();
        let shade = |v: f64| (v.clamp(0.0, 1.0) * 255.0) as u8;
        if fy < hill {
            image::Rgb([hue(90, n), shade(0.55 + 0.35 * fy), shade(0.85 - 0.2 * fy)])
        } else if fy < river {
            image::Rgb([hue(40, n + 1), shade(0.45 - 0.2 * (fy - hill)), hue(50, n)])
        } else {
            image::Rgb([
                hue(30, n + 2),
                shade(0.5 + 0.1 * (fx * 40.0).sin()),
                shade(0.75),
            ])
        }
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// An asset of the demo (found by its upload hash when it exists).
async fn asset(
    conn: &mut AsyncPgConnection,
    store: &Media,
    bytes: &[u8],
    describe: (&str, &str, &str),
    poster: Option<MediaId>,
    by: UserId,
) -> Result<(MediaId, bool), String> {
    let upload = ingest::spool_bytes(&store.spool_dir, bytes, store.limits)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(found) = media::find_by_upload(conn, &upload.sha256)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok((found.id, false));
    }
    let stored = ingest::store(store, &upload)
        .await
        .map_err(|e| e.to_string())?;
    let (title, alt, file_name) = describe;
    let kind = upload.detected.kind;
    let new = NewAsset {
        kind,
        mime: upload.detected.mime.to_owned(),
        file_name: format!("{file_name}.{}", upload.detected.ext),
        byte_size: stored.byte_size,
        upload_sha256: upload.sha256.clone(),
        sha256: stored.sha256,
        title: title.to_owned(),
        alt: (kind == MediaKind::Image).then(|| alt.to_owned()),
        caption: None,
        credit: Some("newsdesk 示例".to_owned()),
        tags: vec!["示例".to_owned()],
        width: stored.width,
        height: stored.height,
        duration_ms: stored.duration_ms,
        poster_id: poster,
        public: true,
        uploaded_by: by,
    };
    let row = media::insert(conn, &new).await.map_err(|e| e.to_string())?;
    match row {
        Some(r) => Ok((r.id, true)),
        None => Err("a demo asset was uploaded at the same moment".into()),
    }
}

/// Stores the demo media and dresses the demo articles that have none: covers for video,
/// audio, headline and featured articles, the clip or the tone for video and audio. Returns
/// how many assets it created.
pub async fn run(
    conn: &mut AsyncPgConnection,
    store: &Media,
    admin_email: Option<&str>,
) -> Result<usize, String> {
    let by = seeding_user(conn, admin_email).await?;
    let mut created = 0;
    let mut pictures = Vec::new();
    for n in 0..PICTURES {
        let bytes = tokio::task::spawn_blocking(move || picture(n))
            .await
            .map_err(|e| e.to_string())??;
        let title = format!("黑河风光（示例图 {}）", n + 1);
        let name = format!("heihe-scenery-{}", n + 1);
        let (id, new) = asset(
            conn,
            store,
            &bytes,
            (&title, "黑河沿岸风光，远山与江面", &name),
            None,
            by,
        )
        .await?;
        created += usize::from(new);
        pictures.push(id);
    }
    let (clip, new) = asset(
        conn,
        store,
        CLIP,
        ("影音黑河示例视频", "", "heihe-video-demo"),
        Some(pictures[0]),
        by,
    )
    .await?;
    created += usize::from(new);
    let (tone, new) = asset(
        conn,
        store,
        TONE,
        ("影音黑河示例音频", "", "heihe-audio-demo"),
        Some(pictures[1]),
        by,
    )
    .await?;
    created += usize::from(new);
    let roles = [MediaRole::Cover, MediaRole::Media];
    for (i, (slug, kind, prominent)) in media_plan()?.into_iter().enumerate() {
        let played = match kind {
            ArticleKind::Video => Some(clip),
            ArticleKind::Audio => Some(tone),
            _ => None,
        };
        if played.is_none() && !prominent {
            continue;
        }
        let Some(a) = article::find(conn, &Key::Slug(slug))
            .await
            .map_err(|e| e.to_string())?
        else {
            continue;
        };
        let has = media::uses_of(conn, &[a.id], &roles)
            .await
            .map_err(|e| e.to_string())?;
        if !has.is_empty() {
            continue;
        }
        let mut uses = vec![Use {
            article_id: a.id,
            role: MediaRole::Cover,
            position: 0,
            asset_id: pictures[i % pictures.len()],
        }];
        if let Some(m) = played {
            uses.push(Use {
                article_id: a.id,
                role: MediaRole::Media,
                position: 0,
                asset_id: m,
            });
        }
        media::set_uses(conn, a.id, &roles, &uses)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(created)
}
