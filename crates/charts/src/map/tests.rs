//! What a reader of the map relies on, and the geometry's promises checked on random input.

use super::geom::*;
use super::*;
use crate::svg::well_formed;
use proptest::prelude::*;

fn area_at(code: &str, lat: f64, lon: f64, value: Option<f64>) -> Area {
    Area {
        code: code.into(),
        name: format!("Xã {code}"),
        href: format!("/units/{code}"),
        lat,
        lon,
        outline: None,
        value,
        value_text: value.map_or("không có số liệu".into(), |v| format!("{v}")),
    }
}

fn labels() -> MapLabels {
    MapLabels {
        title: "Tỷ lệ văn bản điện tử <2023>".into(),
        approximate: "Vùng gần đúng".into(),
        no_data: "Không có số liệu".into(),
    }
}

fn draw(areas: &[Area]) -> Choropleth {
    choropleth_svg(areas, &labels(), true, &|v| format!("{v:.1}"))
}

/// A 6 × 5 grid of communes around Phan Rang (lat 11.5, lon 109), values 0, 1, 2…, the
/// last three without a value.
fn grid() -> Vec<Area> {
    (0..30)
        .map(|i| {
            area_at(
                &format!("{}", 22700 + i),
                11.5 + f64::from(i / 6) * 0.05 + f64::from(i % 3) * 0.004,
                109.0 + f64::from(i % 6) * 0.05,
                (i < 27).then_some(f64::from(i)),
            )
        })
        .collect()
}

#[test]
fn one_linked_area_per_unit_with_its_code_name_and_value() {
    let m = draw(&grid());
    well_formed(&m.svg).unwrap();
    assert!(m.approximate);
    assert_eq!(m.svg.matches("data-unit=\"").count(), 30);
    assert_eq!(m.svg.matches("<a href=\"/units/").count(), 30);
    assert!(m.svg.contains("data-unit=\"22705\""));
    assert!(m.svg.contains("<title>Xã 22705: 5</title>"));
    assert!(m.svg.contains("&lt;2023&gt;"), "the title is escaped");
    assert!(m.svg.contains("<desc>Vùng gần đúng</desc>"));
}

#[test]
fn no_data_is_a_class_of_its_own_and_zero_is_not_in_it() {
    let m = draw(&grid());
    assert_eq!(m.no_data, 3);
    assert_eq!(m.svg.matches("data-class=\"none\"").count(), 3);
    assert_eq!(
        m.svg.matches(NO_DATA_FILL).count(),
        3 + 1,
        "3 areas and the legend"
    );
    let zero = m
        .svg
        .lines()
        .find(|l| l.contains("data-unit=\"22700\""))
        .unwrap();
    assert!(zero.contains("data-class=\"0\"") && zero.contains("fill=\"#ffffcc\""));
    assert!(m.svg.contains("Không có số liệu (3)"));
    assert_eq!(m.classes.len(), 5);
    assert_eq!(m.classes.iter().map(|c| c.count).sum::<usize>(), 27);
    assert_eq!(m.classes[0].lower, 0.0);
    assert_eq!(m.classes[4].upper, 26.0);
}

#[test]
fn the_classes_follow_the_values() {
    let b = class_breaks(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 5);
    assert_eq!(b, vec![2.0, 4.0, 6.0, 8.0]);
    assert!(
        class_breaks(&[3.0, 3.0, 3.0], 5).is_empty(),
        "one value, one class"
    );
    assert!(class_breaks(&[], 5).is_empty());
    let m = draw(&[
        area_at("1", 11.5, 109.0, Some(3.0)),
        area_at("2", 11.6, 109.1, Some(3.0)),
    ]);
    assert_eq!(m.classes.len(), 1);
    // Percentages close together keep distinct breaks.
    let b = class_breaks(&[94.12, 94.5, 95.01, 96.3, 97.7, 98.9], 5);
    assert!(b.windows(2).all(|w| w[0] < w[1]) && b.len() >= 3, "{b:?}");
}

#[test]
fn a_unit_with_its_real_outline() {
    let square =
        |x: f64, y: f64| vec![vec![(x, y), (x + 0.1, y), (x + 0.1, y + 0.1), (x, y + 0.1)]];
    let mut a = area_at("1", 11.55, 109.05, Some(1.0));
    a.outline = Some(square(109.0, 11.5));
    let mut b = area_at("2", 11.55, 109.15, None);
    b.outline = Some(square(109.1, 11.5));
    let m = draw(&[a.clone(), b.clone()]);
    well_formed(&m.svg).unwrap();
    assert!(!m.approximate);
    assert!(!m.svg.contains("Vùng gần đúng"));
    assert!(!m.svg.contains("<circle"));
    // One unit without an outline: every area is approximate.
    b.outline = None;
    assert!(draw(&[a, b]).approximate);
}

