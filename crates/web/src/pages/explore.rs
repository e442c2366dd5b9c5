//! The data explorer (`/explore`): indicators and data elements × units (a unit, a level, a
//! group) × periods (fixed or DHIS2's relative ones) picked on a plain form (GET, rendered on
//! the server), answered as a pivot table, a chart of it, XLSX and CSV, the page's own link
//! and the `/api/analytics` URL of the same query.
//!
//! The page builds the analytics query string and asks [`crate::api::analytics::grid`] —
//! the very function behind `/api/analytics`, with the same access checks — so every cell
//! shown or exported is the API's value for the URL the page prints.

use super::pivot::{self, Pivot};
use crate::api::analytics::AnalyticsError;
use crate::auth::{allowed, Action};
use crate::format;
use crate::i18n::Lang;
use crate::pages::{Page, PageError};
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chiso_charts::bar::{BarChart, Point, Series};
use chiso_charts::line::LineChart;
use chiso_engine::analytics::Dimension;
use chiso_engine::View;
use chiso_io::xlsx::table::TableCell;
use chiso_store::UnitQuery;

/// Most rows the page lays out (the API answers more; narrow the query to see them here).
const MAX_PAGE_ROWS: usize = 2_000;
/// Most bars or lines a chart draws.
const MAX_CHART_CATEGORIES: usize = 40;
const MAX_CHART_SERIES: usize = 8;

/// The relative periods offered on the form (any other is typed in the free field).
pub(crate) const RELATIVE: [&str; 9] = [
    "THIS_YEAR",
    "LAST_YEAR",
    "LAST_5_YEARS",
    "THIS_QUARTER",
    "LAST_QUARTER",
    "LAST_4_QUARTERS",
    "THIS_MONTH",
    "LAST_MONTH",
    "LAST_12_MONTHS",
];

/// What the form asks.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Selection {
    pub dx: Vec<String>,
    pub pe: Vec<String>,
    pub ou: Vec<String>,
    pub rows: Option<Dimension>,
    pub cols: Option<Dimension>,
    pub relative_date: Option<String>,
    pub as_of: Option<String>,
    pub format: Option<String>,
    /// Official figures unless the live ones are asked (`view=live`).
    pub view: View,
}

