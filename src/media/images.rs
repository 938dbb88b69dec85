//! Images as stored: dimensions read from the header (and checked before anything is decoded),
//! the EXIF orientation applied, and metadata (EXIF with its GPS position, XMP, IPTC, comments,
//! text chunks) removed. Without an orientation to apply, metadata is cut out of the container
//! and the compressed picture is kept byte for byte; with one, the picture is decoded, turned
//! and encoded again. Blocking: run off the async threads.

use std::io::Cursor;
use std::path::Path;

use bytes::Bytes;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use img_parts::jpeg::{Jpeg, markers};
use img_parts::png::Png;
use img_parts::webp::{CHUNK_EXIF, CHUNK_XMP, WebP};

use crate::error::ApiError;

/// The stored form of an uploaded image.
#[derive(Debug)]
pub struct Prepared {
    pub bytes: Bytes,
    pub width: u32,
    pub height: u32,
}

fn unreadable(e: impl std::fmt::Display) -> ApiError {
    ApiError::invalid("file", format!("the image cannot be read: {e}"))
}

/// The decoding limits for an image of at most `max_pixels`: no allocation beyond what such
/// an image needs (RGBA, 16 bits a channel), whatever its header claims.
pub fn limits(max_pixels: u64) -> image::Limits {
    let mut l = image::Limits::default();
    l.max_alloc = Some(
        max_pixels
            .saturating_mul(8)
            .saturating_add(64 * 1024 * 1024),
    );
    l
}

/// Width and height from the header, refused past `max_pixels` (a decompression bomb is a
/// small file whose header claims a huge picture).
pub fn check_size(path: &Path, max_pixels: u64) -> Result<(u32, u32), ApiError> {
    let size = imagesize::size(path).map_err(unreadable)?;
    let (w, h) = (size.width as u64, size.height as u64);
    if w == 0 || h == 0 {
        return Err(ApiError::invalid("file", "the image has no pixels"));
    }
    if w.saturating_mul(h) > max_pixels {
        return Err(ApiError::invalid(
            "file",
            format!("the image is {w}×{h} pixels; at most {max_pixels} pixels are accepted"),
        ));
    }
    let fit = |v: u64| u32::try_from(v).map_err(unreadable);
    Ok((fit(w)?, fit(h)?))
}

fn format_of(ext: &str) -> Option<ImageFormat> {
    match ext {
        "jpg" => Some(ImageFormat::Jpeg),
        "png" => Some(ImageFormat::Png),
        "webp" => Some(ImageFormat::WebP),
        "gif" => Some(ImageFormat::Gif),
        _ => None,
    }
}

/// The stored form of the image at `path` (detected as `ext`).
pub fn prepare(path: &Path, ext: &str, max_pixels: u64) -> Result<Prepared, ApiError> {
    let (width, height) = check_size(path, max_pixels)?;
    let raw = Bytes::from(std::fs::read(path).map_err(unreadable)?);
    let format = format_of(ext).ok_or_else(|| unreadable(format!("no image format for {ext}")))?;
    let orientation = orientation_of(&raw, format)?;
    if orientation != Orientation::NoTransforms {
        let mut img = decode(&raw, format, max_pixels)?;
        img.apply_orientation(orientation);
        let bytes = encode(&img, format, 92)?;
        return Ok(Prepared {
            width: img.width(),
            height: img.height(),
            bytes,
        });
    }
    let bytes = strip(raw, format)?;
    Ok(Prepared {
        bytes,
        width,
        height,
    })
}

fn orientation_of(raw: &Bytes, format: ImageFormat) -> Result<Orientation, ApiError> {
    if format == ImageFormat::Gif {
        return Ok(Orientation::NoTransforms);
    }
    let mut decoder = ImageReader::with_format(Cursor::new(raw.as_ref()), format)
        .into_decoder()
        .map_err(unreadable)?;
    // An unreadable EXIF block is dropped below anyway; the picture is shown as stored.
    Ok(decoder.orientation().unwrap_or(Orientation::NoTransforms))
}

/// Decodes within the limits for `max_pixels`.
pub fn decode(raw: &[u8], format: ImageFormat, max_pixels: u64) -> Result<DynamicImage, ApiError> {
    let mut reader = ImageReader::with_format(Cursor::new(raw), format);
    reader.limits(limits(max_pixels));
    reader.decode().map_err(unreadable)
}

/// Encodes in `format`; `quality` (1–100) counts for JPEG only (the WebP and PNG encoders are
/// lossless).
pub fn encode(img: &DynamicImage, format: ImageFormat, quality: u8) -> Result<Bytes, ApiError> {
    let mut out = Cursor::new(Vec::new());
    match format {
        ImageFormat::Jpeg => {
            let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
            rgb.write_with_encoder(encoder)
                .map_err(ApiError::internal)?;
        }
        ImageFormat::WebP => {
            let rgba = DynamicImage::ImageRgba8(img.to_rgba8());
            rgba.write_to(&mut out, format)
                .map_err(ApiError::internal)?;
        }
        _ => img.write_to(&mut out, format).map_err(ApiError::internal)?,
    }
    Ok(Bytes::from(out.into_inner()))
}

/// Removes metadata from the container, keeping the compressed picture and its colour profile.
fn strip(raw: Bytes, format: ImageFormat) -> Result<Bytes, ApiError> {
    Ok(match format {
        ImageFormat::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(raw).map_err(unreadable)?;
            // APP1: EXIF and XMP; APP13: Photoshop and IPTC; COM: comments. APP0 (JFIF),
            // APP2 (ICC profile) and APP14 (Adobe colour transform) stay.
            for marker in [markers::APP1, markers::APP13, markers::COM] {
                jpeg.remove_segments_by_marker(marker);
            }
            jpeg.encoder().bytes()
        }
        ImageFormat::Png => {
            let mut png = Png::from_bytes(raw).map_err(unreadable)?;
            for kind in [*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"] {
                png.remove_chunks_by_type(kind);
            }
            png.encoder().bytes()
        }
        ImageFormat::WebP => {
            let mut webp = WebP::from_bytes(raw).map_err(unreadable)?;
            webp.remove_chunks_by_id(CHUNK_XMP);
            webp.remove_chunks_by_id(CHUNK_EXIF);
            // Recomputes the extended header's flags without EXIF.
            img_parts::ImageEXIF::set_exif(&mut webp, None);
            webp.encoder().bytes()
        }
        // GIF carries no EXIF; comment and XMP extensions are left as uploaded.
        _ => raw,
    })
}
