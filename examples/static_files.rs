//! `make bench`'s baseline for media: a bare actix-web file server with nothing of the
//! product (no database, no middleware, no checks). `GET /{name}` streams a file of `<dir>`,
//! honouring one `Range: bytes=a-b`; `POST /{name}` streams the body into `<dir>/upload-{name}`.
//! Not part of the product.
//!
//! Usage: `static_files <dir> <port>`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::SeekFrom;
use std::path::PathBuf;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

type Dir = web::Data<PathBuf>;

fn range(req: &HttpRequest, size: u64) -> Option<(u64, u64)> {
    let value = req.headers().get(header::RANGE)?.to_str().ok()?;
    let (a, b) = value.strip_prefix("bytes=")?.split_once('-')?;
    let start: u64 = a.parse().ok()?;
    let end: u64 = b.parse::<u64>().ok().unwrap_or(size - 1).min(size - 1);
    (start <= end).then_some((start, end))
}

async fn get(dir: Dir, name: web::Path<String>, req: HttpRequest) -> HttpResponse {
    let path = dir.join(name.as_str());
    let Ok(mut file) = tokio::fs::File::open(&path).await else {
        return HttpResponse::NotFound().finish();
    };
    let size = file.metadata().await.unwrap().len();
    let (status, start, end) = match range(&req, size) {
        Some((a, b)) => (206, a, b),
        None => (200, 0, size.saturating_sub(1)),
    };
    file.seek(SeekFrom::Start(start)).await.unwrap();
    let length = end + 1 - start;
    let stream = futures_util::stream::unfold((file, length), |(mut file, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buf = vec![0u8; (64 * 1024).min(left as usize)];
        let n = file.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.truncate(n);
        Some((
            Ok::<_, std::io::Error>(Bytes::from(buf)),
            (file, left - n as u64),
        ))
    });
    let mut res = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    res.insert_header((header::CONTENT_TYPE, "application/octet-stream"));
    if status == 206 {
        res.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
    }
    res.no_chunking(length).streaming(stream)
}

async fn post(dir: Dir, name: web::Path<String>, mut body: web::Payload) -> HttpResponse {
    let path = dir.join(format!("upload-{}", name.as_str()));
    let mut file = tokio::fs::File::create(&path).await.unwrap();
    let mut size = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        size += chunk.len() as u64;
        file.write_all(&chunk).await.unwrap();
    }
    file.sync_data().await.unwrap();
    HttpResponse::Created().body(size.to_string())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, port) = (
        PathBuf::from(&args[1]),
        args[2].parse::<u16>().expect("a port"),
    );
    let dir = web::Data::new(dir);
    HttpServer::new(move || {
        App::new()
            .app_data(dir.clone())
            .app_data(web::PayloadConfig::new(usize::MAX))
            .route("/{name}", web::get().to(get))
            .route("/{name}", web::post().to(post))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
