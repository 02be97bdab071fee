//! Packet sets: a packet whose fields hold ranges, lists or networks stands for the cartesian product of them,
//! enumerated lazily in Scapy's order. Random values are drawn afresh at each build.

use super::field::{Dflt, Kind};
use super::value::{FieldValue, Generator, RandKind};
use super::Packet;

/// One varying field: where it is and how many values it takes.
struct Digit {
    layer: usize,
    field: usize,
    count: u128,
}

impl Packet {
    /// The varying fields, fastest first: Scapy's order is lowest layer outermost, the payload fastest, and
    /// within a layer the field declared first fastest.
    fn digits(&self) -> Vec<Digit> {
        let mut out = Vec::new();
        for (li, layer) in self.layers.iter().enumerate().rev() {
            for fi in layer.user_fields() {
                if let Some(FieldValue::Gen(g)) = layer.user_value(fi) {
                    if !matches!(**g, Generator::Rand(_)) {
                        out.push(Digit {
                            layer: li,
                            field: fi,
                            count: g.count(),
                        });
                    }
                }
            }
        }
        out
    }

    /// What kinds of generators the fields hold: (sets, random values).
    pub(crate) fn generators(&self) -> (bool, bool) {
        let mut found = (false, false);
        for l in &self.layers {
            let user = l.user_fields().filter_map(|i| l.user_value(i));
            for v in user.chain(l.own_defaults().map(|(_, v)| v)) {
                let FieldValue::Gen(g) = v else {
                    continue;
                };
                match **g {
                    Generator::Rand(_) => found.1 = true,
                    _ => found.0 = true,
                }
            }
        }
        found
    }

    /// True when some field holds a range, a list or a network.
    pub fn is_set(&self) -> bool {
        self.generators().0
    }

    /// True when some field holds a random value.
    pub fn has_random(&self) -> bool {
        self.generators().1
    }

    /// How many packets this set stands for (1 for a plain packet), without enumerating them.
    pub fn count(&self) -> u128 {
        self.digits().iter().fold(1u128, |a, d| a.saturating_mul(d.count))
    }

    /// The `i`-th packet of the set, in Scapy's order. Random values stay random until built.
    pub fn nth(&self, mut i: u128) -> Packet {
        let mut p = self.clone();
        for d in self.digits() {
            let (q, r) = (i.checked_div(d.count).unwrap_or(0), i.checked_rem(d.count).unwrap_or(0));
            i = q;
            if let Some(FieldValue::Gen(g)) = self.layers[d.layer].user_value(d.field) {
                p.layers[d.layer].put_user(d.field, g.nth(r));
            }
        }
        p
    }

    /// Iterates the packets of the set lazily; a plain packet yields itself once.
    ///
    /// ```
    /// use wirecraft::Layer;
    /// let p = Layer::named("IP")?.with("dst", "198.18.0.0/31")? / Layer::named("TCP")?.with("dport", (20, 22))?;
    /// assert_eq!(p.count(), 6);
    /// let dports: Vec<_> = p.iter().map(|q| q.get("TCP", "dport").unwrap()).take(4).collect();
    /// assert_eq!(dports, [20u64, 21, 22, 20].map(wirecraft::FieldValue::Int));
    /// # Ok::<(), wirecraft::Error>(())
    /// ```
    pub fn iter(&self) -> PacketIter<'_> {
        PacketIter {
            set: self,
            next: 0,
            count: self.count(),
        }
    }

    /// A copy with every random value drawn.
    pub(crate) fn resolve_random(mut self) -> Packet {
        for l in &mut self.layers {
            for i in l.user_fields() {
                if let Some(FieldValue::Gen(g)) = l.user_value(i) {
                    if let Generator::Rand(k) = **g {
                        l.put_user(i, k.draw());
                    }
                }
            }
            let own: Vec<(usize, RandKind)> = l
                .own_defaults()
                .filter_map(|(i, v)| match v {
                    FieldValue::Gen(g) => match **g {
                        Generator::Rand(k) => Some((i, k)),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            for (i, k) in own {
                l.set_own_default(i, k.draw());
            }
        }
        self
    }
}

/// Lazy iterator over a packet set.
pub struct PacketIter<'a> {
    set: &'a Packet,
    next: u128,
    count: u128,
}

impl Iterator for PacketIter<'_> {
    type Item = Packet;
    fn next(&mut self) -> Option<Packet> {
        (self.next < self.count).then(|| {
            self.next += 1;
            self.set.nth(self.next - 1)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.count - self.next).unwrap_or(usize::MAX);
        (left, usize::try_from(self.count - self.next).ok())
    }
}

/// Scapy's `fuzz`: fields left at a plain default (not automatic nor `None`, as Scapy skips a `None` default —
/// which addresses filled when built, `Dflt::Dyn`, are in Scapy; not implied by stacking, not set by the user)
/// get a random value of their kind.
pub(crate) fn fuzz(p: &mut Packet) {
    for li in 0..p.layers.len() {
        for (fi, field) in p.layers[li].proto.fields.iter().enumerate() {
            let unset =
                matches!(field.default, Dflt::Auto | Dflt::None | Dflt::Dyn(_)) || field.scapy_default == Some("None");
            if unset || p.layers[li].has_value(fi) || p.overload(li, fi).is_some() {
                continue;
            }
            let kind = match field.kind {
                Kind::Bits(w) => RandKind::Bits(w),
                Kind::U8 => RandKind::Byte,
                Kind::U16 => RandKind::Short,
                Kind::U32 | Kind::LeU32 => RandKind::Int,
                Kind::U64 => RandKind::Long,
                Kind::Mac => RandKind::Mac,
                Kind::Ip4 => RandKind::Ip,
                Kind::Ip6 => RandKind::Ip6,
                Kind::Bytes(_) => RandKind::Bytes(32),
                Kind::Custom(_) | Kind::Records(_) => continue,
            };
            p.layers[li].set_own_default(fi, FieldValue::gen(Generator::Rand(kind)));
        }
    }
}
