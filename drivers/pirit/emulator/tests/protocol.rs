//! The emulator on the wire, without the driver: packets built by hand here, sent over the
//! in-process link, a pty and TCP, checked against `documentation_pirit_fm.md`.

use std::io::{Read, Write};
use std::time::Duration;

use emulator_kit::{Emulator, Fault};
use pirit_emulator::PiritDevice;

const STX: u8 = 0x02;
const ETX: u8 = 0x03;
const FS: u8 = 0x1C;

fn packet(password: &[u8], id: u8, command: u8, fields: &[&str]) -> Vec<u8> {
    let mut body = password.to_vec();
    body.push(id);
    body.extend_from_slice(format!("{command:02X}").as_bytes());
    for f in fields {
        body.extend(f.chars().map(|c| match c {
            'А'..='п' => (c as u32 - 0x0410 + 0x80) as u8,
            'р'..='я' => (c as u32 - 0x0440 + 0xE0) as u8,
            _ => c as u8,
        }));
        body.push(FS);
    }
    body.push(ETX);
    let crc = body.iter().fold(0u8, |a, b| a ^ b);
    let mut p = vec![STX];
    p.extend_from_slice(&body);
    p.extend_from_slice(format!("{crc:02X}").as_bytes());
    p
}

/// (id, command, error, fields) of one answer; the CRC checked.
fn read_answer(line: &mut impl Read) -> (u8, u8, u8, Vec<String>) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        line.read_exact(&mut byte).unwrap();
        buf.push(byte[0]);
        if let Some(etx) = buf.iter().position(|&b| b == ETX)
            && buf.len() == etx + 3
        {
            break;
        }
    }
    assert_eq!(buf[0], STX);
    let etx = buf.len() - 3;
    let crc = buf[1..=etx].iter().fold(0u8, |a, b| a ^ b);
    assert_eq!(
        &buf[etx + 1..],
        format!("{crc:02X}").as_bytes(),
        "answer CRC"
    );
    let hex = |s: &[u8]| u8::from_str_radix(std::str::from_utf8(s).unwrap(), 16).unwrap();
    let data = &buf[6..etx];
    let mut fields: Vec<String> = data
        .split(|&b| b == FS)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    if data.last() == Some(&FS) || data.is_empty() {
        fields.pop();
    }
    (buf[1], hex(&buf[2..4]), hex(&buf[4..6]), fields)
}

struct Client<L> {
    line: L,
    id: u8,
}

impl<L: Read + Write> Client<L> {
    fn ask(&mut self, command: u8, fields: &[&str]) -> (u8, Vec<String>) {
        self.id = if self.id >= 0xF0 { 0x20 } else { self.id + 1 };
        self.line
            .write_all(&packet(b"PIRI", self.id, command, fields))
            .unwrap();
        let (id, cmd, err, fields) = read_answer(&mut self.line);
        assert_eq!((id, cmd), (self.id, command), "same id and command");
        (err, fields)
    }

    fn ok(&mut self, command: u8, fields: &[&str]) -> Vec<String> {
        let (err, f) = self.ask(command, fields);
        assert_eq!(err, 0, "command {command:02X}h");
        f
    }

    fn extended(&mut self) -> String {
        self.ok(0x06, &["1"])[1].clone()
    }
}

fn client(emulator: &Emulator<PiritDevice>) -> Client<std::os::unix::net::UnixStream> {
    Client {
        line: emulator.connect().unwrap(),
        id: 0x20,
    }
}

fn started() -> (
    Emulator<PiritDevice>,
    Client<std::os::unix::net::UnixStream>,
) {
    let emulator = pirit_emulator::emulator_at(pirit_emulator::start());
    let mut c = client(&emulator);
    c.ok(0x10, &["010326", "090000"]);
    (emulator, c)
}

