//! A tiny emulator of the device: answers the line protocol on a TCP socket, one connection at a
//! time, and remembers what it printed. Native only; `tests/emulator.rs` drives the protocol
//! against it.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// The device's state, shared with the test.
#[derive(Debug, Default)]
pub struct Device {
    pub paper: bool,
    pub cover_open: bool,
    pub printed: Vec<String>,
    pub cuts: u32,
}

/// A running emulator.
pub struct Emulator {
    pub addr: SocketAddr,
    pub device: Arc<Mutex<Device>>,
}

impl Emulator {
    /// Listens on a free local port, with paper loaded and the cover closed.
    pub fn start() -> std::io::Result<Emulator> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let device = Arc::new(Mutex::new(Device {
            paper: true,
            ..Device::default()
        }));
        let shared = Arc::clone(&device);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve(stream, &shared);
            }
        });
        Ok(Emulator { addr, device })
    }
}

fn serve(stream: TcpStream, device: &Mutex<Device>) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    for line in BufReader::new(stream).lines() {
        let answer = answer(&line?, &mut device.lock().unwrap());
        out.write_all(answer.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The device's answer to one command line.
pub fn answer(command: &str, d: &mut Device) -> String {
    let (verb, rest) = command.split_once(' ').unwrap_or((command, ""));
    match verb {
        "STATUS" => format!("OK {} {}", u8::from(d.paper), u8::from(d.cover_open)),
        "PRINT" if !d.paper => "ERR 1 no paper".into(),
        "PRINT" if d.cover_open => "ERR 2 cover open".into(),
        "PRINT" => {
            d.printed.push(rest.to_string());
            "OK".into()
        }
        "CUT" => {
            d.cuts += 1;
            "OK".into()
        }
        other => format!("ERR 9 unknown command {other}"),
    }
}
