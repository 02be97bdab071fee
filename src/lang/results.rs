//! Scapy's `SndRcvList`, the `ans` of `ans, unans = sr(…)`: (request, answer) pairs. Indexing gives a
//! `(sent, received)` tuple, iterating gives them in order, `summary()` prints `request ==> answer` lines.
//! A kind of its own rather than a list of tuples, so that it prints and summarises as Scapy's does.
//! `arping`'s answers are the same kind under Scapy's `ARPingResult` name, whose `show()` is the hosts' table.

use std::fmt;

use super::args::{opt, Args, Const};
use super::discover::arping_table;
use super::error::LangError;
use super::load_dumps::{self, LoadDump};
use super::make_table::{self, Style};
use super::rows::{method, MethodDef};
use super::session::Session;
use super::value::{sequence_index, HostValue, Pkt, Value};
use crate::net;
use crate::packet::{Packet, Timestamp};
use crate::pcapio::Tally;

#[derive(Debug)]
pub struct Results {
    pairs: Vec<(Pkt, Pkt)>,
    flavour: Flavour,
}

/// Which of Scapy's answer lists this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavour {
    SndRcv,
    /// `arping`'s: `show()` prints the hosts' table.
    ARPing,
}

impl Results {
    pub(crate) fn new(ans: Vec<(Packet, Packet)>) -> Results {
        Results::of(ans.into_iter().map(|(q, r)| (Pkt::new(q), Pkt::new(r))).collect())
    }

    /// Pairs of packet values: an answer may start above its packet's first layer (a message read under
    /// its transport's header).
    pub(crate) fn of(pairs: Vec<(Pkt, Pkt)>) -> Results {
        Results {
            pairs,
            flavour: Flavour::SndRcv,
        }
    }

    /// The same answers as Scapy's `ARPingResult`.
    pub(crate) fn arping(self) -> Results {
        Results {
            flavour: Flavour::ARPing,
            ..self
        }
    }

    /// `sr`'s answers, each query with the time it was sent (Scapy's `sent_time`) and each answer with the
    /// time it was captured (its `time`), so that `r.time - s.sent_time` is the round trip, as in Scapy.
    pub(crate) fn exchanged(ans: Vec<(Packet, Packet)>, sent: &[Option<Timestamp>], received: &[Timestamp]) -> Results {
        let r = Results::new(ans);
        for (((q, a), sent), received) in r.pairs.iter().zip(sent).zip(received) {
            q.meta.sent_time.set(*sent);
            a.set_time(*received);
        }
        r
    }

    /// The (request, answer) pairs, in arrival order.
    pub(crate) fn pairs(&self) -> &[(Pkt, Pkt)] {
        &self.pairs
    }

    /// The pair at `i`, Scapy's `QueryAnswer`.
    fn item(&self, i: usize) -> Value {
        let (query, answer) = self.pairs[i].clone();
        Value::host(QueryAnswer { query, answer })
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
        f.write_str(&t.render(match self.flavour {
            Flavour::SndRcv => "Results",
            Flavour::ARPing => "ARPing",
        }))
    }
}

impl HostValue for Results {
    fn type_name(&self) -> &'static str {
        match self.flavour {
            Flavour::SndRcv => "SndRcvList",
            Flavour::ARPing => "ARPingResult",
        }
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
        Ok(Value::host(Results {
            pairs,
            flavour: self.flavour,
        }))
    }

    /// Both lists' pairs, as a new answer list.
    fn add(&self, other: &dyn HostValue) -> Option<Value> {
        let other = (*other).as_any().downcast_ref::<Results>()?;
        let pairs = self.pairs.iter().chain(&other.pairs).cloned().collect();
        Some(Value::host(Results {
            pairs,
            flavour: self.flavour,
        }))
    }
}

/// Scapy's `QueryAnswer`: a sent packet and its answer, a pair (`s, r = ans[0]`, `ans[0][1]`) with the names
/// `query` and `answer`.
#[derive(Debug)]
pub struct QueryAnswer {
    query: Pkt,
    answer: Pkt,
}

impl QueryAnswer {
    fn items(&self) -> [Value; 2] {
        [Value::Packet(self.query.clone()), Value::Packet(self.answer.clone())]
    }
}

impl fmt::Display for QueryAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [q, a] = self.items();
        write!(f, "QueryAnswer(query={}, answer={})", q.repr(), a.repr())
    }
}

impl HostValue for QueryAnswer {
    fn type_name(&self) -> &'static str {
        "QueryAnswer"
    }

    fn size(&self) -> Option<usize> {
        Some(2)
    }

    fn iterable(&self) -> bool {
        true
    }

    fn next_item(&self, _: &Session, position: usize) -> Option<Value> {
        self.items().into_iter().nth(position)
    }

    fn index(&self, key: &Value) -> Result<Value, LangError> {
        let i = sequence_index(key, 2, "tuple")?;
        Ok(self.items().into_iter().nth(i).unwrap_or(Value::None))
    }

    fn attr(&self, name: &str) -> Option<Value> {
        let [q, a] = self.items();
        match name {
            "query" => Some(q),
            "answer" => Some(a),
            _ => None,
        }
    }
}