#[test]
fn enq_is_answered_by_ack_on_every_line() {
    let emulator = pirit_emulator::emulator();
    let mut link = emulator.connect().unwrap();
    link.write_all(&[0x05]).unwrap();
    let mut b = [0u8; 1];
    link.read_exact(&mut b).unwrap();
    assert_eq!(b, [0x06]);

    let (addr, _) = emulator.serve_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.write_all(&[0x05]).unwrap();
    tcp.read_exact(&mut b).unwrap();
    assert_eq!(b, [0x06]);

    let (path, _) = emulator.serve_pty().unwrap();
    let mut pty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    // A whole status request through the raw pty: STX, ETX and FS pass untouched.
    pty.write_all(&packet(b"PIRI", 0x21, 0x00, &[])).unwrap();
    let (id, cmd, err, fields) = read_answer(&mut pty);
    assert_eq!((id, cmd, err), (0x21, 0x00, 0));
    assert_eq!(
        fields,
        ["0", "1", "0"],
        "flag bit 0: start of work not done"
    );
}

#[test]
fn a_bad_crc_or_password_is_refused_with_the_documents_codes() {
    let emulator = pirit_emulator::emulator();
    let mut line = emulator.connect().unwrap();
    let mut p = packet(b"PIRI", 0x30, 0x00, &[]);
    let n = p.len();
    p[n - 1] = if p[n - 1] == b'0' { b'1' } else { b'0' };
    line.write_all(&p).unwrap();
    assert_eq!(read_answer(&mut line).2, 0x07);
    line.write_all(&packet(b"PIRX", 0x31, 0x00, &[])).unwrap();
    assert_eq!(read_answer(&mut line).2, 0x06);
    assert!(
        emulator.with_device(|d| d.command_log().is_empty()),
        "neither was carried out"
    );
}

#[test]
fn work_needs_start_of_work_and_a_clock_far_off_is_reported_but_started() {
    let emulator = pirit_emulator::emulator_at(pirit_emulator::start());
    let mut c = client(&emulator);
    assert_eq!(c.ask(0x23, &["Кассир"]).0, 0x01);
    assert_eq!(c.extended(), "1", "start of work was not called");
    let (err, _) = c.ask(0x10, &["010326", "092000"]);
    assert_eq!(err, 0x0B, "20 minutes off");
    c.ok(0x23, &["Кассир"]);
    assert_eq!(c.ok(0x00, &[])[1], "4", "started, shift open");
}

#[test]
fn the_document_goes_open_positions_subtotal_payment_close() {
    let (emulator, mut c) = started();
    c.ok(0x23, &["Кассир"]);
    c.ok(0x30, &["2", "1", "Кассир", "", ""]);
    assert_eq!(c.ok(0x00, &[])[2], (2 | (1 << 4)).to_string());
    // Payment before the subtotal: state is not 2 or 3.
    assert_eq!(c.ask(0x47, &["0", "10.00", ""]).0, 0x01);
    assert_eq!(c.extended(), "13");
    let tax = c.ok(
        0x42,
        &[
            "Хлеб", "", "1.500", "40.00", "1", "", "", "", "0", "", "4", "1", "", "", "",
        ],
    );
    assert_eq!(tax[0], "5.4545", "60.00 at 10/110 with four decimals");
    c.ok(0x44, &[]);
    assert_eq!(c.ask(0x42, &["Поздно", "", "1", "1.00", "0"]).0, 0x01);
    c.ok(0x47, &["1", "50.00", ""]);
    assert_eq!(
        c.ask(0x47, &["1", "20.00", ""]).0,
        0x03,
        "card beyond the total"
    );
    c.ok(0x47, &["0", "20.00", ""]);
    let closed = c.ok(0x31, &["0", "buyer@example.com"]);
    assert_eq!(
        closed[3], "3",
        "document 3 after registration and the shift report"
    );
    assert_eq!(closed[4].len(), 10, "fiscal sign");
    assert_eq!((closed[5].as_str(), closed[6].as_str()), ("1", "1"));
    assert_eq!(
        (closed[7].as_str(), closed[8].as_str()),
        ("010326", "090000")
    );
    let r = emulator.with_device(|d| d.receipts()[0].clone());
    assert_eq!((r.total, r.change), (6000, 1000));
    assert_eq!(r.customer_contact.as_deref(), Some("buyer@example.com"));
    assert_eq!(emulator.with_device(|d| d.drawer()), 1000);
    assert_eq!(c.ok(0x03, &["2"])[9], "3", "last receipt's FD");
}

