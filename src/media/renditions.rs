//! Image renditions (`?w=&h=&fit=&format=&q=`): only configured widths and a few aspect ratios,
//! so the number of variants of an image is bounded; rendered off the async threads, two at a
//! time per process, stored beside the original after the first request, and kept in memory
//! while they are asked for.

use image::ImageFormat;
use image::imageops::FilterType;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::images;
use crate::error::ApiError;
use crate::models::media::Asset;

crate::text_enum! {
    /// How a rendition with both `w` and `h` fills its box.
    Fit {
        /// Fills the box, cropping the overflow around the centre.
        Cover => "cover",
        /// Fits inside the box, keeping the whole picture.
        Contain => "contain",
    }
}

crate::text_enum! {
    /// Encoding of a rendition.
    RenditionFormat {
        Jpeg => "jpeg",
        Png => "png",
        Webp => "webp",
        /// Not offered by this build (no AVIF encoder in pure Rust is fast enough); a 400.
        Avif => "avif",
    }
}

/// The aspect ratios (width : height) a rendition's `h` may give with its `w`.
pub const RATIOS: [(u32, u32); 7] = [(1, 1), (4, 3), (3, 2), (16, 9), (3, 4), (2, 3), (9, 16)];

/// Default JPEG quality of renditions.
pub const DEFAULT_QUALITY: u8 = 80;

/// Asks for a rendition instead of the original (images only).
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct RenditionQuery {
    /// Width in pixels: one of the configured widths (`MEDIA_RENDITION_WIDTHS`, by default
    /// 160, 320, 640, 960, 1280, 1920); required for any rendition. Never wider than the
    /// original.
    #[param(minimum = 16, maximum = 8192)]
    pub w: Option<u32>,
    /// Height in pixels, making `w`×`h` one of the ratios 1:1, 4:3, 3:2, 16:9, 3:4, 2:3, 9:16
    /// (rounded).
    #[param(minimum = 1, maximum = 16384)]
    pub h: Option<u32>,
    /// With `h`: `cover` (default, crops) or `contain` (fits).
    pub fit: Option<Fit>,
    /// Encoding; default the original's (PNG for GIF).
    pub format: Option<RenditionFormat>,
    /// JPEG quality, a multiple of 5 from 30 to 95 (default 80).
    #[param(minimum = 30, maximum = 95, multiple_of = 5)]
    pub q: Option<u8>,
}

/// One variant of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Variant {
    pub width: u32,
    pub height: Option<u32>,
    pub fit: Fit,
    pub format: RenditionFormat,
    pub quality: u8,
}

impl RenditionQuery {
    fn is_empty(&self) -> bool {
        self.w.is_none()
            && self.h.is_none()
            && self.fit.is_none()
            && self.format.is_none()
            && self.q.is_none()
    }
}

fn default_format(asset: &Asset) -> RenditionFormat {
    match asset.mime.as_str() {
        "image/jpeg" => RenditionFormat::Jpeg,
        "image/webp" => RenditionFormat::Webp,
        _ => RenditionFormat::Png,
    }
}