/// An item as the query may carry it: letters, digits, `_`, `-`, `.`.
fn is_item(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

impl Selection {
    /// The form's parameters: `dx`, `pe`, `ou` repeated (and `dx_more`, `pe_more`, `ou_more`:
    /// items typed, separated by `;`, `,` or spaces), `rows`, `cols`, `relativePeriodDate`,
    /// `asOf`, `format`. Items that cannot be codes are returned apart, to be named.
    pub(crate) fn parse(raw: Option<&str>) -> (Selection, Vec<String>) {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
        let mut s = Selection::default();
        let mut bad = Vec::new();
        let mut push = |list: &mut Vec<String>, v: &str| {
            for item in v.split([';', ',', ' ', '\n', '\t']).map(str::trim) {
                if item.is_empty() {
                    continue;
                }
                if !is_item(item) {
                    bad.push(item.to_string());
                } else if !list.iter().any(|x| x == item) {
                    list.push(item.to_string());
                }
            }
        };
        for (k, v) in &pairs {
            match k.as_str() {
                "dx" | "dx_more" => push(&mut s.dx, v),
                "pe" | "pe_more" => push(&mut s.pe, v),
                "ou" | "ou_more" => push(&mut s.ou, v),
                "rows" => s.rows = Dimension::parse(v),
                "cols" => s.cols = Dimension::parse(v),
                "relativePeriodDate" if is_date(v) => s.relative_date = Some(v.clone()),
                "asOf" if is_date(v) => s.as_of = Some(v.clone()),
                "format" => s.format = Some(v.clone()),
                "view" => s.view = View::parse(v).unwrap_or_default(),
                _ => {}
            }
        }
        (s, bad)
    }

    /// Rows and columns: as asked when they differ and are dx, pe or ou; else units down and
    /// periods across (indicators across when the rows are periods).
    pub(crate) fn layout(&self) -> (Dimension, Dimension) {
        let ok = |d: Option<Dimension>| d.filter(|d| Dimension::ALL.contains(d));
        let rows = ok(self.rows).unwrap_or(Dimension::Unit);
        let cols = ok(self.cols)
            .filter(|c| *c != rows)
            .unwrap_or(if rows == Dimension::Period {
                Dimension::Data
            } else {
                Dimension::Period
            });
        (rows, cols)
    }

    pub(crate) fn is_whole(&self) -> bool {
        !self.dx.is_empty() && !self.pe.is_empty() && !self.ou.is_empty()
    }

    /// The analytics query string: every dimension as a dimension (dx, pe, ou in that
    /// order), then `relativePeriodDate` and `asOf` when given.
    pub(crate) fn analytics_query(&self) -> String {
        let mut q = format!(
            "dimension=dx:{}&dimension=pe:{}&dimension=ou:{}",
            self.dx.join(";"),
            self.pe.join(";"),
            self.ou.join(";")
        );
        if let Some(d) = &self.relative_date {
            q.push_str(&format!("&relativePeriodDate={d}"));
        }
        if let Some(d) = &self.as_of {
            q.push_str(&format!("&asOf={d}"));
        }
        q.push_str(&format!("&view={}", self.view.as_str()));
        q
    }

    /// The page's own query string (its link), with `format` when given.
    pub(crate) fn page_query(&self, format: Option<&str>) -> String {
        let mut parts: Vec<String> = Vec::new();
        for (k, list) in [("dx", &self.dx), ("pe", &self.pe), ("ou", &self.ou)] {
            parts.extend(list.iter().map(|v| format!("{k}={v}")));
        }
        let (rows, cols) = self.layout();
        parts.push(format!("rows={}", rows.name()));
        parts.push(format!("cols={}", cols.name()));
        if let Some(d) = &self.relative_date {
            parts.push(format!("relativePeriodDate={d}"));
        }
        if let Some(d) = &self.as_of {
            parts.push(format!("asOf={d}"));
        }
        if self.view == View::Live {
            parts.push("view=live".to_string());
        }
        if let Some(f) = format {
            parts.push(format!("format={f}"));
        }
        parts.join("&")
    }
}

/// A dimension's name on the page.
fn dim_label(st: &AppState, lang: Lang, d: &str) -> String {
    st.i18n.t(lang, &format!("explore-dim-{d}"), &[])
}

/// The decimals a cell is written with: an indicator's own (the API rounds to them and drops
/// trailing zeros: "98.9" is written "98,90"), else as many as the API wrote.
fn decimals_of(engine: &chiso_engine::Engine, dx: Option<&str>, v: &str) -> u8 {
    dx.and_then(|d| engine.indicator_def(d))
        .map(|i| i.decimals)
        .unwrap_or(0)
        .max(pivot::decimals(v))
}

/// A cell's number (or the text the API wrote when it is not one) and its decimals.
type Shown = (Result<f64, String>, u8);

/// Every cell's number and decimals (none: no value; a text the API wrote that is not a
/// number is kept as text).
fn cells_of(engine: &chiso_engine::Engine, p: &Pivot) -> Vec<Vec<Option<Shown>>> {
    p.rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            row.cells
                .iter()
                .enumerate()
                .map(|(c, v)| {
                    v.as_ref().map(|v| {
                        let d = decimals_of(engine, p.dx_at(r, c), v);
                        (v.parse::<f64>().map_err(|_| v.clone()), d)
                    })
                })
                .collect()
        })
        .collect()
}

/// A cell as the page writes it: grouped for the language, with its decimals.
fn shown(c: &Shown, lang: Lang) -> String {
    match c {
        (Ok(n), d) => format::number(*n, *d, lang),
        (Err(t), _) => t.clone(),
    }
}

/// The table's header and rows as text (the CSV) and as typed cells (the workbook).
fn header_of(st: &AppState, lang: Lang, p: &Pivot) -> Vec<String> {
    p.row_dims
        .iter()
        .map(|d| dim_label(st, lang, d))
        .chain(p.columns.iter().map(|c| c.name.clone()))
        .collect()
}

fn export(
    st: &AppState,
    lang: Lang,
    p: &Pivot,
    cells: &[Vec<Option<Shown>>],
    title: &str,
    format: &str,
) -> Response {
    let header = header_of(st, lang, p);
    let rows: Vec<Vec<TableCell>> = p
        .rows
        .iter()
        .zip(cells)
        .map(|(r, cs)| {
            r.heads
                .iter()
                .map(|h| TableCell::Text(h.name.clone()))
                .chain(cs.iter().map(|c| match c {
                    Some((Ok(n), d)) => TableCell::Number(*n, *d),
                    Some((Err(t), _)) => TableCell::Text(t.clone()),
                    None => TableCell::Empty,
                }))
                .collect()
        })
        .collect();
    super::indicator::table_download(&header, &rows, title, "explore", format)
}

