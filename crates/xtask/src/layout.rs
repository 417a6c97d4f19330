//! `cargo xtask check-layout`: the server's structure, in its own terms. It fails when a
//! module of `crates/api/src` outside `http/` (and the wiring: `startup.rs`, the listener
//! `serve.rs`, `lib.rs`) names `axum` or `crate::http`, so doors stay in `http/` and
//! capabilities never reach up into them. It also prints what the structure costs a reader:
//! the largest import cycle among `api`'s files, and the files over 500 lines and
//! functions over 80 lines in the workspace.

use anyhow::bail;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Files outside `http/` that may name axum or `crate::http`: they wire the doors.
const WIRING: [&str; 3] = ["startup.rs", "serve.rs", "lib.rs"];
const LONG_FILE: usize = 500;
const LONG_FN: usize = 80;

/// Lengths in lines, each with what is that long.
type Lengths = Vec<(usize, String)>;

pub(crate) fn check(root: &Path) -> anyhow::Result<()> {
    let src = root.join("crates/api/src");
    let files = rust_files(&src);
    let mut broken = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src)?.to_string_lossy().replace('\\', "/");
        if rel.starts_with("http/") || WIRING.contains(&rel.as_str()) {
            continue;
        }
        let whole = std::fs::read_to_string(file)?;
        let text = without_tests(&whole);
        if text.contains("axum") {
            broken.push(format!("{rel} names axum: routes and extractors belong under http/"));
        }
        if text.contains("crate::http") {
            broken.push(format!("{rel} imports crate::http: a capability never reaches up into a door"));
        }
    }
    let cycle = largest_cycle(&src, &files)?;
    match cycle.len() {
        0 | 1 => println!("import cycles in api: none"),
        n => println!("largest import cycle in api: {n} files {cycle:?}"),
    }
    let (long_files, long_fns) = lengths(root)?;
    println!("files over {LONG_FILE} lines: {}", long_files.len());
    for (lines, file) in &long_files {
        println!("  {lines:5}  {file}");
    }
    println!("functions over {LONG_FN} lines: {}", long_fns.len());
    for (lines, name) in &long_fns {
        println!("  {lines:5}  {name}");
    }
    if !broken.is_empty() {
        bail!("the layout is broken:\n  {}", broken.join("\n  "));
    }
    println!("layout: doors only under http/, no capability imports them");
    Ok(())
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name != "target" && name != "pkg" && name != "node_modules" {
            found.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// The file's text before its unit tests (which may use anything).
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests").map_or(text, |at| &text[..at])
}

/// The module path of `file` under `src` (`http/mod.rs` is `http`, `lib.rs` the root).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") || parts == ["lib"] || parts == ["main"] {
        parts.pop();
    }
    parts
}

/// The largest strongly connected set of files, by the `crate::` and `super::` paths of
/// their code (comments are not imports).
fn largest_cycle(src: &Path, files: &[PathBuf]) -> anyhow::Result<Vec<String>> {
    let modules: BTreeMap<Vec<String>, bool> =
        files.iter().map(|f| (module_of(src, f), f.ends_with("mod.rs"))).collect();
    let resolve = |mut path: Vec<String>| {
        while !path.is_empty() && !modules.contains_key(&path) {
            path.pop();
        }
        modules.contains_key(&path).then_some(path)
    };
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in files {
        let me = module_of(src, file);
        let text = std::fs::read_to_string(file)?;
        let code: String = without_tests(&text)
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for (base, rest) in paths(&code) {
            let mut path = match base {
                "crate" => Vec::new(),
                _ => me[..me.len().saturating_sub(1)].to_vec(),
            };
            path.extend(rest);
            if let Some(target) = resolve(path).filter(|t| *t != me) {
                edges.entry(me.clone()).or_default().insert(target);
            }
        }
    }
    let nodes: Vec<Vec<String>> = modules.keys().cloned().collect();
    let mut best = Vec::new();
    for component in components(&nodes, &edges) {
        if component.len() > best.len() {
            best = component;
        }
    }
    let mut names: Vec<String> = best.iter().map(|m| m.join("/")).collect();
    names.sort();
    Ok(names)
}

