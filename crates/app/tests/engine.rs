//! The engine on the demo: the published figures come out of the sums.

use chiso_app::live::Live;
use chiso_core::{Code, DataValueInput, Period, SourceTag, Via};
use chiso_engine::Scope;
use chiso_store::{Actor, SqliteStore, Store};
use chrono::NaiveDate;
use std::sync::Arc;

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

/// A temporary directory, removed when dropped (also when a test fails).
struct TempDir(std::path::PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for TempDir {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn demo() -> (Live, TempDir) {
    let dir = std::env::temp_dir().join(format!(
        "chiso-engine-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_path(&dir.join("e.db")).await.unwrap());
    chiso_demo::load(store.as_ref()).await.unwrap();
    (Live::load(store).await.unwrap(), TempDir(dir))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[tokio::test]
async fn the_published_figures_come_out_of_the_sums() {
    let (live, dir) = demo().await;
    let e = live.read().await;
    let y23 = Period::Year(2023);
    let y22 = Period::Year(2022);
    let g = |code: &str| Scope::Group(c(code));
    let tier = |group: &str| {
        e.indicator("VB_DT_TY_LE", &g(group), &y23, None)
            .unwrap()
            .unwrap()
    };
    // The three tiers of the seed: ratios of sums over each tier's units.
    let prov = tier("58_CO_QUAN_TINH");
    assert_eq!((prov.numerator, prov.denominator), (178_020.0, 180_000.0));
    assert_eq!(round2(prov.value), 98.90);
    assert_eq!(round2(tier("58_CAP_HUYEN").value), 96.52);
    assert_eq!(round2(tier("58_CAP_XA").value), 94.89);
    // Level 3 under the province holds the 62 communes and the 7 district committees: the
    // commune tier is the group, not the level.
    let level3 = e.units_at_level(&c("58"), 3, None).unwrap();
    assert_eq!(level3.len(), 69);
    // The whole province's roll-up is a fourth number (never labelled "provincial level").
    let whole = e
        .indicator("VB_DT_TY_LE", &Scope::Unit(c("58")), &y23, None)
        .unwrap()
        .unwrap();
    assert_eq!(
        (whole.numerator, whole.denominator),
        (178_020.0 + 72_390.0 + 113_868.0, 375_000.0)
    );

    // Signatures 97.22 %, up 9.48 percentage points on 2022.
    let s23 = e
        .indicator("CKS_TY_LE", &g("58_TOAN_TINH"), &y23, None)
        .unwrap()
        .unwrap()
        .value;
    let s22 = e
        .indicator("CKS_TY_LE", &g("58_TOAN_TINH"), &y22, None)
        .unwrap()
        .unwrap()
        .value;
    assert_eq!(round2(s23), 97.22);
    assert_eq!(round2(s23 - s22), 9.48);
    // Non-cash turnover 314,792 billion VND, up 67,436.
    let t23 = e
        .indicator("TT_KHONG_TIEN_MAT_DS", &Scope::Unit(c("58")), &y23, None)
        .unwrap()
        .unwrap()
        .value;
    let t22 = e
        .indicator("TT_KHONG_TIEN_MAT_DS", &Scope::Unit(c("58")), &y22, None)
        .unwrap()
        .unwrap()
        .value;
    assert_eq!((t23, t23 - t22), (314_792.0, 67_436.0));
    // 53 essential services: 85.2 % of dossiers (all 53 breakdown options added up).
    let dvc = e
        .indicator("DVC53_TY_LE", &Scope::Unit(c("58")), &y23, None)
        .unwrap()
        .unwrap();
    assert_eq!((dvc.numerator, dvc.denominator), (42_600.0, 50_000.0));
    assert_eq!(round2(dvc.value), 85.2);
    // 14 of 14 cleaning targets; 146,587 addresses at 100 % of plan.
    assert_eq!(
        e.indicator("LSDL_CHI_TIEU_XONG", &Scope::Unit(c("58")), &y23, None)
            .unwrap()
            .unwrap()
            .value,
        14.0
    );
    assert_eq!(
        e.indicator("DCS_SO_LUONG", &Scope::Unit(c("58")), &y23, None)
            .unwrap()
            .unwrap()
            .value,
        146_587.0
    );
    assert_eq!(
        e.indicator("DCS_TY_LE_KH", &Scope::Unit(c("58")), &y23, None)
            .unwrap()
            .unwrap()
            .value,
        100.0
    );
    // A district's territory: its committee and its communes.
    let d = e
        .element(&c("VB_DEN"), None, &Scope::Unit(c("582")), &y23, None)
        .unwrap()
        .unwrap();
    let own = e
        .element(&c("VB_DEN"), None, &Scope::Unit(c("582-UBND")), &y23, None)
        .unwrap()
        .unwrap();
    assert!(d > own);
    drop(e);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn figures_of_2023_re_added_into_the_2025_units() {
    let (live, dir) = demo().await;
    let e = live.read().await;
    let y23 = Period::Year(2023);
    let after = NaiveDate::from_ymd_opt(2026, 1, 1);
    for el in ["VB_DEN", "DAN_SO", "CB_TONG", "TT_KHONG_TIEN_MAT"] {
        let legacy = e
            .element(&c(el), None, &Scope::Unit(c("58")), &y23, None)
            .unwrap()
            .unwrap();
        let in_2025 = e
            .element(&c(el), None, &Scope::Unit(c("2025-56")), &y23, after)
            .unwrap()
            .unwrap();
        assert!(
            (legacy - in_2025).abs() < 1e-6,
            "{el}: {legacy} in 2023 units, {in_2025} in 2025 units"
        );
    }
    // Ratios stay ratios of sums in the new structure: the whole-province rate is unchanged.
    let a = e
        .indicator("HSSK_TY_LE", &Scope::Unit(c("58")), &y23, None)
        .unwrap()
        .unwrap()
        .value;
    let b = e
        .indicator("HSSK_TY_LE", &Scope::Unit(c("2025-56")), &y23, after)
        .unwrap()
        .unwrap()
        .value;
    assert!((a - b).abs() < 1e-9);
    // A 2025 commune receives its predecessors' figures; without "as of" it has none.
    let new_commune = Scope::Unit(c("2025-22738"));
    assert!(e
        .element(&c("DAN_SO"), None, &new_commune, &y23, None)
        .unwrap()
        .is_none());
    let received = e
        .element(&c("DAN_SO"), None, &new_commune, &y23, after)
        .unwrap()
        .unwrap();
    let preds: f64 = live
        .store()
        .predecessors(&c("2025-22738"))
        .await
        .unwrap()
        .iter()
        .map(|l| {
            e.element(&c("DAN_SO"), None, &Scope::Unit(l.from.clone()), &y23, None)
                .unwrap()
                .unwrap_or(0.0)
                * if l.weight.is_some() || l.is_default {
                    1.0
                } else {
                    0.0
                }
        })
        .sum();
    assert!((received - preds).abs() < 1e-6, "{received} vs {preds}");
    drop(e);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_saved_value_is_in_the_next_answer() {
    let (live, dir) = demo().await;
    let y23 = Period::Year(2023);
    let before = live
        .read()
        .await
        .element(&c("VB_DEN"), None, &Scope::Unit(c("58")), &y23, None)
        .unwrap()
        .unwrap();
    // An agency's yearly figure (the communes' 2023 reports are approved, hence locked).
    let agency = live
        .read()
        .await
        .element(
            &c("VB_DEN"),
            None,
            &Scope::Unit(c("58-SO-TTTT")),
            &y23,
            None,
        )
        .unwrap()
        .unwrap();
    let v = DataValueInput {
        element: c("VB_DEN"),
        unit: c("58-SO-TTTT"),
        period: y23,
        breakdown: None,
        value: format!("{}", agency + 100.0),
        comment: None,
        source: SourceTag::Entered,
    };
    live.write_values(&[v], &Actor::new("t", Via::Api))
        .await
        .unwrap();
    let after = live
        .read()
        .await
        .element(&c("VB_DEN"), None, &Scope::Unit(c("58")), &y23, None)
        .unwrap()
        .unwrap();
    assert_eq!(after - before, 100.0);
    // Monthly values add up into the year and its quarter (read at the commune: the
    // province's 2024 quarters hold the agencies' reports too).
    let m = |p: &str, x: &str| DataValueInput {
        element: c("VB_DEN"),
        unit: c("22741"),
        period: Period::parse(p).unwrap(),
        breakdown: None,
        value: x.into(),
        comment: None,
        source: SourceTag::Entered,
    };
    live.write_values(
        &[m("202401", "10"), m("202402", "20"), m("202404", "5")],
        &Actor::new("t", Via::Api),
    )
    .await
    .unwrap();
    let e = live.read().await;
    let q1 = e
        .element(
            &c("VB_DEN"),
            None,
            &Scope::Unit(c("22741")),
            &Period::Quarter(2024, 1),
            None,
        )
        .unwrap();
    let y24 = e
        .element(
            &c("VB_DEN"),
            None,
            &Scope::Unit(c("22741")),
            &Period::Year(2024),
            None,
        )
        .unwrap();
    assert_eq!((q1, y24), (Some(30.0), Some(35.0)));
    drop(e);
    let key = chiso_store::ValueKey {
        element: c("VB_DEN"),
        unit: c("22741"),
        period: Period::Month(2024, 2),
        breakdown: None,
    };
    live.delete_values(&[key], &Actor::new("t", Via::Api))
        .await
        .unwrap();
    let y24 = live
        .read()
        .await
        .element(
            &c("VB_DEN"),
            None,
            &Scope::Unit(c("22741")),
            &Period::Year(2024),
            None,
        )
        .unwrap();
    assert_eq!(y24, Some(15.0));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn seventeen_of_twenty_three_targets_met() {
    let (live, dir) = demo().await;
    let frameworks = live.store().frameworks().await.unwrap();
    let fw = frameworks
        .iter()
        .find(|f| f.code.as_str() == "KH_CDS_2023")
        .unwrap();
    assert_eq!(fw.targets.len(), 23);
    let e = live.read().await;
    let today = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
    let results: Vec<_> = fw
        .targets
        .iter()
        .map(|t| (t.code.to_string(), e.assess(t, today).unwrap()))
        .collect();
    let met = results.iter().filter(|(_, a)| a.status.achieved()).count();
    assert_eq!(met, 17, "{results:#?}");
    let not_met: Vec<&str> = results
        .iter()
        .filter(|(_, a)| !a.status.achieved())
        .map(|(c, _)| c.as_str())
        .collect();
    assert_eq!(
        not_met,
        [
            "KH2023_04",
            "KH2023_05",
            "KH2023_07",
            "KH2023_12",
            "KH2023_22",
            "KH2023_23"
        ]
    );
    let by = |code: &str| &results.iter().find(|(c, _)| c == code).unwrap().1;
    // ID cards: done 52 days early.
    assert_eq!(
        (by("KH2023_10").status, by("KH2023_10").days_early),
        (chiso_core::Status::DoneEarly, Some(52))
    );
    // Signatures: short of 100 % by 2.78 points.
    assert_eq!(
        (by("KH2023_04").gap.unwrap() * 100.0).round() / 100.0,
        -2.78
    );
    // Non-cash turnover: beyond plan by 14,792 billion.
    assert_eq!(
        (by("KH2023_14").status, by("KH2023_14").gap),
        (chiso_core::Status::BeyondPlan, Some(14_792.0))
    );
    // Digital addresses: exactly the plan.
    assert_eq!(by("KH2023_17").status, chiso_core::Status::Met);
    // Changes over time: a rate in points, an amount absolute and relative.
    let s = e
        .compare(
            "CKS_TY_LE",
            &Scope::Group(c("58_TOAN_TINH")),
            &Period::Year(2023),
            None,
        )
        .unwrap()
        .unwrap();
    let ly = s.same_period_last_year.unwrap();
    assert_eq!(
        ((ly.difference * 100.0).round() / 100.0, ly.relative_percent),
        (9.48, None)
    );
    let t = e
        .compare(
            "TT_KHONG_TIEN_MAT_DS",
            &Scope::Unit(c("58")),
            &Period::Year(2023),
            None,
        )
        .unwrap()
        .unwrap();
    let ly = t.same_period_last_year.unwrap();
    assert_eq!(ly.difference, 67_436.0);
    assert!(
        (ly.relative_percent.unwrap() - 27.2627).abs() < 1e-3,
        "{:?}",
        ly.relative_percent
    );
    drop(e);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_bulk_roll_up_agrees_with_one_by_one_answers() {
    let (live, dir) = demo().await;
    let e = live.read().await;
    let indicators: Vec<String> = live
        .store()
        .indicators()
        .await
        .unwrap()
        .iter()
        .map(|i| i.code.to_string())
        .collect();
    let periods = vec![
        Period::Year(2022),
        Period::Year(2023),
        Period::Quarter(2023, 1),
    ];
    let r = e.rollup_all(&indicators, &periods).unwrap();
    assert_eq!(r.units, e.unit_count());
    let mut compared = 0;
    for (i, code) in indicators.iter().enumerate() {
        for (p, per) in periods.iter().enumerate() {
            for u in 0..r.units {
                let one = e
                    .indicator(code, &Scope::Unit(e.unit_code(u as u32).clone()), per, None)
                    .unwrap()
                    .map(|v| v.value);
                let bulk = r.get(i, p, u);
                match one {
                    Some(v) => {
                        assert!(
                            (v - bulk).abs() <= 1e-9 * v.abs().max(1.0),
                            "{code} {per} {u}: {v} vs {bulk}"
                        );
                        compared += 1;
                    }
                    None => assert!(bulk.is_nan(), "{code} {per} {u}: none vs {bulk}"),
                }
            }
        }
    }
    assert!(compared > 1500, "{compared}");
    // A dashboard grid over a few units agrees too.
    let units: Vec<u32> = (0..r.units as u32).step_by(7).collect();
    let g = e.grid(&indicators, &units, &periods).unwrap();
    for (i, _) in indicators.iter().enumerate() {
        for p in 0..periods.len() {
            for (j, &u) in units.iter().enumerate() {
                let a = g[(i * periods.len() + p) * units.len() + j];
                let b = r.get(i, p, u as usize);
                assert!(
                    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                    "{a} vs {b}"
                );
            }
        }
    }
    drop(e);
    let _ = std::fs::remove_dir_all(dir);
}

/// The province's VB_DEN for one month, as a server's engine answers it.
async fn province_month(live: &Live, year: i32, month: u8) -> Option<f64> {
    live.read()
        .await
        .element(
            &c("VB_DEN"),
            None,
            &Scope::Unit(c("58")),
            &Period::Month(year, month),
            None,
        )
        .unwrap()
}

async fn may_value(live: &Live) -> Option<f64> {
    province_month(live, 2024, 5).await
}

#[tokio::test]
async fn two_servers_on_one_database_stay_in_step() {
    let (a, dir) = demo().await;
    let other: Arc<dyn Store> = Arc::new(SqliteStore::open_path(&dir.join("e.db")).await.unwrap());
    let b = Live::load(other).await.unwrap();
    assert_eq!(b.sync().await.unwrap(), 0, "nothing new yet");
    let v = DataValueInput {
        element: c("VB_DEN"),
        unit: c("22738"),
        period: Period::Month(2024, 5),
        breakdown: None,
        value: "77".into(),
        comment: None,
        source: SourceTag::Entered,
    };
    a.write_values(&[v], &Actor::new("t", Via::Api))
        .await
        .unwrap();
    assert_eq!(may_value(&a).await, Some(77.0));
    assert_eq!(
        may_value(&b).await,
        None,
        "the other server has not caught up yet"
    );
    assert_eq!(b.sync().await.unwrap(), 1);
    assert_eq!(may_value(&b).await, Some(77.0));
    // A deletion and a new unit travel too.
    let key = chiso_store::ValueKey {
        element: c("VB_DEN"),
        unit: c("22738"),
        period: Period::Month(2024, 5),
        breakdown: None,
    };
    a.delete_values(&[key], &Actor::new("t", Via::Api))
        .await
        .unwrap();
    b.sync().await.unwrap();
    assert_eq!(may_value(&b).await, None);
    let mut new_unit = a.store().unit(&c("22741")).await.unwrap().unwrap().unit;
    new_unit.code = c("22741-TEST");
    new_unit.gso_code = None;
    a.store()
        .upsert_units(&[new_unit], &Actor::new("t", Via::Api))
        .await
        .unwrap();
    b.sync().await.unwrap();
    assert!(b
        .read()
        .await
        .children_of(&c("582"))
        .unwrap()
        .contains(&c("22741-TEST")));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_large_import_reaches_the_other_server_through_its_batch_audit_row() {
    let (a, dir) = demo().await;
    let other: Arc<dyn Store> = Arc::new(SqliteStore::open_path(&dir.join("e.db")).await.unwrap());
    let b = Live::load(other).await.unwrap();
    // 62 communes × 24 months of 2021–2022 of VB_DEN (2023 is approved, so locked): one batch
    // audit row.
    let communes: Vec<Code> = a
        .store()
        .units(&chiso_store::UnitQuery {
            under: Some(c("58")),
            kind: Some(chiso_core::UnitKind::Commune),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.unit.code)
        .collect();
    assert_eq!(communes.len(), 62);
    let mut values = Vec::new();
    for u in &communes {
        for m in 0..24 {
            values.push(DataValueInput {
                element: c("VB_DEN"),
                unit: u.clone(),
                // 2020 and 2021: no report of those years locks them.
                period: Period::Month(2020 + m / 12, (m % 12 + 1) as u8),
                breakdown: None,
                value: "10".into(),
                comment: None,
                source: SourceTag::Import("B".into()),
            });
        }
    }
    assert_eq!(values.len(), 1488);
    let ch = a
        .apply_values(&values, &[], &Actor::new("t", Via::Import), false)
        .await
        .unwrap();
    assert_eq!(ch.inserted, 1488);
    assert_eq!(july_2021(&a).await, Some(620.0));
    assert_ne!(july_2021(&b).await, Some(620.0), "not caught up yet");
    assert_eq!(
        b.sync().await.unwrap(),
        1,
        "one audit row for the whole batch"
    );
    assert_eq!(july_2021(&b).await, Some(620.0));
    let _ = std::fs::remove_dir_all(dir);
}

async fn july_2021(live: &Live) -> Option<f64> {
    province_month(live, 2021, 7).await
}

/// Reports approved or taken back on one server move the other's official view when it
/// follows the store, exactly as on the first.
#[tokio::test]
async fn approvals_reach_the_other_servers_official_view() {
    let (a, dir) = demo().await;
    let other: Arc<dyn Store> = Arc::new(SqliteStore::open_path(&dir.join("e.db")).await.unwrap());
    let b = Live::load(other).await.unwrap();
    let y = Period::Year(2024);
    let value = |e: &str| DataValueInput {
        element: c(e),
        unit: c("22738"),
        period: y,
        breakdown: None,
        value: "50".into(),
        comment: None,
        source: SourceTag::Entered,
    };
    let xa = Actor::new("can.bo.xa", Via::Web);
    a.write_values(&[value("CB_TONG"), value("CB_KY_SO")], &xa)
        .await
        .unwrap();
    let at = chrono::Utc::now();
    a.set_completion(
        &chiso_core::Completion {
            data_set: c("BM_CDS_XA"),
            unit: c("22738"),
            period: y,
            completed_by: "can.bo.xa".into(),
            completed_at: at,
            on_time: true,
        },
        true,
        &xa,
    )
    .await
    .unwrap();
    for (step, level) in [(1, "582"), (2, "58")] {
        a.approve(
            &chiso_core::Approval {
                data_set: c("BM_CDS_XA"),
                unit: c("22738"),
                period: y,
                step,
                level_unit: c(level),
                approved_by: format!("duyet-{level}"),
                approved_at: at,
            },
            &Actor::new(format!("duyet-{level}"), Via::Web),
        )
        .await
        .unwrap();
    }
    assert_eq!(official_2024(&a).await, Some(50.0));
    assert_eq!(official_2024(&b).await, None, "not caught up yet");
    b.sync().await.unwrap();
    assert_eq!(official_2024(&b).await, Some(50.0));
    a.unapprove(
        &c("BM_CDS_XA"),
        &c("22738"),
        &y,
        "Sai số liệu",
        &Actor::new("duyet-58", Via::Web),
    )
    .await
    .unwrap();
    assert_eq!(official_2024(&a).await, None);
    b.sync().await.unwrap();
    assert_eq!(official_2024(&b).await, None);
    let _ = std::fs::remove_dir_all(dir);
}

/// District 582's officials in 2024, in the official view.
async fn official_2024(live: &Live) -> Option<f64> {
    live.read()
        .await
        .view(chiso_engine::View::Official)
        .element(
            &c("CB_TONG"),
            None,
            &Scope::Unit(c("582")),
            &Period::Year(2024),
            None,
        )
        .unwrap()
}