/// The variant asked for; `None` for the original.
pub fn variant(
    query: &RenditionQuery,
    asset: &Asset,
    widths: &[u32],
) -> Result<Option<Variant>, ApiError> {
    if query.is_empty() {
        return Ok(None);
    }
    if asset.width.is_none() {
        return Err(ApiError::bad_request(
            "w",
            "renditions exist for images only; ask for the original without parameters",
        ));
    }
    let list = || {
        widths
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(width) = query.w else {
        return Err(ApiError::bad_request(
            "w",
            format!("is required for a rendition; one of {}", list()),
        ));
    };
    if !widths.contains(&width) {
        return Err(ApiError::bad_request(
            "w",
            format!("must be one of {}", list()),
        ));
    }
    if let Some(h) = query.h
        && !RATIOS.iter().any(|&(rw, rh)| {
            (u64::from(width) * u64::from(rh) + u64::from(rw) / 2) / u64::from(rw) == u64::from(h)
        })
    {
        return Err(ApiError::bad_request(
            "h",
            "must make w×h one of the ratios 1:1, 4:3, 3:2, 16:9, 3:4, 2:3, 9:16 (rounded)",
        ));
    }
    if query.fit.is_some() && query.h.is_none() {
        return Err(ApiError::bad_request("fit", "needs `h`"));
    }
    let format = query.format.unwrap_or_else(|| default_format(asset));
    if format == RenditionFormat::Avif {
        return Err(ApiError::bad_request(
            "format",
            "avif is not offered by this server; use webp, jpeg or png",
        ));
    }
    let quality = match query.q {
        None => DEFAULT_QUALITY,
        Some(q) if (30..=95).contains(&q) && q % 5 == 0 => q,
        Some(_) => {
            return Err(ApiError::bad_request(
                "q",
                "must be a multiple of 5 from 30 to 95",
            ));
        }
    };
    Ok(Some(Variant {
        width,
        height: query.h,
        fit: query.fit.unwrap_or(Fit::Cover),
        format,
        // Only JPEG has a quality: one stored variant for every `q` of the others.
        quality: if format == RenditionFormat::Jpeg {
            quality
        } else {
            DEFAULT_QUALITY
        },
    }))
}

impl Variant {
    pub fn mime(&self) -> &'static str {
        match self.format {
            RenditionFormat::Jpeg => "image/jpeg",
            RenditionFormat::Png => "image/png",
            RenditionFormat::Webp => "image/webp",
            RenditionFormat::Avif => "image/avif",
        }
    }

    fn image_format(&self) -> ImageFormat {
        match self.format {
            RenditionFormat::Jpeg => ImageFormat::Jpeg,
            RenditionFormat::Png => ImageFormat::Png,
            RenditionFormat::Webp | RenditionFormat::Avif => ImageFormat::WebP,
        }
    }

    fn extension(&self) -> &'static str {
        match self.format {
            RenditionFormat::Jpeg => "jpg",
            RenditionFormat::Png => "png",
            RenditionFormat::Webp => "webp",
            RenditionFormat::Avif => "avif",
        }
    }

    /// The rendition's object key: under the original's hash, named by every parameter.
    pub fn key(&self, sha256: &str) -> String {
        let h = self
            .height
            .map_or(String::new(), |h| format!("x{h}-{}", self.fit));
        format!(
            "renditions/{sha256}/w{}{h}-q{}.{}",
            self.width,
            self.quality,
            self.extension()
        )
    }

    /// A name for downloads (`Content-Disposition`).
    pub fn file_name(&self, original: &str) -> String {
        let stem = original.rsplit_once('.').map_or(original, |(s, _)| s);
        let h = self.height.map_or(String::new(), |h| format!("x{h}"));
        format!("{stem}-{}{h}.{}", self.width, self.extension())
    }
}

/// Renders the variant of an original image (blocking).
pub fn render(
    original: &[u8],
    source_format: ImageFormat,
    variant: Variant,
    max_pixels: u64,
) -> Result<bytes::Bytes, ApiError> {
    let img = images::decode(original, source_format, max_pixels)?;
    let (w, h) = (img.width(), img.height());
    let filter = FilterType::CatmullRom;
    let out = match variant.height {
        None if variant.width >= w => img,
        None => img.resize(variant.width, u32::MAX, filter),
        Some(bh) => {
            // Never wider than the original: the box shrinks to fit it, keeping its ratio.
            let scale = (f64::from(w) / f64::from(variant.width)).min(1.0);
            let bw = variant.width.min(w).max(1);
            let bh = ((f64::from(bh) * scale).round() as u32).max(1);
            match variant.fit {
                Fit::Cover => img.resize_to_fill(bw, bh, filter),
                Fit::Contain if bw >= w && bh >= h => img,
                Fit::Contain => img.resize(bw, bh, filter),
            }
        }
    };
    images::encode(&out, variant.image_format(), variant.quality)
}

/// The `image` format of a stored original, by its MIME type.
pub fn source_format(mime: &str) -> Option<ImageFormat> {
    ImageFormat::from_mime_type(mime)
}
