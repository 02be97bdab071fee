//! Scapy's `import_hexcap(input_string=None)`: the bytes of a hex dump as `hexdump()`, `tcpdump -X`,
//! Wireshark's "copy as hex dump" or `xxd` print it. Each line is read as Scapy's pattern reads it — an
//! optional offset (`0000`, `0x0010:`), then up to 16 bytes of two hex digits each with at most two spaces
//! between, the rest of the line (the text column) ignored — up to the first empty line. Without text, the
//! lines are read from standard input (the prompt's, in the REPL), as Scapy's `input()`.

use std::io::BufRead;

use super::args::{opt, Args, Const};
use super::error::LangError;
use super::rows::{builtin, Builtin};
use super::session::Session;
use super::value::Value;

pub(crate) static BUILTINS: &[Builtin] = &[builtin!(
    "import_hexcap",
    [opt("input_string", Const::None)],
    "The bytes of a hex dump (hexdump(), tcpdump -X, Wireshark's hex dump), up to its first empty line; \
     without text, the dump is read from standard input.",
    b_import_hexcap
)];

fn b_import_hexcap(_: &mut Session, a: &Args) -> Result<Value, LangError> {
    let hex = match a.get("input_string") {
        Value::Str(text) => hexcap(text.lines()),
        Value::None => {
            let stdin = std::io::stdin();
            let lines: Vec<String> = stdin
                .lock()
                .lines()
                .map_while(Result::ok)
                .take_while(|l| !l.trim().is_empty())
                .collect();
            hexcap(lines.iter().map(String::as_str))
        }
        other => {
            return Err(LangError::type_err(format!(
                "import_hexcap takes the dump as text, not a {}",
                other.type_name()
            )))
        }
    };
    Ok(Value::bytes(&hex))
}

/// The bytes of the dump's lines, up to the first empty one.
fn hexcap<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<u8> {
    lines
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .flat_map(|l| line_bytes(l.as_bytes()))
        .collect()
}

/// The bytes Scapy's `^((0x)?[0-9a-fA-F]{2,}[ :\t]{,3}|) *(([0-9a-fA-F]{2} {,2}){,16})` takes from a line:
/// every part greedy, as the first match of that pattern is.
fn line_bytes(line: &[u8]) -> Vec<u8> {
    let hex_run = |from: usize| {
        line[from.min(line.len())..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count()
    };
    let offset_end = |from: usize| {
        let n = hex_run(from);
        (n >= 2).then(|| {
            let end = from + n;
            end + line[end..]
                .iter()
                .take(3)
                .take_while(|c| matches!(c, b' ' | b':' | b'\t'))
                .count()
        })
    };
    let mut at = match line.starts_with(b"0x") {
        true => offset_end(2),
        false => offset_end(0),
    }
    .unwrap_or(0);
    at += line[at..].iter().take_while(|c| **c == b' ').count();
    let mut bytes = Vec::with_capacity(16);
    while bytes.len() < 16 && hex_run(at) >= 2 {
        let digits = std::str::from_utf8(&line[at..at + 2]).unwrap_or("00");
        bytes.push(u8::from_str_radix(digits, 16).unwrap_or(0));
        at += 2;
        at += line[at..].iter().take(2).take_while(|c| **c == b' ').count();
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::hexcap;

    fn hex(text: &str) -> String {
        hexcap(text.lines()).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Scapy 2.8.0's `import_hexcap(text).hex()` for each text.
    #[test]
    fn dumps_read_as_scapy_reads_them() {
        let cases = [
            (
                "\t0x0000:  4500 0054 0000 4000 4001 3ca7 7f00 0001  E..T..@.@.<.....\n\
                 \t0x0010:  7f00 0001 0800 d3d5 0003 0001 5d3b 7b5f  ............];{_\n",
                "450000540000400040013ca77f0000017f0000010800d3d5000300015d3b7b5f",
            ),
            (
                "0000   45 00 00 54 00 00 40 00 40 01 3c a7 7f 00 00 01   E..T..@.@.<.....\n\
                 0010   7f 00 00 01 08 00                                 ......\n",
                "450000540000400040013ca77f0000017f0000010800",
            ),
            ("45 00 00 54 00 00\n", "0000540000"),
            ("0000  45 00\n\n0010  46 00\n", "4500"),
            ("00000000: 4500 0054 0000 4000  E..T..@.\n", "4500005400004000"),
            ("0000  de ad be ef\n", "deadbeef"),
            ("0000  45 00\nhello there\n0010  46 00\n", "45004600"),
            ("0000  45 0\n", "45"),
            ("", ""),
        ];
        for (text, want) in cases {
            assert_eq!(hex(text), want, "{text:?}");
        }
    }
}
