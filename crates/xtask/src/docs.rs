//! The commands the docs show, checked against what really takes them. Every shell command
//! in a ```sh, ```console, ```bash or ```shell block of README.md and docs/*.md is read as
//! a shell would split it, and:
//!
//! - `tribefund …` (also `cargo run … --bin tribefund -- …`, and what `cargo xtask run --`
//!   hands to `tribefund serve --demo`) must parse with the server's own command line
//!   (`api::cli::Cli`), and for `serve` and `config check` give valid settings;
//! - every `curl`'s method and path must be a route of the generated OpenAPI document, or
//!   outside `/api/v1` one of [`PAGES`];
//! - `cargo xtask …` must be a task [`Task::parse`] takes.
//!
//! Other programs' commands (`export`, `pg_dump`, …) are not checked.

use crate::Task;
use api::cli::{Cli, Command, ConfigCommand};
use clap::Parser;
use std::path::{Path, PathBuf};

/// The routes outside `/api/v1` that docs may show: pages, files and hooks, each
/// registered by a plain `.route(…)` in `crates/api/src` (checked below), and `/metrics`,
/// served on `--metrics-listen` only.
const PAGES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/embed.js"),
    ("GET", "/embed/{id}"),
    ("POST", "/embed/{id}/pledge"),
    ("GET", "/c/{id}"),
    ("GET", "/c/{id}/qr.svg"),
    ("GET", "/c/{id}/poster.png"),
    ("GET", "/c/{id}/updates.atom"),
    ("GET", "/r/{token}"),
    ("GET", "/pay/{token}"),
    ("GET", "/covers/{file}"),
    ("POST", "/webhooks/stripe"),
    ("GET", "/dashboard"),
    ("GET", "/dashboard/sign-in"),
    ("GET", "/dashboard/sign-up"),
];

/// The settings file the docs name, and the sample in the repository that is installed there.
const CONFIG_FILE: (&str, &str) = ("/etc/tribefund/tribefund.toml", "deploy/tribefund.toml");

