//! What libpcap reads a capture from: a C stream we make over the file, with a 1 MiB buffer, decompressing
//! it on the way when it is gzipped (Scapy reads `.pcap.gz` files too). The stream reads through a Rust
//! reader, so a pipe (`rdpcap /dev/stdin`) works as well as a file: the bytes read to identify the format are
//! handed back to libpcap in front of the rest, where reopening the file by name would have lost them.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::io::{Cursor, Read};
use std::path::Path;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use flate2::read::MultiGzDecoder;
use pcap::{Capture, Offline, Precision};

use super::error::{Error, FileErrorKind};
use super::format::{identify, locate_damage, open_file, read_head, Format};

/// Bytes libpcap's stream reads at a time. glibc gives a stream over a file a buffer of the file system's
/// block (4 KiB): reading a 500 MB capture took 124,000 `read` calls, a third of a filtered count's time.
pub(crate) const READ_BUFFER: usize = 1 << 20;

/// The first bytes of a gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// libpcap reading a capture through the stream we made, with the stream's buffer: together, so that the
/// buffer is freed after the capture closes the stream (fields drop in order) and neither leaves alone.
pub(crate) struct Stream {
    cap: Capture<Offline>,
    _buffer: Box<[u8]>,
}

impl Stream {
    pub(crate) fn capture(&mut self) -> &mut Capture<Offline> {
        &mut self.cap
    }
}

/// What libpcap's stream reads: the file's format, and what explains a failed read.
pub(crate) struct Source {
    pub format: Format,
    /// The file is an uncompressed capture on disk, so damage can be located by reading it again.
    plain_file: bool,
    /// The last error of the reader under the stream: libpcap only knows that a read failed.
    read_error: Arc<Mutex<Option<std::io::Error>>>,
    /// How many bytes libpcap has been handed: the file as libpcap saw it, when it is still growing.
    handed: Arc<AtomicU64>,
}

impl Source {
    /// Hands libpcap a stream of an opened file in `format` (see [`identify`]), in the file's own precision
    /// (so that a damaged microsecond field reaches us as it is: libpcap's scaling to nanoseconds wraps it
    /// at 32 bits). An error names the file and says what libpcap says.
    pub(crate) fn open(path: &Path, opened: Opened, format: Format) -> Result<(Stream, Source), Error> {
        let Opened {
            head,
            rest,
            gzipped,
            plain_file,
        } = opened;
        let read_error = Arc::new(Mutex::new(None));
        let handed = Arc::new(AtomicU64::new(0));
        let cookie = Box::new(Cookie {
            reader: Box::new(Cursor::new(head).chain(rest)),
            error: Arc::clone(&read_error),
            handed: Arc::clone(&handed),
        });
        let mut buffer = vec![0u8; READ_BUFFER].into_boxed_slice();
        let precision = match format {
            Format::Pcap { nano: true, .. } => Precision::Nano,
            _ => Precision::Micro,
        };
        let cap =
            open_stream(cookie, &mut buffer, precision).map_err(|why| Error::new(path, FileErrorKind::Libpcap(why)))?;
        let source = Source {
            format,
            plain_file: plain_file && !gzipped,
            read_error,
            handed,
        };
        Ok((Stream { cap, _buffer: buffer }, source))
    }

    /// Turns libpcap's read error into one naming the damaged record: in a plain file, located by a scan of
    /// the record headers of the bytes libpcap was handed (a file still being written has grown since, and
    /// the record libpcap found cut short may be whole now); else the words of the reader under the stream (a corrupt gzip stream) or
    /// libpcap's own, with the record number (`record`) when it is known.
    pub(crate) fn damage_error(&self, path: &Path, e: pcap::Error, record: Option<u64>) -> Error {
        let seen = self.handed.load(Ordering::Relaxed);
        if let Some(d) = self
            .plain_file
            .then(|| locate_damage(path, self.format, Some(seen)))
            .flatten()
        {
            return d.into_error(path);
        }
        let kind = match self.read_error.lock().ok().and_then(|mut slot| slot.take()) {
            Some(io) => FileErrorKind::Io(io),
            None => FileErrorKind::Libpcap(libpcap_message(e)),
        };
        let err = Error::new(path, kind);
        match record {
            Some(r) => err.at(r, None),
            None => err,
        }
    }
}

/// libpcap's own message, without the crate's wrapping.
pub(crate) fn libpcap_message(e: pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(m) => m,
        e => e.to_string(),
    }
}

/// The format of the capture in `path`, and whether it is gzipped.
pub(crate) fn sniff(path: &Path) -> Result<(Format, bool), Error> {
    let opened = Opened::new(path)?;
    Ok((identify(path, &opened.head)?, opened.gzipped))
}

/// A capture file opened, decompressing as it reads when gzipped: its first bytes, to identify the format,
/// and the reader of the rest. Errors name the file: missing, a directory, a damaged gzip header.
pub(crate) struct Opened {
    pub head: Vec<u8>,
    pub rest: Box<dyn Read + Send>,
    pub gzipped: bool,
    /// A regular file (not a pipe or a device).
    pub plain_file: bool,
}

