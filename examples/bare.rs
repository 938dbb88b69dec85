//! `make bench`'s ceiling for cached bodies too large to ignore: the same compressed bytes the
//! response cache sends, served by a bare in-memory actix-web handler (no middleware, no lookup,
//! no headers beyond the content type and coding). Not part of the product.
//!
//! Usage: `bare <dir> <port>`: serves each file of `<dir>` at `/<file name>` with
//! `Content-Encoding: br`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use actix_web::web::{self, Bytes};
use actix_web::{App, HttpResponse, HttpServer};

type Files = web::Data<HashMap<String, Bytes>>;

async fn serve(files: Files, name: web::Path<String>) -> HttpResponse {
    match files.get(name.as_str()) {
        Some(body) => HttpResponse::Ok()
            .insert_header(("content-type", "application/json"))
            .insert_header(("content-encoding", "br"))
            .body(body.clone()),
        None => HttpResponse::NotFound().finish(),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, port) = (&args[1], args[2].parse::<u16>().expect("a port"));
    let mut files = HashMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        files.insert(name, Bytes::from(std::fs::read(&path)?));
    }
    let files = web::Data::new(files);
    HttpServer::new(move || {
        App::new()
            .app_data(files.clone())
            .route("/{name}", web::get().to(serve))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
