//! The report's charts: the dashboard's SVG bar chart ([`chiso_charts::bar::bar_svg`]) of the
//! three tiers of agencies against their targets, with the figures written the report
//! language's way. The HTML shows the SVG; the PDF draws the same SVG ([`crate::svgpdf`]).

use crate::model::{Report, TargetRow};
use crate::{fmt, Lang};
use chiso_charts::bar::{bar_svg, BarChart, Point, Series};

fn name(r: &TargetRow, lang: Lang) -> String {
    match lang {
        Lang::Vi => r.name_vi.clone(),
        _ => r.name_en.clone(),
    }
}

/// A chart by its name in the templates (`@chart tiers TITLE | ACTUAL | PLAN`), or none when
/// the report has nothing to draw for it.
pub fn svg(
    report: &Report,
    lang: Lang,
    kind: &str,
    title: &str,
    series: &[String],
) -> Option<String> {
    let rows: Vec<&TargetRow> = match kind {
        "tiers" => report.tiers.iter().collect(),
        "behind" => report
            .behind
            .iter()
            .map(|b| &b.target)
            .filter(|t| t.unit == "%")
            .collect(),
        _ => return None,
    };
    if rows.is_empty() {
        return None;
    }
    let point = |v: Option<f64>, d: u8| v.map(|x| Point::new(x, fmt::percent(x, d, lang)));
    let actual = Series {
        name: series.first().cloned().unwrap_or_default(),
        values: rows.iter().map(|r| point(r.actual, r.decimals)).collect(),
    };
    let plan = Series {
        name: series.get(1).cloned().unwrap_or_default(),
        values: rows.iter().map(|r| point(r.plan, 0)).collect(),
    };
    Some(bar_svg(&BarChart {
        title: title.to_string(),
        desc: title.to_string(),
        categories: rows.iter().map(|r| name(r, lang)).collect(),
        series: vec![actual, plan],
        highlight: None,
    }))
}
