//! The walls of the house, checked on the sources: the engine knows no database, and only the
//! application layer calls a write function of the store.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The write functions of the store, read from its role traits (`…Writes`), so a new one is
/// covered without touching this test.
fn store_writes() -> Vec<String> {
    let lib = std::fs::read_to_string(root().join("crates/store/src/lib.rs")).unwrap();
    let mut out = Vec::new();
    let mut in_writes = false;
    for line in lib.lines() {
        if line.starts_with("pub trait ") {
            in_writes = line.contains("Writes:");
        } else if line.starts_with('}') {
            in_writes = false;
        } else if in_writes {
            if let Some(rest) = line.trim().strip_prefix("async fn ") {
                let name: String = rest.chars().take_while(|c| *c != '(').collect();
                out.push(name);
            }
        }
    }
    assert!(
        out.len() > 30 && out.iter().any(|n| n == "write_values"),
        "{out:?}"
    );
    out
}

#[test]
fn only_the_application_layer_calls_a_store_write() {
    let writes = store_writes();
    let mut offences = Vec::new();
    for krate in ["web", "chiso", "collect", "engine", "io", "core"] {
        let mut files = Vec::new();
        rust_files(&root().join("crates").join(krate).join("src"), &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            // A call of a write, with the receiver just before it (`x.name(`), across lines:
            // white space removed, so `st\n    .app\n    .write_values(` reads `st.app.write_values(`.
            let flat: String = text
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace(" .", ".")
                .replace(". ", ".");
            for w in &writes {
                let needle = format!(".{w}(");
                let mut from = 0;
                while let Some(i) = flat[from..].find(&needle) {
                    let at = from + i;
                    let before = &flat[..at];
                    let receiver = before
                        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                        .next()
                        .unwrap_or("");
                    let through_app = receiver == "app"
                        || receiver.ends_with(".app")
                        || before.ends_with("App::for_command(store)")
                        || before.ends_with("App::for_command(open(&database).await?)");
                    if !through_app {
                        offences.push(format!(
                            "{}: .{w}( on '{receiver}'",
                            f.strip_prefix(root()).unwrap_or(&f).display()
                        ));
                    }
                    from = at + needle.len();
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "store writes outside the application layer:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_engine_knows_no_database() {
    let toml = std::fs::read_to_string(root().join("crates/engine/Cargo.toml")).unwrap();
    let deps = toml.split("[dev-dependencies]").next().unwrap_or("");
    for forbidden in ["chiso-store", "sqlx", "chiso-app", "chiso-web"] {
        assert!(
            !deps.contains(forbidden),
            "the engine depends on {forbidden}"
        );
    }
}

/// Every row of ARCHITECTURE.md's "Where is …" table names a file that exists and a function
/// or type defined in it.
#[test]
fn the_where_is_table_points_at_real_code() {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let table = doc
        .split("## Where is")
        .nth(1)
        .and_then(|rest| rest.split("\n#").next())
        .expect("a 'Where is …' section");
    let mut rows = 0;
    for line in table.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(file), Some(name)) = (cells.get(2), cells.get(3)) else {
            continue;
        };
        let (Some(file), Some(name)) = (
            file.strip_prefix('`').and_then(|f| f.strip_suffix('`')),
            name.strip_prefix('`').and_then(|n| n.strip_suffix('`')),
        ) else {
            continue;
        };
        let text = std::fs::read_to_string(root().join(file))
            .unwrap_or_else(|_| panic!("{file} (for {name}) does not exist"));
        let defined = [
            format!("fn {name}("),
            format!("fn {name}<"),
            format!("struct {name} "),
            format!("struct {name}<"),
            format!("struct {name}("),
            format!("enum {name} "),
            format!("trait {name}"),
        ]
        .iter()
        .any(|d| text.contains(d.as_str()));
        assert!(defined, "{name} is not defined in {file}");
        rows += 1;
    }
    assert!(rows >= 15, "the table has {rows} rows");
}
