//! Python's `MemoryError`: a value too large to hold is refused with the size it asked for, before anything
//! is allocated, and an allocation the system refuses is the same error rather than an abort — so the
//! session, its variables and its history survive. "Too large" is more than half of the machine's memory, or
//! a quarter of the process's address-space limit (`ulimit -v`) when there is one: a value is briefly held
//! twice as it moves into its shared storage, and that copy cannot fail softly. `conf.max_memory` sets
//! another limit for the session; it is kept per thread because a session (its values are `Rc`s) lives on
//! one thread, and sessions on other threads keep their own.

use std::cell::Cell;
use std::sync::OnceLock;

use super::error::{ErrorKind, LangError};
use super::value::Value;

thread_local! {
    /// `conf.max_memory` as the session set it; `None` is the machine's default.
    static CHOSEN: Cell<Option<u128>> = const { Cell::new(None) };
}

/// The most one value may take: `conf.max_memory` when set, else the machine's default.
pub(crate) fn limit() -> u128 {
    CHOSEN.get().unwrap_or_else(machine_limit)
}

/// Takes `conf.max_memory = v`: a positive number of bytes, or `None` for the machine's default.
pub(crate) fn set_limit(v: &Value) -> Result<(), LangError> {
    let chosen = match v {
        Value::None => None,
        v => match v.as_int() {
            Some(n) if n > 0 => Some(n as u128),
            Some(n) => {
                return Err(LangError::new(
                    ErrorKind::Value,
                    format!("conf.max_memory must be a positive number of bytes, not {n}"),
                ))
            }
            None => {
                return Err(LangError::new(
                    ErrorKind::Type,
                    format!("conf.max_memory must be an int (bytes) or None, not {}", v.type_name()),
                ))
            }
        },
    };
    CHOSEN.set(chosen);
    Ok(())
}

/// Back to the machine's default, as a new session starts.
pub(crate) fn reset_limit() {
    CHOSEN.set(None);
}

/// Half of the machine's memory, or a quarter of the address-space limit when one is set.
fn machine_limit() -> u128 {
    static LIMIT: OnceLock<u128> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        // SAFETY: sysconf has no preconditions.
        let (pages, size) = unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
        let machine = match (u128::try_from(pages), u128::try_from(size)) {
            (Ok(p), Ok(s)) if p > 0 && s > 0 => p * s / 2,
            _ => 1 << 30,
        };
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one rlimit.
        let address_space = match unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut lim) } {
            0 if lim.rlim_cur != libc::RLIM_INFINITY => u128::from(lim.rlim_cur) / 4,
            _ => u128::MAX,
        };
        machine.min(address_space)
    })
}

fn refused(bytes: u128) -> LangError {
    LangError::new(
        ErrorKind::Memory,
        format!(
            "cannot allocate {bytes} bytes: more than one value may take here ({} bytes)",
            limit()
        ),
    )
}

/// Refuses `count` items of `each` bytes when together they are more than a value may take.
pub(crate) fn check(count: u128, each: usize) -> Result<(), LangError> {
    let bytes = count.saturating_mul(each as u128);
    match bytes > limit() {
        true => Err(refused(bytes)),
        false => Ok(()),
    }
}

/// Makes room in `v` for `more` items, checked against the limit and the system.
pub(crate) fn reserve<T>(v: &mut Vec<T>, more: usize) -> Result<(), LangError> {
    check((v.len() as u128) + more as u128, std::mem::size_of::<T>().max(1))?;
    v.try_reserve(more)
        .map_err(|_| refused((v.len() + more) as u128 * std::mem::size_of::<T>() as u128))
}

/// `items` repeated `n` times, as `list * n` and `bytes * n` make them.
pub(crate) fn repeat<T: Clone>(items: &[T], n: usize) -> Result<Vec<T>, LangError> {
    let total = (items.len() as u128) * n as u128;
    check(total, std::mem::size_of::<T>().max(1))?;
    let mut out = Vec::new();
    reserve(&mut out, total as usize)?;
    for _ in 0..n {
        out.extend_from_slice(items);
    }
    Ok(out)
}

/// `s * n`.
pub(crate) fn repeat_str(s: &str, n: usize) -> Result<String, LangError> {
    let bytes = repeat(s.as_bytes(), n)?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}
