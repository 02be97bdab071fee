//! The binding registry: which protocol follows which when dissecting (Scapy's `bind_bottom_up`), which field
//! values stacking implies (`bind_top_down`), aliases (`aliastypes`) and the protocol each link type starts
//! with. The mechanism lives here; the data is the protocol catalogue's (`crate::layers::REGISTRY`), so the
//! engine can be driven, and tested, with any other table.

use std::sync::OnceLock;

use super::{Layer, LinkType, Proto, RAW};

/// A value a binding gives a field of the lower layer, wide enough for an IPv6 address as its 128 bits (the
/// Neighbor Discovery messages imply a multicast destination); an integer field takes the low 64 bits. The
/// field's kind says which it is: see [`Field::overload_int`](super::Field::overload_int).
pub type Overload = (&'static str, u128);

/// Which way a binding works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Dissection and stacking (Scapy's `bind_layers`).
    Both,
    /// Dissection only (`bind_bottom_up`): another value for the same pair is what stacking implies.
    Dissect,
    /// Stacking only (`bind_top_down`): the values are implied but never tested.
    Build,
}

/// One binding: when `lower` carries `upper`, `fields` of `lower` hold these values.
#[derive(Debug)]
pub struct Binding {
    pub lower: &'static Proto,
    pub upper: &'static Proto,
    pub fields: &'static [Overload],
    pub direction: Direction,
}

/// Scapy's `bind_layers`: `upper` follows `lower` when `fields` match, and stacking implies them.
pub const fn bind_layers(lower: &'static Proto, upper: &'static Proto, fields: &'static [Overload]) -> Binding {
    Binding {
        lower,
        upper,
        fields,
        direction: Direction::Both,
    }
}

/// Scapy's `bind_bottom_up`: `upper` follows `lower` when `fields` match; stacking implies nothing from it.
pub const fn bind_bottom_up(lower: &'static Proto, upper: &'static Proto, fields: &'static [Overload]) -> Binding {
    Binding {
        lower,
        upper,
        fields,
        direction: Direction::Dissect,
    }
}

/// Scapy's `bind_top_down`: stacking `upper` on `lower` implies `fields`; dissection never tests them.
pub const fn bind_top_down(lower: &'static Proto, upper: &'static Proto, fields: &'static [Overload]) -> Binding {
    Binding {
        lower,
        upper,
        fields,
        direction: Direction::Build,
    }
}

/// Scapy's `DestField.bind_addr`: an address field of `lower` left unset defaults to the `implied` value when
/// the layer above is `upper` and its fields hold the values `when` (UDP to port 5353 is mDNS, so IP's
/// destination is 224.0.0.251). Unlike a stacking overload it is only a default: `repr()` does not list it.
#[derive(Debug)]
pub struct AddressBinding {
    pub lower: &'static Proto,
    pub upper: &'static Proto,
    pub when: &'static [Overload],
    pub implied: &'static [Overload],
}

/// Scapy's `DestField.bind_addr(upper, addr, **when)` for an address field of `lower`.
pub const fn bind_addr(
    lower: &'static Proto,
    upper: &'static Proto,
    when: &'static [Overload],
    implied: &'static [Overload],
) -> AddressBinding {
    AddressBinding {
        lower,
        upper,
        when,
        implied,
    }
}

/// The protocols a user can name and how they bind. Built as a `static` from tables; the lookups it needs
/// are worked out on first use, not at start-up.
pub struct Registry {
    protocols: &'static [&'static Proto],
    bindings: &'static [Binding],
    /// Scapy's `aliastypes`: a layer takes the overloads the layer above gives the protocol it stands for,
    /// when it has none of its own (an extension header gets `nh` as IPv6 would).
    aliases: &'static [(&'static Proto, &'static Proto)],
    /// The protocol a frame of each link type starts with; any other link type starts with `Raw`.
    link_types: &'static [(LinkType, &'static Proto)],
    /// Addresses the layer above implies as defaults.
    addresses: &'static [AddressBinding],
    by_lower: OnceLock<Vec<(&'static Proto, Uppers)>>,
    guesses: OnceLock<Vec<Group>>,
    /// The protocols a binding or a link type names, by address, sorted: see [`Registry::stacks`].
    stacked: OnceLock<Vec<usize>>,
}

