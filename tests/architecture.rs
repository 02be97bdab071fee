//! The import directions of ARCHITECTURE.md, checked by reading `src/`: each rule names what a part of the
//! crate may not reach, and a failure prints the offending line (`file:line: text`).
//!
//! A reference is any `crate::…`, `super::…` or `self::…` path in code — in `use` lines (groups and nesting
//! included) and in expressions alike — outside comments, strings and `#[cfg(test)]` modules (tests may use
//! what they like). A path names the file that defines its longest module prefix; a name a `mod.rs` only
//! re-exports (`pub use send::sendp`) is charged to the file it comes from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One reference from a source file to a module of the crate.
#[derive(Debug, Clone)]
struct Ref {
    /// The referring file, relative to `src/`.
    file: String,
    line: usize,
    /// The whole source line, for the failure message.
    text: String,
    /// The full path referred to, from the crate root: `["layers", "raw", "RAW"]`.
    path: Vec<String>,
    /// The module file the path lands in: `"layers/raw.rs"`.
    target: String,
}

impl std::fmt::Display for Ref {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "src/{}:{}: {}", self.file, self.line, self.text.trim())
    }
}

/// The crate as files and the references between them.
struct Crate {
    /// Module path → file, for every module file under `src/` (`["net", "send"]` → `"net/send.rs"`).
    modules: BTreeMap<Vec<String>, String>,
    /// Per `mod.rs` (or `lib.rs`): re-exported name → the module path it comes from.
    reexports: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
    refs: Vec<Ref>,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `net/send.rs` → `["net", "send"]`; `net/mod.rs` → `["net"]`; `lib.rs` → `[]`.
fn module_path(rel: &str) -> Option<Vec<String>> {
    if rel == "main.rs" {
        return None; // the binary is a crate of its own
    }
    let stem = rel.strip_suffix(".rs")?;
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    Some(parts)
}

/// The source with comments, string and char literals blanked (newlines kept, so line numbers hold).
fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let at = |j: usize| c.get(j).copied().unwrap_or('\0');
    let mut i = 0;
    while i < c.len() {
        if c[i] == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (at(i + 1) == '"' || (at(i + 1) == '#' && (at(i + 2) == '"' || at(i + 2) == '#')))
            && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_'))
        {
            // r"…", r#"…"#
            let mut hashes = 0;
            let mut j = i + 1;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            j += 1; // the opening quote
            let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            while j < c.len() && c[j..].iter().take(close.len()).ne(close.iter()) {
                j += 1;
            }
            j = (j + close.len()).min(c.len());
            c[i..j].iter().for_each(|&ch| out.push(blank(ch)));
            i = j;
        } else if c[i] == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            j = (j + 1).min(c.len());
            c[i..j].iter().for_each(|&ch| out.push(blank(ch)));
            i = j;
        } else if c[i] == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // a char literal, not a lifetime
            let mut j = i + 1;
            while j < c.len() && c[j] != '\'' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            j = (j + 1).min(c.len());
            c[i..j].iter().for_each(|&ch| out.push(blank(ch)));
            i = j;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Blanks the bodies of `#[cfg(test)]` items (`mod tests { … }`, a test-only `fn`), whose references are
/// the tests' business.
fn without_tests(code: &str) -> String {
    let mut out: Vec<char> = code.chars().collect();
    let text: String = out.iter().collect();
    let mut from = 0;
    while let Some(at) = text[from..].find("#[cfg(test)]") {
        let start = from + at;
        let chars_start = text[..start].chars().count();
        // Find the item's first `{` or a `;` (a `mod tests;` in another file, or a `use`).
        let mut depth = 0usize;
        let mut end = None;
        for (k, ch) in out.iter().enumerate().skip(chars_start) {
            match ch {
                ';' if depth == 0 => {
                    end = Some(k);
                    break;
                }
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(k);
                        break;
                    }
                }
                _ => {}
            }
        }
        let end = end.unwrap_or(out.len() - 1);
        for ch in &mut out[chars_start..=end] {
            if *ch != '\n' {
                *ch = ' ';
            }
        }
        from = start + "#[cfg(test)]".len();
    }
    out.into_iter().collect()
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// The modules a file declares: `mod send;`, `pub mod iface;`.
fn child_modules(code: &str) -> Vec<String> {
    code.split(';')
        .filter_map(|stmt| {
            let words: Vec<&str> = stmt.split_whitespace().collect();
            match words[..] {
                [.., "mod", name] if words.len() <= 3 => Some(name.to_string()),
                _ => None,
            }
        })
        .collect()
}

