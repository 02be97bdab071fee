//! Scapy's `AsyncSniffer`: [`sniff`](super::sniff) on a thread of its own, started, stopped and joined from the
//! caller's. The capture is open when [`AsyncSniff::start`] returns, so traffic sent after it is seen; its
//! frames come back as plain data when it ends (by `count`, `timeout`, [`AsyncSniff::stop`] or drop), for the
//! caller to dissect where it wants them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::error::{Error, Result};
use super::sniff::{sniff_opened, Hooks, SniffOptions, SniffResult};

/// A capture running in the background.
#[derive(Debug)]
pub struct AsyncSniff {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<SniffResult>>>,
}

impl AsyncSniff {
    /// Starts capturing as `sniff(opts)` would, on another thread (in the caller's network namespace), and
    /// returns once the capture is open; a capture that cannot open (privileges, interface, filter) is this
    /// call's error. Nothing is printed: the options' `quiet` is forced on.
    pub fn start(opts: &SniffOptions) -> Result<AsyncSniff> {
        let opts = SniffOptions {
            quiet: true,
            ..opts.clone()
        };
        let stop = Arc::new(AtomicBool::new(false));
        let (opened_tx, opened) = mpsc::channel();
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("AsyncSniffer".into())
            .spawn(move || {
                sniff_opened(&opts, Hooks::default(), &flag, move || {
                    let _ = opened_tx.send(());
                })
            })
            .map_err(|e| Error::io("cannot start the capture thread", e))?;
        let mut sniffer = AsyncSniff {
            stop,
            thread: Some(thread),
        };
        if opened.recv().is_err() {
            // The thread ended without opening: its error says why.
            return Err(match sniffer.finish() {
                Err(e) => e,
                Ok(_) => Error::Unsendable("the capture ended before it opened".into()),
            });
        }
        Ok(sniffer)
    }

    /// True while the capture runs (it ends by itself at its `count` or `timeout`).
    pub fn running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Ends the capture and returns what it took.
    pub fn stop(&mut self) -> Result<SniffResult> {
        self.stop.store(true, Ordering::Relaxed);
        self.finish()
    }

    /// Waits for the capture to end by itself, at most `timeout` (`None`: no limit); `interrupt` (Ctrl-C) ends
    /// the capture as [`AsyncSniff::stop`] does. `None` when the wait ran out first and the capture goes on.
    pub fn join(&mut self, timeout: Option<Duration>, interrupt: &AtomicBool) -> Option<Result<SniffResult>> {
        let end = timeout.map(|t| Instant::now() + t);
        while self.running() {
            if interrupt.load(Ordering::Relaxed) {
                return Some(self.stop());
            }
            if end.is_some_and(|e| Instant::now() >= e) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Some(self.finish())
    }

    /// The thread's result, once (an empty result after that).
    fn finish(&mut self) -> Result<SniffResult> {
        match self.thread.take() {
            Some(t) => t
                .join()
                .map_err(|_| Error::io("the capture thread", std::io::Error::other("it panicked")))?,
            None => Ok(SniffResult::default()),
        }
    }
}

impl Drop for AsyncSniff {
    /// A sniffer dropped while running is stopped, so no capture outlives its owner.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.finish();
    }
}
