//! An indicator's page (`/indicators/{code}?unit=…&period=…`): its value at a unit with the
//! numerator and denominator, what it stands on, the same period last year, the formula in
//! words and where the figures come from; the province's three tiers of agencies; the units
//! one level down ranked (ties shared), each a link one level further down, with breadcrumbs
//! back up; a trend over the years. The units' table downloads as XLSX and CSV. Official
//! figures by default, live ones for a person with a right over the unit.

use crate::auth::{allowed, Action};
use crate::format::{self, Measure};
use crate::i18n::Lang;
use crate::pages::views::{self, ViewQuery};
use crate::pages::{Page, PageError};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chiso_charts::bar::{BarChart, Point, Series};
use chiso_charts::line::LineChart;
use chiso_core::{Code, Indicator, Period, SourceTag};
use chiso_engine::{Scope, View};
use chiso_io::xlsx::table::{Table, TableCell};
use chiso_store::ValueQuery;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Deserialize, Default)]
pub(crate) struct IndicatorQuery {
    unit: Option<String>,
    period: Option<String>,
    format: Option<String>,
}

/// The tiers of a province's agencies, as the demo's groups name them.
const TIERS: [&str; 3] = ["CO_QUAN_TINH", "CAP_HUYEN", "CAP_XA"];

/// The element codes an expression reads (`#{CODE}`, `#{CODE.OPTION}`).
pub(crate) fn elements_in(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(i) = rest.find("#{") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find('}') else { break };
        let code = rest[..end].split('.').next().unwrap_or("").to_string();
        if !code.is_empty() && !out.contains(&code) {
            out.push(code);
        }
        rest = &rest[end..];
    }
    out
}