/// The chart of the table: lines over periods when the columns are three periods or more and the rows few,
/// else grouped bars (rows as categories, columns as series); none when too big.
fn chart(
    p: &Pivot,
    cells: &[Vec<Option<Shown>>],
    lang: Lang,
    title: &str,
    desc: &str,
) -> Option<String> {
    let value = |c: &Option<Shown>| match c {
        Some(c @ (Ok(n), _)) => Some(Point::new(*n, shown(c, lang))),
        _ => None,
    };
    let row_name = |r: &pivot::PivotRow| {
        r.heads
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>()
            .join(" · ")
    };
    if p.rows.is_empty() || p.columns.is_empty() {
        return None;
    }
    if p.col_dim == "pe" && p.columns.len() > 2 && p.rows.len() <= MAX_CHART_SERIES {
        let chart = LineChart {
            title: title.to_string(),
            desc: desc.to_string(),
            periods: p.columns.iter().map(|c| c.name.clone()).collect(),
            series: p
                .rows
                .iter()
                .zip(cells)
                .map(|(r, cs)| Series {
                    name: row_name(r),
                    values: cs.iter().map(value).collect(),
                })
                .collect(),
        };
        return Some(chiso_charts::line::line_svg(&chart));
    }
    if p.rows.len() > MAX_CHART_CATEGORIES || p.columns.len() > MAX_CHART_SERIES {
        return None;
    }
    let chart = BarChart {
        title: title.to_string(),
        desc: desc.to_string(),
        categories: p.rows.iter().map(row_name).collect(),
        series: p
            .columns
            .iter()
            .enumerate()
            .map(|(j, c)| Series {
                name: c.name.clone(),
                values: cells.iter().map(|cs| value(&cs[j])).collect(),
            })
            .collect(),
        highlight: None,
    };
    Some(chiso_charts::bar::bar_svg(&chart))
}

/// One checkbox of the form.
#[derive(serde::Serialize)]
struct Choice {
    value: String,
    label: String,
    checked: bool,
}

/// The form's choices: indicators, elements, units (roots, their children, levels, groups),
/// periods (years, quarters, relative periods).
async fn choices(
    st: &AppState,
    lang: Lang,
    sel: &Selection,
) -> Result<minijinja::Value, PageError> {
    let on = |list: &[String], v: &str| list.iter().any(|x| x == v);
    let indicators: Vec<Choice> = st
        .store
        .indicators()
        .await?
        .into_iter()
        .map(|i| Choice {
            checked: on(&sel.dx, i.code.as_str()),
            label: i.name(lang.as_str()).to_string(),
            value: i.code.to_string(),
        })
        .collect();
    let elements: Vec<Choice> = st
        .store
        .elements()
        .await?
        .into_iter()
        .map(|e| Choice {
            checked: on(&sel.dx, e.code.as_str()),
            label: e.name(lang.as_str()).to_string(),
            value: e.code.to_string(),
        })
        .collect();
    let roots = st
        .store
        .units(&UnitQuery {
            roots: true,
            ..Default::default()
        })
        .await?;
    let mut units = Vec::new();
    let mut children = Vec::new();
    for r in &roots {
        units.push(Choice {
            checked: on(&sel.ou, r.unit.code.as_str()),
            label: r.unit.name(lang.as_str()).to_string(),
            value: r.unit.code.to_string(),
        });
        let kids = st
            .store
            .units(&UnitQuery {
                parent: Some(r.unit.code.clone()),
                ..Default::default()
            })
            .await?;
        children.push(minijinja::context! {
            name => r.unit.name(lang.as_str()).to_string(),
            open => kids.iter().any(|k| on(&sel.ou, k.unit.code.as_str())),
            units => kids.iter().map(|k| Choice {
                checked: on(&sel.ou, k.unit.code.as_str()),
                label: k.unit.name(lang.as_str()).to_string(),
                value: k.unit.code.to_string(),
            }).collect::<Vec<_>>(),
        });
    }
    let levels: Vec<Choice> = (2..=3)
        .map(|l| Choice {
            value: format!("LEVEL-{l}"),
            label: st.i18n.t(lang, &format!("explore-level-{l}"), &[]),
            checked: on(&sel.ou, &format!("LEVEL-{l}")),
        })
        .collect();
    let mut groups = Vec::new();
    for g in st.store.groups().await? {
        let name = match (lang, &g.name_en) {
            (Lang::En, Some(n)) => n.clone(),
            _ => g.name_vi.clone(),
        };
        for (prefix, key) in [
            ("GROUP", "explore-group-whole"),
            ("OU_GROUP", "explore-group-each"),
        ] {
            let value = format!("{prefix}-{}", g.code);
            groups.push(Choice {
                checked: on(&sel.ou, &value),
                label: st.i18n.t(lang, key, &[("name", name.clone())]),
                value,
            });
        }
    }
    let today = crate::clock::as_of_day(st)
        .await
        .unwrap_or_else(|_| crate::clock::today_in_vietnam());
    use chrono::Datelike;
    let year = today.year();
    let mut periods: Vec<Choice> = (year - 3..=year)
        .map(|y| y.to_string())
        .chain((1..=4).map(|q| format!("{}Q{q}", year - 1)))
        .chain((1..=4).map(|q| format!("{year}Q{q}")))
        .filter_map(|id| chiso_core::Period::parse(&id).ok())
        .map(|p| Choice {
            value: p.to_string(),
            label: format::period(&p, lang),
            checked: on(&sel.pe, &p.to_string()),
        })
        .collect();
    periods.extend(RELATIVE.iter().map(|r| Choice {
        value: r.to_string(),
        label: st.i18n.t(lang, &format!("explore-rel-{r}"), &[]),
        checked: on(&sel.pe, r),
    }));
    // Items typed or linked that the lists do not hold stay in the free fields.
    let listed =
        |v: &String, lists: &[&Vec<Choice>]| lists.iter().any(|l| l.iter().any(|c| &c.value == v));
    let all_children: Vec<String> = {
        let mut out = Vec::new();
        for r in &roots {
            for k in st
                .store
                .units(&UnitQuery {
                    parent: Some(r.unit.code.clone()),
                    ..Default::default()
                })
                .await?
            {
                out.push(k.unit.code.to_string());
            }
        }
        out
    };
    let more = |list: &[String], lists: &[&Vec<Choice>], extra: &[String]| {
        list.iter()
            .filter(|v| !listed(v, lists) && !extra.contains(v))
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    };
    Ok(minijinja::context! {
        dx_more => more(&sel.dx, &[&indicators, &elements], &[]),
        pe_more => more(&sel.pe, &[&periods], &[]),
        ou_more => more(&sel.ou, &[&units, &levels, &groups], &all_children),
        relative_date => sel.relative_date.clone().unwrap_or_else(|| today.to_string()),
        elements_open => elements.iter().any(|c| c.checked),
        indicators, elements, units, children, levels, groups, periods,
    })
}

