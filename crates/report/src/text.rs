//! The wording: a template per language (minijinja) renders the report's content into a
//! small line markup, parsed here into a [`Doc`] that every format draws.
//!
//! The markup, one instruction per line:
//! - `%key value` — a field of the document's frame (issuer, number, place, type, summary,
//!   signer, recipients…), `|` separating its lines;
//! - `# `, `## `, `### ` — headings (parts I, 1, a);
//! - `- ` — an item; `> ` — a small note (e.g. the data version);
//! - `@table TITLE`, then `@widths 1 5 2…` (optional), a header row `| a | b |`, the rows
//!   `| … |`, and `@end`;
//! - any other line is text; a blank line ends a paragraph.
//!
//! The defaults are embedded; a folder given with `--templates DIR` overrides any of them
//! (`vi.md`, `en.md`, `bn.md`). A template error names the file, the line and what could not
//! be resolved.

use crate::{fmt, Lang, Report};
use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// A paragraph's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParaKind {
    Text,
    Item,
    Note,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub title: String,
    /// Relative column widths (as many as the header's cells).
    pub widths: Vec<f32>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(u8, String),
    /// A chart: its SVG (the dashboard's bar chart) and its title.
    Chart(String, String),
    Para(ParaKind, String),
    Table(Table),
}

/// A report in one language, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub lang: Lang,
    /// The document's frame: issuer, number, place, type, summary, signer, recipients….
    pub meta: BTreeMap<String, String>,
    pub blocks: Vec<Block>,
}

impl Doc {
    pub fn meta(&self, key: &str) -> &str {
        self.meta.get(key).map(String::as_str).unwrap_or("")
    }

    /// A frame field's lines (split on `|`).
    pub fn lines(&self, key: &str) -> Vec<&str> {
        let m = self.meta(key);
        if m.is_empty() {
            Vec::new()
        } else {
            m.split('|').map(str::trim).collect()
        }
    }

    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
    }
}

/// A template that failed, with where and what.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct TemplateError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

const DEFAULTS: [(&str, &str); 3] = [
    ("vi.md", include_str!("../templates/vi.md")),
    ("en.md", include_str!("../templates/en.md")),
    ("bn.md", include_str!("../templates/bn.md")),
];

fn file_of(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => "vi.md",
        Lang::En => "en.md",
        Lang::Bn => "bn.md",
    }
}

fn num_arg(v: &Value) -> Option<f64> {
    if v.is_none() || v.is_undefined() {
        return None;
    }
    f64::try_from(v.clone()).ok()
}

/// The environment with the language's number filters.
fn environment(lang: Lang) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("num", move |v: Value, d: Option<u8>| -> String {
        num_arg(&v)
            .map(|x| fmt::number(x, d.unwrap_or(0), lang))
            .unwrap_or_else(|| "—".into())
    });
    env.add_filter("pct", move |v: Value, d: Option<u8>| -> String {
        num_arg(&v)
            .map(|x| fmt::percent(x, d.unwrap_or(2), lang))
            .unwrap_or_else(|| "—".into())
    });
    // The absolute value: "tăng 9,48 điểm" says the sign in words.
    env.add_filter("abs", |v: Value| -> Value {
        num_arg(&v).map(|x| Value::from(x.abs())).unwrap_or(v)
    });
    env.add_filter("date", move |v: Value| -> String {
        v.as_str()
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(|d| fmt::date(d, lang))
            .unwrap_or_else(|| v.to_string())
    });
    env.add_filter("digits", move |v: Value| -> String {
        fmt::digits(&v.to_string(), lang)
    });
    // A table cell: no "|" and no line break inside.
    env.add_filter("cell", |v: Value| -> String {
        let s = if v.is_none() {
            String::new()
        } else {
            v.to_string()
        };
        s.replace('|', "/").replace('\n', " ")
    });
    env
}

fn template_error(file: &str, src: &str, e: &minijinja::Error) -> TemplateError {
    let line = e.line().unwrap_or(0);
    let mut message = e.to_string();
    if e.kind() == ErrorKind::UndefinedError {
        if let Some(r) = e.range() {
            if let Some(name) = src.get(r) {
                message = format!("cannot resolve `{}` ({e})", name.trim());
            }
        }
    }
    TemplateError {
        file: file.into(),
        line,
        message,
    }
}

