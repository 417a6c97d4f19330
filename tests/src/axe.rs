//! axe-core (npm), the accessibility checker, run inside the page a `Browser` shows.
//! `cargo xtask test` installs it under `target/axe`; without it the accessibility tests are
//! skipped, visibly, and with `CI=true` they fail.

use crate::workspace_root;

/// axe's source, or `None` (printing SKIPPED) when it is not installed; panics then when
/// `CI=true`.
pub fn source() -> Option<String> {
    let path = workspace_root().join("target/axe/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("axe-core is required when CI=true, but {} is missing", path.display())
        }
        Err(_) => {
            eprintln!(
                "SKIPPED: axe-core is not installed at {} (cargo xtask test installs it)",
                path.display()
            );
            None
        }
    }
}

/// The serious and critical violations axe finds in the page (or frame) `client` is in,
/// each as `rule: what it says (the elements)`.
pub async fn serious_violations(client: &fantoccini::Client, source: &str) -> Vec<String> {
    violations(client, source, &["serious", "critical"]).await
}

/// The violations of `impacts` (`minor`, `moderate`, `serious`, `critical`) axe finds in
/// the page `client` is in, each as `rule: what it says (the elements)`.
pub async fn violations(client: &fantoccini::Client, source: &str, impacts: &[&str]) -> Vec<String> {
    client.execute(&format!("{source}\n;return true;"), vec![]).await.expect("axe loads into the page");
    let script = "const impacts = arguments[0], done = arguments[arguments.length - 1]; \
        axe.run(document, { resultTypes: ['violations'] }) \
          .then(r => done(r.violations.filter(v => impacts.includes(v.impact)) \
            .map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).join(', ') + ')'))) \
          .catch(e => done(['axe failed: ' + e]));";
    let found = client.execute_async(script, vec![serde_json::json!(impacts)]).await.expect("axe runs");
    serde_json::from_value(found).expect("a list of violations")
}
