//! What a live call has to say while it runs — Scapy's progress and emission lines — handed to the caller as
//! [`Event`]s instead of printed: the library never writes to a stream, so a Rust caller can stay quiet or
//! capture the lines, and the language prints them where Scapy does.

use std::fmt;
use std::sync::Arc;

/// One thing a live call reports, in the order it happens. `Display` gives Scapy's text for it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// A long send is under way (at most once a second): `Sent N packets (R pkt/s)`, meant to be redrawn in
    /// place.
    Progress { sent: u64, rate: f64 },
    /// A long port scan is under way (at most once a second): `Scanned N of M ports (K open)`, redrawn in
    /// place as `Progress` is.
    Scanned { done: u64, total: u64, open: u64 },
    /// The progress line is over: whatever follows replaces it (the text is empty).
    ProgressDone,
    /// A send is over: `Sent N packets.`, with ` (interrupted)` when the stop flag ended it.
    Sent { sent: u64, interrupted: bool },
    /// An exchange's capture is open and its requests are about to leave: `Begin emission`.
    BeginEmission,
    /// One round of an exchange's requests has left: `Finished sending N packets`.
    FinishedSending(u64),
    /// An exchange is over: `Received N packets, got M answers, remaining K packets`.
    Received {
        received: u64,
        answers: usize,
        remaining: usize,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Event::Progress { sent, rate } => write!(f, "Sent {sent} packets ({rate:.0} pkt/s)"),
            Event::Scanned { done, total, open } => write!(f, "Scanned {done} of {total} ports ({open} open)"),
            Event::ProgressDone => Ok(()),
            Event::Sent { sent, interrupted } => {
                write!(f, "Sent {sent} packets.")?;
                if interrupted {
                    f.write_str(" (interrupted)")?;
                }
                Ok(())
            }
            Event::BeginEmission => f.write_str("Begin emission"),
            Event::FinishedSending(n) => write!(f, "Finished sending {n} packets"),
            Event::Received {
                received,
                answers,
                remaining,
            } => write!(
                f,
                "Received {received} packets, got {answers} answers, remaining {remaining} packets"
            ),
        }
    }
}

/// Where a call's events go: nowhere by default. Shared (an `Arc`) so that options stay `Clone`, and
/// `Send + Sync` so that they can cross to the threads a call runs on.
#[derive(Clone, Default)]
pub struct Events(Option<Arc<EventFn>>);

/// A hook on events.
pub type EventFn = dyn Fn(&Event) + Send + Sync;

impl Events {
    /// Events handed to `hook`, on the calling thread, as they happen.
    pub fn to(hook: impl Fn(&Event) + Send + Sync + 'static) -> Events {
        Events(Some(Arc::new(hook)))
    }

    pub(crate) fn emit(&self, e: Event) {
        if let Some(hook) = &self.0 {
            hook(&e);
        }
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Events(hook)"
        } else {
            "Events(none)"
        })
    }
}
