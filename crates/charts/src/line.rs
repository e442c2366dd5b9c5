//! Line charts, as SVG: a trend over periods, one line per series.
//!
//! The periods run left to right, named under the axis (wrapped when long); each point is a
//! marker of its series' shape (circle, square, triangle…) with its value written above it
//! and a tooltip, so series differ by shape as well as colour; a missing value breaks the
//! line rather than drawing it to zero. The value axis starts at zero unless every value is
//! far from it, and carries a few round ticks.

use crate::bar::{colour, Series};
use crate::svg::{ellipsis, esc, wrap};

/// What a line chart draws.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    pub title: String,
    pub desc: String,
    /// The periods, left to right.
    pub periods: Vec<String>,
    /// Each series has one value or none per period.
    pub series: Vec<Series>,
}

const WIDTH: f64 = 600.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 44.0;
const PLOT_H: f64 = 200.0;
const FONT_PX: f64 = 11.0;

/// Round ticks covering `lo..=hi`: about five, at 1, 2 or 5 times a power of ten.
pub fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo.min(0.0), lo.max(0.0) + 1.0];
    }
    let raw = (hi - lo) / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).floor() * step;
    let mut out = Vec::new();
    let mut t = start;
    while t < hi + step * 0.999 && out.len() < 20 {
        out.push((t / step).round() * step);
        t += step;
    }
    out
}

/// A marker of series `j` at (`x`, `y`): circle, square, triangle, diamond, in turn.
fn marker(j: usize, x: f64, y: f64) -> String {
    let c = colour(j);
    match j % 4 {
        0 => format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{c}\"/>"),
        1 => format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\" fill=\"{c}\"/>",
            x - 4.0,
            y - 4.0
        ),
        2 => format!(
            "<path d=\"M{x:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z\" fill=\"{c}\"/>",
            y - 5.0,
            x + 5.0,
            y + 4.0,
            x - 5.0,
            y + 4.0
        ),
        _ => format!(
            "<path d=\"M{x:.1},{:.1} L{:.1},{y:.1} L{x:.1},{:.1} L{:.1},{y:.1} Z\" fill=\"{c}\"/>",
            y - 5.0,
            x + 5.0,
            y + 5.0,
            x - 5.0
        ),
    }
}

