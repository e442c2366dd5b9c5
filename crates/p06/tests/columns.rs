//! The columnar count gives exactly the row-by-row count of `chiso_p06::figures::tally`, on
//! random records: several units, dossiers across two years, finished or not, withdrawn,
//! components reused, digitised or from a national database, results (and scans of earlier
//! papers, which do not count) with or without a signature and a file, ratings, and results
//! and ratings of dossiers not given; on one thread and on several; and one dossier added
//! incrementally equals the count made again with it.

use chiso_core::Code;
use chiso_p06::columns::{self, Columns};
use chiso_p06::figures::{self, Rate};
use chiso_p06::*;
use chrono::{Days, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

fn records(seed: u64, n: usize, units: usize) -> (Vec<Dossier>, Vec<StoredResult>, Vec<Rating>) {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let codes: Vec<Code> = (0..units)
        .map(|u| Code::parse(&format!("U{u:03}")).unwrap())
        .collect();
    let docs = ["TO_KHAI", "GKS", "GCN"].map(|d| Code::parse(d).unwrap());
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    let subject = SubjectId::pseudonym(SubjectKind::Individual, "columns");
    let (mut ds, mut rs, mut ratings) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let r = next();
        let received = start + Days::new(r % 700);
        let code = DossierCode::compose("000.00.00.H58", received, i as u32 + 1).unwrap();
        let finished = ((r >> 10) % 4 != 0).then(|| received + Days::new((r >> 12) % 40));
        let status = match (finished, (r >> 18) % 9) {
            (Some(_), 0) => DossierStatus::Withdrawn,
            (Some(_), _) => DossierStatus::Finished,
            (None, 0) => DossierStatus::Withdrawn,
            (None, _) => DossierStatus::Open,
        };
        let components = (0..(r >> 20) % 4)
            .map(|k| {
                let b = r >> (24 + 3 * k);
                Component {
                    doc_type: docs[k as usize % 3].clone(),
                    name: String::new(),
                    digitised: b & 1 == 1,
                    reused: b & 2 == 2,
                    reused_from: (b & 2 == 2).then(|| "x".to_string()),
                    national_db: b & 4 == 4,
                }
            })
            .collect();
        let d = Dossier {
            code: code.clone(),
            subject: subject.clone(),
            procedure: docs[0].clone(),
            procedure_name: String::new(),
            essential: (r >> 40) & 1 == 1,
            unit: codes[(r >> 41) as usize % units].clone(),
            received,
            due: received + Days::new(10),
            finished,
            status,
            online: (r >> 45) & 1 == 1,
            components,
        };
        for k in 0..(r >> 46) % 3 {
            let b = r >> (48 + 3 * k);
            rs.push(StoredResult {
                code: code.result_code(k as u32 + 1),
                dossier: code.clone(),
                subject: subject.clone(),
                kind: if b & 1 == 1 {
                    ResultKind::Result
                } else {
                    ResultKind::Scan
                },
                doc_type: docs[1].clone(),
                name: String::new(),
                issuer: d.unit.clone(),
                original_issuer: None,
                number: String::new(),
                issued: finished.unwrap_or(received),
                valid_until: None,
                revoked_at: None,
                revoked_reason: None,
                retain_until: None,
                signer: (b & 2 == 2).then(String::new),
                sha256: (b & 4 == 4).then(|| "00".repeat(32)),
                media_type: None,
                size: None,
                link: None,
                created_at: Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap(),
                created_by: String::new(),
            });
        }
        if (r >> 58) % 3 == 0 {
            ratings.push(Rating {
                dossier: code.clone(),
                value: [
                    RatingValue::Satisfied,
                    RatingValue::Neutral,
                    RatingValue::Unsatisfied,
                ][(r >> 60) as usize % 3],
                reason: None,
                at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
            });
        }
        ds.push(d);
    }
    (ds, rs, ratings)
}

