//! The admin page in a real browser (issue 18): Debian's headless Chromium, driven through its
//! chromedriver over WebDriver (`fantoccini`), against the real binary with the embedded
//! default's emulated devices. It sees the three default devices online, opens a shift with the
//! page's button and sees the register's row follow with the shift's age, sees a sale made over
//! the WebSocket by the test appear in the journal without reloading (server-sent events),
//! previews a pasted document and finds its item and total in the SVG, asks for a plugin
//! reload, and keeps a screenshot (`$CARGO_TARGET_TMPDIR/admin-page.png`). A browser that cannot start fails the
//! test: `.ci/run` installs `chromium` and `chromium-driver`.

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::ws::WsClient;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a free loopback port, killed with the test.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{CHROMEDRIVER} cannot start ({e}): install chromium and chromium-driver")
        });
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

async fn browser(driver: &Driver, profile: &std::path::Path) -> Client {
    // Without the background-networking flags Chromium keeps dialling out on this closed
    // network; as root it needs --no-sandbox.
    let args = [
        "--headless=new".to_owned(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--window-size=1366,768".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": CHROMIUM, "args": args }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("Chromium did not start under chromedriver: {e}"))
}

/// Waits until the element's text satisfies `ok`, reading it again as the page updates itself.
async fn wait_text(client: &Client, css: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = match client.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if ok(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "{what}: {css} says {text:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_page_shows_devices_opens_a_shift_follows_the_journal_and_previews() {
    let dir = tempfile::tempdir().unwrap();
    let host = common::start_host(&dir.path().join("data"), &[]);
    let driver = start_driver();
    let client = browser(&driver, &dir.path().join("chromium")).await;
    client.goto(&format!("{}/", host.base_url)).await.unwrap();

    // The three default devices, online.
    for id in ["kkt", "printer", "terminal"] {
        let css = format!(
            "#devices tbody tr:nth-child({})",
            ["kkt", "printer", "terminal"]
                .iter()
                .position(|d| *d == id)
                .unwrap()
                + 1
        );
        let row = wait_text(&client, &css, id, |t| t.starts_with(id)).await;
        assert!(row.contains("в сети"), "{id}: {row}");
    }

    // Open the shift with the page's button (register kkt is the first choice).
    client
        .find(Locator::Css("button[data-route=open_shift]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&client, "#action-result", "open shift", |t| {
        t.contains("готово")
    })
    .await;
    // The register's row follows by itself (server-sent events): the shift, its age.
    wait_text(
        &client,
        "#devices tbody tr:nth-child(1)",
        "the open shift",
        |t| t.contains("open №1, 0 ч"),
    )
    .await;

    // A sale over the WebSocket appears in the journal without reloading the page.
    let mut ws = WsClient::connect(&host.base_url).await;
    let created = ws
        .request("create_doc", json!({ "cashier": "Сидр Петров", "doc_type": 2, "wares": [
            { "name": "Водка Айс 0,5л 40%", "barcode": "123123", "tax_number": 0, "price": 123.45, "quantity": 2 }
        ]}))
        .await;
    assert_eq!(created["data"]["amount"], 24690, "{created}");
    let paid = ws.request("pay", json!({ "amount": 24690 })).await;
    let sign = paid["data"]["fiscal"]["fiscal_sign"]
        .as_str()
        .unwrap()
        .to_owned();
    let journal = wait_text(&client, "#journal tbody", "the sale in the journal", |t| {
        t.contains(&sign)
    })
    .await;
    assert!(journal.contains("246.90"), "{journal}");

    // Preview a pasted document: its item and total are in the SVG.
    let textarea = client.find(Locator::Css("#preview-doc")).await.unwrap();
    textarea.clear().await.unwrap();
    textarea
        .send_keys(&json!({ "cashier": "Кассир", "doc_type": 2, "wares": [
            { "name": "Сыр Российский", "barcode": "", "tax_number": 1, "price": 350.0, "quantity": 2 }
        ]}).to_string())
        .await
        .unwrap();
    client
        .find(Locator::Css("#preview-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let paper = wait_text(&client, "#preview-paper", "the preview", |t| {
        t.contains("Сыр Российский")
    })
    .await;
    assert!(paper.contains("700.00"), "{paper}");
    let svg = client
        .find(Locator::Css("#preview-paper svg"))
        .await
        .expect("an SVG picture of the paper")
        .html(false)
        .await
        .unwrap();
    assert!(svg.contains("Сыр") && svg.contains("700.00"), "{svg}");

    // The embedded default has no plugin from a file: the reload says so.
    client
        .find(Locator::Css("#reload-plugins"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&client, "#reload-result", "the reload", |t| {
        t.contains("плагинов из файлов нет")
    })
    .await;

    client
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap();
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    let artifact = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("admin-page.png");
    std::fs::write(&artifact, png).unwrap();
    eprintln!("screenshot: {}", artifact.display());
    client.close().await.unwrap();
}
