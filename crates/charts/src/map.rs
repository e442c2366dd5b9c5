//! The choropleth: an indicator's value over a district's or a province's communes, one
//! coloured area per unit, as SVG.
//!
//! Each area is the unit's real outline when every unit has one (imported with `chiso
//! boundaries import`), otherwise a cell built from the units' centroids — the Voronoi cell of
//! its centroid clipped to a buffered hull of all of them — and the picture then says that
//! these are approximate areas, not boundaries. Coordinates are projected equirectangularly,
//! longitudes scaled by the cosine of the middle latitude, which at a province's scale keeps
//! shapes and distances true to a few per cent.
//!
//! Values fall into at most five classes (quantile breaks) coloured with ColorBrewer's
//! YlGnBu, a sequential palette readable with the common colour-vision deficiencies; a unit
//! without a value is hatched grey, a class of its own that zero never falls into. Every
//! area is a link to its unit's page carrying the unit's code (`data-unit`), its name and
//! value as `<title>` (shown on hover, read by screen readers) and is reachable by keyboard.

pub mod geom;

use crate::svg::esc;
use geom::Pt;

/// One unit on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub code: String,
    pub name: String,
    /// Where the area links to (the unit's page).
    pub href: String,
    /// The unit's centroid (a unit without one is given its parent's by the caller).
    pub lat: f64,
    pub lon: f64,
    /// The unit's real outline: rings of (longitude, latitude), holes included (drawn
    /// even-odd).
    pub outline: Option<Vec<Vec<Pt>>>,
    pub value: Option<f64>,
    /// The value as the page writes it (or the words for "no data").
    pub value_text: String,
}

/// The words a map needs, in the page's language.
#[derive(Debug, Clone, PartialEq)]
pub struct MapLabels {
    pub title: String,
    /// Said in the picture's description (and its legend) when the areas are approximate.
    pub approximate: String,
    pub no_data: String,
}

/// One class of the legend: its smallest and largest value among the units in it, drawn in
/// `fill`, and how many units fall in it.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendClass {
    pub fill: &'static str,
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
}

/// The map and what its legend says.
#[derive(Debug, Clone, PartialEq)]
pub struct Choropleth {
    pub svg: String,
    /// Whether the areas are built from centroids rather than real outlines.
    pub approximate: bool,
    pub classes: Vec<LegendClass>,
    /// How many units have no value.
    pub no_data: usize,
}

/// The fill of areas without a value.
pub const NO_DATA_FILL: &str = "url(#map-nodata)";
const WIDTH: f64 = 800.0;
const MAX_HEIGHT: f64 = 900.0;
const PAD: f64 = 8.0;
const LEGEND_ROW: f64 = 22.0;

/// ColorBrewer's YlGnBu for one to five classes, light (low) to dark (high).
fn palette(k: usize) -> &'static [&'static str] {
    match k {
        0 => &[],
        1 => &["#41b6c4"],
        2 => &["#a1dab4", "#2c7fb8"],
        3 => &["#edf8b1", "#7fcdbb", "#2c7fb8"],
        4 => &["#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"],
        _ => &["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
    }
}

/// The breaks between at most `k` classes of `values` (quantiles, rounded to three
/// significant digits of the values' range): strictly increasing, each above the smallest
/// value and at most the largest, so that no class is empty at its lower end. A value `v`
/// falls in class `breaks.iter().filter(|b| **b <= v).count()`.
pub fn class_breaks(values: &[f64], k: usize) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let (Some(&min), Some(&max)) = (v.first(), v.last()) else {
        return Vec::new();
    };
    let range = max - min;
    if range <= 0.0 || k < 2 {
        return Vec::new();
    }
    // Few distinct values (counts such as 0, 1, 2): a class for each.
    let mut distinct = v.clone();
    distinct.dedup();
    if distinct.len() <= k {
        return distinct[1..].to_vec();
    }
    let step = 10f64.powf(range.log10().floor() - 2.0);
    let mut breaks: Vec<f64> = Vec::new();
    for i in 1..k {
        let q = v[i * v.len() / k];
        let mut b = (q / step).round() * step;
        // Rounding must not move the break below a value it was meant to keep above it.
        if b > q {
            b = (q / step).floor() * step;
        }
        if b > min && b <= max && breaks.last().is_none_or(|&l| b > l) {
            breaks.push(b);
        }
    }
    breaks
}

/// A class as its legend writes it: "lower – upper", or the one value it holds.
pub fn class_text(c: &LegendClass, show: &dyn Fn(f64) -> String) -> String {
    if c.lower == c.upper {
        show(c.lower)
    } else {
        format!("{} – {}", show(c.lower), show(c.upper))
    }
}

fn class_of(breaks: &[f64], v: f64) -> usize {
    breaks.iter().filter(|&&b| b <= v).count()
}