/// Every path starting at `crate`, `super`, `self` or one of the file's own child modules in `code`,
/// expanded (`a::{b, c::d}` gives `a::b` and `a::c::d`), with the byte offset where it starts.
fn paths(code: &str, children: &[String]) -> Vec<(usize, Vec<String>)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts_word = i == 0 || !(is_ident(b[i - 1] as char) || b[i - 1] == b':');
        let head = ["crate", "super", "self"]
            .into_iter()
            .chain(children.iter().map(String::as_str))
            .find(|h| starts_word && code[i..].starts_with(h) && code[i + h.len()..].starts_with("::"));
        match head {
            Some(_) => {
                let mut trees = Vec::new();
                let end = tree(code, i, Vec::new(), &mut trees);
                out.extend(trees.into_iter().map(|t| (i, t)));
                i = end.max(i + 1);
            }
            None => i += 1,
        }
    }
    out
}

/// Parses one path tree at `i` (segments joined by `::`, `{…}` groups), adding each full path to `out`;
/// returns where it ended.
fn tree(code: &str, mut i: usize, mut prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let b = code.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < b.len() && (b[i] as char).is_whitespace() {
            i += 1;
        }
        i
    };
    loop {
        i = skip_ws(i);
        if i < b.len() && b[i] == b'{' {
            i += 1;
            loop {
                i = skip_ws(i);
                if i >= b.len() || b[i] == b'}' {
                    return i + 1;
                }
                i = tree(code, i, prefix.clone(), out);
                i = skip_ws(i);
                if i < b.len() && b[i] == b',' {
                    i += 1;
                }
            }
        }
        let start = i;
        while i < b.len() && is_ident(b[i] as char) {
            i += 1;
        }
        if start == i {
            if !prefix.is_empty() {
                out.push(prefix);
            }
            return i;
        }
        prefix.push(code[start..i].to_string());
        let after = skip_ws(i);
        if code[after..].starts_with("::") {
            i = after + 2;
        } else {
            out.push(prefix);
            return i;
        }
    }
}

impl Crate {
    /// The crate as read once for all the tests of this file.
    fn get() -> &'static Crate {
        static CRATE: OnceLock<Crate> = OnceLock::new();
        CRATE.get_or_init(Crate::read)
    }

    fn read() -> Crate {
        let root = src_dir();
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        files.sort();
        let mut modules = BTreeMap::new();
        let mut sources = Vec::new();
        for f in &files {
            let rel = f.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            if let Some(m) = module_path(&rel) {
                modules.insert(m.clone(), rel.clone());
                let text = std::fs::read_to_string(f).expect("read source");
                sources.push((rel, m, text));
            }
        }
        let mut krate = Crate {
            modules,
            reexports: BTreeMap::new(),
            refs: Vec::new(),
        };
        // Re-exports first: `pub use sub::{A, B}` in a mod.rs makes `A` and `B` come from `sub`.
        let mut raw_refs = Vec::new();
        for (rel, module, text) in &sources {
            let code = without_tests(&code_only(text));
            let lines: Vec<&str> = text.lines().collect();
            let line_of = |at: usize| code[..at].matches('\n').count();
            let is_facade = rel.ends_with("mod.rs") || rel == "lib.rs";
            let children = child_modules(&code);
            for (at, path) in paths(&code, &children) {
                let Some(abs) = absolute(module, rel, &path) else {
                    continue;
                };
                let n = line_of(at);
                let line_text = lines.get(n).copied().unwrap_or("");
                let reexport = is_facade && line_text.trim_start().starts_with("pub use");
                if reexport {
                    let name = abs.last().cloned().unwrap_or_default();
                    krate
                        .reexports
                        .entry(module.clone())
                        .or_default()
                        .insert(name, abs.clone());
                }
                raw_refs.push((rel.clone(), n + 1, line_text.to_string(), abs, reexport));
            }
            // `use a::{self, b}` and friends in a facade can also re-export through a plain `pub use x::y as z`;
            // those are rare and charged to the facade itself.
        }
        for (file, line, text, path, reexport) in raw_refs {
            if reexport {
                continue; // a facade's re-exports are not its dependencies
            }
            let target = krate.target_of(&path);
            krate.refs.push(Ref {
                file,
                line,
                text,
                path,
                target,
            });
        }
        krate
    }

    /// The file a path lands in: the longest module prefix, followed through its facade's re-exports.
    fn target_of(&self, path: &[String]) -> String {
        let mut path = path.to_vec();
        for _ in 0..8 {
            let k = (0..=path.len())
                .rev()
                .find(|&k| self.modules.contains_key(&path[..k]))
                .unwrap_or(0);
            let module = path[..k].to_vec();
            if let Some(next) = path.get(k) {
                if let Some(from) = self.reexports.get(&module).and_then(|r| r.get(next)) {
                    let mut p = from.clone();
                    p.extend_from_slice(&path[k + 1..]);
                    if p != path {
                        path = p;
                        continue;
                    }
                }
            }
            return self.modules[&module].clone();
        }
        self.modules[&Vec::new()].clone()
    }

    /// References from files under `from` (a prefix of `src/`-relative paths).
    fn refs_from<'a>(&'a self, from: &'a str) -> impl Iterator<Item = &'a Ref> + 'a {
        self.refs.iter().filter(move |r| r.file.starts_with(from))
    }

    /// The file-level cycles among the files under `dir`, each as a list of files.
    fn cycles_under(&self, dir: &str) -> Vec<Vec<String>> {
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for r in self.refs_from(dir) {
            if r.target.starts_with(dir) && r.target != r.file {
                edges.entry(&r.file).or_default().insert(&r.target);
            }
        }
        strongly_connected(&edges).into_iter().filter(|c| c.len() > 1).collect()
    }

    /// An example line for an edge, for the failure message.
    fn witness(&self, from: &str, to: &str) -> Option<&Ref> {
        self.refs.iter().find(|r| r.file == from && r.target == to)
    }
}