/// An expression in words: every `#{CODE}` (and `#{CODE.OPTION}`) replaced by the element's
/// name.
pub(crate) fn in_words(expr: &str, names: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = expr;
    while let Some(i) = rest.find("#{") {
        out.push_str(&rest[..i]);
        rest = &rest[i + 2..];
        let Some(end) = rest.find('}') else {
            out.push_str("#{");
            out.push_str(rest);
            return out;
        };
        let item = &rest[..end];
        let (code, option) = item.split_once('.').unwrap_or((item, ""));
        let name = names.get(code).cloned().unwrap_or_else(|| code.to_string());
        if option.is_empty() {
            out.push_str(&format!("[{name}]"));
        } else {
            out.push_str(&format!("[{name} · {option}]"));
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

pub(crate) async fn indicator_page(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<IndicatorQuery>,
    Query(v): Query<ViewQuery>,
    page: Page,
) -> Response {
    let r = indicator(&st, &code, q, v.asked(), &page).await;
    page.respond(&st, r)
}

/// A link to this page for another unit.
fn href(code: &str, unit: &str, period: &Period, view: View) -> String {
    let mut h = format!("/indicators/{code}?unit={unit}&period={period}");
    if view == View::Live {
        h.push_str("&view=live");
    }
    h
}

async fn indicator(
    st: &AppState,
    code: &str,
    q: IndicatorQuery,
    view: View,
    page: &Page,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let who = &page.who;
    let not_found = || {
        PageError::NotFound(
            st.i18n
                .t(lang, "indicator-not-found", &[("code", code.to_string())]),
        )
    };
    let ind: Indicator = st
        .store
        .indicators()
        .await?
        .into_iter()
        .find(|i| i.code.as_str() == code)
        .ok_or_else(not_found)?;
    let unit = match q.unit.as_deref().filter(|u| !u.is_empty()) {
        Some(u) => Code::parse(u).map_err(|_| {
            PageError::NotFound(
                st.i18n
                    .t(lang, "unit-not-found", &[("code", u.to_string())]),
            )
        })?,
        None => st
            .app
            .read()
            .await
            .roots()
            .into_iter()
            .next()
            .ok_or_else(not_found)?,
    };
    if !allowed(
        who,
        Action::Read,
        Some(unit.as_str()),
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return Err(PageError::Denied);
    }
    let may_live = views::may_see_live(st, who, &[unit.as_str()]).await;
    if view == View::Live && !may_live {
        return Err(PageError::Denied);
    }
    let Some(su) = st.store.unit(&unit).await? else {
        return Err(PageError::NotFound(st.i18n.t(
            lang,
            "unit-not-found",
            &[("code", unit.to_string())],
        )));
    };
    // Breadcrumbs: the ancestors, root first.
    let mut crumbs = Vec::new();
    let mut parent = su.unit.parent.clone();
    while let Some(p) = parent {
        match st.store.unit(&p).await? {
            Some(pu) if crumbs.len() < 20 => {
                parent = pu.unit.parent.clone();
                crumbs.push(pu.unit);
            }
            _ => break,
        }
    }
    crumbs.reverse();
    let root = crumbs
        .first()
        .map(|u| u.code.clone())
        .unwrap_or(unit.clone());
    let label = ind.unit_label.clone().unwrap_or_default();
    let measure = Measure::of(ind.is_rate, ind.factor, Some(label.as_str()), ind.decimals)
        .with_unit(crate::pages::frameworks::measure(&st.i18n, lang, &label));
    let show = |v: f64| measure.show(v, lang);
    let parts = |v: f64| format::number(v, if v.fract() == 0.0 { 0 } else { 2 }, lang);
    let as_of = crate::clock::as_of_day(st)
        .await
        .unwrap_or_else(|_| crate::clock::today_in_vietnam());
    use chrono::Datelike;
    let scope = Scope::Unit(unit.clone());
    let groups = st.store.groups().await?;
    let engine_guard = st.app.read().await;
    let engine = engine_guard.view(view);
    // The trend: the years up to the day the data stands at, those with a value.
    let years: Vec<Period> = (as_of.year() - 5..=as_of.year())
        .map(Period::Year)
        .filter(|p| {
            matches!(
                engine.indicator(ind.code.as_str(), &scope, p, None),
                Ok(Some(_))
            )
        })
        .collect();
    let period = match q.period.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Period::parse(p)
            .map_err(|e| PageError::Refused(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?,
        None => years.last().copied().unwrap_or(Period::Year(as_of.year())),
    };
    let cmp = engine
        .compare(ind.code.as_str(), &scope, &period, None)
        .map_err(|e| PageError::Internal(e.to_string()))?;
    let note =
        |c: &Option<chiso_engine::Coverage>| c.as_ref().map(|c| views::note(st, lang, view, c));
    let figure = cmp.as_ref().map(|c| {
        let last = c.same_period_last_year.as_ref();
        minijinja::context! {
            value => show(c.value),
            numerator => parts(c.numerator),
            denominator => parts(c.denominator),
            coverage => note(&c.coverage),
            last_year => last.map(|d| show(d.value)),
            last_year_period => last.map(|d| format::period(&d.period, lang)),
            change => last.map(|d| measure.change(d.difference, d.relative_percent, lang)),
            comparable => last.map(|d| d.comparable).unwrap_or(true),
        }
    });
    // The three tiers of the province's agencies (when the page is about the province).
    let mut tiers = Vec::new();
    if crumbs.is_empty() {
        for t in TIERS {
            let gcode = format!("{root}_{t}");
            let Some(g) = groups.iter().find(|g| g.code.as_str() == gcode) else {
                continue;
            };
            let gs = Scope::Group(g.code.clone());
            let v = engine
                .indicator(ind.code.as_str(), &gs, &period, None)
                .ok()
                .flatten();
            let cov = engine
                .coverage(ind.code.as_str(), &gs, &period)
                .ok()
                .flatten();
            tiers.push((
                match (lang, &g.name_en) {
                    (Lang::En, Some(n)) => n.clone(),
                    _ => g.name_vi.clone(),
                },
                v.map(|v| (v.value, v.numerator, v.denominator)),
                cov,
            ));
        }
    }
    // The units one level down, ranked (best first by the indicator's direction).
    let children = engine_guard.children_of(&unit).unwrap_or_default();
    let ranked = engine
        .rank(ind.code.as_str(), &children, &period, None)
        .map_err(|e| PageError::Internal(e.to_string()))?;
    let mut rows = Vec::new();
    for r in &ranked {
        let name = st
            .store
            .unit(&r.unit)
            .await?
            .map(|u| u.unit.name(lang.as_str()).to_string())
            .unwrap_or_else(|| r.unit.to_string());
        let c = engine
            .compare(
                ind.code.as_str(),
                &Scope::Unit(r.unit.clone()),
                &period,
                None,
            )
            .ok()
            .flatten();
        let has_children = !engine_guard
            .children_of(&r.unit)
            .unwrap_or_default()
            .is_empty();
        rows.push((r, name, c, has_children));
    }
    drop(engine_guard);
    let ind_name = ind.name(lang.as_str()).to_string();
    let unit_name = su.unit.name(lang.as_str()).to_string();
    let period_name = format::period(&period, lang);
    if let Some(f) = q.format.as_deref().filter(|f| *f == "xlsx" || *f == "csv") {
        let header: Vec<String> = [
            "ind-col-rank",
            "col-unit",
            "ind-col-value",
            "ind-col-numerator",
            "ind-col-denominator",
            "ind-col-last-year",
        ]
        .iter()
        .map(|k| st.i18n.t(lang, k, &[]))
        .collect();
        let num = |v: Option<f64>, d: u8| match v {
            Some(v) => TableCell::Number(v, d),
            None => TableCell::Empty,
        };
        let d = ind.decimals.max(2);
        let cells: Vec<Vec<TableCell>> = rows
            .iter()
            .map(|(r, name, c, _)| {
                vec![
                    num(r.rank.map(f64::from), 0),
                    TableCell::Text(name.clone()),
                    num(r.value, d),
                    num(c.as_ref().map(|c| c.numerator), 2),
                    num(c.as_ref().map(|c| c.denominator), 2),
                    num(
                        c.as_ref()
                            .and_then(|c| c.same_period_last_year.as_ref())
                            .map(|l| l.value),
                        d,
                    ),
                ]
            })
            .collect();
        let title = format!("{ind_name} — {unit_name} — {period_name}");
        return Ok(table_download(&header, &cells, &title, code, f));
    }
    let bar = BarChart {
        title: st.i18n.t(
            lang,
            "indicator-ranking-chart",
            &[("period", period_name.clone())],
        ),
        desc: format!("{ind_name} — {unit_name}"),
        categories: rows.iter().map(|(_, n, _, _)| n.clone()).collect(),
        series: vec![Series {
            name: period_name.clone(),
            values: rows
                .iter()
                .map(|(r, _, _, _)| r.value.map(|v| Point::new(v, show(v))))
                .collect(),
        }],
        highlight: None,
    };
    let trend = {
        let guard = st.app.read().await;
        let engine = guard.view(view);
        let values: Vec<Option<Point>> = years
            .iter()
            .map(|p| {
                engine
                    .indicator(ind.code.as_str(), &scope, p, None)
                    .ok()
                    .flatten()
                    .map(|v| Point::new(v.value, show(v.value)))
            })
            .collect();
        (years.len() > 1).then(|| {
            chiso_charts::line::line_svg(&LineChart {
                title: st.i18n.t(lang, "indicator-trend", &[]),
                desc: format!("{ind_name} — {unit_name}"),
                periods: years.iter().map(|p| format::period(p, lang)).collect(),
                series: vec![Series {
                    name: unit_name.clone(),
                    values,
                }],
            })
        })
    };
    // The formula in words, and where the figures come from.
    let elements = st.store.elements().await?;
    let names: HashMap<String, String> = elements
        .iter()
        .map(|e| (e.code.to_string(), e.name(lang.as_str()).to_string()))
        .collect();
    let mut formula = in_words(&ind.numerator, &names);
    if ind.denominator.trim() != "1" {
        formula = format!("{formula} ÷ {}", in_words(&ind.denominator, &names));
    }
    if ind.factor != 1.0 {
        formula = format!("{formula} × {}", format::number(ind.factor, 0, lang));
    }
    let mut codes = elements_in(&ind.numerator);
    codes.extend(elements_in(&ind.denominator));
    let codes: Vec<Code> = codes.iter().filter_map(|c| Code::parse(c).ok()).collect();
    let mut sources: BTreeMap<String, usize> = BTreeMap::new();
    if !codes.is_empty() {
        for v in st
            .store
            .values(&ValueQuery {
                elements: codes,
                units: vec![unit.clone()],
                descendants: true,
                periods: vec![period],
                ..Default::default()
            })
            .await?
        {
            let key = match &v.source {
                SourceTag::Import(_) => "import".to_string(),
                s => s.to_string(),
            };
            *sources.entry(key).or_default() += 1;
        }
    }
    let sources: Vec<String> = sources
        .into_iter()
        .map(|(k, n)| {
            format!(
                "{} ({})",
                st.i18n.t(lang, &format!("source-{k}"), &[]),
                format::count(n as f64, lang)
            )
        })
        .collect();
    let link = |u: &str| href(code, u, &period, view);
    let periods: Vec<minijinja::Value> = years
        .iter()
        .map(|p| {
            minijinja::context! {
                name => format::period(p, lang),
                href => href(code, unit.as_str(), p, view),
                current => *p == period,
            }
        })
        .collect();
    let ctx = minijinja::context! {
        code,
        name => ind_name,
        description => ind.description.clone(),
        unit => minijinja::context! { code => unit.to_string(), name => unit_name },
        period => period_name,
        periods,
        crumbs => crumbs.iter().map(|u| minijinja::context! {
            name => u.name(lang.as_str()).to_string(),
            href => link(u.code.as_str()),
        }).collect::<Vec<_>>(),
        figure,
        formula,
        sources,
        tiers => tiers.iter().map(|(name, v, cov)| minijinja::context! {
            name,
            value => v.map(|v| show(v.0)),
            numerator => v.map(|v| parts(v.1)),
            denominator => v.map(|v| parts(v.2)),
            coverage => note(cov),
        }).collect::<Vec<_>>(),
        rows => rows.iter().map(|(r, name, c, deeper)| minijinja::context! {
            rank => r.rank,
            name,
            href => deeper.then(|| link(r.unit.as_str())),
            unit_href => format!("/units/{}", r.unit),
            value => r.value.map(show),
            numerator => c.as_ref().map(|c| parts(c.numerator)),
            denominator => c.as_ref().map(|c| parts(c.denominator)),
            last_year => c.as_ref().and_then(|c| c.same_period_last_year.as_ref()).map(|d| show(d.value)),
            coverage => note(&r.coverage),
        }).collect::<Vec<_>>(),
        bar => (!rows.is_empty()).then(|| chiso_charts::bar::bar_svg(&bar)),
        trend,
        xlsx_link => format!("{}&format=xlsx", link(unit.as_str())),
        csv_link => format!("{}&format=csv", link(unit.as_str())),
        view => views::banner(st, lang, view, may_live, &format!("/indicators/{code}")),
    };
    Ok(page.render(st, StatusCode::OK, "indicator.html", ctx))
}

/// A table as a download: the workbook, or CSV in `chiso_io::csv_values`' conventions
/// (`chiso_io::xlsx::table::write_csv`).
pub(crate) fn table_download(
    header: &[String],
    rows: &[Vec<TableCell>],
    title: &str,
    file: &str,
    format: &str,
) -> Response {
    let t = Table {
        sheet: file.to_string(),
        title: title.to_string(),
        header: header.to_vec(),
        rows: rows.to_vec(),
    };
    let (body, ctype) = if format == "xlsx" {
        match chiso_io::xlsx::table::write_table(&t) {
            Ok(b) => (
                b,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            Err(e) => {
                tracing::error!(error = %e, "workbook failed");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
    } else {
        (
            chiso_io::xlsx::table::write_csv(&t),
            "text/csv; charset=utf-8",
        )
    };
    let safe: String = file
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect();
    (
        [
            (CONTENT_TYPE, ctype.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"chiso-{safe}.{format}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_reads_in_words() {
        let names: HashMap<String, String> = [
            (
                "VB_XL_MANG".to_string(),
                "Văn bản xử lý trên mạng".to_string(),
            ),
            ("VB_DEN".to_string(), "Văn bản đến".to_string()),
        ]
        .into();
        assert_eq!(
            in_words("#{VB_XL_MANG} + #{X.A}", &names),
            "[Văn bản xử lý trên mạng] + [X · A]"
        );
        assert_eq!(
            elements_in("#{VB_XL_MANG} / (#{VB_DEN} + #{VB_DEN.X})"),
            vec!["VB_XL_MANG".to_string(), "VB_DEN".to_string()]
        );
        assert_eq!(in_words("#{broken", &names), "#{broken");
    }
}
