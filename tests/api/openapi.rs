use serde_json::Value;

use crate::helpers::*;

/// The document the server serves.
async fn spec(app: &TestApp) -> Value {
    let res = app.get("/api/v1/openapi.json").send().await.unwrap();
    res.json().await.unwrap()
}

#[tokio::test]
async fn served_spec_equals_the_committed_file() {
    let app = spawn_app().await;
    let served = app
        .get("/api/v1/openapi.json")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("openapi/openapi.json exists; run `make openapi`");
    assert!(
        served == committed,
        "openapi/openapi.json is stale: run `make openapi`"
    );
}

#[tokio::test]
async fn spec_is_openapi_3_1_with_bearer_auth_and_problem_responses() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = spec["paths"].as_object().unwrap();
    for path in [
        "/livez",
        "/readyz",
        "/api/v1/auth/login",
        "/api/v1/auth/me",
        "/api/v1/categories",
        "/api/v1/categories/{key}",
        "/api/v1/sources",
        "/api/v1/sources/{key}",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    let mut ids = Vec::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has an operationId"));
            ids.push(id.to_owned());
            let responses = op["responses"].as_object().unwrap();
            if path.starts_with("/api/v1") {
                assert!(
                    responses.contains_key("503"),
                    "{method} {path} documents 503"
                );
            }
        }
    }
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "operation ids are unique");
    assert!(
        ids.contains(&"create_category".to_owned()) && ids.contains(&"list_sources".to_owned())
    );
}

#[tokio::test]
async fn swagger_ui_is_served_offline() {
    let app = spawn_app().await;
    let res = app.get("/docs").send().await.unwrap();
    assert_eq!(res.status(), 308);
    let res = app.get("/docs/").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("swagger"));
    let res = app.get("/docs/swagger-ui-bundle.js").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().len() > 100_000);
}

/// What generated clients rely on (issue 15's spec list): a relative server, security declared
/// on every operation, a typed `default` error, required parameters required and no parameter
/// the server ignores.
#[tokio::test]
async fn spec_declares_what_generated_clients_rely_on() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    assert_eq!(spec["servers"][0]["url"], "/");
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["security"].is_array(),
                "{method} {path} declares its security"
            );
            assert_eq!(
                op["responses"]["default"]["content"]["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{method} {path} types other errors"
            );
        }
    }
    let params = |path: &str| -> Vec<(String, bool)> {
        spec["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let name = p["name"].as_str().unwrap().to_owned();
                (name, p["required"].as_bool().unwrap_or(false))
            })
            .collect()
    };
    assert!(params("/api/v1/search").contains(&("q".to_owned(), true)));
    let channel = params("/api/v1/categories/{key}/articles");
    assert!(
        channel.iter().all(|(name, _)| name != "category"),
        "{channel:?}"
    );
    assert!(
        params("/api/v1/articles")
            .iter()
            .any(|(name, _)| name == "category")
    );
    // The beacon checks `X-Api-Key` like the public reads.
    let beacon = &spec["paths"]["/api/v1/articles/{key}/views"]["post"]["security"];
    assert!(
        beacon
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.get("api_key").is_some()),
        "{beacon}"
    );
    // A missing `q` is still a clear 422 (naming the field), not a 500.
    let res = app.get("/api/v1/search").send().await.unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(field_errors(&problem), ["q"]);
}

/// Every `$ref` of the committed document names a component it defines (a schema that only a
/// query parameter uses is not collected by itself; generators refuse a dangling reference).
#[test]
fn every_reference_resolves() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    fn walk(v: &Value, refs: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    refs.push(r.clone());
                }
                map.values().for_each(|x| walk(x, refs));
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, refs)),
            _ => {}
        }
    }
    let mut refs = Vec::new();
    walk(&doc, &mut refs);
    assert!(refs.len() > 100);
    let dangling: Vec<&String> = refs
        .iter()
        .filter(|r| {
            let pointer = r.trim_start_matches('#').replace("~1", "/");
            doc.pointer(&pointer).is_none()
        })
        .collect();
    assert!(dangling.is_empty(), "dangling references: {dangling:?}");
}
