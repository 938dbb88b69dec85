//! The length of a video or audio, read from its container (MP4/M4A, WebM, MP3, ADTS AAC,
//! Ogg) without decoding it. Blocking: run off the async threads.

use std::path::Path;

use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use crate::error::ApiError;

/// Milliseconds of the longest track, `None` when the container does not say (an MP3 without
/// a frame count header, say); an error when the file is not a readable container at all.
pub fn of_file(path: &Path, ext: &str) -> Result<Option<i64>, ApiError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        ApiError::invalid("file", format!("the file cannot be read: {e}"))
    };
    let file = std::fs::File::open(path).map_err(|e| unreadable(&e))?;
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(ext);
    // Untrusted input: a demuxer that panics on it refuses the file instead of the process.
    let probed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        symphonia::default::get_probe().format(
            &hint,
            stream,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
    }))
    .map_err(|_| unreadable(&"its container is malformed"))?
    .map_err(|e| unreadable(&e))?;
    let longest = probed
        .format
        .tracks()
        .iter()
        .filter_map(|t| {
            let p = &t.codec_params;
            let time = p.time_base?.calc_time(p.n_frames?);
            Some(time.seconds as f64 * 1000.0 + time.frac * 1000.0)
        })
        .fold(None, |max: Option<f64>, ms| {
            Some(max.map_or(ms, |m| m.max(ms)))
        });
    Ok(longest.map(|ms| ms.round() as i64))
}