/// README.md and every docs/*.md.
fn pages(root: &Path) -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("a docs/ folder")
        .map(|entry| entry.expect("a docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    pages.insert(0, root.join("README.md"));
    pages
}

/// The shell commands of a page's shell blocks, each with the number of the line it starts
/// on: continued lines joined, here-documents skipped, and in ```console blocks only what
/// follows a `$ ` prompt.
fn commands(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut block: Option<bool> = None; // Some(console) inside a shell block
    let mut fenced = false;
    let mut pending: Option<(usize, String)> = None;
    let mut heredoc: Option<String> = None;
    for (at, line) in text.lines().enumerate() {
        let number = at + 1;
        let trimmed = line.trim_start();
        if let Some(fence) = trimmed.strip_prefix("```") {
            if fenced {
                fenced = false;
                block = None;
                pending = None;
                heredoc = None;
            } else {
                fenced = true;
                let kind = fence.split_whitespace().next().unwrap_or_default();
                block = match kind {
                    "sh" | "bash" | "shell" => Some(false),
                    "console" => Some(true),
                    _ => None,
                };
            }
            continue;
        }
        let Some(console) = block else { continue };
        if let Some(end) = &heredoc {
            if line.trim() == end {
                heredoc = None;
            }
            continue;
        }
        let (start, body) = match pending.take() {
            Some((start, so_far)) => (start, format!("{so_far} {}", line.trim())),
            None if console => match trimmed.strip_prefix("$ ") {
                Some(command) => (number, command.trim().to_owned()),
                None => continue,
            },
            None => (number, line.trim().to_owned()),
        };
        if let Some(continued) = body.strip_suffix('\\') {
            pending = Some((start, continued.trim_end().to_owned()));
            continue;
        }
        heredoc = heredoc_end(&body);
        if !body.is_empty() {
            found.push((start, body));
        }
    }
    found
}

/// The word that ends a here-document the line starts (`<<'JSON'`, `<<EOF`, `<<-END`).
fn heredoc_end(line: &str) -> Option<String> {
    let after = line.split_once("<<")?.1;
    if after.starts_with('<') {
        return None; // a here-string, `<<<`
    }
    let after = after.strip_prefix('-').unwrap_or(after);
    let word: String = after
        .trim_start()
        .trim_start_matches(['\'', '"'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// A command line split into words, near enough to a POSIX shell for docs: quotes removed,
/// `$(…)` kept whole, a `#` comment dropped; `|`, `||`, `&&`, `;`, `&` and redirections
/// (`>`, `>>`, `<`, `<<`, `2>`) become words of their own.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut started = false;
    let mut chars = line.chars().peekable();
    let end = |word: &mut String, started: &mut bool, words: &mut Vec<String>| {
        if std::mem::take(started) {
            words.push(std::mem::take(word));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => end(&mut word, &mut started, &mut words),
            '#' if !started => break,
            '\'' => {
                started = true;
                word.extend(chars.by_ref().take_while(|c| *c != '\''));
            }
            '"' => {
                started = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' if chars.peek().is_some_and(|n| matches!(n, '"' | '\\' | '$' | '`')) => {
                            word.extend(chars.next());
                        }
                        _ => word.push(c),
                    }
                }
            }
            '\\' => {
                started = true;
                word.extend(chars.next());
            }
            '$' if chars.peek() == Some(&'(') => {
                started = true;
                word.push('$');
                let mut depth = 0;
                for c in chars.by_ref() {
                    word.push(c);
                    match c {
                        '(' => depth += 1,
                        ')' if depth == 1 => break,
                        ')' => depth -= 1,
                        _ => {}
                    }
                }
            }
            '|' | '&' | ';' | '>' | '<' => {
                if c == '>' || c == '<' {
                    // `2>`: the digits name a descriptor, not a word.
                    if started && word.chars().all(|c| c.is_ascii_digit()) {
                        word.clear();
                        started = false;
                    }
                }
                end(&mut word, &mut started, &mut words);
                let mut operator = c.to_string();
                while chars.peek().is_some_and(|n| *n == c || (c == '>' && *n == '&')) {
                    operator.extend(chars.next());
                }
                words.push(operator);
            }
            _ => {
                started = true;
                word.push(c);
            }
        }
    }
    end(&mut word, &mut started, &mut words);
    words
}

/// The simple commands of a line's words: split at `|`, `&&`, `;`…, without redirections
/// (and the file each names), without leading `NAME=value` assignments and `sudo`.
fn simple_commands(words: &[String]) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut words = words.iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "|" | "||" | "&&" | ";" | "&" => commands.push(Vec::new()),
            w if w.starts_with(['>', '<']) => {
                words.next();
            }
            _ => commands.last_mut().expect("one command at least").push(word.clone()),
        }
    }
    commands
        .into_iter()
        .map(|command| {
            let mut rest = command.as_slice();
            loop {
                match rest {
                    [first, tail @ ..] if is_assignment(first) => rest = tail,
                    [sudo, flag, _, tail @ ..] if sudo == "sudo" && (flag == "-u" || flag == "-g") => {
                        rest = tail
                    }
                    [sudo, tail @ ..] if sudo == "sudo" => rest = tail,
                    _ => break,
                }
            }
            rest.to_vec()
        })
        .filter(|command| !command.is_empty())
        .collect()
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// What a simple command is, for the check.
#[derive(Debug, PartialEq)]
enum Kind {
    /// `tribefund` and its arguments.
    Tribefund(Vec<String>),
    /// `cargo xtask` and its arguments.
    Xtask(Vec<String>),
    Curl(Vec<String>),
    Other,
}