#[test]
fn paper_running_out_at_the_close_leaves_state_8_which_only_a_second_close_ends() {
    let (emulator, mut c) = started();
    c.ok(0x23, &["Кассир"]);
    c.ok(0x30, &["2", "1", "Кассир", "", ""]);
    c.ok(0x42, &["Хлеб", "", "1", "40.00", "3"]);
    c.ok(0x44, &[]);
    c.ok(0x47, &["0", "40.00", ""]);
    emulator.faults().inject(Fault::PaperOut);
    assert_eq!(c.ask(0x31, &["0"]).0, 0x08);
    assert_eq!(c.ok(0x00, &[])[2], (2 | (8 << 4)).to_string());
    assert_eq!(emulator.with_device(|d| d.receipts().len()), 1, "in the FN");
    assert_eq!(c.ask(0x32, &[]).0, 0x01, "cannot be cancelled");
    assert_eq!(c.extended(), "15");
    emulator.faults().clear();
    let closed = c.ok(0x31, &["0"]);
    assert_eq!(closed[3], "3");
    assert_eq!(c.ok(0x00, &[])[2], "0");
    assert_eq!(
        emulator.with_device(|d| d.receipts().len()),
        1,
        "registered once"
    );
}

#[test]
fn faults_disturb_the_next_answer() {
    let (emulator, mut c) = started();
    emulator.faults().inject(Fault::NoReply);
    c.line.write_all(&packet(b"PIRI", 0x50, 0x00, &[])).unwrap();
    c.line
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut b = [0u8; 1];
    assert!(c.line.read(&mut b).is_err(), "no answer at all");
    c.line.set_read_timeout(None).unwrap();
    c.ok(0x00, &[]);

    emulator.faults().inject(Fault::DisconnectMidFrame);
    c.line.write_all(&packet(b"PIRI", 0x51, 0x00, &[])).unwrap();
    let mut rest = Vec::new();
    c.line.read_to_end(&mut rest).unwrap();
    assert!(
        !rest.is_empty() && !rest.contains(&ETX),
        "half a packet, then the end"
    );
    let mut again = client(&emulator);
    again.ok(0x00, &[]);
}

#[test]
fn the_ofd_queue_grows_per_fiscal_document_and_drains() {
    let (emulator, mut c) = started();
    c.ok(0x23, &["Кассир"]);
    c.ok(0x21, &["Кассир", ""]);
    let ofd = c.ok(0x78, &["7"]);
    assert_eq!(
        &ofd[2..4],
        ["2", "2"],
        "two documents, the first is number 2"
    );
    emulator.with_device(|d| d.drain_ofd_queue());
    assert_eq!(c.ok(0x78, &["7"])[2], "0");
}

/// One receipt of document type `kind` for `price` rubles, paid `payments` (type, rubles).
fn rubles_receipt(
    c: &mut Client<impl Read + Write>,
    kind: &str,
    price: &str,
    payments: &[(&str, &str)],
) {
    c.ok(0x30, &[kind, "1", "Кассир", "", ""]);
    c.ok(0x42, &["Хлеб", "", "1", price, "3"]);
    c.ok(0x44, &[]);
    for (t, sum) in payments {
        c.ok(0x47, &[t, sum, ""]);
    }
    c.ok(0x31, &["0"]);
}

