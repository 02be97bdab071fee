//! The interactive prompt: rustyline reads the lines, the session runs them. `>>> ` starts a statement and
//! `... ` continues one while `lang::is_complete` says more is needed; Ctrl-C at the prompt drops what was
//! typed, Ctrl-D leaves. History is kept in the user's state directory, written after every line.

mod helper;

use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::Ordering;

use rustyline::config::Configurer;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{ColorMode, CompletionType, Config, Editor};
use wirecraft::lang::{is_complete, ErrorKind, Session};

use helper::ReplHelper;

/// Reads and runs statements until Ctrl-D or `exit()`; returns the exit code.
pub fn run(session: Session, color: bool) -> u8 {
    let session = Rc::new(RefCell::new(session));
    session.borrow_mut().echo = true;
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut editor = match editor_keeping_sigint(config) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("wirecraft: cannot start the line editor: {e}");
            return 1;
        }
    };
    editor.set_helper(Some(ReplHelper::new(session.clone())));
    // Lines piped to `-i` are a script's, not the user's: they stay out of the history.
    let typed = std::io::stdin().is_terminal();
    let history = history_path().filter(|p| {
        typed
            && match open_history(&mut editor, p) {
                Ok(kept) => kept,
                Err(e) => {
                    eprintln!("wirecraft: history not kept ({}): {e}", p.display());
                    false
                }
            }
    });

    let mut pending = String::new();
    loop {
        // `--color` and NO_COLOR say whether colours may be used; `conf.color = False` turns them off from here.
        let painted = color && session.borrow().conf("color").is_some_and(|v| v.truthy());
        colored::control::set_override(painted);
        editor.set_color_mode(if painted {
            ColorMode::Forced
        } else {
            ColorMode::Disabled
        });
        let columns = editor.dimensions().map_or(80, |(columns, _)| columns as usize);
        if let Some(h) = editor.helper() {
            h.set_width(columns);
        }
        let line = match editor.readline(if pending.is_empty() { ">>> " } else { "... " }) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                pending.clear();
                continue;
            }
            Err(ReadlineError::Eof) => return 0,
            Err(e) => {
                eprintln!("wirecraft: {e}");
                return 1;
            }
        };
        if !line.trim().is_empty() {
            let _ = editor.add_history_entry(line.as_str());
            if let Some(path) = &history {
                let _ = editor.append_history(path);
            }
        }
        if !pending.is_empty() {
            pending.push('\n');
        }
        pending.push_str(&line);
        if !is_complete(&pending) {
            continue;
        }
        let source = std::mem::take(&mut pending);
        let result = session.borrow_mut().run(&source, "<stdin>");
        // A Ctrl-C that came after the last check must not stop the next statement.
        session.borrow().interrupt_flag().store(false, Ordering::Relaxed);
        if let Err(e) = result {
            if e.kind == ErrorKind::Interrupted {
                eprintln!(); // off the `^C` the terminal echoed
            }
            let code = crate::report(&e);
            if let ErrorKind::Exit(_) = e.kind {
                return code;
            }
        }
    }
}

/// Creates the editor, then gives SIGINT back to the handler that was there (the CLI's, which sets the
/// session's interrupt flag): rustyline takes SIGINT over for as long as the editor lives, but it only needs it
/// with `enable_signals`, which stays off; while it reads a line, Ctrl-C is a key.
fn editor_keeping_sigint(config: Config) -> rustyline::Result<Editor<ReplHelper, FileHistory>> {
    // SAFETY: sigaction with a zeroed struct to read the current action, then a valid one to restore it.
    unsafe {
        let mut before: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGINT, std::ptr::null(), &mut before);
        let editor = Editor::with_config(config);
        libc::sigaction(libc::SIGINT, &before, std::ptr::null_mut());
        editor
    }
}

/// `$WIRECRAFT_HISTORY`, else `history` in wirecraft's XDG state directory (`~/.local/state/wirecraft`).
fn history_path() -> Option<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(p) = var("WIRECRAFT_HISTORY") {
        return Some(p);
    }
    let state = var("XDG_STATE_HOME").or_else(|| var("HOME").map(|h| h.join(".local/state")))?;
    Some(state.join("wirecraft").join("history"))
}

/// Creates the history file readable by its owner only (typed lines can hold addresses and secrets), then
/// loads it. A path that is not a regular file (`/dev/null`) turns history off, untouched: `false`.
fn open_history(editor: &mut Editor<ReplHelper, FileHistory>, path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Ok(false);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    editor.load_history(path).map_err(std::io::Error::other)?;
    Ok(true)
}
