//! The national benchmark's chiso side: Vietnam's legacy hierarchy (the country, 63
//! provinces, 696 districts, 10,035 communes; the 10,040 rows of `units_legacy.csv` are the reporting
//! leaves), 100 elements forming 50 ratio indicators (×100), 60 months: 60.24 million values.
//! Prints one JSON object: timings, memory, and checksums to compare with the peers.
//!
//! `cargo run --release -p chiso-engine --example national -- [--scale 1.0] [--reps 5]`
//!
//! Values (leaf row i, element pair k, month m; the peers compute the same):
//!   den = 1000 + (i·7919 + k·104729 + m·1299709) mod 9000
//!   num = den · ((i·31 + k·17 + m·7) mod 100) div 100
//!
//! Both views: the communes report every element monthly through one data set approved by
//! the district then the province. The reports of the first 58 months are approved at both
//! levels; of the last two months, those of even leaf rows at the district only, the others
//! not yet — so those values are live and not official. A leaf that is a district (no
//! communes) reports through no data set: its values are official.

use chiso_core::StoredUnit;
use chiso_core::{
    AggregationType, Code, DataElement, Direction, Indicator, Period, Unit, UnitKind, ValueType,
};
use chiso_engine::{Engine, Input, View};
use std::collections::BTreeMap;
use std::time::Instant;