/// Render the report in a language with the default templates, or those of `dir` where it
/// holds the language's file.
pub fn render(report: &Report, lang: Lang, dir: Option<&Path>) -> Result<Doc, TemplateError> {
    let name = file_of(lang);
    let default = DEFAULTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .unwrap_or("");
    let (file, src) = match dir.map(|d| d.join(name)).filter(|p| p.exists()) {
        Some(p) => {
            let src = std::fs::read_to_string(&p).map_err(|e| TemplateError {
                file: p.display().to_string(),
                line: 0,
                message: format!("cannot read the template: {e}"),
            })?;
            (p.display().to_string(), src)
        }
        None => (name.to_string(), default.to_string()),
    };
    let mut env = environment(lang);
    env.add_template_owned(file.clone(), src.clone())
        .map_err(|e| template_error(&file, &src, &e))?;
    let out = env
        .get_template(&file)
        .and_then(|t| t.render(Value::from_serialize(report)))
        .map_err(|e| template_error(&file, &src, &e))?;
    let mut doc = parse(&out, lang).map_err(|(line, message)| TemplateError {
        file: format!("{file} (rendered)"),
        line,
        message,
    })?;
    // The charts, from the figures; a chart with nothing to draw is left out.
    doc.blocks.retain_mut(|b| match b {
        Block::Chart(svg, spec) => {
            let mut parts = spec.split('|').map(str::trim);
            let head = parts.next().unwrap_or("");
            let (kind, title) = head.split_once(' ').unwrap_or((head, ""));
            let series: Vec<String> = parts.map(str::to_string).collect();
            match crate::chart::svg(report, lang, kind, title, &series) {
                Some(s) => {
                    *svg = s;
                    *spec = title.to_string();
                    true
                }
                None => false,
            }
        }
        _ => true,
    });
    Ok(doc)
}

fn cells(line: &str) -> Vec<String> {
    let l = line.trim();
    let l = l.strip_prefix('|').unwrap_or(l);
    let l = l.strip_suffix('|').unwrap_or(l);
    l.split('|').map(|c| c.trim().to_string()).collect()
}

/// Parse the markup a template rendered.
pub fn parse(text: &str, lang: Lang) -> Result<Doc, (usize, String)> {
    let mut doc = Doc {
        lang,
        meta: BTreeMap::new(),
        blocks: Vec::new(),
    };
    let mut para: Option<String> = None;
    let mut table: Option<Table> = None;
    let flush = |para: &mut Option<String>, blocks: &mut Vec<Block>| {
        if let Some(p) = para.take() {
            blocks.push(Block::Para(ParaKind::Text, p));
        }
    };
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if let Some(t) = table.as_mut() {
            if line.trim() == "@end" {
                if let Some(t) = table.take() {
                    doc.blocks.push(Block::Table(t));
                }
            } else if let Some(w) = line.strip_prefix("@widths") {
                t.widths = w
                    .split_whitespace()
                    .map(|x| {
                        x.parse::<f32>()
                            .map_err(|_| (n + 1, format!("bad width {x:?}")))
                    })
                    .collect::<Result<_, _>>()?;
            } else if line.trim_start().starts_with('|') {
                let c = cells(line);
                if t.header.is_empty() {
                    t.header = c;
                } else if c.len() != t.header.len() {
                    return Err((
                        n + 1,
                        format!(
                            "a row of {} cells in a table of {} columns",
                            c.len(),
                            t.header.len()
                        ),
                    ));
                } else {
                    t.rows.push(c);
                }
            } else if !line.trim().is_empty() {
                return Err((n + 1, format!("a table line must start with |: {line:?}")));
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix('%') {
            let (k, v) = rest.split_once(' ').unwrap_or((rest, ""));
            doc.meta.insert(k.to_string(), v.trim().to_string());
            continue;
        }
        if line.trim().is_empty() {
            flush(&mut para, &mut doc.blocks);
            continue;
        }
        if let Some(rest) = line.strip_prefix("@chart ") {
            flush(&mut para, &mut doc.blocks);
            // Resolved by `render`, which has the figures: "@chart KIND TITLE | S1 | S2".
            doc.blocks
                .push(Block::Chart(String::new(), rest.trim().to_string()));
            continue;
        }
        if let Some(title) = line.strip_prefix("@table") {
            flush(&mut para, &mut doc.blocks);
            table = Some(Table {
                title: title.trim().to_string(),
                widths: Vec::new(),
                header: Vec::new(),
                rows: Vec::new(),
            });
            continue;
        }
        let heading = ["### ", "## ", "# "]
            .iter()
            .zip([3u8, 2, 1])
            .find_map(|(p, l)| line.strip_prefix(p).map(|t| (l, t)));
        if let Some((level, t)) = heading {
            flush(&mut para, &mut doc.blocks);
            doc.blocks.push(Block::Heading(level, t.trim().to_string()));
        } else if let Some(t) = line.strip_prefix("- ") {
            flush(&mut para, &mut doc.blocks);
            doc.blocks
                .push(Block::Para(ParaKind::Item, format!("- {}", t.trim())));
        } else if let Some(t) = line.strip_prefix("> ") {
            flush(&mut para, &mut doc.blocks);
            doc.blocks
                .push(Block::Para(ParaKind::Note, t.trim().to_string()));
        } else {
            let p = para.get_or_insert_with(String::new);
            if !p.is_empty() {
                p.push(' ');
            }
            p.push_str(line.trim());
        }
    }
    if table.is_some() {
        return Err((text.lines().count(), "a table without @end".into()));
    }
    flush(&mut para, &mut doc.blocks);
    for b in &mut doc.blocks {
        if let Block::Table(t) = b {
            if t.widths.len() != t.header.len() {
                t.widths = vec![1.0; t.header.len()];
            }
        }
    }
    Ok(doc)
}