/// The chart as a whole SVG document, whatever the input.
pub fn line_svg(chart: &LineChart) -> String {
    let values: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .map(|p| p.value)
        .filter(|v| v.is_finite())
        .collect();
    let (mut lo, mut hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    if values.is_empty() {
        (lo, hi) = (0.0, 1.0);
    }
    // From zero, unless the values are all far above it (then the change is what matters).
    if lo > 0.0 && lo < hi * 0.5 {
        lo = 0.0;
    }
    if hi <= lo {
        hi = lo + 1.0;
        lo = (lo - 1.0).min(0.0).max(lo - 1.0);
    }
    let ts = ticks(lo, hi);
    let (y0, y1) = (
        ts.first().copied().unwrap_or(lo),
        ts.last().copied().unwrap_or(hi),
    );
    let y_of = |v: f64| TOP + PLOT_H - (v - y0) / (y1 - y0).max(f64::MIN_POSITIVE) * PLOT_H;
    let n = chart.periods.len().max(1);
    let step = (WIDTH - LEFT - RIGHT) / n as f64;
    let x_of = |i: usize| LEFT + step * (i as f64 + 0.5);
    let period_lines: Vec<Vec<String>> = chart
        .periods
        .iter()
        .map(|p| wrap(p, (step - 4.0).max(30.0), FONT_PX))
        .collect();
    let axis_lines = period_lines.iter().map(Vec::len).max().unwrap_or(1);
    let axis_bottom = TOP + PLOT_H + 8.0 + 13.0 * axis_lines as f64;
    let legend_rows = if chart.series.len() > 1 {
        chart.series.len()
    } else {
        0
    };
    let height = (axis_bottom + 8.0 + 18.0 * legend_rows as f64).ceil();
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart line\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{t}\">\n<title>{t}</title>\n<desc>{d}</desc>\n<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{shown}</text>\n",
        t = esc(&chart.title),
        d = esc(&chart.desc),
        shown = esc(&ellipsis(&chart.title, 80)),
    );
    for t in &ts {
        let y = y_of(*t);
        let label = if (t.fract()).abs() < 1e-9 {
            format!("{t:.0}")
        } else {
            format!("{t}")
        };
        s.push_str(&format!(
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e3e3e3\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{FONT_PX}\" fill=\"#555\" text-anchor=\"end\">{label}</text>\n",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0
        ));
    }
    for (i, lines) in period_lines.iter().enumerate() {
        for (k, l) in lines.iter().enumerate() {
            s.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{FONT_PX}\" text-anchor=\"middle\">{}</text>",
                x_of(i),
                TOP + PLOT_H + 18.0 + 13.0 * k as f64,
                esc(l)
            ));
        }
    }
    s.push('\n');
    for (j, series) in chart.series.iter().enumerate() {
        let c = colour(j);
        // The line, broken where a value is missing.
        let mut path = String::new();
        let mut pen_down = false;
        for (i, p) in series.values.iter().enumerate().take(n) {
            match p.as_ref().filter(|p| p.value.is_finite()) {
                Some(p) => {
                    path.push_str(&format!(
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x_of(i),
                        y_of(p.value)
                    ));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let dash = if j % 2 == 1 {
            " stroke-dasharray=\"6 3\""
        } else {
            ""
        };
        if !path.is_empty() {
            s.push_str(&format!(
                "<path d=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\"{dash}/>\n",
                path.trim_end()
            ));
        }
        for (i, p) in series.values.iter().enumerate().take(n) {
            let Some(p) = p.as_ref().filter(|p| p.value.is_finite()) else {
                continue;
            };
            let (x, y) = (x_of(i), y_of(p.value));
            let tip = format!(
                "{}{} — {}",
                if chart.series.len() > 1 {
                    format!("{} · ", series.name)
                } else {
                    String::new()
                },
                chart.periods.get(i).map_or("", String::as_str),
                p.text
            );
            // The value above its point; below it for the second series, so two close
            // lines do not write over each other.
            let ty = if j % 2 == 1 { y + 17.0 } else { y - 8.0 };
            s.push_str(&format!(
                "<g><title>{}</title>{}<text x=\"{x:.1}\" y=\"{ty:.1}\" font-size=\"{FONT_PX}\" text-anchor=\"middle\" fill=\"#222\">{}</text></g>\n",
                esc(&tip),
                marker(j, x, y),
                esc(&p.text)
            ));
        }
    }
    for (j, series) in chart.series.iter().enumerate().take(legend_rows) {
        let ly = axis_bottom + 8.0 + 18.0 * j as f64;
        s.push_str(&format!(
            "<line x1=\"8\" y1=\"{ly:.1}\" x2=\"30\" y2=\"{ly:.1}\" stroke=\"{}\" stroke-width=\"2\"{}/>{}<text x=\"36\" y=\"{:.1}\">{}</text>\n",
            colour(j),
            if j % 2 == 1 { " stroke-dasharray=\"6 3\"" } else { "" },
            marker(j, 19.0, ly),
            ly + 4.0,
            esc(&ellipsis(&series.name, 80)),
        ));
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bar::Point;
    use crate::svg::well_formed;

    fn chart(values: Vec<Option<f64>>) -> LineChart {
        LineChart {
            title: "Tỷ lệ hồ sơ ký số".into(),
            desc: "Toàn tỉnh".into(),
            periods: (0..values.len())
                .map(|i| format!("Năm {}", 2020 + i))
                .collect(),
            series: vec![Series {
                name: "Ninh Thuận".into(),
                values: values
                    .into_iter()
                    .map(|v| v.map(|v| Point::new(v, format!("{v}"))))
                    .collect(),
            }],
        }
    }

    #[test]
    fn ticks_are_round_and_cover_the_values() {
        assert_eq!(ticks(0.0, 100.0), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let t = ticks(87.74, 97.22);
        assert!(t[0] <= 87.74 && *t.last().unwrap() >= 97.22, "{t:?}");
        assert!(t.len() <= 12);
        assert_eq!(ticks(1.0, 1.0).len(), 2);
    }

    #[test]
    fn a_missing_value_breaks_the_line() {
        let svg = line_svg(&chart(vec![Some(1.0), Some(2.0), None, Some(4.0)]));
        well_formed(&svg).unwrap();
        let d = svg.split("<path d=\"").nth(1).unwrap();
        let d = &d[..d.find('"').unwrap()];
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 1, "{d}");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("<title>Năm 2021 — 2</title>"), "{svg}");
    }

    #[test]
    fn a_higher_value_is_drawn_higher() {
        let svg = line_svg(&chart(vec![Some(87.74), Some(97.22)]));
        let ys: Vec<f64> = svg
            .split("<circle ")
            .skip(1)
            .map(|c| {
                let y = c.split("cy=\"").nth(1).unwrap();
                y[..y.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert!(ys[1] < ys[0], "{ys:?}");
    }

    #[test]
    fn two_series_differ_by_shape_and_are_named() {
        let mut c = chart(vec![Some(1.0), Some(3.0)]);
        c.series.push(Series {
            name: "<Bác Ái>".into(),
            values: vec![Some(Point::new(2.0, "2")), None],
        });
        let svg = line_svg(&c);
        well_formed(&svg).unwrap();
        assert!(svg.contains("&lt;Bác Ái&gt;</text>"));
        assert!(svg.contains("stroke-dasharray"));
        well_formed(&line_svg(&LineChart::default())).unwrap();
    }
}