/// `super::x` in `net/send.rs` → `["net", "x"]`; `crate::a` → `["a"]`; `self::b` in `net/mod.rs` → `["net", "b"]`.
fn absolute(module: &[String], rel: &str, path: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = module.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ => {} // a child module of this file
    }
    let _ = rel;
    base.extend(rest.iter().cloned());
    Some(base)
}

/// Tarjan's strongly connected components.
fn strongly_connected<'a>(edges: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Vec<Vec<String>> {
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(v: &'a str, edges: &BTreeMap<&'a str, BTreeSet<&'a str>>, s: &mut State<'a>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for &w in edges.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(w, edges, s);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            comp.sort();
            s.out.push(comp);
        }
    }
    let mut s = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    let nodes: BTreeSet<&str> = edges
        .iter()
        .flat_map(|(k, v)| std::iter::once(*k).chain(v.iter().copied()))
        .collect();
    for v in nodes {
        if !s.index.contains_key(v) {
            visit(v, edges, &mut s);
        }
    }
    s.out
}

/// Fails with every offending line.
fn assert_none(rule: &str, mut offending: Vec<String>) {
    offending.dedup();
    assert!(
        offending.is_empty(),
        "{rule} — broken by:\n  {}\n(see ARCHITECTURE.md, \"Import directions\")",
        offending.join("\n  ")
    );
}

/// The references from `from` whose target file starts with one of `forbidden`.
fn reaching(k: &Crate, from: &str, forbidden: &[&str], allowed_paths: &[&[&str]]) -> Vec<String> {
    k.refs_from(from)
        .filter(|r| forbidden.iter().any(|f| r.target.starts_with(f)))
        .filter(|r| {
            !allowed_paths
                .iter()
                .any(|a| r.path.len() >= a.len() && r.path.iter().zip(a.iter()).all(|(x, y)| x == y))
        })
        .map(Ref::to_string)
        .collect()
}

#[test]
fn the_checker_sees_paths_in_groups_expressions_and_reexports() {
    let code = code_only("use super::{a::{b, c}, d};\nlet x = crate::e::f(); // crate::g::h\nlet s = \"crate::i\";");
    let found: Vec<String> = paths(&code, &[]).into_iter().map(|(_, p)| p.join("::")).collect();
    assert_eq!(found, ["super::a::b", "super::a::c", "super::d", "crate::e::f"]);
    let hidden = without_tests("use crate::a;\n#[cfg(test)]\nmod tests {\n use crate::b;\n}\nuse crate::c;");
    let found: Vec<String> = paths(&hidden, &[]).into_iter().map(|(_, p)| p.join("::")).collect();
    assert_eq!(found, ["crate::a", "crate::c"]);
    let k = Crate::get();
    // `net::sendp` is re-exported by net/mod.rs from net/send.rs.
    assert_eq!(k.target_of(&["net".into(), "sendp".into()]), "net/send.rs");
}

