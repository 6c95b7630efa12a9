//! The driver's protocol against its emulator, natively, over `driver_kit::StreamPort`.

use std::net::TcpStream;
use std::time::Duration;

use fiscal_host_guest::driver_kit::StreamPort;
use fiscal_host_guest::types::ErrorClass;
use {{crate}}::emulator::Emulator;
use {{crate}}::protocol;

const T: Duration = Duration::from_secs(2);

fn connect(emu: &Emulator) -> StreamPort<TcpStream> {
    StreamPort(TcpStream::connect(emu.addr).expect("the emulator listens"))
}

#[test]
fn status_print_and_cut() {
    let emu = Emulator::start().unwrap();
    let mut port = connect(&emu);
    let s = protocol::status(&mut port, T).unwrap();
    assert!(s.paper && !s.cover_open);
    protocol::print_line(&mut port, "Hello\u{1d}world", T).unwrap();
    protocol::cut(&mut port, T).unwrap();
    let d = emu.device.lock().unwrap();
    assert_eq!(d.printed, ["Hello world"]);
    assert_eq!(d.cuts, 1);
}

#[test]
fn no_paper_is_paper_out() {
    let emu = Emulator::start().unwrap();
    emu.device.lock().unwrap().paper = false;
    let mut port = connect(&emu);
    let e = protocol::print_line(&mut port, "x", T).unwrap_err();
    assert_eq!(e.class, ErrorClass::PaperOut);
    assert_eq!(e.vendor_code, 1);
    assert!(!protocol::status(&mut port, T).unwrap().paper);
}
