//! A bullet chart: a value against its target on one small bar — the bar to the value, a
//! tick at the target — for a table cell. The status is written beside it by the page; the
//! chart never carries it by colour alone.

use crate::svg::esc;

/// What the bar reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Bullet {
    pub value: f64,
    pub target: f64,
    /// The value at the right end of the scale: for a rate usually 100; none: the larger of
    /// the value and the target, with room.
    pub max: Option<f64>,
    /// Whether the value reaches the target (drawn solid; short of it, light and dashed).
    pub reached: bool,
}

/// The bullet chart in a `width` × `height` box, with `title` and `desc` (the caller writes
/// "97,22 % / mục tiêu ≥ 100 %").
pub fn bullet(b: &Bullet, title: &str, desc: &str, width: u32, height: u32) -> String {
    let (w, h) = (f64::from(width.max(20)), f64::from(height.max(6)));
    let finite = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
    let (value, target) = (finite(b.value), finite(b.target));
    let max = b
        .max
        .filter(|m| m.is_finite() && *m > 0.0)
        .map(|m| m.max(value).max(target))
        .unwrap_or_else(|| value.max(target) * 1.15)
        .max(f64::MIN_POSITIVE);
    let x = |v: f64| (v / max * (w - 2.0)).clamp(0.0, w - 2.0) + 1.0;
    let t = esc(title);
    let (bar_y, bar_h) = (h * 0.25, h * 0.5);
    // Short of the target: a light bar with a dashed outline (not told by colour alone).
    let (fill, dash) = if b.reached {
        ("#1f5fa8", "")
    } else {
        ("#f3d9a4", " stroke-dasharray=\"2 1.5\"")
    };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"bullet\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title><desc>{d}</desc>\
<rect x=\"1\" y=\"1\" width=\"{bg:.1}\" height=\"{bh:.1}\" fill=\"#e6e9ee\"/>\
<rect x=\"1\" y=\"{bar_y:.1}\" width=\"{vw:.1}\" height=\"{bar_h:.1}\" fill=\"{fill}\" stroke=\"#333\" stroke-width=\"0.8\"{dash}/>\
<line x1=\"{tx:.1}\" y1=\"0\" x2=\"{tx:.1}\" y2=\"{h:.1}\" stroke=\"#111\" stroke-width=\"2\"/></svg>",
        d = esc(desc),
        bg = w - 2.0,
        bh = h - 2.0,
        vw = x(value) - 1.0,
        tx = x(target),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::well_formed;

    #[test]
    fn the_bar_runs_to_the_value_and_the_tick_stands_at_the_target() {
        let s = bullet(
            &Bullet {
                value: 50.0,
                target: 80.0,
                max: Some(100.0),
                reached: false,
            },
            "DVCTT & \"toàn trình\"",
            "50 % / ≥ 80 %",
            102,
            12,
        );
        well_formed(&s).unwrap();
        assert!(
            s.contains("<title>DVCTT &amp; &quot;toàn trình&quot;</title>"),
            "{s}"
        );
        assert!(s.contains("width=\"50.0\""), "value bar: {s}");
        assert!(s.contains("x1=\"81.0\""), "target tick: {s}");
        assert!(
            s.contains("stroke-dasharray"),
            "short of the target is dashed: {s}"
        );
    }

    #[test]
    fn an_amount_beyond_its_target_scales_to_the_larger() {
        let s = bullet(
            &Bullet {
                value: 314_792.0,
                target: 300_000.0,
                max: None,
                reached: true,
            },
            "t",
            "d",
            102,
            12,
        );
        well_formed(&s).unwrap();
        assert!(!s.contains("stroke-dasharray"), "{s}");
        // The value is 1/1.15 of the scale: 100 × 0.8696 ≈ 87.0 wide.
        assert!(s.contains("width=\"87.0\""), "{s}");
        // Nothing breaks on nonsense.
        well_formed(&bullet(
            &Bullet {
                value: f64::NAN,
                target: 0.0,
                max: None,
                reached: false,
            },
            "t",
            "d",
            102,
            12,
        ))
        .unwrap();
    }
}
