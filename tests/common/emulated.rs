//! `fiscal-host emulate` as its own process, for tests whose devices must outlive (or be
//! killed apart from) the host: the crash soak, a register's reboot.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// A `fiscal-host emulate` process: the device on one port, its records on the other. Killed
/// when dropped (a panicking test leaves nothing behind).
pub struct EmulatedDevice {
    pub kind: &'static str,
    pub child: Child,
    pub device: SocketAddr,
    pub control: SocketAddr,
}

impl Drop for EmulatedDevice {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lines a child prints first, read on a thread so that a silent child costs a timeout, not
/// a hang; the thread keeps draining stdout so the child never blocks on a full pipe.
pub fn first_lines(child: &mut Child, count: usize) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for (i, line) in BufReader::new(stdout).lines().enumerate() {
            let Ok(line) = line else { return };
            if i < count {
                let _ = tx.send(line);
            }
        }
    });
    rx
}

pub fn expect_line(
    lines: &mpsc::Receiver<String>,
    what: &str,
    prefix: &str,
    timeout: Duration,
) -> Result<String, String> {
    match lines.recv_timeout(timeout) {
        Ok(line) => line
            .strip_prefix(prefix)
            .map(str::to_owned)
            .ok_or_else(|| format!("{what}: expected a line starting {prefix:?}, got {line:?}")),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Err(format!("{what}: no {prefix:?} line within {timeout:?}"))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(format!(
            "{what}: exited before printing {prefix:?} (its stderr is above)"
        )),
    }
}

impl EmulatedDevice {
    /// Starts the emulator on free ports.
    pub fn start(kind: &'static str, extra: &[&str]) -> Self {
        Self::start_on(kind, "127.0.0.1:0", "127.0.0.1:0", extra)
    }

    /// Starts the emulator on these addresses (port 0: any) and reads back the bound ones.
    pub fn start_on(kind: &'static str, device: &str, control: &str, extra: &[&str]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fiscal-host"));
        command
            .args(["emulate", kind, "--tcp", device])
            .args(["--control", control])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // Should the test process itself be killed (a CI timeout), the devices go with it
        // instead of serving forever. Safe: prctl is async-signal-safe.
        unsafe {
            command.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                    .map_err(std::io::Error::from)
            });
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("start fiscal-host emulate {kind}: {e}"));
        let mut device = EmulatedDevice {
            kind,
            child,
            device: "0.0.0.0:0".parse().unwrap(),
            control: "0.0.0.0:0".parse().unwrap(),
        };
        let lines = first_lines(&mut device.child, 2);
        let what = format!("fiscal-host emulate {kind}");
        let timeout = Duration::from_secs(10);
        let addr = |prefix: &str| {
            let text =
                expect_line(&lines, &what, prefix, timeout).unwrap_or_else(|e| panic!("{e}"));
            text.parse::<SocketAddr>()
                .unwrap_or_else(|e| panic!("{what}: {text:?} is not an address: {e}"))
        };
        device.device = addr(&format!("emulating {kind} on "));
        device.control = addr("control on ");
        device
    }

    /// The device's own records, as its control port gives them.
    pub fn records(&self) -> Result<Value, String> {
        let what =
            |e: &dyn std::fmt::Display| format!("{} control {}: {e}", self.kind, self.control);
        let mut stream = TcpStream::connect_timeout(&self.control, Duration::from_secs(5))
            .map_err(|e| what(&e))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| what(&e))?;
        let mut text = String::new();
        stream.read_to_string(&mut text).map_err(|e| what(&e))?;
        serde_json::from_str(&text).map_err(|e| what(&e))
    }
}
