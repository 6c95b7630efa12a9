//! pyshtrih, a third-party Python driver for Shtrih registers (PyPI), drives the emulator
//! over a pseudo-terminal with its own API: status, money and operation registers, a shift,
//! a legacy sale (80h) closed with 85h, a refusal, X and Z reports (tests/pyshtrih/drive.py).
//! The test asserts what pyshtrih read and what the emulator itself recorded.
//!
//! pyshtrih and its dependencies are pinned in tests/pyshtrih/requirements.txt and installed
//! into a virtual environment under the target directory, made once and reused while the
//! requirements stay the same. Python 3 with `venv` (`$PYTHON`, default `python3`) and pip's
//! access to PyPI are part of this test: without them it fails and says why.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use shtrih_m_emulator::{DOC_RECEIPT, DOC_SHIFT_CLOSE, PAY_CASH};

fn here(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/pyshtrih")
        .join(path)
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The venv's python, with the pinned requirements installed.
fn venv() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pyshtrih-venv");
    let python = dir.join("bin/python");
    let requirements = here("requirements.txt");
    let installed = dir.join("installed-requirements.txt");
    let wanted = fs::read(&requirements).expect("tests/pyshtrih/requirements.txt");
    if python.exists() && fs::read(&installed).ok().as_ref() == Some(&wanted) {
        return python;
    }
    let system_python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    run(
        Command::new(&system_python)
            .args(["-m", "venv", "--clear"])
            .arg(&dir),
        "creating the pyshtrih venv",
    );
    run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements),
        "installing pyshtrih from PyPI",
    );
    fs::write(&installed, wanted).expect("the venv's requirements stamp");
    python
}

fn today() -> (u16, u8, u8) {
    use chrono::Datelike;
    let d = chrono::Local::now().date_naive();
    (d.year() as u16, d.month() as u8, d.day() as u8)
}

#[test]
fn pyshtrih_drives_the_emulator_through_a_legacy_sale_and_the_reports() {
    let python = venv();
    let emulator = shtrih_m_emulator::emulator();
    let (port, _line) = emulator.serve_pty().expect("a pseudo-terminal");
    let day_before = today();

    let output = Command::new(&python)
        .arg(here("drive.py"))
        .arg(&port)
        .output()
        .expect("running drive.py");
    let day_after = today();
    assert!(
        output.status.success(),
        "drive.py failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 JSON");
    let got: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("drive.py printed no JSON ({e}): {stdout}"));
    let int = |key: &str| {
        got[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {got}"))
    };

    // What pyshtrih read.
    assert_eq!(got["model"], "ШТРИХ-М-01Ф", "{got}");
    assert_eq!(int("serial_number"), 12_345_678);
    // The register's clock is the system's: today, not a fixed date.
    let dates: Vec<String> = [day_before, day_after]
        .iter()
        .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
        .collect();
    assert!(
        dates.contains(&got["register_date"].as_str().unwrap_or("").to_string()),
        "{got} vs {dates:?}"
    );
    assert_eq!(int("mode_at_start"), 4); // shift closed
    assert_eq!(int("cash_at_start"), 0);
    assert_eq!(int("mode_in_shift"), 2);
    assert_eq!(int("mode_in_receipt"), 8); // open document: a sale
    // Two operations, read as 2 × 256: pyshtrih takes the high byte of 10h's operation count
    // (answer byte 11) for the low one. The vendor's JavaPOS driver (ReadShortStatus) reads
    // byte 6 as low and byte 11 as high, as the emulator answers.
    assert_eq!(int("operations_in_receipt"), 2 << 8);
    // 1.5 × 123.45 = 185.18 and 2 × 49.90 = 99.80 in department 1.
    assert_eq!(int("receipt_register_during"), 28_498);
    assert_eq!(int("change"), 1_502); // 300.00 − 284.98
    assert_eq!(int("mode_after_receipt"), 2);
    assert_eq!(int("cash_payments_in_shift"), 28_498);
    assert_eq!(int("cash_in_drawer"), 5_000 + 28_498);
    assert_eq!(int("receipts_in_shift"), 1);
    assert_eq!(int("close_without_receipt"), 0x55); // "receipt closed"
    assert_eq!(int("mode_after_z"), 4);
    assert_eq!(int("cash_payments_after_z"), 0);
    assert_eq!(int("cash_in_drawer_after_z"), 5_000 + 28_498);
    assert_eq!(int("last_closed_shift"), 1);

    // What the emulator itself recorded: one fiscal receipt, in its fiscal archive.
    emulator.with_device(|d| {
        let [receipt] = d.receipts() else {
            panic!("one receipt, got {:?}", d.receipts());
        };
        assert_eq!(
            (receipt.operation, receipt.total, receipt.change),
            (1, 28_498, 1_502)
        );
        assert_eq!(receipt.payments[PAY_CASH], 30_000);
        let items: Vec<_> = receipt
            .items
            .iter()
            .map(|i| (i.name.as_str(), i.quantity, i.price, i.amount, i.tax_rate))
            .collect();
        assert_eq!(
            items,
            [
                ("Сыр", 1_500_000, 12_345, 18_518, 0x01),
                ("Молоко", 2_000_000, 4_990, 9_980, 0x02),
            ]
        );
        assert_eq!(receipt.cashier, "КАССИР 1");
        assert_eq!(receipt.text_lines, ["Спасибо"]);
        let day = (
            receipt.date_time.year,
            receipt.date_time.month,
            receipt.date_time.day,
        );
        assert!(
            day == day_before || day == day_after,
            "{:?}",
            receipt.date_time
        );
        let doc = d
            .documents()
            .iter()
            .find(|doc| doc.number == receipt.document_number)
            .expect("the receipt's fiscal document");
        assert_eq!(
            (doc.kind, doc.fiscal_sign, doc.operation, doc.amount),
            (DOC_RECEIPT, receipt.fiscal_sign, Some(1), Some(28_498))
        );
        assert_eq!(d.last_document().kind, DOC_SHIFT_CLOSE);
        assert!(!d.shift_open());
        assert_eq!(d.cash_in_drawer(), 33_498);
        assert!(d.tape().iter().any(|l| l == "СУТОЧНЫЙ ОТЧЕТ БЕЗ ГАШЕНИЯ"));
    });
}
