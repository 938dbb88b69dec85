//! The corpus of hostile strings and how a stored one is judged.

use serde_json::{Value, json};

/// The strings an attacker tries first.
pub fn corpus() -> Vec<String> {
    let mut c: Vec<String> = [
        "'; DROP TABLE articles; --",
        "\" OR 1=1 --",
        "' OR '1'='1",
        "1; SELECT pg_sleep(5)",
        "1' AND (SELECT pg_sleep(5)) IS NULL --",
        "admin'--",
        "%' OR name LIKE '%",
        "_%\\",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "\"><svg onload=alert(1)>",
        "javascript:alert(1)",
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "..\\..\\windows\\win.ini",
        "{{7*7}}",
        "${7*7}",
        "${jndi:ldap://x}",
        "%s%s%n%x",
        "$(reboot) `id`",
        "a\u{0}b",
        "\u{0}",
        "\\u0000 written out",
        "line\r\nSet-Cookie: x=1",
        "\u{202e}gnp.exe",
        "zero\u{200b}width\u{feff}joiner\u{200d}",
        "👩\u{200d}👩\u{200d}👧 🇨🇳 😀",
        "黑河新闻网：因地制宜",
        "\u{fffd}\u{fffe}\u{ffff}",
        "\u{1f}\u{7f}",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    c.extend(extreme_dates());
    c.push("长".repeat(5000));
    c.push("x".repeat(70_000));
    c
}

/// Dates at and beyond the ends of what PostgreSQL and chrono can hold.
fn extreme_dates() -> Vec<String> {
    [
        "-5000-01-01T00:00:00Z",
        "+200000-01-01T00:00:00Z",
        "+262143-12-31T23:59:59Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z",
        "2024-02-30T00:00:00Z",
        "2024-01-01T00:00:00+99:00",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// What may legitimately happen to a stored string.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stored {
    /// Answered back as sent, outer white space trimmed.
    Trimmed,
    /// Sanitized HTML: no script may survive.
    Html,
    /// A tag name: white space folded.
    Tag,
    /// A label in a list of strings (a media asset's tags): white space folded.
    Label,
    /// A timestamp: answered back normalised, so only checked to be one.
    Time,
    /// A field of a curated board's first entry (the body is the list of entries).
    Entry,
    /// A password or token: never answered back, so only the status is judged.
    Secret,
}

/// Sanitized HTML may keep the words of an attack as text, but no tag that runs anything.
pub fn assert_inert(html: &str, what: &str) {
    let tags = regex::Regex::new(r"<[^>]*>").unwrap();
    let bad = regex::Regex::new(
        r#"(?i)^</?(script|svg|iframe|object|embed|style|link|meta|base|form)\b|\son[a-z]+\s*=|=\s*["']?\s*(javascript|data|vbscript):"#,
    )
    .unwrap();
    for tag in tags.find_iter(html) {
        assert!(
            !bad.is_match(tag.as_str()),
            "{what}: `{}` survived in {html:.300}",
            tag.as_str()
        );
    }
}

pub fn put_value(body: &mut Value, field: &str, how: Stored, value: &str, article: i64) {
    match how {
        Stored::Tag | Stored::Label => body[field] = json!([value]),
        Stored::Entry => *body = json!([{ "article_id": article, field: value }]),
        _ => body[field] = json!(value),
    }
}

pub fn read_back<'a>(obj: &'a Value, field: &str, how: Stored) -> Option<&'a str> {
    match how {
        Stored::Tag => obj["tags"][0]["name"].as_str(),
        Stored::Label => obj[field][0].as_str(),
        Stored::Entry => obj["entries"][0][field].as_str(),
        _ => obj[field].as_str(),
    }
}

fn expected(value: &str, how: Stored) -> String {
    match how {
        Stored::Tag | Stored::Label => value.split_whitespace().collect::<Vec<_>>().join(" "),
        _ => value.trim().to_owned(),
    }
}

fn short(v: &Value) -> String {
    v.to_string().chars().take(300).collect()
}

/// Checks what came back for one value; true when it was stored.
pub fn judge(status: u16, res: &Value, field: &str, how: Stored, value: &str, what: &str) -> bool {
    assert!(status < 500, "{what}: {status} {}", short(res));
    if status >= 400 {
        assert!(
            res["code"].is_string() && res["status"] == status,
            "{what}: {}",
            short(res)
        );
        return false;
    }
    assert!((200..300).contains(&status), "{what}: {status}");
    if how == Stored::Secret {
        assert!(
            res.get(field).is_none() && res.get("password_hash").is_none(),
            "{what}: a secret was answered back"
        );
        return true;
    }
    let got = read_back(res, field, how);
    if how == Stored::Html {
        assert_inert(got.unwrap_or_default(), what);
    } else if how == Stored::Time || field.ends_with("_at") {
        let t = chrono::DateTime::parse_from_rfc3339(got.unwrap_or_default());
        assert!(t.is_ok(), "{what}: stored as {got:?}");
    } else if got != Some(expected(value, how).as_str()) {
        panic!("{what}: stored as {:.200?}", got);
    }
    true
}