/// The engine knows no protocol: `src/packet` reaches `src/layers` only through the registry's entry point
/// (`packet/registry.rs`'s `installed`), so the engine runs on any registry, a toy one in its tests.
#[test]
fn the_engine_reaches_the_protocols_only_through_the_registry() {
    let k = Crate::get();
    let found: Vec<String> = k
        .refs_from("packet/")
        .filter(|r| r.target.starts_with("layers/"))
        .filter(|r| !(r.file == "packet/registry.rs" && r.path[..] == ["layers", "REGISTRY"]))
        .map(|r| r.to_string())
        .collect();
    assert_none(
        "src/packet may name src/layers only as crate::layers::REGISTRY, in packet/registry.rs",
        found,
    );
}

/// The layers below the language: the engine, the protocols, capture files and the live side never reach
/// up into the language or the REPL; the engine and protocols never reach the machine or files.
#[test]
fn lower_parts_never_reach_up() {
    let k = Crate::get();
    assert_none("src/packet and src/layers stay offline and below files", {
        let mut v = reaching(k, "packet/", &["lang/", "repl/", "net/", "pcapio/"], &[]);
        v.extend(reaching(k, "layers/", &["lang/", "repl/", "net/", "pcapio/"], &[]));
        v
    });
    assert_none("src/pcapio stays below the live side and the language", {
        reaching(k, "pcapio/", &["lang/", "repl/", "net/"], &[])
    });
    assert_none(
        "src/net stays below the language",
        reaching(k, "net/", &["lang/", "repl/"], &[]),
    );
    assert_none("src/lang stays below the REPL", reaching(k, "lang/", &["repl/"], &[]));
}

/// A value is a value: the language's `Value` knows no subsystem; host kinds come in through a trait, each
/// in its own file.
#[test]
fn the_language_value_imports_no_subsystem() {
    let k = Crate::get();
    assert_none(
        "src/lang/value.rs imports no subsystem and no binding module",
        reaching(k, "lang/value.rs", &["net/", "pcapio/", "layers/"], &[])
            .into_iter()
            .chain(reaching(k, "lang/value.rs", &BINDING_MODULES.map(|m| m), &[]))
            .chain(reaching(k, "lang/value.rs", &["lang/eval.rs", "lang/table.rs"], &[]))
            .collect(),
    );
}

/// The modules that bind a subsystem or define builtins and kinds of value.
const BINDING_MODULES: [&str; 9] = [
    "lang/builtins.rs",
    "lang/live.rs",
    "lang/pcap.rs",
    "lang/pcap_reader.rs",
    "lang/pcap_writer.rs",
    "lang/results.rs",
    "lang/net_table.rs",
    "lang/python.rs",
    "lang/exception.rs",
];

/// The grammar knows only the syntax: it is given the command form's names, and knows no builtin, session
/// or evaluator.
#[test]
fn the_parser_depends_on_syntax_only() {
    let k = Crate::get();
    assert_none(
        "src/lang/parser.rs imports only the AST and the error types",
        k.refs_from("lang/parser.rs")
            .filter(|r| !matches!(r.target.as_str(), "lang/ast.rs" | "lang/error.rs" | "lang/parser.rs"))
            .map(Ref::to_string)
            .collect(),
    );
}

/// Builtin bodies use the session's host API; only the table joins the rows.
#[test]
fn bindings_use_the_session_not_the_evaluator() {
    let k = Crate::get();
    let offending = BINDING_MODULES
        .iter()
        .flat_map(|from| reaching(k, from, &["lang/eval.rs", "lang/table.rs"], &[]))
        .collect();
    assert_none(
        "binding modules import lang/session.rs, never lang/eval.rs or lang/table.rs",
        offending,
    );
}

/// `src/net` is layered: no file-level import cycle.
#[test]
fn the_live_side_has_no_import_cycle() {
    let k = Crate::get();
    let offending = k
        .cycles_under("net/")
        .into_iter()
        .map(|cycle| {
            let lines: Vec<String> = cycle
                .iter()
                .flat_map(|a| cycle.iter().filter_map(move |b| k.witness(a, b)))
                .map(Ref::to_string)
                .collect();
            format!("cycle {}:\n    {}", cycle.join(" ⇄ "), lines.join("\n    "))
        })
        .collect();
    assert_none("src/net has no import cycle", offending);
}

/// Every part, for the record: the cycles left in the crate, printed (`cargo test --test architecture --
/// --nocapture`) for the architecture notes; the language's own is asserted below.
#[test]
fn print_every_cycle() {
    let k = Crate::get();
    for dir in ["packet/", "layers/", "pcapio/", "net/", "lang/", "repl/"] {
        for cycle in k.cycles_under(dir) {
            println!("cycle in src/{dir}: {}", cycle.join(" ⇄ "));
        }
    }
}