impl Opened {
    pub(crate) fn new(path: &Path) -> Result<Opened, Error> {
        let mut file = open_file(path)?;
        let plain_file = file.metadata().is_ok_and(|m| m.is_file());
        let head = read_head(path, &mut file)?;
        let gzipped = head.starts_with(&GZIP_MAGIC);
        let (head, rest): (Vec<u8>, Box<dyn Read + Send>) = if gzipped {
            let mut unzipped = MultiGzDecoder::new(Cursor::new(head).chain(file));
            (read_head(path, &mut unzipped)?, Box::new(unzipped))
        } else {
            (head, Box::new(file))
        };
        Ok(Opened {
            head,
            rest,
            gzipped,
            plain_file,
        })
    }
}

/// What the C stream reads from, and where it leaves the error of a failed read.
struct Cookie {
    reader: Box<dyn Read + Send>,
    error: Arc<Mutex<Option<std::io::Error>>>,
    handed: Arc<AtomicU64>,
}

/// glibc's `cookie_io_functions_t`: a stream's read, write, seek and close, in that order.
#[repr(C)]
struct CookieFunctions {
    read: unsafe extern "C" fn(*mut c_void, *mut c_char, usize) -> isize,
    write: Option<unsafe extern "C" fn(*mut c_void, *const c_char, usize) -> isize>,
    seek: Option<unsafe extern "C" fn(*mut c_void, *mut i64, c_int) -> c_int>,
    close: unsafe extern "C" fn(*mut c_void) -> c_int,
}

/// `__fsetlocking`'s "the caller takes care of locking": stdio then takes no lock per call.
const FSETLOCKING_BYCALLER: c_int = 2;

extern "C" {
    fn __fsetlocking(fp: *mut libc::FILE, kind: c_int) -> c_int;
    fn fopencookie(cookie: *mut c_void, mode: *const c_char, functions: CookieFunctions) -> *mut libc::FILE;
    fn pcap_fopen_offline_with_tstamp_precision(
        fp: *mut libc::FILE,
        precision: libc::c_uint,
        errbuf: *mut c_char,
    ) -> *mut c_void;
}

/// Makes a read-only C stream of `cookie` with `buffer` as its buffer (to be kept until the capture is
/// closed) and opens it with libpcap. On failure the stream is closed, and the cookie with it.
fn open_stream(cookie: Box<Cookie>, buffer: &mut [u8], precision: Precision) -> Result<Capture<Offline>, String> {
    let functions = CookieFunctions {
        read: read_cookie,
        write: None,
        seek: None,
        close: close_cookie,
    };
    let cookie = Box::into_raw(cookie).cast::<c_void>();
    // SAFETY: the stream owns `cookie` from here (`close_cookie` frees it, at `fclose` by `pcap_close` or
    // below), and fopencookie's failure leaves it to us. `setvbuf` comes before any read, with a buffer the
    // caller keeps alive longer than the stream. The stream needs no lock of its own (saving two per packet):
    // only libpcap reads it, through a `Capture`, which is used by one thread at a time (`Send`, not `Sync`). libpcap writes at most PCAP_ERRBUF_SIZE (256) bytes into
    // `errbuf`; the `pcap_t` it returns is owned by `Capture` from then on (and closed by it), as its own
    // constructors do.
    unsafe {
        let fp = fopencookie(cookie, c"r".as_ptr(), functions);
        if fp.is_null() {
            drop(Box::from_raw(cookie.cast::<Cookie>()));
            return Err(std::io::Error::last_os_error().to_string());
        }
        libc::setvbuf(fp, buffer.as_mut_ptr().cast(), libc::_IOFBF, buffer.len());
        __fsetlocking(fp, FSETLOCKING_BYCALLER);
        let mut errbuf = [0 as c_char; 256];
        let handle = pcap_fopen_offline_with_tstamp_precision(fp, precision as libc::c_uint, errbuf.as_mut_ptr());
        match NonNull::new(handle) {
            Some(handle) => Ok(Capture::from(handle.cast())),
            None => {
                libc::fclose(fp);
                Err(CStr::from_ptr(errbuf.as_ptr()).to_string_lossy().into_owned())
            }
        }
    }
}

/// The stream's read: fills what it can of `buf` from the reader; 0 at the end; -1 with `errno` set (and the
/// error kept for the caller) when the reader fails.
unsafe extern "C" fn read_cookie(cookie: *mut c_void, buf: *mut c_char, size: usize) -> isize {
    // SAFETY: glibc passes the cookie given to `fopencookie` (a live `Cookie`, used by one thread at a time:
    // the stream's) and a buffer of `size` writable bytes.
    let (cookie, buf) = unsafe {
        (
            &mut *cookie.cast::<Cookie>(),
            std::slice::from_raw_parts_mut(buf.cast::<u8>(), size),
        )
    };
    loop {
        match cookie.reader.read(buf) {
            Ok(n) => {
                cookie.handed.fetch_add(n as u64, Ordering::Relaxed);
                return n as isize;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // SAFETY: errno is this thread's.
                unsafe { *libc::__errno_location() = e.raw_os_error().unwrap_or(libc::EIO) };
                if let Ok(mut slot) = cookie.error.lock() {
                    *slot = Some(e);
                }
                return -1;
            }
        }
    }
}

/// The stream's close: frees the cookie and the reader (closing the file).
unsafe extern "C" fn close_cookie(cookie: *mut c_void) -> c_int {
    // SAFETY: glibc calls this once, at `fclose`, with the cookie `Box::into_raw` made.
    drop(unsafe { Box::from_raw(cookie.cast::<Cookie>()) });
    0
}
