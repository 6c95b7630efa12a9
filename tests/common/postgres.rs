//! A throwaway PostgreSQL cluster for the fleet tests: `initdb` into a temporary directory,
//! the server on a free loopback port, a password for TCP connections (scram-sha-256) and
//! fsync off. PostgreSQL refuses to run as root, so as root (CI) it runs as `nobody`. The
//! server's binaries are Debian's (`/usr/lib/postgresql/<version>/bin`, package `postgresql`,
//! which `.ci/run` installs when missing); a machine without them fails the test.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const USER: &str = "fleet";
pub const PASSWORD: &str = "s3cret-fleet-password";

pub struct Postgres {
    bin: PathBuf,
    pub data: PathBuf,
    pub port: u16,
    /// The password, in a file (as `[fleet] password_file` reads it).
    pub password_file: PathBuf,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

/// Debian's server binaries, newest version first.
fn bin_dir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect(
            "PostgreSQL's server is not installed (Debian package postgresql; .ci/run installs it)",
        )
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
        .expect("no initdb under /usr/lib/postgresql/*/bin")
}

/// `nobody`'s ids.
const NOBODY: u32 = 65534;

fn root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn as_server_user(cmd: &mut Command) -> &mut Command {
    if root() {
        cmd.uid(NOBODY).gid(NOBODY);
    }
    cmd
}

/// The server's user owns what it reads and writes.
fn give_to_server_user(path: &Path) {
    if root() {
        std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap();
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Why `pg_ctl start` failed: the server's own log says whether its port was taken.
struct StartFailed {
    port_taken: bool,
    message: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Postgres {
    pub fn start() -> Self {
        let bin = bin_dir();
        let dir = tempfile::tempdir().unwrap();
        give_to_server_user(dir.path());
        let data = dir.path().join("data");
        let password_file = dir.path().join("password");
        std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
        give_to_server_user(&password_file);
        run(as_server_user(
            Command::new(bin.join("initdb"))
                .current_dir(dir.path())
                .arg("-D")
                .arg(&data)
                .args([
                    "-U",
                    USER,
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                ])
                .arg(format!("--pwfile={}", password_file.display()))
                .args(["--no-sync", "-E", "UTF8", "--locale=C"]),
        ));
        let mut postgres = Self {
            bin,
            data,
            port: free_port(),
            password_file,
            log: dir.path().join("server.log"),
            _dir: dir,
        };
        // The port was free when `free_port` let go of it, but until the server binds it any
        // other process's outgoing connection may take it (it is an ephemeral port): then
        // the server cannot bind, and another free port is as good.
        for _ in 0..5 {
            match postgres.start_server() {
                Ok(()) => return postgres,
                Err(e) if e.port_taken => postgres.port = free_port(),
                Err(e) => panic!("{}", e.message),
            }
        }
        panic!("five free ports in a row were taken before the server could bind them")
    }

    fn start_server(&self) -> Result<(), StartFailed> {
        let socket_dir = self.data.parent().unwrap();
        let log_before = std::fs::read_to_string(&self.log).unwrap_or_default().len();
        let mut cmd = Command::new(self.bin.join("pg_ctl"));
        as_server_user(
            cmd.current_dir(socket_dir)
                .arg("-D")
                .arg(&self.data)
                .arg("-l")
                .arg(&self.log)
                .arg("-o")
                .arg(format!(
                    "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                    self.port,
                    socket_dir.display()
                ))
                .args(["-w", "start"]),
        );
        let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        if out.status.success() {
            return Ok(());
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let log = log.get(log_before..).unwrap_or(&log);
        Err(StartFailed {
            port_taken: log.contains("could not bind") || log.contains("already in use"),
            message: format!(
                "{cmd:?}: {}{}\nserver log:\n{log}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        })
    }

    /// Stops the server (`-m fast`: connections are cut, as when the database goes away).
    pub fn stop(&self) {
        run(as_server_user(
            Command::new(self.bin.join("pg_ctl"))
                .current_dir(self.data.parent().unwrap())
                .arg("-D")
                .arg(&self.data)
                .args(["-m", "fast", "-w", "stop"]),
        ));
    }

    /// Starts the stopped server again on its port (the host under test knows no other). A
    /// port taken meanwhile by someone's outgoing connection is free again when that closes.
    pub fn restart(&self) {
        for _ in 0..50 {
            match self.start_server() {
                Ok(()) => return,
                Err(e) if e.port_taken => std::thread::sleep(std::time::Duration::from_millis(100)),
                Err(e) => panic!("{}", e.message),
            }
        }
        panic!(
            "port {} stayed taken for 5 s after the server stopped",
            self.port
        )
    }

    /// The URL `[fleet] postgres` takes (no password: that is in `password_file`).
    pub fn url(&self) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs SQL with `psql` and returns its unaligned, tuples-only output.
    pub fn query(&self, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .env("PGPASSWORD", PASSWORD)
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                USER,
                "-d",
                "postgres",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-c")
            .arg(sql)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = as_server_user(
            Command::new(self.bin.join("pg_ctl"))
                .current_dir(self.data.parent().unwrap())
                .arg("-D")
                .arg(&self.data)
                .args(["-m", "immediate", "-w", "stop"]),
        )
        .output();
    }
}