static METHODS: &[MethodDef] = &[
    method!(
        "summary",
        [opt("prn", Const::None), opt("lfilter", Const::None)],
        "Print each pair as request ==> answer (or what prn(s, r) returns), of those lfilter(s, r) keeps.",
        m_summary
    ),
    method!(
        "nsummary",
        [opt("prn", Const::None), opt("lfilter", Const::None)],
        "Print each pair as request ==> answer (or what prn(s, r) returns), numbered, of those lfilter keeps.",
        m_nsummary
    ),
    method!("hexraw", load_dumps::PARAMS, load_dumps::HEXRAW_HELP, |s, r, a| {
        m_dump_loads(s, r, a, LoadDump::Raw)
    }),
    method!("padding", load_dumps::PARAMS, load_dumps::PADDING_HELP, |s, r, a| {
        m_dump_loads(s, r, a, LoadDump::Padding)
    }),
    method!(
        "nzpadding",
        load_dumps::PARAMS,
        load_dumps::NZPADDING_HELP,
        |s, r, a| { m_dump_loads(s, r, a, LoadDump::NonZeroPadding) }
    ),
    method!("make_table", make_table::PARAMS, make_table::HELP, |s, r, a| {
        m_make_table(s, r, a, Style::Plain)
    }),
    method!(
        "make_lined_table",
        make_table::PARAMS,
        make_table::LINED_HELP,
        |s, r, a| { m_make_table(s, r, a, Style::Lined) }
    ),
    method!(
        "show",
        [opt("prn", Const::None), opt("lfilter", Const::None)],
        "Print each pair as request ==> answer, numbered.",
        m_show
    ),
];

fn m_summary(s: &mut Session, r: &Value, a: &Args) -> Result<Value, LangError> {
    pair_lines(s, r.receiver::<Results>(), a, false)
}

fn m_nsummary(s: &mut Session, r: &Value, a: &Args) -> Result<Value, LangError> {
    pair_lines(s, r.receiver::<Results>(), a, true)
}

/// `nsummary`'s lines, or for `arping`'s answers Scapy's `ARPingResult.show()` table.
fn m_show(s: &mut Session, r: &Value, a: &Args) -> Result<Value, LangError> {
    let results = r.receiver::<Results>();
    match results.flavour {
        Flavour::SndRcv => pair_lines(s, results, a, true),
        Flavour::ARPing => {
            let table = arping_table(results.pairs.iter().map(|(_, answer)| answer.owned()));
            s.write(&format!("{table}\n"))
        }
    }
}

/// Scapy's `ans.hexraw()`, `padding()` or `nzpadding()`: each answer's load, under its pair's line.
fn m_dump_loads(s: &mut Session, r: &Value, a: &Args, dump: LoadDump) -> Result<Value, LangError> {
    let r = r.receiver::<Results>();
    let answer = |j: usize| Some(r.pairs[j].1.clone());
    let line = |_: &Session, j: usize, _: &Pkt| net::answer_line(&r.pairs[j].0.owned(), &r.pairs[j].1.owned());
    load_dumps::dump_loads(s, a, dump, r.pairs.len(), answer, line)
}

/// Scapy's `ans.make_table(lambda s, r: (col, row, cell))` (or `make_lined_table`) over the pairs.
fn m_make_table(s: &mut Session, r: &Value, a: &Args, style: Style) -> Result<Value, LangError> {
    let items = r
        .receiver::<Results>()
        .pairs
        .iter()
        .map(|(q, p)| vec![Value::Packet(q.clone()), Value::Packet(p.clone())])
        .collect();
    make_table::make_table(s, items, a, style)
}

