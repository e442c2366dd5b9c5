//! A dimension given as a filter is one cell over all its items (`filter=ou:A;B`,
//! `filter=pe:2023;2024`, `USER_ORGUNIT` of an account with several units), checked against
//! sums computed here from the values themselves.

use super::*;
use crate::test_support::{c, descendants, element, ratio_indicator, tree, value};
use crate::{Engine, Input};
use chiso_core::{AggregationType, DataValue, StoredUnit};
use proptest::prelude::*;

fn labels_grid(e: &Engine, q: Query) -> Grid {
    let r = q.resolve(e).unwrap();
    let elements = [element("N"), element("D"), average("A")];
    let labels = Labels {
        elements: &elements,
        breakdowns: &[],
        groups: &[],
        period: &|p: &Period, _| p.to_string(),
    };
    r.evaluate(e, &labels).unwrap()
}

fn query(e: &Engine, q: &str) -> Query {
    let pairs = q.split('&').filter_map(|kv| kv.split_once('='));
    Query::parse(e, pairs, NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()).unwrap()
}

fn average(code: &str) -> chiso_core::DataElement {
    let mut a = element(code);
    a.aggregation = AggregationType::Average;
    a
}

fn build(units: &[StoredUnit], values: &[DataValue]) -> Engine {
    Engine::build(Input {
        units: units.to_vec(),
        elements: vec![element("N"), element("D"), average("A")],
        indicators: vec![ratio_indicator()],
        values: values.to_vec(),
        ..Default::default()
    })
}

