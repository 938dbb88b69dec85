//! Content codings of cached bodies: which one a client accepts, and the compressed copies
//! (made once per entry, on first demand).

use std::io::Write as _;

use actix_web::http::header::{ACCEPT_ENCODING, HeaderMap};
use actix_web::web::Bytes;

/// Bodies smaller than this are sent as they are.
pub const MIN_COMPRESSED: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    pub fn name(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Gzip => "gzip",
            Self::Brotli => "br",
        }
    }

    /// The preferred coding the request accepts: brotli, then gzip, then none. Codings with
    /// `q=0` are refused.
    pub fn negotiate(headers: &HeaderMap) -> Self {
        let (mut br, mut gzip, mut any) = (None, None, None);
        for value in headers.get_all(ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                let accepted = q > 0.0;
                match name.as_str() {
                    "br" => br = Some(accepted),
                    "gzip" | "x-gzip" => gzip = Some(accepted),
                    "*" => any = Some(accepted),
                    _ => {}
                }
            }
        }
        if br.or(any) == Some(true) {
            Self::Brotli
        } else if gzip.or(any) == Some(true) {
            Self::Gzip
        } else {
            Self::Identity
        }
    }

    /// `body` in this coding; `None` when it could not be compressed.
    pub fn encode(self, body: &[u8]) -> Option<Bytes> {
        match self {
            Self::Identity => Some(Bytes::copy_from_slice(body)),
            Self::Gzip => {
                let mut e = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 4),
                    flate2::Compression::new(6),
                );
                e.write_all(body).ok()?;
                e.finish().ok().map(Bytes::from)
            }
            Self::Brotli => {
                let mut w =
                    brotli::CompressorWriter::new(Vec::with_capacity(body.len() / 4), 4096, 5, 22);
                w.write_all(body).ok()?;
                w.flush().ok()?;
                Some(Bytes::from(w.into_inner()))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;
    use std::io::Read as _;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn negotiation() {
        assert_eq!(Coding::negotiate(&HeaderMap::new()), Coding::Identity);
        assert_eq!(
            Coding::negotiate(&with("gzip, deflate, br")),
            Coding::Brotli
        );
        assert_eq!(Coding::negotiate(&with("gzip")), Coding::Gzip);
        assert_eq!(Coding::negotiate(&with("br;q=0, gzip;q=0.5")), Coding::Gzip);
        assert_eq!(Coding::negotiate(&with("*")), Coding::Brotli);
        assert_eq!(Coding::negotiate(&with("*;q=0")), Coding::Identity);
        assert_eq!(Coding::negotiate(&with("identity")), Coding::Identity);
    }

    #[test]
    fn round_trips() {
        let body = "新闻 news ".repeat(200);
        let gz = Coding::Gzip.encode(body.as_bytes()).unwrap();
        let mut out = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, body);
        let br = Coding::Brotli.encode(body.as_bytes()).unwrap();
        let mut out = String::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, body);
        assert!(br.len() < body.len() / 4);
    }
}