/// A line per pair `lfilter(s, r)` keeps: `request ==> answer`, or what `prn(s, r)` returns; numbered by the
/// pair's place for `nsummary`, as Scapy's.
fn pair_lines(s: &mut Session, r: &Results, a: &Args, numbered: bool) -> Result<Value, LangError> {
    for (i, line) in r.lines().collect::<Vec<_>>().into_iter().enumerate() {
        let (q, p) = (Value::Packet(r.pairs[i].0.clone()), Value::Packet(r.pairs[i].1.clone()));
        s.summary_line(a, vec![q, p], |_| line, numbered.then_some(i))?;
    }
    Ok(Value::None)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::io::Write;
    use std::rc::Rc;

    use super::*;
    use crate::packet::Layer;

    #[derive(Clone, Default)]
    struct Sink(Rc<RefCell<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Scapy's `ans.summary(prn=lambda s, r: …, lfilter=lambda s, r: …)`: both see the pair.
    #[test]
    fn summaries_take_prn_and_lfilter_of_the_pair() {
        let ip = |src: &str, dst: &str| {
            Layer::named("IP")
                .unwrap()
                .with("src", src)
                .unwrap()
                .with("dst", dst)
                .unwrap()
        };
        let icmp = |t: u64| Layer::named("ICMP").unwrap().with("type", t).unwrap();
        let pair = |dst: &str| (ip("198.18.0.1", dst) / icmp(8), ip(dst, "198.18.0.1") / icmp(0));
        let sink = Sink::default();
        let mut s = Session::with_output(sink.clone());
        let ans = Results::new(vec![pair("198.18.0.2"), pair("198.18.0.3")]);
        s.globals.insert(Rc::from("ans"), Value::host(ans));
        s.run(
            "ans.nsummary(prn=lambda s, r: r.src, lfilter=lambda s, r: s.dst != '198.18.0.2')",
            "<t>",
        )
        .unwrap();
        s.run("ans.summary(prn=lambda s, r: s.dst)", "<t>").unwrap();
        assert_eq!(
            String::from_utf8(sink.0.take()).unwrap(),
            "0001 198.18.0.3\n198.18.0.2\n198.18.0.3\n"
        );
    }

    /// Scapy's `ans.make_table(lambda s, r: …)`, the text Scapy 2.8.0 prints for the same pairs.
    #[test]
    fn make_table_sees_each_pair() {
        let ip = |src: String, dst: String, ttl: u64| {
            let ip = Layer::named("IP").unwrap().with("src", src.as_str()).unwrap();
            ip.with("dst", dst.as_str()).unwrap().with("ttl", ttl).unwrap()
        };
        let icmp = |t: u64| Layer::named("ICMP").unwrap().with("type", t).unwrap();
        let host = |i: u64| format!("198.18.0.{i}");
        let pairs = [2, 3]
            .into_iter()
            .flat_map(|i| (1..=3).map(move |t| (i, t)))
            .map(|(i, t)| {
                (
                    ip(host(1), host(i), t) / icmp(8),
                    ip(host(i + t), host(1), 64) / icmp(11),
                )
            })
            .collect();
        let mut s = Session::with_output(std::io::sink());
        s.globals.insert(Rc::from("ans"), Value::host(Results::new(pairs)));
        let table = s
            .run("ans.make_table(lambda s, r: (s.dst, s.ttl, r.src), dump=True)", "<t>")
            .unwrap()
            .unwrap();
        assert_eq!(
            table.to_text(),
            "  198.18.0.2 198.18.0.3 \n1 198.18.0.3 198.18.0.4 \n2 198.18.0.4 198.18.0.5 \n3 198.18.0.5 198.18.0.6 \n"
        );
    }

    /// Scapy's `ans.hexraw()`, `padding()` and `nzpadding()`: the answers' loads under the pairs' lines, at
    /// the answers' times; `lfilter` sees the answer.
    #[test]
    fn load_dumps_show_the_answers() {
        let layer = |name: &str, fields: &[(&str, &str)]| {
            fields
                .iter()
                .fold(Layer::named(name).unwrap(), |l, (f, v)| l.with(f, *v).unwrap())
        };
        let ip = |src: &str, dst: &str| layer("IP", &[("src", src), ("dst", dst)]);
        let (a, b, c) = ("198.18.0.1", "198.18.0.2", "198.18.0.3");
        let pairs = vec![
            (
                ip(a, b) / layer("UDP", &[("dport", "7")]) / layer("Raw", &[("load", "ping")]),
                ip(b, a)
                    / layer("UDP", &[("sport", "7")])
                    / layer("Raw", &[("load", "pong")])
                    / Layer::named("Padding").unwrap().with("load", vec![0u8, 1]).unwrap(),
            ),
            (
                ip(a, c) / layer("ICMP", &[]),
                ip(c, a) / layer("ICMP", &[("type", "0")]),
            ),
        ];
        let received = [
            Timestamp::new(1_700_000_000, 500_000_000),
            Timestamp::new(1_700_000_001, 250_000_000),
        ];
        let sink = Sink::default();
        let mut s = Session::with_output(sink.clone());
        let ans = Results::exchanged(pairs, &[None, None], &received);
        s.globals.insert(Rc::from("ans"), Value::host(ans));
        s.run(
            "ans.hexraw(); ans.padding(); ans.nzpadding(); ans.hexraw(lfilter=lambda r: ICMP in r)",
            "<t>",
        )
        .unwrap();
        let udp = "0000 22:13:20.500000 IP / UDP 198.18.0.1:domain > 198.18.0.2:echo / Raw ==> \
                   IP / UDP 198.18.0.2:echo > 198.18.0.1:domain / Raw / Padding\n";
        let icmp = "0001 22:13:21.250000 IP / ICMP 198.18.0.1 > 198.18.0.3 echo-request 0 ==> \
                    IP / ICMP 198.18.0.3 > 198.18.0.1 echo-reply 0\n";
        let pong = "0000  70 6F 6E 67                                      pong\n";
        let pad = "0000  00 01                                            ..\n";
        assert_eq!(
            String::from_utf8(sink.0.take()).unwrap(),
            [udp, pong, icmp, udp, pad, udp, pad, icmp].concat()
        );
    }
}