/// The hatching of "no data", defined once per picture under `id`.
fn no_data_pattern(id: &str) -> String {
    format!(
        "<pattern id=\"{id}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eeeeee\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#8a8a8a\" stroke-width=\"2\"/></pattern>"
    )
}

/// A legend's small square as a whole SVG: `fill` (a class's colour), or the hatching of "no
/// data" when `None`. For a legend written in HTML beside the map.
pub fn swatch_svg(fill: Option<&str>) -> String {
    match fill {
        Some(f) => format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"22\" height=\"16\" viewBox=\"0 0 22 16\" aria-hidden=\"true\"><rect x=\"0.5\" y=\"0.5\" width=\"21\" height=\"15\" fill=\"{}\" stroke=\"#555\"/></svg>",
            esc(f)
        ),
        None => format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"22\" height=\"16\" viewBox=\"0 0 22 16\" aria-hidden=\"true\"><defs>{}</defs><rect x=\"0.5\" y=\"0.5\" width=\"21\" height=\"15\" fill=\"url(#swatch-nodata)\" stroke=\"#555\"/></svg>",
            no_data_pattern("swatch-nodata")
        ),
    }
}

/// The areas in the plane (x = longitude × cos(middle latitude), y = latitude, y up): each
/// unit's rings, and its centroid. Approximate cells when any unit lacks an outline.
fn plane_shapes(areas: &[Area]) -> (Vec<Vec<Vec<Pt>>>, Vec<Pt>, bool) {
    let lats = areas
        .iter()
        .map(|a| a.lat)
        .chain(areas.iter().flat_map(|a| {
            a.outline
                .iter()
                .flatten()
                .flatten()
                .map(|p| p.1)
                .collect::<Vec<_>>()
        }))
        .filter(|l| l.is_finite());
    let (lo, hi) = lats.fold((f64::MAX, f64::MIN), |(lo, hi), l| (lo.min(l), hi.max(l)));
    let mid = if lo <= hi { (lo + hi) / 2.0 } else { 0.0 };
    let k = mid.to_radians().cos();
    let to_plane = |(lon, lat): Pt| (lon * k, lat);
    let centroids: Vec<Pt> = areas.iter().map(|a| to_plane((a.lon, a.lat))).collect();
    let real = !areas.is_empty()
        && areas.iter().all(|a| {
            a.outline
                .as_ref()
                .is_some_and(|o| o.iter().any(|r| r.len() >= 3))
        });
    if real {
        let shapes = areas
            .iter()
            .map(|a| {
                a.outline
                    .iter()
                    .flatten()
                    .map(|ring| ring.iter().map(|&p| to_plane(p)).collect())
                    .collect()
            })
            .collect();
        return (shapes, centroids, false);
    }
    let spacing = geom::median_spacing(&centroids);
    // About the size of a commune around a lone centroid (0.02° ≈ 2 km).
    let r = if spacing > 0.0 { spacing * 0.6 } else { 0.02 };
    let points = geom::separate(&centroids, (r * 0.01).max(1e-9));
    let bound = geom::buffered_hull(&points, r);
    let cells = geom::voronoi_cells(&points, &bound);
    (cells.into_iter().map(|c| vec![c]).collect(), points, true)
}