/// `GET /explore`: the form, and the answer when the form is complete; `format=xlsx|csv`
/// downloads the table.
pub(crate) async fn explore_page(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    page: Page,
) -> Response {
    let r = explore(&st, raw, &page).await;
    page.respond(&st, r)
}

async fn explore(st: &AppState, raw: Option<String>, page: &Page) -> Result<Response, PageError> {
    let lang = page.lang;
    if !allowed(
        &page.who,
        Action::ReadMeta,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return Err(PageError::Denied);
    }
    let (mut sel, bad) = Selection::parse(raw.as_deref());
    // Relative periods count from the day the data stands at (the demo's 30 June 2024), said
    // in the link so that the API answers the same.
    let relative = sel.pe.iter().any(|p| p.chars().any(|c| c == '_'));
    if !relative {
        // Without a relative period the date changes nothing: left out of the links.
        sel.relative_date = None;
    }
    if sel.relative_date.is_none() && relative {
        let today = crate::clock::as_of_day(st)
            .await
            .unwrap_or_else(|_| crate::clock::today_in_vietnam());
        sel.relative_date = Some(today.to_string());
    }
    // The live figures only for a signed-in person with a right over the units asked (the
    // analytics function checks every unit; the switch is offered over the units named).
    if sel.view == View::Live && !matches!(page.who, crate::auth::Who::User(_)) {
        return Err(PageError::Denied);
    }
    let named: Vec<&str> = sel
        .ou
        .iter()
        .map(String::as_str)
        .filter(|o| {
            !["LEVEL-", "GROUP-", "OU_GROUP-", "USER_ORGUNIT"]
                .iter()
                .any(|p| o.starts_with(p))
        })
        .collect();
    let may_live = !named.is_empty() && super::views::may_see_live(st, &page.who, &named).await;
    let view_banner = {
        let (title, note) = match sel.view {
            View::Official => ("view-official", "view-official-note"),
            View::Live => ("view-live", "view-live-note"),
        };
        let other = Selection {
            view: match sel.view {
                View::Official => View::Live,
                View::Live => View::Official,
            },
            ..sel.clone()
        };
        let switch = (may_live || sel.view == View::Live).then(|| {
            minijinja::context! {
                label => st.i18n.t(lang, match sel.view {
                    View::Official => "view-switch-live",
                    View::Live => "view-switch-official",
                }, &[]),
                href => format!("/explore?{}&lang={}", other.page_query(None), lang.as_str()),
            }
        });
        minijinja::context! {
            kind => sel.view.as_str(),
            title => st.i18n.t(lang, title, &[]),
            note => st.i18n.t(lang, note, &[]),
            switch,
        }
    };
    let (rows, cols) = sel.layout();
    let mut problems: Vec<String> = bad
        .iter()
        .map(|b| st.i18n.t(lang, "explore-bad-item", &[("item", b.clone())]))
        .collect();
    let mut pivot_table = None;
    if sel.is_whole() && bad.is_empty() {
        match crate::api::analytics::grid(st, Some(sel.analytics_query()), &page.who).await {
            Ok(g) => pivot_table = Some(pivot::pivot(&g, rows, cols)),
            Err(AnalyticsError::Query(r)) => {
                problems.push(crate::i18n::one_language(&r.reason, lang));
            }
            Err(AnalyticsError::Api(e)) => return Err(e.into()),
        }
    }
    let title = st.i18n.t(lang, "explore-title", &[]);
    let cells = match &pivot_table {
        Some(p) => cells_of(&*st.app.read().await, p),
        None => Vec::new(),
    };
    if let (Some(p), Some(f)) = (&pivot_table, sel.format.as_deref()) {
        if f == "xlsx" || f == "csv" {
            let caption = caption(st, lang, p);
            return Ok(export(st, lang, p, &cells, &caption, f));
        }
    }
    let too_many = pivot_table
        .as_ref()
        .is_some_and(|p| p.rows.len() > MAX_PAGE_ROWS);
    let table = pivot_table.as_ref().filter(|_| !too_many).map(|p| {
        minijinja::context! {
            header => header_of(st, lang, p),
            row_dims => p.row_dims.len(),
            rows => p.rows.iter().zip(&cells).enumerate().map(|(i, (r, cs))| minijinja::context! {
                heads => r.heads.clone(),
                cells => cs.iter().enumerate().map(|(j, c)| minijinja::context! {
                    text => c.as_ref().map(|c| shown(c, lang)),
                    key => p.key_at(i, j),
                }).collect::<Vec<_>>(),
            }).collect::<Vec<_>>(),
            caption => caption(st, lang, p),
            chart => chart(p, &cells, lang, &caption(st, lang, p), &st.i18n.t(lang, "explore-chart-desc", &[])),
        }
    });
    if too_many {
        problems.push(st.i18n.t(
            lang,
            "explore-too-many",
            &[("max", MAX_PAGE_ROWS.to_string())],
        ));
    }
    let dims: Vec<minijinja::Value> = Dimension::ALL
        .iter()
        .map(|d| {
            minijinja::context! {
                value => d.name(),
                label => dim_label(st, lang, d.name()),
                rows => *d == rows,
                cols => *d == cols,
            }
        })
        .collect();
    let ctx = minijinja::context! {
        title,
        form => choices(st, lang, &sel).await?,
        dims,
        as_of => sel.as_of.clone().unwrap_or_default(),
        complete => sel.is_whole(),
        view => view_banner,
        live => sel.view == View::Live,
        problems,
        table,
        page_link => format!("/explore?{}", sel.page_query(None)),
        xlsx_link => format!("/explore?{}", sel.page_query(Some("xlsx"))),
        csv_link => format!("/explore?{}", sel.page_query(Some("csv"))),
        api_link => format!("/api/analytics?{}", sel.analytics_query()),
        api_csv_link => format!("/api/analytics.csv?{}", sel.analytics_query()),
        example => "/explore?dx=VB_DT_TY_LE&dx=CKS_TY_LE&pe=2022&pe=2023&ou=GROUP-58_CO_QUAN_TINH&ou=GROUP-58_CAP_HUYEN&ou=GROUP-58_CAP_XA&rows=ou&cols=pe",
    };
    Ok(page.render(st, StatusCode::OK, "explore.html", ctx))
}

/// What the table holds, in words: the dimensions of one item ("Năm 2023 · Ninh Thuận").
fn caption(st: &AppState, lang: Lang, p: &Pivot) -> String {
    let fixed = p
        .fixed
        .iter()
        .map(|(_, i)| i.name.clone())
        .collect::<Vec<_>>();
    let what = st.i18n.t(lang, "explore-title", &[]);
    if fixed.is_empty() {
        what
    } else {
        format!("{what}: {}", fixed.join(" · "))
    }
}
