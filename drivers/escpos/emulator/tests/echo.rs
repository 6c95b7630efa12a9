//! The `escpos-emulator --echo` binary over a real socket: what a job prints must come out on
//! stdout in the echo's notation, in order, with `--width` and `--color never` honoured.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Kills the emulator when the test ends, passed or failed.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn echo_shows_alignment_styles_symbols_cuts_and_unknown_commands() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_escpos-emulator"))
        .args(["--tcp", "127.0.0.1:0", "--echo", "--color", "never"])
        .args(["--width", "20"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the emulator starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let _running = Running(child);
    let (tx, rows) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.expect("utf-8 stdout")).is_err() {
                break;
            }
        }
    });
    // A deadline for a hung emulator, not a measurement.
    let next = || rows.recv_timeout(Duration::from_secs(30)).expect("a row");
    let addr = next();

    let mut job = vec![
        0x1B, b'@', 0x1B, b't', 17, 0x1B, b'a', 1, 0x1B, b'E', 1, 0x1D, b'!', 0x11,
    ];
    job.extend([0x8F, 0xE0, 0xA8, 0xA2, 0xA5, 0xE2, b'\n']); // "Привет" in CP866
    job.extend([0x1B, b'@', 0x1B, b'a', 2, 0x1B, b'-', 1]);
    job.extend(b"under\n");
    job.extend([0x1B, b'@', 0x1B, b'~']);
    job.extend([0x1D, b'(', b'k', 6, 0, 49, 80, 48, b'a', b'b', b'c']);
    job.extend([0x1D, b'(', b'k', 3, 0, 49, 81, 48]);
    job.extend([0x1B, b'd', 2, 0x1D, b'V', 65, 0]);
    TcpStream::connect(&addr)
        .expect("the printer's port")
        .write_all(&job)
        .unwrap();

    let echoed: Vec<String> = std::iter::from_fn(|| Some(next()))
        .take_while(|row| row != "[full cut]")
        .collect();
    assert_eq!(
        echoed,
        [
            "C B     2x2 |       Привет       |",
            "R   U       |               under|",
            "[unknown ESC ~: 1b 7e]",
            "[QR abc]",
            "[feed 2 lines]",
        ]
    );
}