/// The stacking overloads of one lower protocol, by upper protocol.
type Uppers = Vec<(&'static Proto, &'static [Overload])>;

/// The most distinct fields the bindings of one lower protocol may test: `guess` reads them into an array.
const MAX_TESTED: usize = 8;

/// A dissecting binding with its field names resolved, for dissection's hot path.
struct Guess {
    upper: &'static Proto,
    /// (index into the group's `tested`, value it must have).
    tests: Vec<(usize, u64)>,
}

/// The dissecting bindings of one lower protocol, in table order.
struct Group {
    lower: &'static Proto,
    /// The fields any of them tests, by index.
    tested: Vec<usize>,
    guesses: Vec<Guess>,
}

impl Registry {
    pub const fn new(
        protocols: &'static [&'static Proto],
        bindings: &'static [Binding],
        aliases: &'static [(&'static Proto, &'static Proto)],
        link_types: &'static [(LinkType, &'static Proto)],
        addresses: &'static [AddressBinding],
    ) -> Registry {
        Registry {
            protocols,
            bindings,
            aliases,
            link_types,
            addresses,
            by_lower: OnceLock::new(),
            guesses: OnceLock::new(),
            stacked: OnceLock::new(),
        }
    }

    /// Every protocol a user can name, in the catalogue's order (`ls()` lists them so).
    pub fn protocols(&self) -> &'static [&'static Proto] {
        self.protocols
    }

    /// The bindings, in table order.
    pub fn bindings(&self) -> &'static [Binding] {
        self.bindings
    }

    /// Looks a protocol up by its class name.
    pub fn by_name(&self, name: &str) -> Option<&'static Proto> {
        self.protocols.iter().copied().find(|p| p.name == name)
    }

    /// True when the protocol is a layer of packets, never a record of a packet-list field: a binding or a link
    /// type names it, or it is a payload kind. A search for it need not look into records.
    pub fn stacks(&self, proto: &Proto) -> bool {
        let stacked = self.stacked.get_or_init(|| {
            let named = self.bindings.iter().flat_map(|b| [b.lower, b.upper]);
            let mut all: Vec<usize> = named
                .chain(self.link_types.iter().map(|(_, p)| *p))
                .map(|p| p as *const Proto as usize)
                .collect();
            all.sort_unstable();
            all.dedup();
            all
        });
        proto.is_payload() || stacked.binary_search(&(proto as *const Proto as usize)).is_ok()
    }

    /// The protocol a frame of this link type starts with.
    pub fn first_protocol(&self, link: LinkType) -> &'static Proto {
        if let LinkType::Proto(p) = link {
            return p;
        }
        self.link_types
            .iter()
            .find(|(l, _)| *l == link)
            .map_or(&RAW, |(_, p)| *p)
    }

    /// The field values that stacking `upper` on `lower` implies: the pair's stacking binding, else the one of
    /// the protocol `lower` stands for.
    pub fn overload(&self, lower: &'static Proto, upper: &'static Proto) -> Option<&'static [Overload]> {
        let groups = self.by_lower.get_or_init(|| self.group_by_lower());
        let direct = |lower: &Proto| {
            let (_, uppers) = groups.iter().find(|(l, _)| *l == lower)?;
            uppers.iter().find(|(u, _)| *u == upper).map(|(_, f)| *f)
        };
        direct(lower).or_else(|| {
            self.aliases
                .iter()
                .find(|(a, _)| *a == lower)
                .and_then(|(_, stands_for)| direct(stands_for))
        })
    }

    /// The addresses the layer `upper` implies as defaults of a `lower` layer below it (see
    /// [`AddressBinding`]): those of the first binding whose values `upper` holds, set or by default.
    pub fn addresses(&self, lower: &'static Proto, upper: &Layer) -> Option<&'static [Overload]> {
        self.addresses
            .iter()
            .find(|a| {
                a.lower == lower
                    && a.upper == upper.proto()
                    && a.when.iter().all(|&(name, v)| upper.get_int(name) == Some(v as u64))
            })
            .map(|a| a.implied)
    }

    /// The protocol that follows a dissected layer, by the first dissecting binding whose field values all
    /// match.
    pub fn guess(&self, layer: &Layer) -> Option<&'static Proto> {
        let groups = self.guesses.get_or_init(|| self.resolve_guesses());
        let group = groups.iter().find(|g| g.lower == layer.proto())?;
        // Many bindings test the same few fields (UDP's ports): each is read once.
        let mut read = [None; MAX_TESTED];
        for (v, f) in read.iter_mut().zip(&group.tested) {
            *v = layer.int_at(*f);
        }
        group
            .guesses
            .iter()
            .find(|g| g.tests.iter().all(|(t, v)| read.get(*t) == Some(&Some(*v))))
            .map(|g| g.upper)
    }

    /// Where `p` stands in the catalogue, so the lookups below scan the common protocols first.
    fn rank(&self, p: &Proto) -> usize {
        self.protocols.iter().position(|x| *x == p).unwrap_or(usize::MAX)
    }

    /// The stacking bindings grouped by lower protocol.
    fn group_by_lower(&self) -> Vec<(&'static Proto, Uppers)> {
        let mut groups: Vec<(&'static Proto, Uppers)> = Vec::new();
        for b in self.bindings.iter().filter(|b| b.direction != Direction::Dissect) {
            match groups.iter_mut().find(|(l, _)| *l == b.lower) {
                Some((_, uppers)) => uppers.push((b.upper, b.fields)),
                None => groups.push((b.lower, vec![(b.upper, b.fields)])),
            }
        }
        groups.sort_by_key(|(lower, _)| self.rank(lower));
        groups
    }

    /// The dissecting bindings with their fields resolved, grouped by lower protocol. A binding naming a field
    /// its lower protocol lacks, or giving a field an address, never matches and is left out.
    fn resolve_guesses(&self) -> Vec<Group> {
        let mut groups: Vec<Group> = Vec::new();
        for b in self.bindings.iter().filter(|b| b.direction != Direction::Build) {
            let Some(fields) = b
                .fields
                .iter()
                .map(|(n, v)| {
                    let f = b.lower.field_index(n)?;
                    Some((f, b.lower.fields[f].overload_int(*v)?))
                })
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let at = match groups.iter().position(|g| g.lower == b.lower) {
                Some(at) => at,
                None => {
                    groups.push(Group {
                        lower: b.lower,
                        tested: Vec::new(),
                        guesses: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            let group = &mut groups[at];
            let tests = fields
                .into_iter()
                .map(|(f, v)| {
                    let t = group.tested.iter().position(|x| *x == f).unwrap_or_else(|| {
                        group.tested.push(f);
                        group.tested.len() - 1
                    });
                    (t, v)
                })
                .collect();
            group.guesses.push(Guess { upper: b.upper, tests });
        }
        groups.sort_by_key(|g| self.rank(g.lower));
        groups
    }

    /// What is wrong with the tables, one line each: a binding given twice (the twin only hides an edit made
    /// to one copy); two stacking bindings for one pair (only one can be implied: the other belongs in
    /// `bind_bottom_up`); a dissecting binding that tests an address (dissection tests integers only); a field
    /// a binding names that its lower protocol lacks; a protocol missing from the catalogue (a dispatcher excepted); more tested
    /// fields for one lower protocol than `guess` reads. The catalogue's test requires none.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let listed = |p: &'static Proto| self.protocols.contains(&p);
        for (i, a) in self.bindings.iter().enumerate() {
            let pair = format!("binding {} -> {}", a.lower.name, a.upper.name);
            let later = &self.bindings[i + 1..];
            let same_pair = |b: &&Binding| b.lower == a.lower && b.upper == a.upper;
            if later.iter().filter(same_pair).any(|b| b.fields == a.fields) {
                out.push(format!("{pair} {:?} is listed twice", a.fields));
            }
            let stacks = |b: &Binding| b.direction != Direction::Dissect;
            if stacks(a) && later.iter().filter(same_pair).any(stacks) {
                out.push(format!("{pair}: stacking is given twice"));
            }
            for (name, bits) in a.fields {
                let field = a.lower.field_index(name).map(|f| &a.lower.fields[f]);
                if a.direction != Direction::Build && field.is_some_and(|f| f.overload_int(*bits).is_none()) {
                    out.push(format!("{pair}: dissection cannot test the address {name}"));
                }
            }
            for (name, _) in a.fields {
                if a.lower.field_index(name).is_none() {
                    out.push(format!("{pair}: {} has no field {name}", a.lower.name));
                }
            }
            for p in [a.lower, a.upper] {
                // A dispatcher (ICMPv6 by type) stands for listed protocols and need not be nameable itself.
                if !listed(p) && p.dispatch.is_none() {
                    out.push(format!("{pair}: {} is not in the catalogue", p.name));
                }
            }
        }
        for a in self.addresses {
            let pair = format!("address binding {} -> {}", a.lower.name, a.upper.name);
            let names = a
                .implied
                .iter()
                .map(|(n, _)| (a.lower, n))
                .chain(a.when.iter().map(|(n, _)| (a.upper, n)));
            for (proto, name) in names {
                if proto.field_index(name).is_none() {
                    out.push(format!("{pair}: {} has no field {name}", proto.name));
                }
            }
        }
        for g in self.guesses.get_or_init(|| self.resolve_guesses()) {
            if g.tested.len() > MAX_TESTED {
                out.push(format!(
                    "{}: its bindings test more than {MAX_TESTED} fields",
                    g.lower.name
                ));
            }
        }
        out
    }
}

/// The registry the crate's public API uses: the protocol catalogue of `crate::layers`.
pub(crate) fn installed() -> &'static Registry {
    &crate::layers::REGISTRY
}

#[cfg(test)]
mod tests {
    use super::super::{build, dissect, Dflt, Field, FieldValue, Kind, Packet};
    use super::*;

    /// A header whose `kind` says what follows, and `alias`, a header that stacks as `HEAD` does.
    static HEAD: Proto = Proto {
        name: "Head",
        fields: &[
            Field::new("kind", Kind::U8, Dflt::Int(0)),
            Field::new("addr", Kind::Ip6, Dflt::Ip6(0)),
        ],
        ..Proto::BASE
    };
    static ALIAS: Proto = Proto {
        name: "Alias",
        fields: &[Field::new("kind", Kind::U8, Dflt::Int(0))],
        ..Proto::BASE
    };
    static ALPHA: Proto = Proto {
        name: "Alpha",
        fields: &[Field::new("a", Kind::U16, Dflt::Int(0))],
        ..Proto::BASE
    };
    static BETA: Proto = Proto {
        name: "Beta",
        fields: &[Field::new("b", Kind::U8, Dflt::Int(0))],
        ..Proto::BASE
    };

    /// Alpha binds both ways; Beta is dissected after kind 2 but stacked with kind 3.
    static TOY: Registry = Registry::new(
        &[&HEAD, &ALIAS, &ALPHA, &BETA],
        &[
            bind_layers(&HEAD, &ALPHA, &[("kind", 1)]),
            bind_bottom_up(&HEAD, &BETA, &[("kind", 2)]),
            bind_top_down(&HEAD, &BETA, &[("kind", 3)]),
        ],
        &[(&ALIAS, &HEAD)],
        &[(LinkType::Ethernet, &HEAD)],
        &[bind_addr(&HEAD, &ALPHA, &[("a", 7)], &[("addr", 0xfb)])],
    );

    fn dissected(data: &[u8]) -> Vec<(&'static str, FieldValue)> {
        let first = TOY.first_protocol(LinkType::Ethernet);
        let p = dissect::dissect(&TOY, data, first);
        p.layers().iter().map(|l| (l.name(), l.value_at(0))).collect()
    }

    fn built(layers: Vec<Layer>) -> Vec<u8> {
        build::build(&TOY, &layers)
    }

    #[test]
    fn dissection_follows_the_dissecting_bindings_only() {
        let zero = [0u8; 16];
        let frame = |kind: u8, rest: &[u8]| [&[kind][..], &zero, rest].concat();
        assert_eq!(
            dissected(&frame(1, &[0xab, 0xcd])),
            [("Head", FieldValue::Int(1)), ("Alpha", FieldValue::Int(0xabcd))]
        );
        assert_eq!(
            dissected(&frame(2, &[7])),
            [("Head", FieldValue::Int(2)), ("Beta", FieldValue::Int(7))]
        );
        // Kind 3 is Beta's only when stacking.
        assert_eq!(dissected(&frame(3, &[7]))[1], ("Raw", FieldValue::Bytes(vec![7])));
        assert_eq!(TOY.first_protocol(LinkType::RawIp), &RAW);
    }

    #[test]
    fn stacking_implies_the_stacking_bindings_and_aliases() {
        let kind_of =
            |lower: &'static Proto, upper: &'static Proto| built(vec![Layer::new(lower), Layer::new(upper)])[0];
        assert_eq!(kind_of(&HEAD, &ALPHA), 1);
        assert_eq!(kind_of(&HEAD, &BETA), 3);
        assert_eq!(kind_of(&ALIAS, &BETA), 3, "Alias stacks as Head");
        assert_eq!(kind_of(&BETA, &ALPHA), 0, "no binding: the default");
        assert_eq!(TOY.overload(&HEAD, &BETA), Some(&[("kind", 3)][..]));
        assert_eq!(TOY.by_name("Beta"), Some(&BETA));
        assert_eq!(TOY.by_name("IP"), None, "the toy knows only its own protocols");
        assert_eq!(TOY.problems(), Vec::<String>::new());
    }

    /// An address binding is a default: it applies only while the layer above holds its values, gives way to
    /// a value set by hand, and stays out of the stacking overloads (`repr()`).
    #[test]
    fn address_bindings_are_defaults_the_layer_above_chooses() {
        let addr_of = |head: Layer, a: u64| {
            let alpha = Layer::new(&ALPHA).with("a", a).unwrap();
            built(vec![head, alpha])[16]
        };
        assert_eq!(addr_of(Layer::new(&HEAD), 7), 0xfb);
        assert_eq!(
            addr_of(Layer::new(&HEAD), 8),
            0,
            "the values differ: the field's default"
        );
        let set = Layer::new(&HEAD).with("addr", "::1").unwrap();
        assert_eq!(addr_of(set, 7), 1, "a value set by hand wins");
        assert_eq!(TOY.overload(&HEAD, &ALPHA), Some(&[("kind", 1)][..]));
        let alpha = Layer::new(&ALPHA).with("a", 7).unwrap();
        assert_eq!(TOY.addresses(&HEAD, &alpha), Some(&[("addr", 0xfb)][..]));
    }

    #[test]
    fn problems_name_each_faulty_row() {
        static BAD: Registry = Registry::new(
            &[&HEAD, &ALPHA],
            &[
                bind_layers(&HEAD, &ALPHA, &[("kind", 1)]),
                bind_layers(&HEAD, &ALPHA, &[("kind", 1)]),
                bind_layers(&HEAD, &ALPHA, &[("kind", 4)]),
                bind_layers(&HEAD, &ALPHA, &[("addr", 1)]),
                bind_top_down(&HEAD, &BETA, &[("nope", 1), ("addr", 1)]),
            ],
            &[],
            &[],
            &[bind_addr(&HEAD, &ALPHA, &[("nope", 1)], &[("addr", 1)])],
        );
        let problems = BAD.problems();
        for expected in [
            "binding Head -> Alpha [(\"kind\", 1)] is listed twice",
            "binding Head -> Alpha: stacking is given twice",
            "binding Head -> Alpha: dissection cannot test the address addr",
            "binding Head -> Beta: Head has no field nope",
            "binding Head -> Beta: Beta is not in the catalogue",
            "address binding Head -> Alpha: Alpha has no field nope",
        ] {
            assert!(
                problems.iter().any(|p| p == expected),
                "{expected} not in {problems:#?}"
            );
        }
        assert!(
            !problems.iter().any(|p| p.contains("Beta: dissection")),
            "a top-down row tests nothing"
        );
    }

    /// The crate's own API dissects with the catalogue, not with a toy.
    #[test]
    fn the_public_api_uses_the_catalogue() {
        let p = Packet::dissect(&[1, 0, 0], LinkType::Ethernet);
        assert_eq!(p.layers()[0].name(), "Raw", "three bytes are too short for Ether");
        assert!(installed().by_name("Head").is_none());
    }
}
