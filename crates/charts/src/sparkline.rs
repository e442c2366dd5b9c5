//! A sparkline: a small line of an indicator over its periods, without axes, the last point
//! marked, for a table cell. Missing periods break the line (never drawn as zero).

use crate::svg::esc;
use std::fmt::Write;

/// One point of a sparkline: the period's label (for the description) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
}

/// The sparkline of `points` (oldest first) in a `width` × `height` box. `title` names it
/// for a screen reader; the description lists every point as `label: text` with the text
/// the caller formats (`shown`, e.g. "97,22 %"), so the picture says nothing the page does
/// not. Fewer than two values: a single dot or nothing drawn, still a valid picture.
pub fn sparkline(
    points: &[Point],
    shown: &[String],
    title: &str,
    width: u32,
    height: u32,
) -> String {
    let (w, h) = (f64::from(width.max(10)), f64::from(height.max(6)));
    let values: Vec<f64> = points
        .iter()
        .filter_map(|p| p.value)
        .filter(|v| v.is_finite())
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = 2.5;
    let x = |i: usize| {
        if points.len() <= 1 {
            w / 2.0
        } else {
            pad + (w - 2.0 * pad) * i as f64 / (points.len() - 1) as f64
        }
    };
    let y = |v: f64| {
        if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            h / 2.0
        } else {
            h - pad - (h - 2.0 * pad) * (v - lo) / (hi - lo)
        }
    };
    let desc = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let text = shown.get(i).cloned().unwrap_or_else(|| "—".into());
            format!("{}: {}", p.label, text)
        })
        .collect::<Vec<_>>()
        .join("; ");
    let t = esc(title);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"spark\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title><desc>{}</desc>",
        esc(&desc)
    );
    // Runs of consecutive values, each one polyline.
    let mut run: Vec<(f64, f64)> = Vec::new();
    let flush = |run: &mut Vec<(f64, f64)>, s: &mut String| {
        if run.len() >= 2 {
            let pts = run
                .iter()
                .map(|(a, b)| format!("{a:.1},{b:.1}"))
                .collect::<Vec<_>>()
                .join(" ");
            let _ = write!(
                s,
                "<polyline points=\"{pts}\" fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"1.5\"/>"
            );
        }
        run.clear();
    };
    for (i, p) in points.iter().enumerate() {
        match p.value.filter(|v| v.is_finite()) {
            Some(v) => run.push((x(i), y(v))),
            None => flush(&mut run, &mut s),
        }
    }
    flush(&mut run, &mut s);
    if let Some((i, v)) = points
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, p)| p.value.filter(|v| v.is_finite()).map(|v| (i, v)))
    {
        let _ = write!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.2\" fill=\"#1f5fa8\"/>",
            x(i),
            y(v)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::well_formed;

    fn p(label: &str, value: Option<f64>) -> Point {
        Point {
            label: label.into(),
            value,
        }
    }

    #[test]
    fn a_line_through_the_values_the_last_one_marked() {
        let s = sparkline(
            &[p("2022", Some(87.74)), p("2023", Some(97.22))],
            &["87,74 %".into(), "97,22 %".into()],
            "Chữ ký số <cá nhân>",
            80,
            20,
        );
        well_formed(&s).unwrap();
        assert!(
            s.contains("<title>Chữ ký số &lt;cá nhân&gt;</title>"),
            "{s}"
        );
        assert!(
            s.contains("<desc>2022: 87,74 %; 2023: 97,22 %</desc>"),
            "{s}"
        );
        // Rising: the later point is higher (smaller y).
        assert!(s.contains("points=\"2.5,17.5 77.5,2.5\""), "{s}");
        assert!(s.contains("<circle cx=\"77.5\" cy=\"2.5\""), "{s}");
    }

    #[test]
    fn a_missing_period_breaks_the_line_and_is_never_zero() {
        let s = sparkline(
            &[p("2021", Some(1.0)), p("2022", None), p("2023", Some(3.0))],
            &["1".into(), "—".into(), "3".into()],
            "x",
            80,
            20,
        );
        well_formed(&s).unwrap();
        assert!(!s.contains("<polyline"), "{s}");
        assert!(s.contains("2022: —"), "{s}");
        let one = sparkline(&[p("2023", Some(5.0))], &["5".into()], "x", 80, 20);
        well_formed(&one).unwrap();
        assert!(one.contains("<circle cx=\"40.0\" cy=\"10.0\""), "{one}");
        well_formed(&sparkline(&[], &[], "x", 80, 20)).unwrap();
    }
}
