//! What rustyline asks of the prompt while a line is typed. Every answer comes from the language
//! (`Session::completions`, `Session::signature_at`, `highlight_tokens`); this file only adapts them and picks
//! the colours.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use colored::{ColoredString, Colorize};
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use wirecraft::lang::{highlight_tokens, Session, TokenClass};

/// Shares the session with the loop: rustyline calls the helper only while a line is read, and the loop
/// borrows the session mutably only while a statement runs, so the two borrows never meet.
pub struct ReplHelper {
    session: Rc<RefCell<Session>>,
    /// The terminal's width when the prompt was shown, to keep the signature hint on one row.
    width: Cell<usize>,
}

impl ReplHelper {
    pub fn new(session: Rc<RefCell<Session>>) -> ReplHelper {
        ReplHelper {
            session,
            width: Cell::new(80),
        }
    }

    pub fn set_width(&self, columns: usize) {
        self.width.set(columns);
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let cands = self.session.borrow().completions(line, pos);
        let start = cands.first().map_or(pos, |c| c.start);
        let pairs = cands
            .into_iter()
            .map(|c| Pair {
                display: c.replacement.clone(),
                replacement: c.replacement,
            })
            .collect();
        Ok((start, pairs))
    }
}

/// The signature of the call being typed, shown after the cursor; never inserted into the line.
pub struct Signature(String);

impl Hint for Signature {
    fn display(&self) -> &str {
        &self.0
    }

    fn completion(&self) -> Option<&str> {
        None
    }
}

impl Hinter for ReplHelper {
    type Hint = Signature;

    fn hint(&self, line: &str, pos: usize, _: &Context<'_>) -> Option<Signature> {
        if pos < line.len() {
            return None;
        }
        let sig = self.session.borrow().signature_at(line, pos)?;
        // The prompt, the line, two spaces and the hint on one row: a wrapped hint would push the screen.
        let room = self.width.get().saturating_sub(4 + line.chars().count() + 3);
        let shown = if sig.chars().count() <= room {
            sig
        } else if room >= 8 {
            sig.chars().take(room - 1).chain(['…']).collect()
        } else {
            return None;
        };
        Some(Signature(format!("  {shown}")))
    }
}

fn paint(text: &str, class: TokenClass) -> ColoredString {
    match class {
        TokenClass::Keyword => text.magenta().bold(),
        TokenClass::Constant => text.magenta(),
        TokenClass::Builtin => text.cyan(),
        TokenClass::Layer => text.yellow(),
        TokenClass::Number => text.blue(),
        TokenClass::String => text.green(),
        TokenClass::Comment => text.bright_black(),
        TokenClass::Invalid => text.red(),
        TokenClass::Name | TokenClass::Operator => text.normal(),
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        let mut out = String::with_capacity(line.len() * 2);
        let mut at = 0;
        for (range, class) in highlight_tokens(line) {
            out.push_str(&line[at..range.start]);
            out.push_str(&paint(&line[range.clone()], class).to_string());
            at = range.end;
        }
        out.push_str(&line[at..]);
        Cow::Owned(out)
    }

    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(&'s self, prompt: &'p str, _default: bool) -> Cow<'b, str> {
        Cow::Owned(prompt.bold().blue().to_string())
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(hint.dimmed().to_string())
    }

    /// Colours depend on the text only, not on where the cursor is.
    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        kind != CmdKind::MoveCursor
    }
}

/// Always valid: the loop reads one line at a time and asks `lang::is_complete` itself, so that each
/// continuation line gets its own `... ` prompt (rustyline has no continuation prompt for one multi-line
/// buffer).
impl Validator for ReplHelper {}

impl Helper for ReplHelper {}