fn kind(command: &[String]) -> Kind {
    let Some((program, args)) = command.split_first() else { return Kind::Other };
    match program.as_str() {
        "tribefund" => Kind::Tribefund(args.to_vec()),
        p if p.ends_with("/tribefund") => Kind::Tribefund(args.to_vec()),
        "curl" => Kind::Curl(args.to_vec()),
        "cargo" => {
            let args: Vec<&String> = args.iter().skip_while(|a| a.starts_with('+')).collect();
            match args.first().map(|a| a.as_str()) {
                Some("xtask") => Kind::Xtask(args[1..].iter().map(|a| a.to_string()).collect()),
                Some("run") => {
                    let split = args.iter().position(|a| *a == "--").unwrap_or(args.len());
                    let cargo_args = &args[..split];
                    let tribefund = cargo_args.windows(2).any(|w| w[0] == "--bin" && w[1] == "tribefund")
                        || cargo_args.iter().any(|a| *a == "--bin=tribefund");
                    if tribefund {
                        Kind::Tribefund(args.iter().skip(split + 1).map(|a| a.to_string()).collect())
                    } else {
                        Kind::Other
                    }
                }
                _ => Kind::Other,
            }
        }
        _ => Kind::Other,
    }
}

/// Parses `tribefund ARGS` as the binary does, with the docs' settings file read from the
/// sample in `deploy/`; for `serve` and `config check`, the settings must be valid too.
fn check_tribefund(root: &Path, args: &[String]) -> Result<(), String> {
    let mut argv = vec![std::ffi::OsString::from("tribefund")];
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let file = match arg.strip_prefix("--config=") {
            Some(file) => Some(file.to_owned()),
            None if arg == "--config" => Some(args.next().cloned().unwrap_or_default()),
            None => None,
        };
        match file {
            Some(file) if file == CONFIG_FILE.0 => {
                argv.push("--config".into());
                argv.push(root.join(CONFIG_FILE.1).into());
            }
            Some(file) => {
                return Err(format!(
                    "--config {file}: docs name {} (the sample {})",
                    CONFIG_FILE.0, CONFIG_FILE.1
                ));
            }
            None => argv.push(arg.into()),
        }
    }
    let argv = api::cli::with_config_file(argv).map_err(|e| format!("{e:#}"))?;
    let cli = Cli::try_parse_from(argv).map_err(|e| e.render().to_string())?;
    match cli.command {
        Command::Serve(args) | Command::Config { command: ConfigCommand::Check(args) } => {
            args.settings().map(|_| ()).map_err(|e| format!("{e:#}"))
        }
        _ => Ok(()),
    }
}

/// The routes of the OpenAPI document: method and path template.
fn api_routes() -> Vec<(String, String)> {
    let document: serde_json::Value =
        serde_json::from_str(&api::http::openapi_json()).expect("the OpenAPI document is JSON");
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    routes
}

/// Whether `path` is one `template` stands for (`{id}` is any one segment).
fn matches(template: &str, path: &str) -> bool {
    let (template, path): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    template.len() == path.len()
        && template.iter().zip(&path).all(|(t, p)| match (t.find('{'), t.find('}')) {
            (Some(open), Some(close)) => {
                p.len() > open + (t.len() - close - 1)
                    && p.starts_with(&t[..open])
                    && p.ends_with(&t[close + 1..])
            }
            _ => t == p,
        })
}

/// A `curl`'s method and the path of each address it names.
fn curl_requests(args: &[String]) -> Result<Vec<(String, String)>, String> {
    let mut method: Option<String> = None;
    let mut implied = "GET";
    let mut paths = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-X" | "--request" => method = args.next().cloned(),
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-urlencode" | "-F" | "--form" => {
                args.next();
                implied = "POST";
            }
            "-T" | "--upload-file" => {
                args.next();
                implied = "PUT";
            }
            "-I" | "--head" => implied = "HEAD",
            "-H" | "--header" | "-o" | "--output" | "-u" | "--user" | "-A" | "--user-agent" | "-e"
            | "--referer" | "-b" | "--cookie" | "-c" | "--cookie-jar" | "-m" | "--max-time" => {
                args.next();
            }
            a if a.contains("://") => {
                let rest = &a[a.find("://").expect("found") + 3..];
                paths.push(rest.find('/').map_or("/", |at| &rest[at..]).to_owned());
            }
            a if a.starts_with('$') && a.contains('/') => {
                paths.push(a[a.find('/').expect("found")..].to_owned())
            }
            _ => {}
        }
    }
    if paths.is_empty() {
        return Err("curl names no address".into());
    }
    let method = method.unwrap_or_else(|| implied.to_owned());
    Ok(paths
        .into_iter()
        .map(|path| (method.clone(), path.split(['?', '#']).next().unwrap_or_default().to_owned()))
        .collect())
}

