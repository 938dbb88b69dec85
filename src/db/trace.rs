//! A benchmark aid: every SQL statement the service runs, with its bind values, one per line.
//!
//! `make bench` reads it to replay the very SQL of each endpoint with pgbench.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

pub type Sink = Arc<Mutex<File>>;

pub fn open(path: &Path) -> Result<Sink, String> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("NEWSDESK_SQL_TRACE {}: {e}", path.display()))?;
    Ok(Arc::new(Mutex::new(file)))
}

/// Appends one statement (`<sql> -- binds: [...]`) as one line.
pub fn record(sink: &Sink, statement: &str) {
    let line = statement.replace('\n', " ");
    if let Ok(mut file) = sink.lock() {
        let _ = writeln!(file, "{line}");
    }
}