/// The value of each `dx` row (`dx`, value) of a grid.
fn by_dx(g: &Grid) -> Vec<(String, f64)> {
    g.rows
        .iter()
        .map(|r| (r[0].clone(), r[r.len() - 1].parse::<f64>().unwrap()))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// The periods values are stored for, and those a filter may name (overlapping on purpose:
/// a year and its quarter, a half and its month).
const STORED: [&str; 8] = [
    "2023", "2024", "2023Q1", "2023Q3", "2024Q2", "202302", "202311", "202405",
];
const FILTERS: [&str; 7] = [
    "2023", "2024", "2023Q1", "2023S2", "2024Q2", "202311", "2022",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whatever units and periods a filter names — overlapping or not — each value below
    /// the units and inside the periods is counted once: sums are sums, an average is over
    /// every value, and the indicator is 100 × ΣN / ΣD over the lot.
    #[test]
    fn a_filter_aggregates_over_its_items_like_sums_computed_by_hand(
        parents in proptest::collection::vec(0usize..1000, 1..25),
        raw in proptest::collection::vec((0usize..1000, 0usize..STORED.len(), 0u32..500, 1u32..500), 1..60),
        picked_units in proptest::collection::vec(0usize..1000, 1..4),
        picked_periods in proptest::collection::vec(0usize..FILTERS.len(), 1..4),
    ) {
        let units = tree(&parents);
        let mut values = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for &(u, p, n, d) in &raw {
            let u = units[u % units.len()].unit.code.to_string();
            let p = Period::parse(STORED[p]).unwrap();
            if !seen.insert((u.clone(), p)) {
                continue;
            }
            values.push(value("N", &u, p, n as f64));
            values.push(value("D", &u, p, d as f64));
            values.push(value("A", &u, p, n as f64));
        }
        let e = build(&units, &values);
        let ous: Vec<String> = picked_units
            .iter()
            .map(|&i| units[i % units.len()].unit.code.to_string())
            .collect();
        let pes: Vec<Period> = picked_periods
            .iter()
            .map(|&i| Period::parse(FILTERS[i]).unwrap())
            .collect();
        // By hand: a value counts when its unit lies below one of the units and its period
        // inside one of the periods.
        let below: std::collections::HashSet<String> =
            ous.iter().flat_map(|o| descendants(&units, o)).collect();
        let counted: Vec<&DataValue> = values
            .iter()
            .filter(|v| below.contains(v.unit.as_str()))
            .filter(|v| pes.iter().any(|p| p.start() <= v.period.start() && v.period.end() <= p.end()))
            .collect();
        let sum = |el: &str| counted.iter().filter(|v| v.element.as_str() == el).map(|v| v.num.unwrap()).sum::<f64>();
        let count = counted.iter().filter(|v| v.element.as_str() == "A").count();
        let (n, d) = (sum("N"), sum("D"));

        let pe_ids: Vec<String> = pes.iter().map(|p| p.to_string()).collect();
        let g = labels_grid(&e, query(&e, &format!(
            "dimension=dx:N;D;A;R&filter=pe:{}&filter=ou:{}&skipRounding=true",
            pe_ids.join(";"),
            ous.join(";")
        )));
        let got = by_dx(&g);
        if count == 0 {
            prop_assert!(got.is_empty(), "no value inside: no row, got {:?}", got);
        } else {
            let want = [
                ("N", n),
                ("D", d),
                ("A", sum("A") / count as f64),
            ];
            for (dx, x) in want {
                let row = got.iter().find(|(id, _)| id == dx);
                prop_assert!(row.is_some_and(|r| close(r.1, x)), "{}: want {}, got {:?}", dx, x, got);
            }
            let r = got.iter().find(|(id, _)| id == "R");
            if d > 0.0 {
                prop_assert!(r.is_some_and(|r| close(r.1, 100.0 * n / d)), "R: want {}, got {:?}", 100.0 * n / d, got);
            } else {
                prop_assert!(r.is_none(), "no denominator, no ratio: {:?}", got);
            }
            prop_assert_eq!(got.len(), if d > 0.0 { 4 } else { 3 }, "one row per item, never one per filter item");
        }
        prop_assert_eq!(
            &g.meta_data.as_ref().unwrap().dimensions["ou"],
            &ous,
            "every filter unit is listed in the metadata"
        );

        // Periods as rows under the same unit filter: each row is its period's sum.
        let g = labels_grid(&e, query(&e, &format!(
            "dimension=dx:N&dimension=pe:{}&filter=ou:{}&skipRounding=true",
            pe_ids.join(";"),
            ous.join(";")
        )));
        for row in &g.rows {
            let p = Period::parse(&row[1]).unwrap();
            let want: f64 = values
                .iter()
                .filter(|v| v.element.as_str() == "N" && below.contains(v.unit.as_str()))
                .filter(|v| p.start() <= v.period.start() && v.period.end() <= p.end())
                .map(|v| v.num.unwrap())
                .sum();
            prop_assert!(close(row[2].parse::<f64>().unwrap(), want), "{}: want {}, got {:?}", p, want, row);
        }
    }
}

/// U0 → U1, U2; U3 below U1. N/D: U1 30/50, U2 10/50, U3 20/50 in 2023; U2 40/50 in 2024.
fn small() -> Engine {
    let units = tree(&[0, 0, 1]);
    let mut values = Vec::new();
    for (u, y, n, d) in [
        ("U1", 2023, 30.0, 50.0),
        ("U2", 2023, 10.0, 50.0),
        ("U3", 2023, 20.0, 50.0),
        ("U2", 2024, 40.0, 50.0),
    ] {
        values.push(value("N", u, Period::Year(y), n));
        values.push(value("D", u, Period::Year(y), d));
    }
    build(&units, &values)
}

#[test]
fn a_ratio_over_a_filter_is_the_ratio_of_the_sums_not_the_average_of_the_ratios() {
    let e = small();
    let g = labels_grid(
        &e,
        query(
            &e,
            "dimension=dx:R;N&filter=pe:2023&filter=ou:U1;U2&includeNumDen=true",
        ),
    );
    // U1's subtree 50/100 (50 %), U2 10/50 (20 %): (50 + 10) / (100 + 50) = 40 %, not 35 %.
    assert_eq!(
        g.rows,
        [
            ["R", "40", "60", "150", "100", "100", "1"],
            ["N", "60", "", "", "", "", ""],
        ]
    );
    // A unit inside another is counted once.
    let g = labels_grid(
        &e,
        query(&e, "dimension=dx:N&filter=pe:2023&filter=ou:U3;U1;U3"),
    );
    assert_eq!(g.rows, [["N", "50"]]);
    // Several periods as a filter: one row over both years, not one row per year.
    let g = labels_grid(
        &e,
        query(&e, "dimension=dx:R&dimension=ou:U2&filter=pe:2023;2024"),
    );
    assert_eq!(g.rows, [["R", "U2", "50"]], "(10 + 40) / (50 + 50)");
    // A filter of a level with no unit: no row (not a count of 0).
    let g = labels_grid(
        &e,
        query(&e, "dimension=dx:N&filter=pe:2023&filter=ou:LEVEL-9"),
    );
    assert!(g.rows.is_empty(), "{:?}", g.rows);
    // LEVEL-2 as a filter: both districts together, the province's total.
    let g = labels_grid(
        &e,
        query(&e, "dimension=dx:N&filter=pe:2023&filter=ou:LEVEL-2"),
    );
    assert_eq!(g.rows, [["N", "60"]]);
}

#[test]
fn user_orgunit_of_an_account_with_two_units_is_both_added_up() {
    let e = small();
    let mut q = query(&e, "dimension=dx:R;N&filter=pe:2023&filter=ou:USER_ORGUNIT");
    q.user_units = vec![c("U2"), c("U3")];
    let g = labels_grid(&e, q.clone());
    // U2 10/50 and U3 20/50: 30/100.
    assert_eq!(g.rows, [["R", "30"], ["N", "30"]]);
    assert_eq!(g.meta_data.as_ref().unwrap().dimensions["ou"], ["U2", "U3"]);
    // As a dimension, each unit is its own row.
    let mut q = query(
        &e,
        "dimension=dx:N&filter=pe:2023&dimension=ou:USER_ORGUNIT",
    );
    q.user_units = vec![c("U2"), c("U3")];
    assert_eq!(
        labels_grid(&e, q).rows,
        [["N", "U2", "10"], ["N", "U3", "20"]]
    );
}

#[test]
fn a_filter_counts_as_one_cell_when_the_size_is_checked() {
    let e = small();
    let q = query(&e, "dimension=dx:N&filter=pe:2023&filter=ou:U1");
    let mut r = q.resolve(&e).unwrap();
    r.periods = vec![Period::Year(2023); MAX_ROWS + 1];
    assert_eq!(r.combinations(), 1);
    assert_eq!(r.rows(&e).unwrap(), [["N", "50"]]);
}
