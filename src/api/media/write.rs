//! Uploading, describing and deleting media (staff).

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, patch, post, web};
use futures_util::StreamExt;

use super::dto::{MediaDto, UpdateMedia, UploadMedia};
use crate::api::json::ApiJson;
use crate::api::respond::{created, no_content, staff_json};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::media::spool::{self, Spooled};
use crate::models::ids::MediaId;
use crate::services::media::{self, UploadFields};
use crate::state::AppState;

/// Longest text part of an upload (the descriptions), in bytes.
const MAX_TEXT_PART: usize = 4096;
/// Most parts an upload may have.
const MAX_PARTS: usize = 40;

fn multipart_error(e: MultipartError) -> ApiError {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => ApiError::UnsupportedMediaType(
            "the body must be multipart/form-data with a `file` part".into(),
        ),
        MultipartError::Payload(actix_web::error::PayloadError::Io(io))
            if io.kind() == std::io::ErrorKind::TimedOut =>
        {
            ApiError::RequestTimeout
        }
        other => ApiError::bad_request("body", format!("malformed multipart body: {other}")),
    }
}

async fn text_part(field: &mut Field, name: &str) -> Result<String, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(multipart_error)?;
        if buf.len() + chunk.len() > MAX_TEXT_PART {
            return Err(ApiError::invalid(
                name,
                format!("must be at most {MAX_TEXT_PART} bytes"),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(buf).map_err(|_| ApiError::invalid(name, "must be UTF-8 text"))?;
    if text.contains('\0') {
        return Err(ApiError::invalid(name, "must not contain NUL characters"));
    }
    Ok(text)
}

/// A boolean form part as clients send them (`true`, Python's `True`, `1`, an HTML checkbox's
/// `on`).
fn flag(name: &str, value: &str) -> Result<bool, ApiError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" => Ok(true),
        "false" | "0" | "off" | "no" => Ok(false),
        _ => Err(ApiError::invalid(name, "must be true or false")),
    }
}

/// Reads the parts: the file is spooled to disk as it arrives, the rest kept as text.
async fn read_parts(
    state: &AppState,
    mut body: Multipart,
) -> Result<(Spooled, UploadFields), ApiError> {
    let mut file: Option<Spooled> = None;
    let mut fields = UploadFields::default();
    let mut parts = 0;
    while let Some(field) = body.next().await {
        let mut field = field.map_err(multipart_error)?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ApiError::bad_request(
                "body",
                format!("at most {MAX_PARTS} parts"),
            ));
        }
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                if file.is_some() {
                    return Err(ApiError::invalid("file", "send one file per upload"));
                }
                fields.file_name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .map(str::to_owned);
                let limits = state.media.limits;
                file = Some(spool::spool(&mut field, &state.media.spool_dir, limits).await?);
            }
            "title" => fields.title = Some(text_part(&mut field, "title").await?),
            "alt" => fields.alt = Some(text_part(&mut field, "alt").await?),
            "caption" => fields.caption = Some(text_part(&mut field, "caption").await?),
            "credit" => fields.credit = Some(text_part(&mut field, "credit").await?),
            "tags" => {
                let text = text_part(&mut field, "tags").await?;
                fields.tags.extend(
                    text.split([',', '，'])
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned),
                );
            }
            "poster_id" => {
                let text = text_part(&mut field, "poster_id").await?;
                let id = text
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| ApiError::invalid("poster_id", "must be an asset id"))?;
                fields.poster_id = Some(MediaId(id));
            }
            "public" => {
                fields.public = Some(flag("public", &text_part(&mut field, "public").await?)?)
            }
            other => {
                return Err(ApiError::invalid(
                    other,
                    "is not a part of an upload (file, title, alt, caption, credit, tags, poster_id, public)",
                ));
            }
        }
    }
    let file = file.ok_or_else(|| ApiError::invalid("file", "is required"))?;
    Ok((file, fields))
}

/// Upload a file to the media library (any staff role). The same file uploaded again answers
/// 200 with the asset it already is.
#[utoipa::path(
    operation_id = "upload_media",
    tag = "media",
    request_body(content = UploadMedia, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Uploaded; `Location` names it", body = MediaDto,
         headers(("Location" = String, description = "URL of the new asset"))),
        (status = 200, description = "The same file was uploaded before: that asset", body = MediaDto),
        (status = 400, response = crate::error::responses::BadRequest),
        (status = 401, response = crate::error::responses::Unauthorized),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 413, response = crate::error::responses::PayloadTooLarge),
        (status = 415, response = crate::error::responses::UnsupportedMediaType),
        (status = 422, response = crate::error::responses::Unprocessable),
        (status = 429, response = crate::error::responses::TooManyRequests),
        (status = 503, response = crate::error::responses::Unavailable),
    ),
)]
#[post("/media")]
pub async fn upload_media(
    user: AuthUser,
    state: web::Data<AppState>,
    body: Multipart,
) -> Result<HttpResponse, ApiError> {
    let actor = user.actor();
    state.media.allow_upload(actor.id)?;
    let (file, fields) = read_parts(&state, body).await?;
    let (asset, new) = media::create(&state, actor, file, fields).await?;
    let dto = MediaDto::of(asset, &state.media.widths);
    Ok(if new {
        created(format!("/api/v1/media/{}", dto.id), &dto)
    } else {
        staff_json(StatusCode::OK, &dto)
    })
}

/// Change an asset's description; only the fields sent change. Writers change only what they
/// uploaded.
#[utoipa::path(
    operation_id = "update_media",
    tag = "media",
    request_body = UpdateMedia,
    params(("id" = i64, Path, description = "Asset id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = MediaDto),
        crate::error::responses::StaffWrite,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[patch("/media/{id}")]
pub async fn update_media(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<UpdateMedia>,
) -> Result<HttpResponse, ApiError> {
    let row = media::update(&state, user.actor(), MediaId(id.into_inner()), body.0).await?;
    Ok(staff_json(
        StatusCode::OK,
        &MediaDto::of(row, &state.media.widths),
    ))
}

/// Delete an asset with its stored files; 409 (with the count) while articles use it.
#[utoipa::path(
    operation_id = "delete_media",
    tag = "media",
    params(("id" = i64, Path, description = "Asset id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::error::responses::BadRequest),
        crate::error::responses::StaffAction,
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[delete("/media/{id}")]
pub async fn delete_media(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    media::delete(&state, user.actor(), MediaId(id.into_inner())).await?;
    Ok(no_content())
}
