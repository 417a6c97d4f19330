//! The OpenAPI document: it parses, it is 3.1, its references resolve, and it lists exactly
//! the v1 routes the server answers.

use serde_json::Value;
use tests::spawn_app;

/// Every `$ref` inside `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => out.push(target),
                    _ => refs(inner, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_v1_route_the_server_answers() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.expect("the document is JSON");
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["components"]["securitySchemes"]["creator_key"]["scheme"], "bearer");

    let mut targets = Vec::new();
    refs(&document, &mut targets);
    for target in targets {
        let name = target.strip_prefix("#/components/schemas/").expect("local schema references");
        assert!(document["components"]["schemas"].get(name).is_some(), "{target} resolves");
    }

    let paths = document["paths"].as_object().unwrap();
    let mut listed: Vec<String> = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            listed.push(format!("{} {path}", method.to_uppercase()));
            let creator = operation.get("security").is_some();
            assert_eq!(
                creator,
                operation["tags"][0] == "creator",
                "{method} {path}: creator routes need the key"
            );
            // The route exists: whatever it answers, it is not the router's own "no such route".
            let url = app.url(&path.replace("{id}", "demo").replace("{token}", &"0".repeat(64)));
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut request = app.client.request(method.clone(), url).bearer_auth(&app.demo_key);
            if path.ends_with("/events") {
                request = request.timeout(std::time::Duration::from_secs(2));
            }
            let answer = request.send().await.unwrap();
            assert!(answer.status() != 405, "{method} {path} is served");
            if answer.status() == 404 {
                let kind = answer.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
                assert_eq!(
                    kind.as_deref(),
                    Some("application/problem+json"),
                    "{method} {path}: our 404, not the router's"
                );
            }
        }
    }
    listed.sort();
    // The pinned contract, every route of it; adding a route to the document means adding it here.
    let mut pinned = vec![
        "GET /api/v1/campaigns",
        "POST /api/v1/campaigns",
        "GET /api/v1/campaigns/{id}",
        "PATCH /api/v1/campaigns/{id}",
        "POST /api/v1/campaigns/{id}/cancel",
        "GET /api/v1/campaigns/{id}/demand",
        "GET /api/v1/campaigns/{id}/events",
        "GET /api/v1/campaigns/{id}/pledges",
        "POST /api/v1/campaigns/{id}/pledges",
        "GET /api/v1/campaigns/{id}/pledges.csv",
        "GET /api/v1/campaigns/{id}/updates",
        "POST /api/v1/campaigns/{id}/updates",
        "GET /api/v1/openapi.json",
        "DELETE /api/v1/receipts/{token}",
        "GET /api/v1/receipts/{token}",
        "GET /api/v1/campaigns/{id}/leaders",
        "GET /api/v1/campaigns/{id}/sources",
        "PUT /api/v1/campaigns/{id}/cover",
        "GET /api/v1/campaigns/{id}/backers",
        "GET /api/v1/webhooks",
        "POST /api/v1/webhooks",
        "DELETE /api/v1/webhooks/{id}",
        "POST /api/v1/webhooks/{id}/enable",
        "POST /api/v1/campaigns/{id}/pledges/{pledge}/paid",
        "POST /api/v1/receipts/{token}/payment",
        "POST /api/v1/receipts/{token}/payment/confirm",
        "POST /api/v1/receipts/{token}/options",
        "PUT /api/v1/campaigns/{id}/payment-qr",
        "POST /api/v1/receipts/lookup",
        "GET /api/v1/campaigns/{id}/mails",
        "GET /api/v1/site",
        "PUT /api/v1/site",
        "POST /api/v1/campaigns/{id}/reminders",
        "PUT /api/v1/campaigns/{id}/milestones",
        "GET /api/v1/receipts/{token}/survey",
        "PUT /api/v1/receipts/{token}/survey",
        "POST /api/v1/receipts/{token}/received",
        "GET /api/v1/campaigns/{id}/survey",
        "GET /api/v1/campaigns/{id}/shipments.csv",
        "GET /api/v1/campaigns/{id}/shipments/summary",
        "POST /api/v1/campaigns/{id}/shipments",
        "POST /api/v1/campaigns/{id}/survey/remind",
        "DELETE /api/v1/receipts/{token}/personal-data",
        "POST /api/v1/campaigns/{id}/tiers/{tier}/waitlist",
        "GET /api/v1/waitlist/{token}",
        "DELETE /api/v1/waitlist/{token}",
        "POST /api/v1/waitlist/{token}/pledge",
        "GET /api/v1/campaigns/{id}/waitlist",
        "GET /api/v1/campaigns/{id}/waitlist.csv",
    ];
    pinned.sort();
    assert_eq!(listed, pinned);
}
