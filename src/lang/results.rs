//! Scapy's `SndRcvList`, the `ans` of `ans, unans = sr(…)`: (request, answer) pairs. Indexing gives a
//! `(sent, received)` tuple, iterating gives them in order, `summary()` prints `request ==> answer` lines.
//! A kind of its own rather than a list of tuples, so that it prints and summarises as Scapy's does.

use std::fmt;
use std::rc::Rc;

use super::args::Args;
use super::error::LangError;
use super::rows::{method, MethodDef};
use super::session::Session;
use super::value::{sequence_index, HostValue, Pkt, Value};
use crate::net;
use crate::packet::Packet;
use crate::pcapio::Tally;

#[derive(Debug)]
pub struct Results {
    pairs: Vec<(Pkt, Pkt)>,
}

impl Results {
    pub(crate) fn new(ans: Vec<(Packet, Packet)>) -> Results {
        Results {
            pairs: ans.into_iter().map(|(q, r)| (Pkt::new(q), Pkt::new(r))).collect(),
        }
    }

    /// The pair at `i` as a `(sent, received)` tuple.
    fn item(&self, i: usize) -> Value {
        let (q, r) = &self.pairs[i];
        Value::Tuple(Rc::from([Value::Packet(q.clone()), Value::Packet(r.clone())]))
    }

    fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.pairs.iter().map(|(q, r)| net::answer_line(&q.owned(), &r.owned()))
    }
}

/// `<Results: TCP:1 UDP:0 ICMP:1 Other:0>`, counting the answers as Scapy does.
impl fmt::Display for Results {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut t = Tally::default();
        self.pairs.iter().for_each(|(_, r)| t.add(&r.owned()));
        f.write_str(&t.render("Results"))
    }
}

impl HostValue for Results {
    fn type_name(&self) -> &'static str {
        "SndRcvList"
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }

    fn size(&self) -> Option<usize> {
        Some(self.pairs.len())
    }

    fn iterable(&self) -> bool {
        true
    }

    fn next_item(&self, _: &Session, position: usize) -> Option<Value> {
        (position < self.pairs.len()).then(|| self.item(position))
    }

    fn index(&self, key: &Value) -> Result<Value, LangError> {
        Ok(self.item(sequence_index(key, self.pairs.len(), "list")?))
    }

    /// The pairs at these positions, as a new answer list.
    fn slice(&self, positions: &dyn Fn(usize) -> Vec<usize>) -> Result<Value, LangError> {
        let pairs = positions(self.pairs.len())
            .into_iter()
            .map(|i| self.pairs[i].clone())
            .collect();
        Ok(Value::host(Results { pairs }))
    }

    /// Both lists' pairs, as a new answer list.
    fn add(&self, other: &dyn HostValue) -> Option<Value> {
        let other = (*other).as_any().downcast_ref::<Results>()?;
        let pairs = self.pairs.iter().chain(&other.pairs).cloned().collect();
        Some(Value::host(Results { pairs }))
    }
}

static METHODS: &[MethodDef] = &[
    method!("summary", [], "Print each pair as request ==> answer.", m_summary),
    method!(
        "nsummary",
        [],
        "Print each pair as request ==> answer, numbered.",
        m_nsummary
    ),
    method!(
        "show",
        [],
        "Print each pair as request ==> answer, numbered.",
        m_nsummary
    ),
];

fn m_summary(s: &mut Session, r: &Value, _: &Args) -> Result<Value, LangError> {
    let text: String = r.receiver::<Results>().lines().map(|l| l + "\n").collect();
    s.write(&text)
}

fn m_nsummary(s: &mut Session, r: &Value, _: &Args) -> Result<Value, LangError> {
    let text: String = r
        .receiver::<Results>()
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{i:04} {l}\n"))
        .collect();
    s.write(&text)
}
