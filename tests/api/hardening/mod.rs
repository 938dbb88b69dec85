//! Hardening: token abuse, security headers, request limits and injection-shaped input.

mod bodies;
pub mod corpus;
mod forge;
mod headers;
mod injection;
mod injection_reads;
mod jwt;
mod limits;
mod write_endpoints;

use std::io::{Read, Write};
use std::time::Duration;

use serde_json::Value;

/// A response read off a raw socket.
pub struct Raw {
    /// `None` when the server closed the connection without an answer.
    pub status: Option<u16>,
    pub head: String,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Sends these exact bytes (a whole HTTP/1.1 request) and reads until the server closes. Used
/// where a client library would normalise or refuse what an attacker can send.
pub async fn raw_request(address: &str, request: Vec<u8>) -> Raw {
    let addr = address.trim_start_matches("http://").to_owned();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        // The server may answer and close before it has read everything (oversized heads).
        let _ = stream.write_all(&request);
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        let split = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(bytes.len());
        let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
        let mut body = bytes.get(split + 4..).unwrap_or_default().to_vec();
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok());
        let mut raw = Raw {
            status,
            head,
            body: Vec::new(),
        };
        // Only the first response (a pipelined second one may follow).
        if let Some(len) = raw.header("content-length").and_then(|l| l.parse().ok()) {
            body.truncate(len);
        }
        raw.body = body;
        raw
    })
    .await
    .unwrap()
}

/// `GET target` with `Connection: close` and any extra header lines.
pub fn get_request(target: &[u8], extra_headers: &[u8]) -> Vec<u8> {
    let mut req = b"GET ".to_vec();
    req.extend_from_slice(target);
    req.extend_from_slice(b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    req.extend_from_slice(extra_headers);
    req.extend_from_slice(b"\r\n");
    req
}

/// A request with a body sent as raw bytes.
pub fn body_request(method: &str, target: &str, token: &str, body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

/// Asserts a raw response is a problem+json document with this status.
pub fn assert_raw_problem(raw: &Raw, status: u16, what: &str) -> Value {
    assert_eq!(raw.status, Some(status), "{what}: {}", raw.head);
    assert_eq!(
        raw.header("content-type").as_deref(),
        Some("application/problem+json"),
        "{what}"
    );
    let body = raw.json();
    assert_eq!(body["status"], status, "{what}: {body}");
    body
}
