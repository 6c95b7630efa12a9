//! `GET /journal` end to end (issue 18's JSON API behind the admin page): the real binary's
//! journal, a page at a time, newest first, bounded by fiscal sign, number and day; bad bounds
//! are refused by name.

mod common;

use common::post_json as post;
use common::shop::shop;
use serde_json::{Value, json};

fn get(url: &str) -> (u16, Value) {
    let mut response = ureq::get(url)
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    (
        response.status().as_u16(),
        response.body_mut().read_json().unwrap(),
    )
}

#[test]
fn the_journal_pages_newest_first_and_finds_a_document_by_sign_number_and_day() {
    let dir = tempfile::tempdir().unwrap();
    let shop = shop(dir.path());
    let host = common::start_host(&dir.path().join("data"), &["--config", &shop.config_arg()]);
    let base = &host.base_url;
    let opened = post(
        &format!("{base}/open_shift"),
        &json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
    let mut signs = Vec::new();
    for n in 1..=3 {
        let mut sale = common::seeds::seed_001_sale(None, &format!("J-{n}"));
        let amount = sale["amount"].clone();
        sale["payments"] = json!({ "cashAmount": amount });
        let sold = post(&format!("{base}/sale"), &sale);
        assert_eq!(sold["status"], "success", "{sold}");
        signs.push((
            sold["fiscalID"].as_str().unwrap().to_owned(),
            sold["fiscalNum"].as_str().unwrap().parse::<i64>().unwrap(),
        ));
    }

    let (status, page) = get(&format!("{base}/journal?limit=2"));
    assert_eq!(status, 200, "{page}");
    let docs = page["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 2, "{page}");
    assert!(
        docs[0]["id"].as_i64() > docs[1]["id"].as_i64(),
        "newest first: {page}"
    );
    assert_eq!(docs[0]["fiscal_sign"], signs[2].0.as_str(), "{page}");
    assert_eq!(docs[0]["kind"], "sale");
    assert_eq!(docs[0]["state"], "printed", "{page}");
    assert_eq!(docs[0]["device"], "kkt");
    let next = page["next_before"].as_i64().expect("a next page");
    let (_, rest) = get(&format!("{base}/journal?limit=2&before={next}"));
    let rest = rest["documents"].as_array().unwrap().clone();
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!(rest[0]["fiscal_sign"], signs[0].0.as_str());

    let (_, by_sign) = get(&format!("{base}/journal?fiscal_sign={}", signs[1].0));
    assert_eq!(
        by_sign["documents"].as_array().unwrap().len(),
        1,
        "{by_sign}"
    );
    assert_eq!(by_sign["next_before"], Value::Null);
    let (_, by_number) = get(&format!("{base}/journal?number={}", signs[1].1));
    assert_eq!(
        by_number["documents"][0]["fiscal_sign"],
        signs[1].0.as_str(),
        "{by_number}"
    );

    let today = chrono::Utc::now().date_naive();
    let (_, today_page) = get(&format!("{base}/journal?from={today}&to={today}"));
    assert_eq!(
        today_page["documents"].as_array().unwrap().len(),
        3,
        "{today_page}"
    );
    let tomorrow = today.succ_opt().unwrap();
    let (_, none) = get(&format!("{base}/journal?from={tomorrow}"));
    assert!(none["documents"].as_array().unwrap().is_empty(), "{none}");

    for bad in [
        "limit=0",
        "limit=501",
        "from=yesterday",
        "colour=red",
        "from=2026-12-02&to=2026-12-01",
    ] {
        let (status, reply) = get(&format!("{base}/journal?{bad}"));
        assert_eq!(status, 400, "{bad}: {reply}");
        assert!(reply["error"]["message"].is_string(), "{bad}: {reply}");
    }
}
