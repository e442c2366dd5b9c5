//! Bar charts, as SVG: one horizontal row per category (a unit, a tier, an indicator), one bar
//! per series in each row (a grouped bar chart when there are several series: periods,
//! indicators).
//!
//! Rows run down the picture so that long Vietnamese names ("UBND phường Đô Vinh", "Sở
//! Thông tin và Truyền thông") sit left of their bars whole: the label column is as wide as
//! the longest label, measured (within [`LABEL_MIN_PX`] and [`LABEL_MAX_PX`]), and a longer
//! label wraps onto more lines — it is never cut. Every bar carries its value written at its
//! end and a tooltip (`<title>`) with the category, the series and the value; series differ
//! by colour (a colour-blind-safe palette) and by pattern, and the legend names them, so
//! nothing is told by colour alone. A category without a value shows "—", never a zero bar.

use crate::svg::{ellipsis, esc, text_width, wrap};

/// One value of a series: the number drawn and how the page writes it ("98,90 %").
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub value: f64,
    pub text: String,
}

impl Point {
    pub fn new(value: f64, text: impl Into<String>) -> Point {
        Point {
            value,
            text: text.into(),
        }
    }
}

/// A series: its name (in the legend and the tooltips) and one value or none per category.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<Point>>,
}

/// What a bar chart draws.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarChart {
    /// Above the picture, and its accessible name.
    pub title: String,
    /// The picture in words (`<desc>`), e.g. what the bars measure and where the figures
    /// come from.
    pub desc: String,
    /// The rows' labels, top to bottom.
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// The category drawn in bold with a marker (the unit a page is about), if any.
    pub highlight: Option<usize>,
}

/// The narrowest and widest the label column is, in pixels at 12 px.
pub const LABEL_MIN_PX: f64 = 90.0;
pub const LABEL_MAX_PX: f64 = 220.0;
const FONT_PX: f64 = 12.0;
const LINE: f64 = 14.0;
const LABEL_X: f64 = 8.0;
const GAP: f64 = 8.0;
/// The bars' room, and room right of them for the longest value text.
const PLOT: f64 = 330.0;
const BAR: f64 = 14.0;
const BAR_GAP: f64 = 2.0;
const ROW_PAD: f64 = 8.0;
const TOP: f64 = 34.0;
const TITLE_CHARS: usize = 80;

/// Colour-blind-safe colours (Okabe and Ito), one per series, in order.
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999933", "#000000",
];

/// The colour of series `i`.
pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// The patterns that tell series apart without colour: every second series is hatched,
/// every third dotted.
fn defs(n: usize) -> String {
    let mut s = String::from("<defs>");
    for i in 0..n {
        let c = colour(i);
        let body = match i % 3 {
            1 => format!("<rect width=\"6\" height=\"6\" fill=\"{c}\" fill-opacity=\"0.35\"/><path d=\"M0,6 L6,0\" stroke=\"{c}\" stroke-width=\"2\"/>"),
            2 => format!("<rect width=\"6\" height=\"6\" fill=\"{c}\" fill-opacity=\"0.35\"/><circle cx=\"3\" cy=\"3\" r=\"1.6\" fill=\"{c}\"/>"),
            _ => format!("<rect width=\"6\" height=\"6\" fill=\"{c}\"/>"),
        };
        s.push_str(&format!(
            "<pattern id=\"s{i}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">{body}</pattern>"
        ));
    }
    s.push_str("</defs>\n");
    s
}

/// The largest value drawn and the smallest (zero when all are positive), so that every bar
/// starts at zero.
fn domain(series: &[Series]) -> (f64, f64) {
    let values = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .map(|p| p.value)
        .filter(|v| v.is_finite());
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if hi - lo <= 0.0 {
        (0.0, 1.0)
    } else {
        (lo, hi)
    }
}