fn code(s: &str) -> Code {
    Code::parse(s).expect("benchmark codes are valid")
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: f64| -> f64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let scale = arg("--scale", 1.0);
    let reps = arg("--reps", 5.0) as usize;

    // Leaves in file order, as the peers read them.
    let rows: Vec<Vec<String>> = chiso_io::vn_admin::LEGACY_CSV
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let n_leaves = ((rows.len() as f64) * scale).ceil() as usize;
    let rows = &rows[..n_leaves.min(rows.len())];
    let mut units: BTreeMap<String, StoredUnit> = BTreeMap::new();
    let mk = |c: &str, parent: Option<&str>, level: i32, kind: UnitKind| StoredUnit {
        unit: Unit {
            code: code(c),
            gso_code: None,
            name_vi: c.to_string(),
            name_en: None,
            kind,
            parent: parent.map(code),
            valid_from: None,
            valid_to: None,
            lat: None,
            lon: None,
        },
        level,
    };
    let mut leaves = Vec::new();
    let mut is_commune = Vec::new();
    units.insert("VN".into(), mk("VN", None, 1, UnitKind::Country));
    for r in rows {
        let (p, d, w) = (&r[0], &r[2], &r[5]);
        units
            .entry(p.clone())
            .or_insert_with(|| mk(p, Some("VN"), 2, UnitKind::Province));
        units
            .entry(d.clone())
            .or_insert_with(|| mk(d, Some(p), 3, UnitKind::District));
        if w.is_empty() {
            leaves.push(d.clone());
            is_commune.push(false);
        } else {
            units.insert(w.clone(), mk(w, Some(d), 4, UnitKind::Commune));
            leaves.push(w.clone());
            is_commune.push(true);
        }
    }
    let elements: Vec<DataElement> = (0..100)
        .map(|e| DataElement {
            code: code(&format!("E{e:03}")),
            name_vi: format!("E{e:03}"),
            name_en: None,
            value_type: ValueType::Integer,
            aggregation: AggregationType::Sum,
            unit_of_measure: None,
            breakdown: None,
            description: None,
        })
        .collect();
    let indicators: Vec<Indicator> = (0..50)
        .map(|k| Indicator {
            code: code(&format!("I{k:02}")),
            name_vi: format!("I{k:02}"),
            name_en: None,
            numerator: format!("#{{E{:03}}}", 2 * k),
            denominator: format!("#{{E{:03}}}", 2 * k + 1),
            factor: 100.0,
            decimals: 2,
            direction: Direction::HigherIsBetter,
            unit_label: None,
            is_rate: true,
            description: None,
            published: false,
        })
        .collect();
    let months: Vec<Period> = (0..60)
        .map(|m| Period::Month(2019 + m / 12, (m % 12 + 1) as u8))
        .collect();

    let form = chiso_core::DataSet {
        code: code("BM_THANG"),
        name_vi: "Biểu tháng của xã".into(),
        name_en: None,
        period_type: chiso_core::PeriodType::Month,
        convention: chiso_core::Convention::Calendar,
        elements: elements.iter().map(|e| e.code.clone()).collect(),
        compulsory: vec![],
        reporters: vec![chiso_core::Reporters::Kind(UnitKind::Commune)],
        scope: None,
        open_days: 0,
        due_days: 15,
        lock_days: None,
        approval: true,
    };

    let t = Instant::now();
    let mut engine = Engine::skeleton(Input {
        units: units.into_values().collect(),
        elements,
        indicators,
        data_sets: vec![form.clone()],
        ..Default::default()
    });
    // The approvals (before the values: nothing to move yet).
    for (i, leaf) in leaves.iter().enumerate() {
        if !is_commune[i] {
            continue;
        }
        let leaf = code(leaf);
        for (m, p) in months.iter().enumerate() {
            let steps = match m {
                0..=57 => 2,
                _ if i % 2 == 0 => 1,
                _ => 0,
            };
            engine.set_approval_steps(&form.code, &leaf, *p, steps);
        }
    }
    let approvals_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let leaf_idx: Vec<usize> = leaves
        .iter()
        .map(|l| engine.unit_index(l).expect("leaf is a unit") as usize)
        .collect();
    for k in 0..50i64 {
        let num_s = engine
            .series(&code(&format!("E{:03}", 2 * k)), None)
            .expect("element");
        let den_s = engine
            .series(&code(&format!("E{:03}", 2 * k + 1)), None)
            .expect("element");
        for (m, p) in months.iter().enumerate() {
            let m = m as i64;
            let dens: Vec<i64> = (0..leaf_idx.len() as i64)
                .map(|i| 1000 + (i * 7919 + k * 104_729 + m * 1_299_709) % 9000)
                .collect();
            {
                let own = engine.own_mut(den_s, *p);
                for (i, &u) in leaf_idx.iter().enumerate() {
                    own[u] = dens[i] as f64;
                }
            }
            let own = engine.own_mut(num_s, *p);
            for (i, &u) in leaf_idx.iter().enumerate() {
                let ii = i as i64;
                own[u] = (dens[i] * ((ii * 31 + k * 17 + m * 7) % 100) / 100) as f64;
            }
        }
    }
    let load_s = t.elapsed().as_secs_f64();
    let n_values = 100 * months.len() * leaf_idx.len();

    // The full roll-up: subtree sums from the raw values, then every indicator at every unit
    // for 60 months, 20 quarters and 5 years.
    let mut periods = months.clone();
    periods.extend((2019..2024).flat_map(|y| (1..=4).map(move |q| Period::Quarter(y, q))));
    periods.extend((2019..2024).map(Period::Year));
    let codes: Vec<String> = (0..50).map(|k| format!("I{k:02}")).collect();
    // The live view: every subtree sum (and the official view's) rebuilt from the raw values,
    // then the roll-up.
    let mut rollup_times = Vec::new();
    let mut result = None;
    for _ in 0..reps.max(1) {
        drop(result.take()); // free the previous answer before timing the next
        let t = Instant::now();
        engine.rebuild_sums();
        let r = engine
            .view(View::Live)
            .rollup_all(&codes, &periods)
            .expect("indicators exist");
        rollup_times.push(t.elapsed().as_secs_f64());
        result = Some(r);
    }
    let r = result.expect("at least one run");
    let sums = checksums(&engine, &r, &codes, &periods);
    let live_out = r.count();
    drop(r);
    // The official view: the same roll-up over the official sums kept beside the live ones.
    let mut official_times = Vec::new();
    let mut result = None;
    for _ in 0..reps.max(1) {
        drop(result.take());
        let t = Instant::now();
        let r = engine
            .view(View::Official)
            .rollup_all(&codes, &periods)
            .expect("indicators exist");
        official_times.push(t.elapsed().as_secs_f64());
        result = Some(r);
    }
    let r = result.expect("at least one run");
    let rss = rss_mib();
    let official_sums = checksums(&engine, &r, &codes, &periods);

    // One pass over as many f64 as there are values, at memory bandwidth.
    let raw: Vec<f64> = (0..n_values).map(|i| (i % 1000) as f64).collect();
    let mut pass = Vec::new();
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        let s: f64 = raw.iter().sum();
        std::hint::black_box(s);
        pass.push(t.elapsed().as_secs_f64());
    }
    drop(raw);

    // A dashboard: 10 indicators × Ninh Thuận's communes (or the first province's) × 12 months.
    let province = if engine.unit_index("58").is_some() {
        "58"
    } else {
        "01"
    };
    let communes: Vec<u32> = engine
        .units_at_level(&code(province), 4, None)
        .expect("province")
        .iter()
        .filter_map(|c| engine.unit_index(c.as_str()))
        .collect();
    let ten: Vec<String> = codes[..10].to_vec();
    let year: Vec<Period> = months[48..].to_vec();
    let mut dash = Vec::new();
    for _ in 0..(reps * 20).max(20) {
        let t = Instant::now();
        let g = engine.grid(&ten, &communes, &year).expect("grid");
        std::hint::black_box(&g);
        dash.push(t.elapsed().as_secs_f64());
    }

    // A saved value visible in the next answer: apply one change, read the national figure.
    let leaf = engine.unit_code(leaf_idx[0] as u32).clone();
    let prov = engine
        .unit_code(engine.unit_index(&rows[0][0]).expect("province"))
        .clone();
    let mut live_times = Vec::new();
    for rep in 0..(reps * 20).max(20) {
        let t = Instant::now();
        engine.apply(&[chiso_engine::Change {
            element: code("E001"),
            unit: leaf.clone(),
            period: months[59],
            option: None,
            num: Some(5000.0 + rep as f64),
            published: false,
        }]);
        let v = engine
            .indicator(
                "I00",
                &chiso_engine::Scope::Unit(prov.clone()),
                &Period::Year(2023),
                None,
            )
            .expect("query");
        std::hint::black_box(v);
        live_times.push(t.elapsed().as_secs_f64());
    }

    // An approval in the next official answer: a commune's last month approved at the
    // province, then the province's official year read.
    let mut approval_times = Vec::new();
    let odd: Vec<Code> = leaves
        .iter()
        .enumerate()
        .filter(|(i, _)| is_commune[*i] && i % 2 == 1)
        .map(|(_, l)| code(l))
        .take((reps * 20).max(20))
        .collect();
    for c in &odd {
        let t = Instant::now();
        engine.set_approval_steps(&form.code, c, months[59], 2);
        let v = engine
            .view(View::Official)
            .indicator(
                "I00",
                &chiso_engine::Scope::Unit(prov.clone()),
                &Period::Year(2023),
                None,
            )
            .expect("query");
        std::hint::black_box(v);
        approval_times.push(t.elapsed().as_secs_f64());
    }

    let json_of =
        |sums: BTreeMap<String, (f64, u64)>| -> serde_json::Map<String, serde_json::Value> {
            sums.into_iter()
                .map(|(k, (s, n))| (k, serde_json::json!({"sum": s, "count": n})))
                .collect()
        };
    let out = serde_json::json!({
        "scale": scale,
        "leaves": leaf_idx.len(),
        "units": engine.unit_count(),
        "values": n_values,
        "indicator_values_out": live_out,
        "official_values_out": r.count(),
        "approvals_s": approvals_s,
        "load_s": load_s,
        "rollup_s": median(rollup_times),
        "official_rollup_s": median(official_times),
        "approval_to_answer_ms": median(approval_times) * 1e3,
        "memory_pass_s": median(pass),
        "dashboard_ms": median(dash) * 1e3,
        "dashboard_cells": ten.len() * communes.len() * year.len(),
        "save_to_answer_ms": median(live_times) * 1e3,
        "rss_mib": rss,
        "checksums": json_of(sums),
        "official_checksums": json_of(official_sums),
    });
    println!("{out}");
}

/// Sum and count of the values per level and period type, to compare with the peers.
fn checksums(
    engine: &Engine,
    r: &chiso_engine::Rollup,
    codes: &[String],
    periods: &[Period],
) -> BTreeMap<String, (f64, u64)> {
    let mut sums: BTreeMap<String, (f64, u64)> = BTreeMap::new();
    for i in 0..codes.len() {
        for (pi, p) in periods.iter().enumerate() {
            let pt = p.period_type().as_str();
            for u in 0..r.units {
                let v = r.get(i, pi, u);
                if !v.is_nan() {
                    let e = sums
                        .entry(format!("L{}_{pt}", engine.unit_level(u as u32)))
                        .or_insert((0.0, 0));
                    e.0 += v;
                    e.1 += 1;
                }
            }
        }
    }
    sums
}
