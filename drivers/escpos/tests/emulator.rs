//! The driver's operations over a socket to the ESC/POS emulator: what the driver sends must
//! come out on the emulated paper exactly, and the printer's faults must come back as typed
//! errors.

use std::time::Duration;

use driver_kit::StreamPort;
use escpos::{Align, Barcode, BarcodeKind, Element, ErrorClass, Settings, Text, TextSize, ops};
use escpos_emulator::{self as emu, Emulator, EscPosDevice, Fault, PaperItem, Size};

fn settings() -> Settings {
    Settings {
        timeout: Duration::from_millis(300),
        ..Settings::default()
    }
}

fn port(emulator: &Emulator<EscPosDevice>) -> StreamPort<std::os::unix::net::UnixStream> {
    StreamPort(emulator.connect().expect("a line to the emulator"))
}

fn text(content: &str, align: Align, bold: bool, size: TextSize) -> Element {
    Element::Text(Text {
        content: content.into(),
        align,
        bold,
        size,
    })
}

const QR: &str = "t=20250301T1215&s=145.00&fn=7380440700076549&i=12&fp=2081453695&n=1";

fn receipt() -> Vec<Element> {
    vec![
        text("ООО «Ромашка»", Align::Center, true, TextSize::Double),
        text(
            "Кассовый чек №12",
            Align::Center,
            false,
            TextSize::DoubleWidth,
        ),
        Element::Separator('-'),
        text(
            "Хлеб ржаной 1 x 45.00",
            Align::Left,
            false,
            TextSize::Normal,
        ),
        text(
            "Молоко 3,2% 1 x 100.00",
            Align::Left,
            false,
            TextSize::Normal,
        ),
        Element::Separator('='),
        text("ИТОГО 145.00", Align::Right, true, TextSize::DoubleHeight),
        text(
            "Спасибо за покупку!",
            Align::Center,
            false,
            TextSize::Normal,
        ),
        Element::Qr(QR.into()),
        Element::Barcode(Barcode {
            kind: BarcodeKind::Ean13,
            data: "4006381333931".into(),
        }),
        Element::Barcode(Barcode {
            kind: BarcodeKind::Code128,
            data: "ORD-{42}".into(),
        }),
        Element::Feed(3),
        Element::Cut,
    ]
}

fn line(text: &str, align: emu::Align, bold: bool, size: Size) -> PaperItem {
    PaperItem::Line {
        text: text.into(),
        align,
        bold,
        size,
    }
}

fn printed_receipt() -> Vec<PaperItem> {
    vec![
        // CP866 has no guillemets: they print as straight quotes.
        line("ООО \"Ромашка\"", emu::Align::Center, true, Size::DOUBLE),
        line(
            "Кассовый чек №12",
            emu::Align::Center,
            false,
            Size::DOUBLE_WIDTH,
        ),
        line(&"-".repeat(48), emu::Align::Left, false, Size::NORMAL),
        line(
            "Хлеб ржаной 1 x 45.00",
            emu::Align::Left,
            false,
            Size::NORMAL,
        ),
        line(
            "Молоко 3,2% 1 x 100.00",
            emu::Align::Left,
            false,
            Size::NORMAL,
        ),
        line(&"=".repeat(48), emu::Align::Left, false, Size::NORMAL),
        line("ИТОГО 145.00", emu::Align::Right, true, Size::DOUBLE_HEIGHT),
        line(
            "Спасибо за покупку!",
            emu::Align::Center,
            false,
            Size::NORMAL,
        ),
        PaperItem::Qr(QR.into()),
        PaperItem::Barcode {
            kind: emu::BarcodeKind::Ean13,
            data: "4006381333931".into(),
        },
        PaperItem::Barcode {
            kind: emu::BarcodeKind::Code128,
            data: "ORD-{42}".into(),
        },
        PaperItem::Feed(3),
        PaperItem::Cut { partial: true },
    ]
}

#[test]
fn a_receipt_comes_out_on_paper_exactly() {
    let emulator = emu::emulator();
    ops::print(&mut port(&emulator), &settings(), &receipt()).unwrap();
    emulator.with_device(|d| {
        assert_eq!(d.paper(), printed_receipt());
        assert_eq!(d.cuts(), 1);
        assert!(
            d.printed_text()
                .starts_with("ООО \"Ромашка\"\nКассовый чек №12\n---")
        );
        assert!(
            d.unknown_commands().is_empty(),
            "{:?}",
            d.unknown_commands()
        );
        assert_eq!(d.code_table(), 17);
    });
}

#[test]
fn settings_shape_the_paper() {
    let emulator = emu::emulator();
    let narrow = Settings {
        width: 32,
        cut: escpos::CutMode::Full,
        ..settings()
    };
    ops::print(
        &mut port(&emulator),
        &narrow,
        &[Element::Separator('*'), Element::Cut],
    )
    .unwrap();
    emulator.with_device(|d| {
        assert_eq!(
            d.paper(),
            [
                line(&"*".repeat(32), emu::Align::Left, false, Size::NORMAL),
                PaperItem::Cut { partial: false },
            ]
        );
    });
}

#[test]
fn a_receipt_over_tcp() {
    let emulator = emu::emulator();
    let (addr, _) = emulator.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let mut port = StreamPort(std::net::TcpStream::connect(addr).unwrap());
    ops::print(&mut port, &settings(), &receipt()).unwrap();
    assert_eq!(emulator.with_device(|d| d.take_paper()), printed_receipt());
}

