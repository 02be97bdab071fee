//! Scapy's `hexraw()`, `padding()` and `nzpadding()` of PacketLists and `sr` results (`scapy/plist.py`): a
//! line per element, `%04i` index, time of day (UTC; Scapy prints local time) and summary, then the bytes of
//! the element's Raw load or its padding as `hexdump` prints them. An `sr` result shows its answers.

use super::args::{opt, Args, Const, Param};
use super::error::LangError;
use super::session::Session;
use super::value::{Pkt, Value};
use crate::packet::{hexdump, FieldValue};

/// The parameters of every load dump.
pub(crate) const PARAMS: &[Param] = &[opt("lfilter", Const::None)];

pub(crate) const HEXRAW_HELP: &str =
    "Print each element's index, time of day (UTC), summary and, if it has a Raw layer, its load's bytes.";
pub(crate) const PADDING_HELP: &str =
    "Print, for each element with a Padding layer, its index, time of day (UTC), summary and padding bytes.";
pub(crate) const NZPADDING_HELP: &str =
    "As padding(), for the elements whose padding bytes are not all the same (not all zeros).";

/// Which layer's load a dump shows, and for which elements.
#[derive(Clone, Copy, PartialEq)]
pub enum LoadDump {
    /// Every element; the bytes of its Raw layer if it has one.
    Raw,
    /// The elements with a Padding layer.
    Padding,
    /// The elements whose Padding is not one byte repeated.
    NonZeroPadding,
}

/// The dump of `len` elements: `packet(j)` is the packet shown for element `j` (the one `lfilter` sees),
/// `summary` its line. As in Scapy, the padding dumps look for the layer before calling `lfilter`.
pub fn dump_loads(
    s: &mut Session,
    a: &Args,
    dump: LoadDump,
    len: usize,
    packet: impl Fn(usize) -> Option<Pkt>,
    summary: impl Fn(&Session, usize, &Pkt) -> String,
) -> Result<Value, LangError> {
    let layer = if dump == LoadDump::Raw { "Raw" } else { "Padding" };
    let lfilter = a.get("lfilter");
    for j in 0..len {
        s.check_interrupt()?;
        let Some(p) = packet(j) else { continue };
        let load = match p.view().layer(layer).and_then(|l| l.get("load")) {
            Some(FieldValue::Bytes(b)) => Some(b),
            _ => None,
        };
        let shown = match (dump, &load) {
            (LoadDump::Raw, _) => true,
            (LoadDump::Padding, load) => load.is_some(),
            (LoadDump::NonZeroPadding, load) => load.as_ref().is_some_and(|b| b.iter().any(|x| Some(x) != b.first())),
        };
        if !shown {
            continue;
        }
        if !matches!(lfilter, Value::None) && !s.call(lfilter, vec![Value::Packet(p.clone())], Vec::new())?.truthy() {
            continue;
        }
        let mut text = format!("{j:04} {} {}\n", p.time().time_of_day(), summary(s, j, &p));
        if let Some(b) = load {
            text += &(hexdump(&b) + "\n");
        }
        s.write(&text)?;
    }
    Ok(Value::None)
}