#[test]
fn the_shift_counters_answer_by_payment_type_and_clear_at_the_z_report() {
    let (emulator, mut c) = started();
    c.ok(0x23, &["Кассир"]);
    // A sale of 60.00 paid 50.00 by card and 20.00 in cash (10.00 change), a cash sale of
    // 5.50, a card return of 12.00, a cancelled sale and a correction.
    rubles_receipt(&mut c, "2", "60.00", &[("1", "50.00"), ("0", "20.00")]);
    rubles_receipt(&mut c, "2", "5.50", &[("0", "5.50")]);
    rubles_receipt(&mut c, "3", "12.00", &[("1", "12.00")]);
    c.ok(0x30, &["2", "1", "Кассир", "", ""]);
    c.ok(0x32, &[]);
    c.ok(0x58, &["Кассир", "", "", "", "", "", "0", "270226", ""]);
    c.ok(0x42, &["Хлеб", "", "1", "99.00", "3"]);
    c.ok(0x44, &[]);
    c.ok(0x47, &["0", "99.00", ""]);
    c.ok(0x31, &["0"]);
    assert_eq!(emulator.with_device(|d| d.receipts().len()), 4);

    let zeros = |n: usize| vec!["0.00".to_string(); n];
    let sales = c.ok(0x01, &["3"]);
    let mut expected = vec!["3".to_string(), "15.50".into(), "50.00".into()];
    expected.extend(zeros(14));
    assert_eq!(
        sales, expected,
        "16 sums, cash net of change, the correction left out"
    );
    let returns = c.ok(0x01, &["5"]);
    let mut expected = vec!["5".to_string(), "0.00".into(), "12.00".into()];
    expected.extend(zeros(14));
    assert_eq!(returns, expected);
    assert_eq!(
        c.ok(0x01, &["7"]),
        ["7", "2", "1", "1", "0", "0", "0"],
        "sales, returns, annulled, deferred, cash-in, cash-out"
    );
    assert_eq!(c.ok(0x01, &["1"]), ["1", "1"]);
    assert_eq!(c.ask(0x01, &["99"]).0, 0x03);

    c.ok(0x21, &["Кассир", ""]);
    let mut expected = vec!["3".to_string()];
    expected.extend(zeros(16));
    assert_eq!(c.ok(0x01, &["3"]), expected, "the Z report cleared them");
    assert_eq!(c.ok(0x01, &["7"]), ["7", "0", "0", "0", "0", "0", "0"]);
    c.ok(0x23, &["Кассир"]);
    assert_eq!(
        c.ok(0x01, &["7"])[1..3],
        ["0", "0"],
        "a new shift starts at zero"
    );
}

#[test]
fn a_keyboard_sale_is_a_sale_the_host_never_sent() {
    let (emulator, mut c) = started();
    c.ok(0x23, &["Кассир"]);
    let (cash, card) = emulator.with_device(|d| {
        d.clear_command_log();
        (d.keyboard_sale(15_050, false), d.keyboard_sale(2_500, true))
    });
    // Registration 1, the shift's report 2.
    assert_eq!((cash, card), (3, 4));
    emulator.with_device(|d| {
        assert!(d.command_log().is_empty());
        let r = d.receipts()[0].clone();
        assert_eq!(
            (r.document_number, r.number_in_shift, r.total),
            (3, 1, 15_050)
        );
        assert_eq!(r.payments, [(pirit_emulator::PAY_CASH, 15_050)]);
        assert_eq!(
            d.receipts()[1].payments,
            [(pirit_emulator::PAY_CASHLESS, 2_500)]
        );
        assert_eq!(d.drawer(), 15_050);
        let t = d.shift_totals();
        assert_eq!(t.sales.receipts, 2);
        assert_eq!(t.sales.by_payment[..2], [15_050, 2_500]);
        assert_eq!(d.fiscal_documents().last().unwrap().amount, Some(2_500));
    });
    assert_eq!(c.ok(0x01, &["3"])[1..3], ["150.50", "25.00"]);
    assert_eq!(c.ok(0x03, &["2"])[9], "4", "the last closed receipt");
    assert_eq!(c.ok(0x01, &["2"]), ["2", "3"], "the next receipt's number");
}

#[test]
#[should_panic(expected = "open shift")]
fn a_keyboard_sale_needs_an_open_shift() {
    PiritDevice::default().keyboard_sale(100, false);
}
