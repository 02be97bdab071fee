//! `conf.route`, `conf.route6`, `conf.ifaces`: a table of the machine's network view, read when shown (so it
//! follows `net::resync` and the calling thread's namespace), printed as Scapy prints it.

use std::fmt;

use super::value::HostValue;
use crate::net;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetTable {
    Ifaces,
    Route,
    Route6,
}

impl fmt::Display for NetTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = net::conf();
        let table = match self {
            NetTable::Ifaces => net::IfaceTable(&c.ifaces).to_string(),
            NetTable::Route => c.route_table().to_string(),
            NetTable::Route6 => c.route6_table().to_string(),
        };
        // Without the last newline, as Scapy's repr: `print(conf.route)` ends with one, not two.
        f.write_str(table.trim_end())
    }
}

impl HostValue for NetTable {
    /// Scapy's class names for these tables.
    fn type_name(&self) -> &'static str {
        match self {
            NetTable::Ifaces => "NetworkInterfaceDict",
            NetTable::Route => "Route",
            NetTable::Route6 => "Route6",
        }
    }

    /// Two reads of the same table are equal: both show the machine's table.
    fn equals(&self, other: &dyn HostValue) -> bool {
        (*other).as_any().downcast_ref::<NetTable>() == Some(self)
    }
}
