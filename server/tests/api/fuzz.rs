//! Fuzz-style: a few thousand generated requests (methods, paths, bodies,
//! content types, cookies, origins) against the real server. Whatever
//! arrives, the answer is never a 5xx.

use crate::helpers::TestApp;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use reqwest::{header, Method};

const PATHS: &[&str] = &[
    "/api/login",
    "/api/signup",
    "/api/logout",
    "/api/me",
    "/api/sessions",
    "/api/nope",
    "/api/",
    "/",
    "/login",
    "/signup",
    "/profile",
    "/healthz",
    "/readyz",
    "/pkg/gatehouse.css",
];

#[derive(Debug, Clone)]
struct Fuzzed {
    method: Method,
    path: String,
    content_type: Option<String>,
    accept: Option<String>,
    origin: Option<String>,
    cookie: Option<String>,
    body: Vec<u8>,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,40}",
        any::<String>().prop_map(|s| s.chars().take(80).collect()),
        Just(String::new()),
        Just("a@b.co".to_owned()),
        Just("correct horse battery staple".to_owned()),
        Just("x".repeat(300)),
    ]
}

fn form_body() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        Just("email".to_owned()),
        Just("password".to_owned()),
        Just("remember".to_owned()),
        Just("next".to_owned()),
        "[a-z_\\[\\]]{0,10}",
    ];
    proptest::collection::vec((key, text()), 0..6).prop_map(|pairs| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
            .into_bytes()
    })
}

/// Header values reqwest accepts: visible ASCII.
fn header_text() -> impl Strategy<Value = String> {
    "[ -~]{0,60}"
}

fn request(valid_cookie: String) -> impl Strategy<Value = Fuzzed> {
    let method = prop_oneof![
        4 => Just(Method::POST),
        3 => Just(Method::GET),
        1 => Just(Method::PUT),
        1 => Just(Method::DELETE),
        1 => Just(Method::HEAD),
        1 => Just(Method::OPTIONS),
    ];
    let path = prop_oneof![
        8 => proptest::sample::select(PATHS).prop_map(str::to_owned),
        1 => "/[a-zA-Z0-9/._%?=&-]{0,40}",
        1 => proptest::sample::select(PATHS).prop_flat_map(|p| {
            "[a-zA-Z0-9%&=._-]{0,40}".prop_map(move |q| format!("{p}?{q}"))
        }),
    ];
    let content_type = proptest::option::of(prop_oneof![
        Just("application/x-www-form-urlencoded".to_owned()),
        Just("application/json".to_owned()),
        Just("multipart/form-data; boundary=x".to_owned()),
        header_text(),
    ]);
    let accept = proptest::option::of(prop_oneof![
        Just("application/json".to_owned()),
        Just("text/html".to_owned()),
        header_text(),
    ]);
    let origin = proptest::option::of(prop_oneof![
        Just("https://evil.example".to_owned()),
        Just("null".to_owned()),
        header_text(),
    ]);
    let cookie = proptest::option::of(prop_oneof![
        Just(valid_cookie.clone()),
        header_text().prop_map(|v| format!("gatehouse={v}")),
        (0usize..60, "[A-Za-z0-9_-]").prop_map(move |(i, c)| {
            // The real cookie with one character changed.
            let mut chars: Vec<char> = valid_cookie.chars().collect();
            let at = "gatehouse=".len() + i % (chars.len() - "gatehouse=".len());
            chars[at] = c.chars().next().unwrap_or('A');
            chars.into_iter().collect()
        }),
        header_text(),
    ]);
    let body = prop_oneof![
        6 => form_body(),
        2 => proptest::collection::vec(any::<u8>(), 0..300),
        1 => text().prop_map(String::into_bytes),
    ];
    (method, path, content_type, accept, origin, cookie, body).prop_map(
        |(method, path, content_type, accept, origin, cookie, body)| Fuzzed {
            method,
            path,
            content_type,
            accept,
            origin,
            cookie,
            body,
        },
    )
}

#[test]
fn generated_requests_never_get_a_5xx() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(TestApp::spawn());
    let (_, valid_cookie) = runtime.block_on(app.signed_up());
    let cases: u32 = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000);
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<u16, u32>::new());
    let result = runner.run(&request(valid_cookie), |req| {
        let status = runtime.block_on(async {
            let mut builder = app
                .client
                .request(req.method.clone(), app.url(&req.path))
                .body(req.body.clone());
            for (name, value) in [
                (header::CONTENT_TYPE, &req.content_type),
                (header::ACCEPT, &req.accept),
                (header::ORIGIN, &req.origin),
                (header::COOKIE, &req.cookie),
            ] {
                if let Some(value) = value {
                    builder = builder.header(name, value);
                }
            }
            builder.send().await.map(|res| res.status())
        });
        let status = status.map_err(|err| TestCaseError::fail(format!("no answer: {err}")))?;
        *statuses.borrow_mut().entry(status.as_u16()).or_default() += 1;
        prop_assert!(
            !status.is_server_error(),
            "{} {} answered {status}",
            req.method,
            req.path
        );
        Ok(())
    });
    let statuses = statuses.into_inner();
    eprintln!("statuses over {cases} requests: {statuses:?}");
    if let Err(err) = result {
        panic!("{err}");
    }
    // The generator reached the interesting answers, not only 404s.
    for expected in [200, 401, 403, 422] {
        assert!(
            statuses.contains_key(&expected),
            "never saw {expected}: {statuses:?}"
        );
    }
}