/// The chart as a whole SVG document, whatever the input (no category: the title alone).
pub fn bar_svg(chart: &BarChart) -> String {
    let n = chart.series.len().max(1);
    let longest = chart
        .categories
        .iter()
        .map(|c| text_width(c, FONT_PX))
        .fold(0.0, f64::max);
    let line_px = longest.clamp(LABEL_MIN_PX, LABEL_MAX_PX).ceil();
    let left = LABEL_X + line_px + GAP;
    let labels: Vec<Vec<String>> = chart
        .categories
        .iter()
        .map(|c| wrap(c, line_px, FONT_PX))
        .collect();
    // Room right of the bars for the longest value text.
    let text_room = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .map(|p| text_width(&p.text, 11.0))
        .fold(text_width("—", 11.0), f64::max)
        + 10.0;
    let width = (left + PLOT + text_room).ceil();
    let (lo, hi) = domain(&chart.series);
    let scale = PLOT / (hi - lo);
    let zero = left + (0.0 - lo) * scale;
    let bars_h = n as f64 * (BAR + BAR_GAP) - BAR_GAP;
    let mut tops = Vec::with_capacity(labels.len());
    let mut y = TOP;
    for l in &labels {
        tops.push(y);
        let label_h = LINE * l.len() as f64;
        y += bars_h.max(label_h) + ROW_PAD * 2.0;
    }
    let legend_rows = if chart.series.len() > 1 {
        chart.series.len()
    } else {
        0
    };
    let height = (y + 8.0 + 18.0 * legend_rows as f64).ceil();
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart bar\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{t}\">\n<title>{t}</title>\n<desc>{d}</desc>\n{defs}<text x=\"{LABEL_X}\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{shown}</text>\n",
        t = esc(&chart.title),
        d = esc(&chart.desc),
        defs = defs(n),
        shown = esc(&ellipsis(&chart.title, TITLE_CHARS)),
    );
    // The zero line.
    s.push_str(&format!(
        "<line x1=\"{zero:.1}\" y1=\"{:.1}\" x2=\"{zero:.1}\" y2=\"{:.1}\" stroke=\"#666\"/>\n",
        TOP - 4.0,
        y - ROW_PAD
    ));
    for (i, (lines, top)) in labels.iter().zip(&tops).enumerate() {
        let row_h = bars_h.max(LINE * lines.len() as f64);
        let bold = chart.highlight == Some(i);
        let weight = if bold { " font-weight=\"bold\"" } else { "" };
        let label_top = top + ROW_PAD + (row_h - LINE * lines.len() as f64) / 2.0;
        s.push_str("<g>");
        if bold {
            s.push_str(&format!(
                "<rect x=\"0\" y=\"{:.1}\" width=\"{width}\" height=\"{:.1}\" fill=\"#fff4c2\"/>",
                top + 2.0,
                row_h + ROW_PAD * 2.0 - 4.0
            ));
        }
        for (k, l) in lines.iter().enumerate() {
            s.push_str(&format!(
                "<text x=\"{LABEL_X}\" y=\"{:.1}\"{weight}>{}</text>",
                label_top + 11.0 + LINE * k as f64,
                esc(l)
            ));
        }
        let bars_top = top + ROW_PAD + (row_h - bars_h) / 2.0;
        for (j, series) in chart.series.iter().enumerate() {
            let by = bars_top + j as f64 * (BAR + BAR_GAP);
            let point = series.values.get(i).and_then(|p| p.as_ref());
            let tip = format!(
                "{} — {}{}",
                chart.categories[i],
                if chart.series.len() > 1 {
                    format!("{}: ", series.name)
                } else {
                    String::new()
                },
                point.map_or("—", |p| p.text.as_str())
            );
            match point.filter(|p| p.value.is_finite()) {
                Some(p) => {
                    let x1 = zero + p.value * scale;
                    let (x, w) = if x1 >= zero {
                        (zero, x1 - zero)
                    } else {
                        (x1, zero - x1)
                    };
                    s.push_str(&format!(
                        "<g><title>{tip}</title><rect x=\"{x:.1}\" y=\"{by:.1}\" width=\"{w:.1}\" height=\"{BAR}\" fill=\"url(#s{j})\" stroke=\"{c}\"/><text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"11\" fill=\"#222\">{text}</text></g>",
                        tip = esc(&tip),
                        c = colour(j),
                        tx = zero.max(x1) + 4.0,
                        ty = by + 11.0,
                        text = esc(&p.text),
                    ));
                }
                None => s.push_str(&format!(
                    "<g><title>{tip}</title><text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"11\" fill=\"#555\">—</text></g>",
                    tip = esc(&tip),
                    tx = zero + 4.0,
                    ty = by + 11.0,
                )),
            }
        }
        s.push_str("</g>\n");
    }
    if legend_rows > 0 {
        for (j, series) in chart.series.iter().enumerate() {
            let ly = y + 4.0 + 18.0 * j as f64;
            s.push_str(&format!(
                "<rect x=\"{LABEL_X}\" y=\"{ly:.1}\" width=\"14\" height=\"12\" fill=\"url(#s{j})\" stroke=\"{c}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
                LABEL_X + 20.0,
                ly + 10.0,
                esc(&ellipsis(&series.name, 90)),
                c = colour(j),
            ));
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::well_formed;

    fn one(values: &[(&str, Option<f64>)]) -> BarChart {
        BarChart {
            title: "Tỷ lệ văn bản điện tử".into(),
            desc: "Theo đơn vị, năm 2023".into(),
            categories: values.iter().map(|(c, _)| c.to_string()).collect(),
            series: vec![Series {
                name: "2023".into(),
                values: values
                    .iter()
                    .map(|(_, v)| v.map(|v| Point::new(v, format!("{v:.2} %"))))
                    .collect(),
            }],
            highlight: None,
        }
    }

    /// The `width` attribute of every `<rect>` drawing a bar (filled by a pattern).
    fn bar_widths(svg: &str) -> Vec<f64> {
        svg.split("<rect ")
            .filter(|r| r.contains("fill=\"url(#s") && r.contains("height=\"14\""))
            .filter_map(|r| {
                let w = r.split("width=\"").nth(1)?;
                w[..w.find('"')?].parse().ok()
            })
            .collect()
    }

    #[test]
    fn bars_are_proportional_and_values_written() {
        let svg = bar_svg(&one(&[
            ("Phan Rang – Tháp Chàm", Some(98.0)),
            ("Ninh Sơn", Some(49.0)),
            ("Bác Ái", None),
        ]));
        well_formed(&svg).unwrap();
        let w = bar_widths(&svg);
        assert_eq!(w.len(), 2, "{svg}");
        assert!((w[0] / w[1] - 2.0).abs() < 0.01, "{w:?}");
        assert!(svg.contains(">98.00 %</text>"));
        // No value: a dash, not a zero-width bar.
        assert!(svg.contains("Bác Ái — —</title>"), "{svg}");
        assert!(svg.contains("<desc>Theo đơn vị, năm 2023</desc>"));
    }

    #[test]
    fn long_vietnamese_labels_wrap_whole() {
        let long = "Ủy ban nhân dân xã Phước Hà, huyện Thuận Nam, tỉnh Ninh Thuận (cấp xã)";
        let svg = bar_svg(&one(&[(long, Some(1.0)), ("Xã Nhị Hà", Some(2.0))]));
        well_formed(&svg).unwrap();
        let lines = wrap(long, LABEL_MAX_PX, FONT_PX);
        assert!(lines.len() >= 2, "{lines:?}");
        for l in &lines {
            assert!(svg.contains(&format!(">{}</text>", esc(l))), "{l} missing");
        }
        // Nothing cut: no ellipsis in a label.
        assert!(!svg.contains("…</text>"));
        // And the tooltip holds the whole name.
        assert!(svg.contains(&format!("<title>{long} — 1.00 %</title>")));
    }

    #[test]
    fn grouped_bars_have_a_legend_and_patterns() {
        let chart = BarChart {
            title: "Chữ ký số".into(),
            desc: String::new(),
            categories: vec!["Ninh Sơn".into(), "Ninh Hải".into()],
            series: vec![
                Series {
                    name: "Năm 2022".into(),
                    values: vec![Some(Point::new(80.0, "80")), Some(Point::new(70.0, "70"))],
                },
                Series {
                    name: "Năm 2023".into(),
                    values: vec![Some(Point::new(90.0, "90")), None],
                },
            ],
            highlight: Some(1),
        };
        let svg = bar_svg(&chart);
        well_formed(&svg).unwrap();
        assert_eq!(bar_widths(&svg).len(), 3);
        assert!(svg.contains(">Năm 2022</text>") && svg.contains(">Năm 2023</text>"));
        assert!(svg.contains("id=\"s0\"") && svg.contains("id=\"s1\""));
        assert!(svg.contains("Ninh Hải — Năm 2023: —"));
        assert!(svg.contains("font-weight=\"bold\">Ninh Hải</text>"));
    }

    #[test]
    fn negative_values_and_markup_stay_inside() {
        let svg = bar_svg(&one(&[("<b>&", Some(-5.0)), ("b", Some(5.0))]));
        well_formed(&svg).unwrap();
        let w = bar_widths(&svg);
        assert!((w[0] - w[1]).abs() < 0.01);
        let empty = bar_svg(&BarChart::default());
        well_formed(&empty).unwrap();
    }
}
