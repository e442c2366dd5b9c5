//! The roadmap images of a plan and of the province (SVG), for pages and reports.

use crate::api::plans::load_plan;
use crate::auth::{allowed, require, Action, Who};
use crate::clock::as_of_day;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::params::query;
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chiso_core::plan::*;
use chiso_store::UnitQuery;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

#[derive(Deserialize)]
pub(crate) struct RoadmapParams {
    year: Option<i32>,
    lang: Option<String>,
}

pub(crate) fn lang_of(p: &RoadmapParams) -> Lang {
    p.lang.as_deref().and_then(Lang::parse).unwrap_or(Lang::Vi)
}

pub(crate) async fn plan_roadmap(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(c): Path<String>,
    q: Result<Query<RoadmapParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = query(q)?;
    let plan = load_plan(&st, &who, &c).await?;
    let day = as_of_day(&st).await?;
    Ok(svg(roadmap_svg(
        &plan.title,
        plan.year,
        day,
        &bars_of(&plan, day, None),
        &RoadmapLabels::new(&st, lang_of(&p)),
    )))
}

pub(crate) async fn province_roadmap(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<RoadmapParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    // Lists show only what the caller may read; an anonymous caller of a private server
    // is asked to log in.
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let p = query(q)?;
    let day = as_of_day(&st).await?;
    let year = p.year.unwrap_or(day.year());
    let lang = lang_of(&p);
    let plans = st.store.plans(None, Some(year)).await?;
    let names: std::collections::HashMap<String, String> = st
        .store
        .units(&UnitQuery {
            codes: plans.iter().map(|p| p.unit.clone()).collect(),
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|u| {
            (
                u.unit.code.to_string(),
                u.unit.name(lang.as_str()).to_string(),
            )
        })
        .collect();
    let engine = st.app.read().await;
    let bars: Vec<Bar> = plans
        .iter()
        .filter(|p| {
            allowed(
                &who,
                Action::Read,
                Some(p.unit.as_str()),
                &engine,
                st.auth.public_read,
            )
        })
        .flat_map(|p| {
            let unit = names
                .get(p.unit.as_str())
                .map(String::as_str)
                .unwrap_or(p.unit.as_str());
            bars_of(p, day, Some(unit))
        })
        .collect();
    drop(engine);
    Ok(svg(roadmap_svg(
        &format!("{} {year}", st.i18n.t(lang, "roadmap-province", &[])),
        year,
        day,
        &bars,
        &RoadmapLabels::new(&st, lang),
    )))
}

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar of the roadmap.
pub struct Bar {
    pub label: String,
    pub start: NaiveDate,
    pub due: NaiveDate,
    pub progress: u8,
    pub done: bool,
    pub at_risk: bool,
    pub overdue: bool,
}

/// A Gantt-style roadmap of a year as SVG: one bar per task from start to due, filled to its
/// progress; red when overdue, amber when at risk (progress behind the time elapsed), green
/// when done; a line marks the day.
/// The words a roadmap shows, in the page's language.
pub struct RoadmapLabels {
    pub done: String,
    pub on_track: String,
    pub at_risk: String,
    pub overdue: String,
    pub legend: String,
    /// Month names, January first.
    pub months: [String; 12],
}

impl RoadmapLabels {
    fn new(st: &AppState, lang: Lang) -> RoadmapLabels {
        let t = |k: &str| st.i18n.t(lang, k, &[]);
        let months = std::array::from_fn(|i| match lang {
            Lang::Vi => format!("T{}", i + 1),
            Lang::En => [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ][i]
                .to_string(),
        });
        RoadmapLabels {
            done: t("task-state-done"),
            on_track: t("task-state-on_track"),
            at_risk: t("task-state-at_risk"),
            overdue: t("task-state-overdue"),
            legend: t("roadmap-legend"),
            months,
        }
    }
}

pub fn roadmap_svg(
    title: &str,
    year: i32,
    day: NaiveDate,
    bars: &[Bar],
    labels: &RoadmapLabels,
) -> String {
    const LEFT: f64 = 330.0;
    const WIDTH: f64 = 720.0;
    const ROW: f64 = 24.0;
    const TOP: f64 = 50.0;
    let (Some(y0), Some(y1)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year + 1, 1, 1),
    ) else {
        return String::new();
    };
    let days = (y1 - y0).num_days() as f64;
    let x = |d: NaiveDate| {
        let d = d.clamp(y0, y1);
        LEFT + WIDTH * (d - y0).num_days() as f64 / days
    };
    let height = TOP + ROW * bars.len() as f64 + 40.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{t}\">\n<title>{t}</title>\n<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{t}</text>\n",
        w = LEFT + WIDTH + 20.0,
        t = esc(title)
    );
    for m in 1..=12u32 {
        let Some(d) = NaiveDate::from_ymd_opt(year, m, 1) else {
            continue;
        };
        let xm = x(d);
        s.push_str(&format!(
            "<line x1=\"{xm:.1}\" y1=\"{}\" x2=\"{xm:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{}\" fill=\"#555\">{}</text>\n",
            TOP - 12.0,
            height - 30.0,
            xm + 3.0,
            TOP - 16.0,
            esc(&labels.months[(m - 1) as usize])
        ));
    }
    for (i, b) in bars.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let (x0, x1) = (x(b.start), x(b.due).max(x(b.start) + 2.0));
        let fill = if b.done {
            "#2e7d32"
        } else if b.overdue {
            "#c62828"
        } else if b.at_risk {
            "#ef8f00"
        } else {
            "#1565c0"
        };
        let state = esc(if b.done {
            &labels.done
        } else if b.overdue {
            &labels.overdue
        } else if b.at_risk {
            &labels.at_risk
        } else {
            &labels.on_track
        });
        let label: String = b.label.chars().take(48).collect();
        s.push_str(&format!(
            "<g><title>{full} — {p}% ({state}) {st} → {du}</title><text x=\"10\" y=\"{ty:.1}\">{label}</text><rect x=\"{x0:.1}\" y=\"{ry:.1}\" width=\"{w:.1}\" height=\"14\" fill=\"{fill}\" fill-opacity=\"0.25\" stroke=\"{fill}\"/><rect x=\"{x0:.1}\" y=\"{ry:.1}\" width=\"{pw:.1}\" height=\"14\" fill=\"{fill}\"/><text x=\"{tx:.1}\" y=\"{ty:.1}\" fill=\"#333\">{p}%</text></g>\n",
            full = esc(&b.label),
            p = b.progress,
            st = b.start.format("%d/%m/%Y"),
            du = b.due.format("%d/%m/%Y"),
            ty = y + 12.0,
            label = esc(&label),
            ry = y + 1.0,
            w = x1 - x0,
            pw = (x1 - x0) * f64::from(b.progress.min(100)) / 100.0,
            tx = x1 + 4.0,
        ));
    }
    if day >= y0 && day < y1 {
        let xd = x(day);
        s.push_str(&format!(
            "<line x1=\"{xd:.1}\" y1=\"{}\" x2=\"{xd:.1}\" y2=\"{:.1}\" stroke=\"#c62828\" stroke-dasharray=\"4 3\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#c62828\">{}</text>\n",
            TOP - 12.0,
            height - 30.0,
            xd + 3.0,
            height - 16.0,
            day.format("%d/%m/%Y")
        ));
    }
    s.push_str(&format!(
        "<text x=\"10\" y=\"{:.1}\" fill=\"#555\">{}</text>\n</svg>\n",
        height - 4.0,
        esc(&labels.legend)
    ));
    s
}

pub(crate) fn bars_of(plan: &Plan, day: NaiveDate, unit_name: Option<&str>) -> Vec<Bar> {
    plan.tasks
        .iter()
        .map(|t| Bar {
            label: if let Some(u) = unit_name {
                format!("{u} · {}", t.title)
            } else {
                format!("{}. {}", t.code, t.title)
            },
            start: t.start,
            due: t.due,
            progress: t.progress,
            done: t.status == TaskStatus::Done,
            at_risk: t.at_risk(day),
            overdue: t.overdue(day),
        })
        .collect()
}

pub(crate) fn svg(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        body,
    )
        .into_response()
}
