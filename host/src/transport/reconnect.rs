//! A line that reopens itself: when the cable is pulled or the socket closes, the next
//! operation after a backoff delay opens a fresh connection; meanwhile operations fail fast
//! with `Disconnected` and the device reports offline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{Line, Port, PortError};

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

pub struct Reconnecting {
    open: Box<dyn FnMut() -> Result<Line, PortError> + Send>,
    line: Option<Line>,
    next_attempt: Instant,
    backoff: Duration,
    last_error: Option<PortError>,
    /// Mirrors `line.is_some()` for whoever watches the device while the line is lent out.
    connected: Arc<AtomicBool>,
}

impl Reconnecting {
    pub fn new(open: impl FnMut() -> Result<Line, PortError> + Send + 'static) -> Self {
        Self {
            open: Box::new(open),
            line: None,
            next_attempt: Instant::now(),
            backoff: FIRST_BACKOFF,
            last_error: None,
            connected: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A flag that is true while a connection is open, readable while the line is lent out.
    pub fn connected_flag(&self) -> Arc<AtomicBool> {
        self.connected.clone()
    }

    /// Whether a connection is open now (not whether the device answers on it).
    pub fn is_connected(&self) -> bool {
        self.line.is_some()
    }

    pub fn last_error(&self) -> Option<&PortError> {
        self.last_error.as_ref()
    }

    /// The open line, opening one if the backoff allows.
    fn line(&mut self) -> Result<&mut Line, PortError> {
        if self.line.is_none() {
            if Instant::now() < self.next_attempt {
                return Err(PortError::Disconnected);
            }
            match (self.open)() {
                Ok(line) => {
                    self.line = Some(line);
                    self.connected.store(true, Ordering::SeqCst);
                    self.backoff = FIRST_BACKOFF;
                    self.last_error = None;
                }
                Err(e) => {
                    tracing::debug!("reopening the line failed: {e}");
                    self.fail(e);
                    return Err(PortError::Disconnected);
                }
            }
        }
        Ok(self.line.as_mut().expect("opened above"))
    }

    fn fail(&mut self, e: PortError) {
        self.line = None;
        self.connected.store(false, Ordering::SeqCst);
        self.last_error = Some(e);
        self.next_attempt = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    /// Passes a result through, dropping the line when it says the line is gone.
    fn watch<T>(&mut self, result: Result<T, PortError>) -> Result<T, PortError> {
        if let Err(e @ (PortError::Disconnected | PortError::Io(_))) = &result {
            self.fail(e.clone());
        }
        result
    }
}

impl Port for Reconnecting {
    fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
        let result = self.line()?.write(bytes);
        self.watch(result)
    }

    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
        let result = self.line()?.read(max, timeout);
        self.watch(result)
    }

    fn discard_input(&mut self) {
        if let Some(line) = self.line.as_mut() {
            line.discard_input();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A line that is dropped after `life` writes.
    struct Mortal {
        life: usize,
    }

    impl Port for Mortal {
        fn write(&mut self, _: &[u8]) -> Result<(), PortError> {
            if self.life == 0 {
                return Err(PortError::Disconnected);
            }
            self.life -= 1;
            Ok(())
        }
        fn read(&mut self, _: usize, _: Duration) -> Result<Vec<u8>, PortError> {
            Err(PortError::Timeout)
        }
        fn discard_input(&mut self) {}
    }

    #[test]
    fn a_dropped_line_is_reopened_after_the_backoff() {
        let opened = Arc::new(AtomicUsize::new(0));
        let counter = opened.clone();
        let mut line = Reconnecting::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(Mortal { life: 1 }) as Line)
        });
        line.write(b"a").unwrap();
        assert_eq!(opened.load(Ordering::SeqCst), 1);
        assert_eq!(line.write(b"b"), Err(PortError::Disconnected));
        assert!(!line.is_connected());
        // Within the backoff: no reopen attempt, a fast failure.
        assert_eq!(line.write(b"c"), Err(PortError::Disconnected));
        assert_eq!(opened.load(Ordering::SeqCst), 1);
        std::thread::sleep(FIRST_BACKOFF + Duration::from_millis(20));
        line.write(b"d").unwrap();
        assert_eq!(opened.load(Ordering::SeqCst), 2);
        assert!(line.is_connected());
    }

    #[test]
    fn a_timeout_keeps_the_line() {
        let mut line = Reconnecting::new(|| Ok(Box::new(Mortal { life: 5 }) as Line));
        assert_eq!(
            line.read(1, Duration::from_millis(1)),
            Err(PortError::Timeout)
        );
        assert!(line.is_connected());
    }

    #[test]
    fn failing_opens_back_off_exponentially() {
        let mut line = Reconnecting::new(|| Err(PortError::Io("no such port".into())));
        assert_eq!(line.write(b"a"), Err(PortError::Disconnected));
        assert_eq!(line.backoff, FIRST_BACKOFF * 2);
        assert_eq!(
            line.last_error(),
            Some(&PortError::Io("no such port".into()))
        );
    }
}
