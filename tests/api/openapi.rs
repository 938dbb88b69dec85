use serde_json::Value;

use crate::helpers::*;

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
    let spec: Value = app
        .get("/api/v1/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