#[test]
fn the_projection_scales_longitudes_by_the_latitude() {
    // Two units 0.1° apart east-west and two 0.1° apart north-south at 60° N: the first
    // pair is drawn half as far apart.
    let ew = [
        area_at("1", 60.0, 10.0, None),
        area_at("2", 60.0, 10.1, None),
    ];
    let ns = [
        area_at("1", 60.0, 10.0, None),
        area_at("2", 60.1, 10.0, None),
    ];
    let (shapes_ew, c_ew, _) = plane_shapes(&ew);
    let (_, c_ns, _) = plane_shapes(&ns);
    assert_eq!(shapes_ew.len(), 2);
    let d = |c: &[Pt]| (c[0].0 - c[1].0).hypot(c[0].1 - c[1].1);
    let ratio = d(&c_ew) / d(&c_ns);
    assert!((ratio - 0.5).abs() < 0.01, "{ratio}");
}

#[test]
fn degenerate_input_still_draws() {
    for areas in [
        vec![],
        vec![area_at("1", 11.5, 109.0, Some(1.0))],
        vec![
            area_at("1", 11.5, 109.0, Some(1.0)),
            area_at("2", 11.5, 109.0, Some(2.0)),
        ],
        (0..5)
            .map(|i| area_at(&i.to_string(), 11.5, 109.0 + f64::from(i) * 0.01, None))
            .collect(),
    ] {
        let m = draw(&areas);
        well_formed(&m.svg).unwrap();
        assert_eq!(m.svg.matches("data-unit=").count(), areas.len());
        // Every unit gets a drawn area, even two at the same place.
        assert!(!m.svg.contains("d=\"\""), "{}", m.svg);
    }
}

#[test]
fn a_province_of_communes_stays_small() {
    // 150 communes, more than any district, a few hundred bytes each.
    let areas: Vec<Area> = (0..150)
        .map(|i| {
            let (fi, fj) = (f64::from(i % 15), f64::from(i / 15));
            area_at(
                &format!("{}", 20000 + i),
                11.2 + fj * 0.07 + (fi * 7.3).sin() * 0.02,
                108.6 + fi * 0.06 + (fj * 3.1).cos() * 0.02,
                Some(fi * fj),
            )
        })
        .collect();
    let m = draw(&areas);
    assert!(m.svg.len() < 100_000, "{}", m.svg.len());
}

#[test]
fn hull_of_a_square_and_its_inside() {
    let h = convex_hull(&[
        (0.0, 0.0),
        (1.0, 0.0),
        (1.0, 1.0),
        (0.0, 1.0),
        (0.5, 0.5),
        (0.5, 0.0),
    ]);
    assert_eq!(h.len(), 4);
    assert!((area(&h) - 1.0).abs() < 1e-12);
    assert!(contains(&h, (0.5, 0.5), 0.0) && !contains(&h, (1.5, 0.5), 0.0));
    let simplified = simplify(&[(0.0, 0.0), (1.0, 0.01), (2.0, 0.0), (3.0, 5.0)], 0.1);
    assert_eq!(simplified, vec![(0.0, 0.0), (2.0, 0.0), (3.0, 5.0)]);
}

/// Distinct points on a grid of 0.01 (communes are never closer than a few hundred metres).
fn points() -> impl Strategy<Value = Vec<Pt>> {
    proptest::collection::btree_set((0i32..300, 0i32..300), 1..60).prop_map(|s| {
        s.into_iter()
            .map(|(x, y)| (f64::from(x) / 100.0, f64::from(y) / 100.0))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn cells_cover_the_hull_without_overlapping_each_holding_its_centroid(pts in points()) {
        let r = median_spacing(&pts).max(0.01) * 0.6;
        let bound = buffered_hull(&pts, r);
        let whole = area(&bound);
        prop_assert!(whole > 0.0);
        let cells = voronoi_cells(&pts, &bound);
        prop_assert_eq!(cells.len(), pts.len());
        // Each cell inside the bound, holding its point.
        for (c, &p) in cells.iter().zip(&pts) {
            prop_assert!(contains(c, p, 1e-9), "{:?} not in its cell {:?}", p, c);
            prop_assert!(area(c) > 0.0);
            for &v in c {
                prop_assert!(contains(&bound, v, 1e-9));
            }
        }
        // No two overlap…
        for i in 0..cells.len() {
            for j in i + 1..cells.len() {
                let common = intersect(&cells[i], &cells[j]);
                let a = if common.len() >= 3 { area(&common).abs() } else { 0.0 };
                prop_assert!(a < 1e-9 * whole.max(1.0), "cells {} and {} overlap by {}", i, j, a);
            }
        }
        // …so, as their areas add up to the bound's, they cover it.
        let sum: f64 = cells.iter().map(|c| area(c)).sum();
        prop_assert!((sum - whole).abs() < 1e-9 * whole.max(1.0), "{} vs {}", sum, whole);
    }

    #[test]
    fn separated_points_are_apart_and_near_where_they_were(pts in points(), dup in 0usize..5) {
        let mut pts = pts;
        let copies: Vec<Pt> = pts.iter().take(dup).copied().collect();
        pts.extend(copies);
        let out = separate(&pts, 0.001);
        for i in 0..out.len() {
            prop_assert!((out[i].0 - pts[i].0).hypot(out[i].1 - pts[i].1) < 0.02);
            for j in 0..i {
                prop_assert!((out[i].0 - out[j].0).hypot(out[i].1 - out[j].1) >= 0.001 * 0.999);
            }
        }
    }
}
