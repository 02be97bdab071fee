//! Parsing as a session parses: the grammar of `parser.rs`, with the builtins of the table as the
//! command form's names (`ls IP`, `rdpcap file.pcap`). The grammar itself knows no table; this is where the
//! two meet.

use super::ast::Stmt;
use super::error::LangError;
use super::table;

pub use super::parser::{is_keyword, parse_expr, Commands, Ctx, PErr, KEYWORDS, MAX_DEPTH};

/// Parses a whole program: statements separated by newlines or `;`.
pub fn parse(src: &str) -> Result<Vec<Stmt>, LangError> {
    super::parser::parse(src, table::is_command)
}

/// Whether the statement that `line` starts is in the command form, for completing its bare arguments.
pub(crate) fn is_command_form(line: &str) -> bool {
    super::parser::is_command_form(line, table::is_command)
}
