//! A benchmark aid: every SQL statement the service runs, with its bind values, one per line.
//!
//! `make bench` reads it to replay the very SQL of each endpoint with pgbench.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use diesel::connection::{Instrumentation, InstrumentationEvent};

pub type Sink = Arc<Mutex<File>>;

pub fn open(path: &Path) -> Result<Sink, String> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("NEWSDESK_SQL_TRACE {}: {e}", path.display()))?;
    Ok(Arc::new(Mutex::new(file)))
}

/// Writes `<sql> -- binds: [...]` for each statement started.
pub fn recorder(sink: Sink) -> impl Instrumentation {
    move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let line = query.to_string().replace('\n', " ");
            if let Ok(mut file) = sink.lock() {
                let _ = writeln!(file, "{line}");
            }
        }
    }
}