#[test]
fn every_command_in_the_docs_is_one_the_server_or_xtask_accepts() {
    let root = crate::root();
    let api_routes = api_routes();
    let mut checked = (0, 0, 0);
    let mut wrong = Vec::new();
    for page in pages(&root) {
        let name = page.strip_prefix(&root).unwrap_or(&page).display().to_string();
        let text = std::fs::read_to_string(&page).expect("a readable page");
        for (line, command) in commands(&text) {
            for simple in simple_commands(&words(&command)) {
                let outcome = match kind(&simple) {
                    Kind::Tribefund(args) => {
                        checked.0 += 1;
                        check_tribefund(&root, &args)
                    }
                    Kind::Curl(args) => {
                        checked.1 += 1;
                        curl_requests(&args).and_then(|requests| {
                            requests.iter().try_for_each(|(method, path)| {
                                let known = if path.starts_with("/api/") {
                                    api_routes.iter().any(|(m, t)| m == method && matches(t, path))
                                } else {
                                    PAGES.iter().any(|(m, t)| m == method && matches(t, path))
                                };
                                if known { Ok(()) } else { Err(format!("no route {method} {path}")) }
                            })
                        })
                    }
                    Kind::Xtask(args) => {
                        checked.2 += 1;
                        match Task::parse(args) {
                            Ok(Task::Run(server_args)) => {
                                let serve = ["serve", "--demo"].map(String::from).into_iter();
                                check_tribefund(&root, &serve.chain(server_args).collect::<Vec<_>>())
                            }
                            Ok(_) => Ok(()),
                            Err(e) => Err(format!("{e:#}")),
                        }
                    }
                    Kind::Other => Ok(()),
                };
                if let Err(why) = outcome {
                    wrong.push(format!(
                        "{name}:{line}: {command}\n    {}",
                        why.trim().replace('\n', "\n    ")
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "commands in the docs that nothing takes:\n{}", wrong.join("\n"));
    let (tribefund, curl, xtask) = checked;
    assert!(tribefund > 0 && curl > 0 && xtask > 0, "the docs' commands were found: {checked:?}");

    // The pages docs may name are the server's own.
    let mut sources = String::new();
    let mut folders = vec![root.join("crates/api/src")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).expect("crates/api/src") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                sources.push_str(&std::fs::read_to_string(&path).expect("a source file"));
            }
        }
    }
    for (_, path) in PAGES {
        assert!(sources.contains(&format!("\"{path}\"")), "{path} is a route of the server");
    }
}

#[test]
fn the_docs_commands_are_split_into_words_as_a_shell_splits_them() {
    let line =
        r#"A=1 tribefund backup --to /b/tf-$(date +%F).db --name "My blog" 2>/dev/null | tee 'x y' # note"#;
    let split = simple_commands(&words(line));
    assert_eq!(
        split,
        vec![
            vec!["tribefund", "backup", "--to", "/b/tf-$(date +%F).db", "--name", "My blog"],
            vec!["tee", "x y"]
        ]
    );
    let block = "```sh\ncat > a.json <<'JSON'\n{\"curl\": 1}\nJSON\ncurl -s -X POST \\\n  http://h/api/v1/campaigns\n```\n\
                 ```console\n$ cargo xtask bench size\nsize: 1 B\n```\n";
    assert_eq!(
        commands(block),
        vec![
            (2, "cat > a.json <<'JSON'".to_owned()),
            (5, "curl -s -X POST http://h/api/v1/campaigns".to_owned()),
            (9, "cargo xtask bench size".to_owned())
        ]
    );
    assert!(matches("/c/{id}/qr.svg", "/c/walnut-desk-lamp/qr.svg"));
    assert!(!matches("/api/v1/campaigns/{id}/pledges", "/api/v1/campaigns/x/pledges.csv"));
}
