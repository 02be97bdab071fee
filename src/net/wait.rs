//! Waiting on a non-blocking socket in short slices, so every blocking call is bounded by its timeout and
//! ends promptly when the stop flag (Ctrl-C) is set: no async runtime, one `poll(2)` at a time.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long one wait lasts before the stop flag is read again.
const SLICE: Duration = Duration::from_millis(50);

/// What the socket must be ready for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Want {
    Read,
    Write,
}

/// Runs `op` on the non-blocking socket `fd` until it does not block: while it would block, waits for the
/// socket to be ready. A timeout comes back as `io::ErrorKind::TimedOut`, the stop flag as
/// `io::ErrorKind::Interrupted` (a signal's `EINTR` only retries).
pub(crate) fn until_ready<T>(
    fd: BorrowedFd<'_>,
    want: Want,
    timeout: Option<Duration>,
    stop: &AtomicBool,
    mut op: impl FnMut() -> io::Result<T>,
) -> io::Result<T> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        if stop.load(Ordering::Relaxed) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
        let left = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()),
            None => SLICE,
        };
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        poll(fd, want, left.min(SLICE))?;
    }
}

/// One `poll(2)` of at most `slice`; readiness, a timeout and `EINTR` all return `Ok` (the caller tries again).
fn poll(fd: BorrowedFd<'_>, want: Want, slice: Duration) -> io::Result<()> {
    let events = match want {
        Want::Read => libc::POLLIN,
        Want::Write => libc::POLLOUT,
    };
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events,
        revents: 0,
    };
    // Round up, so a wait of less than a millisecond does not spin.
    let ms = slice.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd, borrowed for the call.
    let r = unsafe { libc::poll(&mut p, 1, ms) };
    match r {
        -1 => match io::Error::last_os_error() {
            e if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            e => Err(e),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsFd;

    fn quiet_socket() -> UdpSocket {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_nonblocking(true).unwrap();
        s
    }

    #[test]
    fn a_wait_ends_at_its_timeout() {
        let s = quiet_socket();
        let started = Instant::now();
        let r = until_ready(
            s.as_fd(),
            Want::Read,
            Some(Duration::from_millis(120)),
            &AtomicBool::new(false),
            || s.recv(&mut [0; 8]),
        );
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::TimedOut);
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(120) && took < Duration::from_secs(2),
            "{took:?}"
        );
    }

    #[test]
    fn the_stop_flag_ends_a_wait_without_timeout() {
        let s = quiet_socket();
        let stop = AtomicBool::new(false);
        let started = Instant::now();
        let r = std::thread::scope(|t| {
            t.spawn(|| {
                std::thread::sleep(Duration::from_millis(100));
                stop.store(true, Ordering::Relaxed);
            });
            until_ready(s.as_fd(), Want::Read, None, &stop, || s.recv(&mut [0; 8]))
        });
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::Interrupted);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