/// The choropleth of `areas` (see the module's documentation). `show` writes a class's
/// bounds in the legend drawn inside the picture when `legend` is set (a page may write its
/// legend in HTML from [`Choropleth::classes`] instead). Always a whole SVG document; an empty
/// `areas` gives the title alone.
pub fn choropleth_svg(
    areas: &[Area],
    labels: &MapLabels,
    legend: bool,
    show: &dyn Fn(f64) -> String,
) -> Choropleth {
    let values: Vec<f64> = areas.iter().filter_map(|a| a.value).collect();
    let breaks = class_breaks(&values, 5);
    let fills = palette(if values.is_empty() {
        0
    } else {
        breaks.len() + 1
    });
    let mut classes: Vec<LegendClass> = fills
        .iter()
        .enumerate()
        .map(|(i, &fill)| LegendClass {
            fill,
            lower: if i == 0 {
                values.iter().copied().fold(f64::MAX, f64::min)
            } else {
                breaks[i - 1]
            },
            upper: breaks
                .get(i)
                .copied()
                .unwrap_or_else(|| values.iter().copied().fold(f64::MIN, f64::max)),
            count: 0,
        })
        .collect();
    let (shapes, centroids, approximate) = plane_shapes(areas);
    // The frame: every vertex drawn.
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in shapes.iter().flatten().flatten().chain(&centroids) {
        if x.is_finite() && y.is_finite() {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    let (w, h) = ((x1 - x0).max(1e-9), (y1 - y0).max(1e-9));
    let scale = ((WIDTH - 2.0 * PAD) / w).min((MAX_HEIGHT - 2.0 * PAD) / h);
    let scale = if scale.is_finite() { scale } else { 1.0 };
    let map_h = if x0 <= x1 {
        (h * scale + 2.0 * PAD).ceil()
    } else {
        60.0
    };
    // A tall unit is drawn narrower than the full width, not centred in empty space.
    let width = if x0 <= x1 {
        (w * scale + 2.0 * PAD).ceil().min(WIDTH)
    } else {
        WIDTH
    };
    // A legend inside the picture needs room for its words.
    let width = if legend { width.max(420.0) } else { width };
    let xy = |(x, y): Pt| (PAD + (x - x0) * scale, PAD + (y1 - y) * scale);
    let legend_rows = if legend {
        classes.len() + 1 + usize::from(approximate)
    } else {
        0
    };
    let height = map_h + legend_rows as f64 * LEGEND_ROW;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"choropleth\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"14\" role=\"group\" aria-label=\"{t}\">\n<title>{t}</title>\n<desc>{d}</desc>\n<defs>{p}</defs>\n<g stroke=\"#ffffff\" stroke-width=\"0.8\" stroke-linejoin=\"round\">\n",
        t = esc(&labels.title),
        d = esc(if approximate { &labels.approximate } else { "" }),
        p = no_data_pattern("map-nodata"),
    );
    // Each class's bounds as observed: the smallest and largest value that fell in it.
    for (i, cl) in classes.iter_mut().enumerate() {
        let inside = values
            .iter()
            .copied()
            .filter(|&v| class_of(&breaks, v).min(fills.len().saturating_sub(1)) == i);
        let (lo, hi) = inside.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if lo <= hi {
            (cl.lower, cl.upper) = (lo, hi);
        }
    }
    let mut no_data = 0;
    for ((a, rings), &c) in areas.iter().zip(&shapes).zip(&centroids) {
        let (fill, class) = match a.value {
            Some(v) => {
                let i = class_of(&breaks, v).min(fills.len().saturating_sub(1));
                if let Some(cl) = classes.get_mut(i) {
                    cl.count += 1;
                }
                (fills.get(i).copied().unwrap_or("#41b6c4"), i.to_string())
            }
            None => {
                no_data += 1;
                (NO_DATA_FILL, "none".to_string())
            }
        };
        let mut d = String::new();
        for ring in rings {
            let pts: Vec<Pt> = ring.iter().map(|&p| xy(p)).collect();
            let pts = geom::simplify(&pts, 0.3);
            let mut last = String::new();
            for (i, (x, y)) in pts.iter().enumerate() {
                let v = format!("{x:.1},{y:.1}");
                if v != last {
                    d.push_str(if i == 0 { "M" } else { "L" });
                    d.push_str(&v);
                    last = v;
                }
            }
            if !pts.is_empty() {
                d.push('Z');
            }
        }
        let tip = format!("{}: {}", a.name, a.value_text);
        s.push_str(&format!(
            "<a href=\"{href}\" class=\"map-cell\" data-unit=\"{code}\" data-class=\"{class}\" aria-label=\"{tip}\"><title>{tip}</title><path d=\"{d}\" fill=\"{fill}\" fill-rule=\"evenodd\"/>",
            href = esc(&a.href),
            code = esc(&a.code),
            tip = esc(&tip),
        ));
        if approximate {
            let (cx, cy) = xy(c);
            s.push_str(&format!(
                "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"1.6\" fill=\"#333333\" stroke=\"none\"/>"
            ));
        }
        s.push_str("</a>\n");
    }
    s.push_str("</g>\n");
    if legend {
        let mut y = map_h;
        let row = |s: &mut String, y: f64, fill: &str, text: &str| {
            s.push_str(&format!(
                "<rect x=\"{PAD}\" y=\"{:.1}\" width=\"22\" height=\"14\" fill=\"{fill}\" stroke=\"#555555\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
                y + 3.0,
                PAD + 30.0,
                y + 15.0,
                esc(text)
            ));
        };
        for c in &classes {
            row(
                &mut s,
                y,
                c.fill,
                &format!("{} ({})", class_text(c, show), c.count),
            );
            y += LEGEND_ROW;
        }
        row(
            &mut s,
            y,
            NO_DATA_FILL,
            &format!("{} ({no_data})", labels.no_data),
        );
        y += LEGEND_ROW;
        if approximate {
            s.push_str(&format!(
                "<text x=\"{PAD}\" y=\"{:.1}\" fill=\"#555555\">{}</text>\n",
                y + 15.0,
                esc(&labels.approximate)
            ));
        }
    }
    s.push_str("</svg>\n");
    Choropleth {
        svg: s,
        approximate,
        classes,
        no_data,
    }
}

#[cfg(test)]
mod tests;