#[test]
fn the_columns_count_exactly_what_the_rows_count() {
    let (ds, rs, ratings) = records(0x9e37_79b9_7f4a_7c15, 5_000, 7);
    let rows = figures::tally(&ds, &rs, &ratings);
    assert!(rows.len() > 7 * 20, "{}", rows.len());
    let c = Columns::build(&ds, &rs, &ratings);
    assert_eq!(c.tally(1).unwrap().to_map(), rows);
    assert_eq!(c.tally(3).unwrap().to_map(), rows);
    assert_eq!(columns::tally(&ds, &rs, &ratings), rows);
    // Results and ratings of dossiers not given are ignored by both.
    let half = &ds[..2_500];
    assert_eq!(
        columns::tally(half, &rs, &ratings),
        figures::tally(half, &rs, &ratings)
    );
    // The rates read off the table are those of the counts.
    let dense = c.tally(2).unwrap();
    let mut from_table: Vec<f64> = dense
        .parts(Rate::Reuse)
        .filter(|(_, d)| *d > 0)
        .map(|(n, d)| 100.0 * n as f64 / d as f64)
        .collect();
    let mut from_rows: Vec<f64> = rows.values().filter_map(|c| c.rate(Rate::Reuse)).collect();
    from_table.sort_by(f64::total_cmp);
    from_rows.sort_by(f64::total_cmp);
    assert_eq!(from_table, from_rows);
    assert!(columns::tally(&[], &rs, &ratings).is_empty());
    // A dossier of many components (more than a 10-bit field holds) is counted by columns,
    // exactly.
    let mut many = ds.clone();
    let component = Component {
        doc_type: Code::parse("GKS").unwrap(),
        name: String::new(),
        digitised: true,
        reused: false,
        reused_from: None,
        national_db: true,
    };
    many[0].components = vec![component.clone(); 1 << 12];
    let c = Columns::build(&many, &rs, &ratings);
    assert!(c.countable());
    assert_eq!(
        c.tally(2).unwrap().to_map(),
        figures::tally(&many, &rs, &ratings)
    );
    // Records whose cells and kinds of dossier do not fit a 32-bit word together — one unit
    // over 250,000 years (3 million months) and 1,040 kinds of dossier (components 0 to 129,
    // with and without every flag) — are counted row by row, exactly.
    let mut wide = Vec::new();
    for k in 0..1_040usize {
        let mut d = ds[k % ds.len()].clone();
        d.unit = ds[0].unit.clone();
        d.components = vec![component.clone(); k / 8];
        d.online = k & 1 == 1;
        d.essential = k & 2 == 2;
        d.components.iter_mut().for_each(|x| {
            x.digitised = k & 4 == 4;
            x.national_db = false;
        });
        d.status = DossierStatus::Open;
        d.finished = None;
        wide.push(d);
    }
    wide[0].received = NaiveDate::from_ymd_opt(-125_000, 1, 1).unwrap();
    wide[1].received = NaiveDate::from_ymd_opt(125_000, 1, 1).unwrap();
    let c = Columns::build(&wide, &rs, &ratings);
    assert!(!c.countable() && c.tally(2).is_none());
    assert_eq!(
        columns::tally(&wide, &rs, &ratings),
        figures::tally(&wide, &rs, &ratings)
    );
    // A count made again into the same table gives the same; a table of another shape is
    // refused and left as it was.
    let c = Columns::build(&ds, &rs, &ratings);
    let mut dense = c.tally(1).unwrap();
    assert!(c.tally_into(2, &mut dense));
    assert_eq!(dense.to_map(), rows);
    let mut other = Columns::build(&ds[..1], &rs, &ratings).tally(1).unwrap();
    let before = other.to_map();
    assert!(!c.tally_into(1, &mut other));
    assert_eq!(other.to_map(), before);
}

#[test]
fn one_dossier_added_equals_the_count_made_again() {
    let (ds, rs, ratings) = records(42, 2_000, 5);
    let (last, before) = ds.split_last().unwrap();
    let mut dense = Columns::build(&ds, &rs, &ratings).tally(1).unwrap();
    // Start from the table of every dossier but the last, in the same shape: subtract it by
    // counting the others alone in a table built over all (same units and months).
    let full = dense.to_map();
    let mut without = figures::tally(before, &rs, &ratings);
    let unit = dense.units().iter().position(|u| *u == last.unit).unwrap();
    let mine: Vec<&StoredResult> = rs.iter().filter(|r| r.dossier == last.code).collect();
    let rating = ratings
        .iter()
        .rev()
        .find(|r| r.dossier == last.code)
        .map(|r| r.value);
    // Adding to the table of all again counts it twice: the difference is exactly one
    // dossier's counts, the same the rows give.
    assert!(dense.add(unit, last, &mine, rating));
    let twice = dense.to_map();
    for (k, c) in &full {
        let w = without.remove(k).unwrap_or_default();
        let t = twice[k];
        let one: Vec<i64> = c
            .fields()
            .iter()
            .zip(w.fields())
            .map(|(a, b)| a - b)
            .collect();
        let again: Vec<i64> = t
            .fields()
            .iter()
            .zip(c.fields())
            .map(|(a, b)| a - b)
            .collect();
        assert_eq!(one, again, "{k:?}");
    }
    // A unit outside the table is refused, nothing changed.
    assert!(!dense.add(99, last, &mine, rating));
    assert_eq!(dense.to_map(), twice);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn any_records_count_the_same(seed in 1u64.., n in 0usize..400, units in 1usize..6) {
        let (ds, rs, ratings) = records(seed, n, units);
        let rows = figures::tally(&ds, &rs, &ratings);
        prop_assert_eq!(Columns::build(&ds, &rs, &ratings).tally(2).unwrap().to_map(), rows);
    }
}