#[test]
fn status_of_a_healthy_printer() {
    let emulator = emu::emulator();
    let status = ops::status(&mut port(&emulator), &settings()).unwrap();
    assert!(status.online && status.paper_present && !status.cover_open);
    assert_eq!(status.vendor_code, 0x12_1212);
    assert_eq!(status.vendor_text, "online");
}

#[test]
fn paper_out_is_reported_and_nothing_prints() {
    let emulator = emu::emulator();
    emulator.faults().inject(Fault::PaperOut);
    let mut port = port(&emulator);
    let status = ops::status(&mut port, &settings()).unwrap();
    assert!(!status.paper_present && !status.online);
    let e = ops::print(&mut port, &settings(), &receipt()).unwrap_err();
    assert_eq!(e.class, ErrorClass::PaperOut, "{e:?}");
    assert_eq!(e.vendor_code, 0x1A_327E);
    assert!(emulator.with_device(|d| d.paper().is_empty()));
    // A new roll: the same line prints.
    emulator.faults().clear();
    ops::print(&mut port, &settings(), &receipt()).unwrap();
    assert_eq!(emulator.with_device(|d| d.take_paper()), printed_receipt());
}

#[test]
fn cover_open_is_reported_and_nothing_prints() {
    let emulator = emu::emulator();
    emulator.faults().inject(Fault::CoverOpen);
    let mut port = port(&emulator);
    let status = ops::status(&mut port, &settings()).unwrap();
    assert!(status.cover_open && !status.online);
    let e = ops::print(&mut port, &settings(), &receipt()).unwrap_err();
    assert_eq!(e.class, ErrorClass::CoverOpen, "{e:?}");
    assert!(emulator.with_device(|d| d.paper().is_empty()));
}

#[test]
fn no_reply_is_a_communication_error_and_the_next_operation_works() {
    let emulator = emu::emulator();
    let mut port = port(&emulator);
    emulator.faults().inject(Fault::NoReply);
    let e = ops::status(&mut port, &settings()).unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    assert!(e.message.contains("DLE EOT 1"), "{}", e.message);

    emulator.faults().inject(Fault::NoReply);
    let e = ops::print(&mut port, &settings(), &receipt()).unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    assert!(
        emulator.with_device(|d| d.paper().is_empty()),
        "nothing is sent unasked"
    );

    ops::print(&mut port, &settings(), &receipt()).unwrap();
    assert_eq!(emulator.with_device(|d| d.take_paper()), printed_receipt());
}

#[test]
fn a_late_reply_is_dropped_before_the_next_exchange() {
    let emulator = emu::emulator();
    let mut port = port(&emulator);
    emulator
        .faults()
        .inject(Fault::SlowReply(Duration::from_millis(500)));
    let e = ops::status(&mut port, &settings()).unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication);
    emulator.faults().clear();
    std::thread::sleep(Duration::from_millis(700)); // the late byte is in the line now
    assert_eq!(
        ops::status(&mut port, &settings()).unwrap().vendor_code,
        0x12_1212
    );
}

#[test]
fn a_line_dropped_mid_job_is_an_error_and_a_fresh_line_prints() {
    let emulator = emu::emulator();
    emulator.faults().inject(Fault::DisconnectMidFrame);
    let e = ops::print(&mut port(&emulator), &settings(), &receipt()).unwrap_err();
    assert_eq!(e.class, ErrorClass::Communication, "{e:?}");
    let torn = emulator.with_device(|d| d.take_paper());
    assert!(torn.len() < printed_receipt().len(), "{torn:?}");
    assert_eq!(
        torn[..],
        printed_receipt()[..torn.len()],
        "what printed is the job's start"
    );

    ops::print(&mut port(&emulator), &settings(), &receipt()).unwrap();
    assert_eq!(emulator.with_device(|d| d.take_paper()), printed_receipt());
}

#[test]
fn a_bad_element_sends_nothing() {
    let emulator = emu::emulator();
    let mut elements = receipt();
    elements.insert(
        3,
        Element::Barcode(Barcode {
            kind: BarcodeKind::UpcA,
            data: "12345".into(),
        }),
    );
    let e = ops::print(&mut port(&emulator), &settings(), &elements).unwrap_err();
    assert_eq!(e.class, ErrorClass::Unsupported);
    assert!(emulator.with_device(|d| d.paper().is_empty()));
}

#[test]
fn without_status_checks_the_printer_is_not_asked() {
    let emulator = emu::emulator();
    emulator.faults().inject(Fault::NoReply); // would fail any question
    let quiet = Settings {
        status_check: false,
        ..settings()
    };
    let mut port = port(&emulator);
    assert!(ops::status(&mut port, &quiet).unwrap().paper_present);
    ops::print(&mut port, &quiet, &receipt()).unwrap();
    // Nothing confirms the job on a one-way line: wait for the printer to get through it.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while emulator.with_device(|d| d.cuts()) == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(emulator.with_device(|d| d.take_paper()), printed_receipt());
}

#[test]
fn a_receipt_printer_is_no_register() {
    let info = ops::describe(&Settings::default());
    assert_eq!(
        (info.vendor.as_str(), info.paper_width, info.fiscal),
        ("ESC/POS", 48, false)
    );
    assert!(info.jurisdictions.is_empty());
}

#[test]
fn a_bad_setting_is_an_error_naming_its_key() {
    let e = Settings::from_lookup(|k| (k == "cut").then(|| "half".to_string())).unwrap_err();
    let e = escpos::DriverError::from(e);
    assert_eq!(e.class, ErrorClass::Unsupported);
    assert!(e.message.contains("`cut`"), "{}", e.message);
}
