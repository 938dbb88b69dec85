//! Every write endpoint of the API with its string fields (from openapi/openapi.json).

use serde_json::{Value, json};

use super::corpus::Stored;

/// One write endpoint: method, path, a valid body to start from, its string fields.
pub struct Endpoint {
    pub method: &'static str,
    pub path: String,
    pub base: Value,
    pub fields: Vec<(&'static str, Stored)>,
    /// Where the stored object is read back (the resource's own URL), from a 2xx answer.
    pub read: fn(&Value) -> Option<String>,
}

/// The endpoints, writing to these fixtures: a channel, an article, a source, an author, a
/// curated board, a user, a webhook, a media asset and a group of search synonyms (ids).
#[allow(clippy::too_many_arguments)]
pub fn write_endpoints(
    category: i64,
    article: i64,
    src: &Value,
    author: &Value,
    board: &Value,
    user: i64,
    webhook: i64,
    media: i64,
    synonym: i64,
) -> Vec<Endpoint> {
    let text = Stored::Trimmed;
    let article_fields = vec![
        ("title", text),
        ("kicker", text),
        ("subtitle", text),
        ("summary", text),
        ("body", Stored::Html),
        ("slug", text),
        ("cover_image_url", text),
        ("media_url", text),
        ("published_at", Stored::Time),
        ("offline_at", Stored::Time),
        ("status", text),
        ("kind", text),
        ("tags", Stored::Tag),
    ];
    vec![
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/media/{media}"),
            base: json!({}),
            fields: vec![
                ("title", text),
                ("alt", text),
                ("caption", text),
                ("credit", text),
                ("tags", Stored::Label),
                ("clear", Stored::Tag),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/media/{id}")),
        },
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/categories/{}", category),
            base: json!({}),
            fields: vec![
                ("name", text),
                ("slug", text),
                ("description", text),
                ("clear", Stored::Tag),
            ],
            read: |v| {
                v["id"]
                    .as_i64()
                    .map(|id| format!("/api/v1/categories/{id}"))
            },
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/categories".into(),
            base: json!({ "name": "x", "parent_id": category }),
            fields: vec![("name", text), ("slug", text), ("description", text)],
            read: |v| {
                v["id"]
                    .as_i64()
                    .map(|id| format!("/api/v1/categories/{id}"))
            },
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/search/synonyms".into(),
            base: json!({ "terms": ["甲地", "乙地"] }),
            fields: vec![
                ("note", text),
                ("terms", Stored::Label),
                ("ambiguous", Stored::Label),
                ("context", Stored::Label),
            ],
            read: |v| {
                v["id"]
                    .as_i64()
                    .map(|id| format!("/api/v1/search/synonyms/{id}"))
            },
        },
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/search/synonyms/{synonym}"),
            base: json!({}),
            fields: vec![
                ("note", text),
                ("clear", Stored::Tag),
                ("terms", Stored::Label),
                ("ambiguous", Stored::Label),
                ("context", Stored::Label),
            ],
            read: |v| {
                v["id"]
                    .as_i64()
                    .map(|id| format!("/api/v1/search/synonyms/{id}"))
            },
        },
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/sources/{src}"),
            base: json!({}),
            fields: vec![
                ("clear", Stored::Tag),
                ("name", text),
                ("slug", text),
                ("homepage_url", text),
                ("kind", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/sources/{id}")),
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/sources".into(),
            base: json!({ "name": "x" }),
            fields: vec![
                ("name", text),
                ("slug", text),
                ("homepage_url", text),
                ("kind", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/sources/{id}")),
        },
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/authors/{author}"),
            base: json!({}),
            fields: vec![
                ("clear", Stored::Tag),
                ("name", text),
                ("slug", text),
                ("affiliation", text),
                ("bio", text),
                ("avatar_url", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/authors/{id}")),
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/authors".into(),
            base: json!({ "name": "x" }),
            fields: vec![
                ("name", text),
                ("slug", text),
                ("affiliation", text),
                ("bio", text),
                ("avatar_url", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/authors/{id}")),
        },
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/articles/{}", article),
            base: json!({}),
            fields: [article_fields.clone(), vec![("clear", Stored::Tag)]].concat(),
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/articles/{id}")),
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/articles".into(),
            base: json!({ "title": "x", "category_id": category }),
            fields: article_fields,
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/articles/{id}")),
        },
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/rankings/{board}"),
            base: json!({}),
            fields: vec![
                ("clear", Stored::Tag),
                ("title", text),
                ("slug", text),
                ("description", text),
                ("window", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/rankings/{id}")),
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/rankings".into(),
            base: json!({ "title": "x", "kind": "curated" }),
            fields: vec![
                ("title", text),
                ("slug", text),
                ("description", text),
                ("kind", text),
                ("window", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/rankings/{id}")),
        },
        Endpoint {
            method: "PUT",
            path: format!("/api/v1/rankings/{board}/entries"),
            base: json!([]),
            fields: vec![
                ("note", Stored::Entry),
                ("starts_at", Stored::Entry),
                ("ends_at", Stored::Entry),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/rankings/{id}")),
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/users".into(),
            base: json!({ "email": "corpus@example.com", "role": "writer", "password": "corpus-password-1" }),
            fields: vec![
                ("email", text),
                ("display_name", text),
                ("role", text),
                ("password", Stored::Secret),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/users/{id}")),
        },
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/users/{user}"),
            base: json!({}),
            fields: vec![
                ("display_name", text),
                ("role", text),
                ("password", Stored::Secret),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/users/{id}")),
        },
        Endpoint {
            method: "PATCH",
            path: "/api/v1/auth/me".into(),
            // Either password alone is refused, so the fixture's session lives on.
            base: json!({}),
            fields: vec![
                ("display_name", text),
                ("current_password", Stored::Secret),
                ("new_password", Stored::Secret),
            ],
            read: |_| Some("/api/v1/auth/me".into()),
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/auth/refresh".into(),
            base: json!({}),
            fields: vec![("refresh_token", Stored::Secret)],
            read: |_| None,
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/auth/logout".into(),
            base: json!({}),
            fields: vec![("refresh_token", Stored::Secret)],
            read: |_| None,
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/api-keys".into(),
            base: json!({ "name": "x" }),
            fields: vec![("name", text), ("expires_at", Stored::Time)],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/api-keys/{id}")),
        },
        Endpoint {
            method: "PATCH",
            path: "/api/v1/site".into(),
            base: json!({}),
            fields: vec![
                ("name", text),
                ("url", text),
                ("logo_url", text),
                ("clear", Stored::Tag),
            ],
            read: |_| Some("/api/v1/site".into()),
        },
        Endpoint {
            method: "POST",
            path: "/api/v1/webhooks".into(),
            base: json!({ "url": "http://127.0.0.1:9/hook", "events": ["site.updated"],
                          "active": false }),
            // The creation answers the secret back (once); the endpoint's GET never does.
            fields: vec![
                ("url", text),
                ("events", Stored::Tag),
                ("secret", text),
                ("description", text),
            ],
            read: |_| None,
        },
        Endpoint {
            method: "PATCH",
            path: format!("/api/v1/webhooks/{webhook}"),
            base: json!({}),
            fields: vec![
                ("clear", Stored::Tag),
                ("url", text),
                ("events", Stored::Tag),
                ("secret", Stored::Secret),
                ("description", text),
            ],
            read: |v| v["id"].as_i64().map(|id| format!("/api/v1/webhooks/{id}")),
        },
    ]
}

/// The string-valued properties (text, enums, timestamps) of a request body schema.
fn string_fields(spec: &Value, schema: &Value) -> Vec<String> {
    let resolve = |s: &Value| -> Value {
        match s["$ref"].as_str() {
            Some(r) => spec
                .pointer(&r.replace("#/", "/"))
                .cloned()
                .unwrap_or(Value::Null),
            None => s.clone(),
        }
    };
    let schema = resolve(schema);
    let schema = if schema["type"] == "array" {
        resolve(&schema["items"])
    } else {
        schema
    };
    let is_string = |p: &Value| {
        let p = resolve(p);
        let types = |v: &Value| {
            v["type"] == "string"
                || v["type"]
                    .as_array()
                    .is_some_and(|t| t.contains(&json!("string")))
        };
        types(&p)
            || types(&resolve(&p["items"]))
            || p["oneOf"]
                .as_array()
                .is_some_and(|alts| alts.iter().any(|a| types(&resolve(a))))
    };
    let mut names: Vec<String> = schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .filter(|(_, p)| is_string(p))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The list above is checked against the committed OpenAPI document: a new write endpoint or
/// a new string field fails this test until the corpus covers it.
#[test]
fn the_list_covers_every_string_field_of_every_write_endpoint() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    let spec: Value = serde_json::from_str(&text).unwrap();
    let ours = write_endpoints(1, 1, &json!(1), &json!(1), &json!(1), 1, 1, 1, 1);
    let template = |path: &str| {
        path.split('/')
            .map(|s| if s.parse::<i64>().is_ok() { "{key}" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    };
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") else {
                continue;
            };
            let method = method.to_uppercase();
            let wanted = string_fields(&spec, schema);
            if path == "/api/v1/auth/login" {
                assert_eq!(wanted, ["email", "password"], "the login test covers these");
                continue;
            }
            let Some(ep) = ours
                .iter()
                .find(|e| e.method == method && template(&e.path) == path.replace("{id}", "{key}"))
            else {
                panic!("{method} {path} is not in the injection corpus's endpoint list");
            };
            for field in wanted {
                assert!(
                    ep.fields.iter().any(|(f, _)| *f == field),
                    "{method} {path}: string field `{field}` is not fed the corpus"
                );
            }
        }
    }
}
