//! Address prefixes: whether an address lies in a subnet, which both interface addresses and routes ask.

use std::net::IpAddr;

/// True when `a` lies in `net/prefix`.
pub fn in_prefix(a: IpAddr, net: IpAddr, prefix: u8) -> bool {
    let bits = |x: IpAddr| match x {
        IpAddr::V4(v) => (u128::from(u32::from(v)) << 96, 4),
        IpAddr::V6(v) => (u128::from(v), 6),
    };
    let ((a, fa), (n, fn_)) = (bits(a), bits(net));
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix).min(128))
    };
    fa == fn_ && (a & mask) == (n & mask) && (fa == 6 || prefix <= 32)
}