/// Every `crate::a::b` and `super::a::{b, c::d}` path in `text`, as its base and segments.
fn paths(text: &str) -> Vec<(&'static str, Vec<String>)> {
    let mut found = Vec::new();
    for base in ["crate", "super"] {
        let needle = format!("{base}::");
        let mut at = 0;
        while let Some(i) = text[at..].find(&needle) {
            let start = at + i;
            at = start + needle.len();
            let before = text[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let tail: String =
                text[at..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
            let segments: Vec<String> =
                tail.split("::").filter(|s| !s.is_empty() && *s != "self").map(str::to_owned).collect();
            let base = if base == "crate" { "crate" } else { "super" };
            if text[at + tail.len()..].starts_with('{') {
                let group = &text[at + tail.len() + 1..];
                let group = &group[..group.find('}').unwrap_or(group.len())];
                for item in group.split(',') {
                    let item = item.split(" as ").next().unwrap_or("").trim().trim_start_matches('{');
                    let mut path = segments.clone();
                    path.extend(
                        item.split("::").filter(|s| !s.is_empty() && *s != "self").map(str::to_owned),
                    );
                    found.push((base, path));
                }
            }
            found.push((base, segments));
        }
    }
    found
}

/// Strongly connected components (Tarjan's, iterative enough for a few hundred files).
fn components(
    nodes: &[Vec<String>],
    edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
) -> Vec<Vec<Vec<String>>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<Vec<String>, usize>,
        low: BTreeMap<Vec<String>, usize>,
        stack: Vec<Vec<String>>,
        on_stack: BTreeSet<Vec<String>>,
        found: Vec<Vec<Vec<String>>>,
    }
    fn visit(walk: &mut Walk<'_>, v: &Vec<String>) {
        let n = walk.index.len();
        walk.index.insert(v.clone(), n);
        walk.low.insert(v.clone(), n);
        walk.stack.push(v.clone());
        walk.on_stack.insert(v.clone());
        for w in walk.edges.get(v).into_iter().flatten() {
            if !walk.index.contains_key(w) {
                visit(walk, w);
                let low = walk.low[v].min(walk.low[w]);
                walk.low.insert(v.clone(), low);
            } else if walk.on_stack.contains(w) {
                let low = walk.low[v].min(walk.index[w]);
                walk.low.insert(v.clone(), low);
            }
        }
        if walk.low[v] == walk.index[v] {
            let mut component = Vec::new();
            while let Some(w) = walk.stack.pop() {
                walk.on_stack.remove(&w);
                let done = w == *v;
                component.push(w);
                if done {
                    break;
                }
            }
            walk.found.push(component);
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in nodes {
        if !walk.index.contains_key(v) {
            visit(&mut walk, v);
        }
    }
    walk.found
}

/// Files over [`LONG_FILE`] lines and functions over [`LONG_FN`] in `crates/` and `tests/`,
/// longest first. A function's length runs from its `fn` line to the line closing its body.
fn lengths(root: &Path) -> anyhow::Result<(Lengths, Lengths)> {
    let mut long_files = Vec::new();
    let mut long_fns = Vec::new();
    for file in rust_files(&root.join("crates")).into_iter().chain(rust_files(&root.join("tests"))) {
        let text = std::fs::read_to_string(&file)?;
        let rel = file.strip_prefix(root)?.to_string_lossy().into_owned();
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > LONG_FILE {
            long_files.push((lines.len(), rel.clone()));
        }
        for (i, line) in lines.iter().enumerate() {
            let Some(name) = fn_name(line) else { continue };
            let length = body_length(&lines[i..]);
            if length > LONG_FN {
                long_fns.push((length, format!("{rel}: {name}")));
            }
        }
    }
    long_files.sort_by(|a, b| b.cmp(a));
    long_fns.sort_by(|a, b| b.cmp(a));
    Ok((long_files, long_fns))
}

/// The name of the function `line` starts, if it starts one with a body.
fn fn_name(line: &str) -> Option<&str> {
    let rest = line.trim_start();
    let rest = rest.strip_prefix("pub(crate) ").or(rest.strip_prefix("pub(super) ")).unwrap_or(rest);
    let rest = rest.strip_prefix("pub ").unwrap_or(rest);
    let rest = rest.strip_prefix("async ").unwrap_or(rest);
    let rest = rest.strip_prefix("const ").unwrap_or(rest);
    let rest = rest.strip_prefix("fn ")?;
    if line.trim_end().ends_with(';') {
        return None;
    }
    let end = rest.find(|c: char| !c.is_alphanumeric() && c != '_').unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Lines from a `fn` line to the brace closing its body (strings and comments skipped).
fn body_length(lines: &[&str]) -> usize {
    let mut depth = 0i64;
    let mut opened = false;
    for (n, line) in lines.iter().enumerate() {
        let code = strip_strings(line);
        let code = code.split("//").next().unwrap_or("");
        for c in code.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        if opened && depth <= 0 {
            return n + 1;
        }
        if !opened && code.trim_end().ends_with(';') {
            return n + 1;
        }
    }
    lines.len()
}

fn strip_strings(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        match (in_string, c) {
            (true, '\\') => {
                chars.next();
            }
            (true, '"') => in_string = false,
            (true, _) => {}
            (false, '"') => in_string = true,
            (false, '\'') if chars.peek().is_some_and(|n| *n == '{' || *n == '}') => {
                chars.next();
            }
            (false, c) => out.push(c),
        }
    }
    out
}
