//! `GET /media/{id}/{name}`: an asset's original (with ranges, for seeking in video and audio)
//! or one of its image renditions. Anyone may read an asset that is public or that a visible
//! article uses; staff with a token read every asset.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, web};
use chrono::Utc;

use super::ranges::{self, Part};
use crate::api::query::ApiQuery;
use crate::auth::MaybeAuthUser;
use crate::error::{ApiError, OrNotFound};
use crate::media::renditions::{self, RenditionQuery};
use crate::models::ids::MediaId;
use crate::models::media::{self, Asset};
use crate::state::AppState;

/// The bytes of a file.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct BinaryFile(Vec<u8>);

/// Bytes for an id never change: a year, and `immutable`.
const PUBLIC_CACHE: &str = "public, max-age=31536000, immutable";
/// What only staff may see is never stored by a shared cache.
const STAFF_CACHE: &str = "private, no-store";

fn id_of(raw: &str) -> Option<MediaId> {
    (!raw.is_empty() && raw.len() <= 18 && raw.bytes().all(|b| b.is_ascii_digit()))
        .then(|| raw.parse().ok().map(MediaId))
        .flatten()
}

/// The headers every answer about this content carries.
fn headers(res: &mut HttpResponseBuilder, etag: &str, cache: &str, mime: &str, file_name: &str) {
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CONTENT_TYPE, mime))
        // Already compressed (and ranges must count the bytes stored): never re-encoded.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{file_name}\""),
        ))
        // Whatever a browser might make of the bytes, they run nothing.
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "cross-origin",
        ));
}

fn not_modified(etag: &str, cache: &str) -> HttpResponse {
    HttpResponse::NotModified()
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .finish()
}

/// Which asset, and whether this reader may see it.
async fn readable(
    state: &AppState,
    user: &MaybeAuthUser,
    id: MediaId,
    name: &str,
) -> Result<Asset, ApiError> {
    let mut conn = state.read_conn().await?;
    let asset = media::find(&mut conn, id)
        .await?
        .filter(|a| a.file_name == name)
        .or_not_found("media", format!("{id}/{name}"))?;
    if user.is_staff() || asset.public || media::used_by_visible(&mut conn, id, Utc::now()).await? {
        Ok(asset)
    } else {
        // Not told apart from a missing asset.
        Err(ApiError::NotFound(format!("media `{id}/{name}`")))
    }
}

/// An asset's file: the original (`Range` supported: 206, `Accept-Ranges`, `If-Range`) or,
/// for images, a rendition (`w`, `h`, `fit`, `format`, `q`), rendered on first request and
/// stored. `X-Rendition` says whether this request `rendered` it, read it `stored` or from
/// `memory`.
#[utoipa::path(
    operation_id = "get_media_file",
    tag = "media",
    params(
        ("id" = i64, Path, description = "Asset id"),
        ("name" = String, Path, description = "The asset's `file_name`"),
        RenditionQuery,
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The file", content(
            (BinaryFile = "image/jpeg"), (BinaryFile = "image/png"), (BinaryFile = "image/webp"),
            (BinaryFile = "image/gif"), (BinaryFile = "video/mp4"), (BinaryFile = "video/webm"),
            (BinaryFile = "audio/mpeg"), (BinaryFile = "audio/aac"), (BinaryFile = "audio/mp4"),
            (BinaryFile = "audio/ogg")),
         headers(
            ("ETag" = String, description = "Strong validator of these bytes"),
            ("Accept-Ranges" = String, description = "`bytes`"),
            ("Content-Disposition" = String, description = "`inline` with the file name"),
            ("X-Rendition" = String, description = "Renditions: `rendered`, `stored` or `memory`"),
         )),
        (status = 206, description = "The range asked for", content(
            (BinaryFile = "video/mp4"), (BinaryFile = "video/webm"), (BinaryFile = "audio/mpeg"),
            (BinaryFile = "application/octet-stream")),
         headers(("Content-Range" = String, description = "`bytes start-end/size`"))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, response = crate::error::responses::BadRequest),
        (status = 401, response = crate::error::responses::Unauthorized),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 416, response = crate::error::responses::RangeNotSatisfiable),
        (status = 503, response = crate::error::responses::Unavailable),
    ),
)]
#[get("/media/{id}/{name}")]
pub async fn serve_media(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: ApiQuery<RenditionQuery>,
) -> Result<HttpResponse, ApiError> {
    let (raw_id, name) = path.into_inner();
    let id = id_of(&raw_id).ok_or_else(|| ApiError::NotFound(format!("media `{raw_id}`")))?;
    let asset = readable(&state, &user, id, &name).await?;
    let cache = if asset.public || !user.is_staff() {
        PUBLIC_CACHE
    } else {
        STAFF_CACHE
    };
    match renditions::variant(&query, &asset, &state.media.widths)? {
        None => original(&req, &state, &asset, cache).await,
        Some(variant) => {
            let key = variant.key(&asset.sha256);
            let etag = format!(
                "\"{}\"",
                crate::media::spool::hex(&<sha2::Sha256 as sha2::Digest>::digest(key.as_bytes()))
                    [..32]
                    .to_owned()
            );
            if ranges::not_modified(&req, &etag) {
                return Ok(not_modified(&etag, cache));
            }
            let (bytes, from) = state.media.rendition(&asset, variant).await?;
            let size = bytes.len() as u64;
            let mut res = HttpResponse::Ok();
            headers(
                &mut res,
                &etag,
                cache,
                variant.mime(),
                &variant.file_name(&asset.file_name),
            );
            res.insert_header(("x-rendition", from.as_str()));
            Ok(match ranges::requested(&req, size, &etag)? {
                Part::Whole => res.body(bytes),
                Part::Range { start, end } => {
                    res.status(StatusCode::PARTIAL_CONTENT).insert_header((
                        header::CONTENT_RANGE,
                        format!("bytes {start}-{end}/{size}"),
                    ));
                    res.body(bytes.slice(start as usize..=end as usize))
                }
            })
        }
    }
}

/// The stored original, whole or in part, streamed from the store.
async fn original(
    req: &HttpRequest,
    state: &AppState,
    asset: &Asset,
    cache: &str,
) -> Result<HttpResponse, ApiError> {
    let etag = format!("\"{}\"", asset.sha256);
    if ranges::not_modified(req, &etag) {
        return Ok(not_modified(&etag, cache));
    }
    let size = u64::try_from(asset.byte_size).map_err(ApiError::internal)?;
    let part = ranges::requested(req, size, &etag)?;
    let mut res = HttpResponse::Ok();
    headers(&mut res, &etag, cache, &asset.mime, &asset.file_name);
    let (range, length) = match part {
        Part::Whole => (None, size),
        Part::Range { start, end } => {
            res.status(StatusCode::PARTIAL_CONTENT)
                .insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
            (Some(start..end + 1), end + 1 - start)
        }
    };
    let stream = state
        .media
        .storage
        .stream(&asset.storage_key(), range)
        .await?;
    res.insert_header((header::CONTENT_LENGTH, HeaderValue::from(length)));
    Ok(res.no_chunking(length).streaming(stream))
}
