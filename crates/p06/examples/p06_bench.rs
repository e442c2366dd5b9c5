//! The store's figures at scale: N dossiers with 3 components each at U units over 2023,
//! recomputed whole from the records (the counts of every unit and month and the five rates
//! over them) by columns (`chiso_p06::columns`, what the application layer runs) and, for
//! comparison, row by row (`chiso_p06::figures::tally`), and one new dossier added
//! incrementally. Writes the same rows as CSV for the
//! DuckDB peer (`bench/p06.py`) and prints its timings and a checksum as JSON.
//!
//!     cargo run --release -p chiso-p06 --example p06_bench -- N U OUT.csv [THREADS] [REPS]

use chiso_core::Code;
use chiso_p06::columns::Columns;
use chiso_p06::figures::{tally, Rate};
use chiso_p06::*;
use chrono::{Datelike, Days, NaiveDate, Utc};
use std::io::Write;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let units: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1_000);
    let out = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| "p06_bench.csv".into());
    let codes: Vec<Code> = (0..units)
        .map(|u| Code::parse(&format!("U{u:05}")))
        .collect::<Result<_, _>>()?;
    let subject = SubjectId::pseudonym(SubjectKind::Individual, "bench");
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).ok_or("day")?;
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let doc = [
        Code::parse("TO_KHAI")?,
        Code::parse("GKS")?,
        Code::parse("GCN")?,
    ];
    let (mut dossiers, mut results) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut per_day = std::collections::HashMap::new();
    let mut csv = std::io::BufWriter::new(std::fs::File::create(&out)?);
    writeln!(csv, "unit,recv_month,fin_month,online,essential,digitised,components,reused,finished,on_time,electronic,linked")?;
    for _ in 0..n {
        let r = next();
        let unit = (r % units as u64) as usize;
        let received = start + Days::new((r >> 16) % 365);
        let seq = per_day.entry(received).or_insert(0u32);
        *seq += 1;
        let seq = *seq;
        let code = DossierCode::compose("000.00.00.H58", received, seq)?;
        let components: Vec<Component> = (0..3)
            .map(|k| Component {
                doc_type: doc[k].clone(),
                name: String::new(),
                digitised: (r >> (20 + k)) & 3 != 0,
                reused: (r >> (24 + k)) & 7 == 0,
                reused_from: ((r >> (24 + k)) & 7 == 0).then(|| "x".to_string()),
                national_db: false,
            })
            .collect();
        let finished = ((r >> 30) % 10 != 0).then(|| received + Days::new((r >> 34) % 12));
        let due = received + Days::new(10);
        let d = Dossier {
            code: code.clone(),
            subject: subject.clone(),
            procedure: doc[0].clone(),
            procedure_name: "p".into(),
            essential: (r >> 40) & 1 == 1,
            unit: codes[unit].clone(),
            received,
            due,
            finished,
            status: if finished.is_some() {
                DossierStatus::Finished
            } else {
                DossierStatus::Open
            },
            online: (r >> 41) & 3 != 0,
            components,
        };
        let (electronic, linked) = ((r >> 44) % 10 != 0, (r >> 48) % 10 < 8);
        if let Some(f) = finished {
            results.push(StoredResult {
                code: code.result_code(1),
                dossier: code.clone(),
                subject: subject.clone(),
                kind: ResultKind::Result,
                doc_type: doc[1].clone(),
                name: String::new(),
                issuer: codes[unit].clone(),
                original_issuer: None,
                number: String::new(),
                issued: f,
                valid_until: None,
                revoked_at: None,
                revoked_reason: None,
                retain_until: None,
                signer: electronic.then(String::new),
                sha256: None,
                media_type: None,
                size: None,
                link: linked.then(String::new),
                created_at: Utc::now(),
                created_by: String::new(),
            });
        }
        let fin_month = finished
            .filter(|f| f.year() == 2023)
            .map(|f| f.month().to_string())
            .unwrap_or_default();
        writeln!(
            csv,
            "{unit},{},{fin_month},{},{},{},3,{},{},{},{},{}",
            received.month(),
            u8::from(d.online),
            u8::from(d.essential),
            u8::from(d.components.iter().all(|c| c.is_digital())),
            d.components.iter().filter(|c| c.reused).count(),
            u8::from(finished.is_some() && finished.map(|f| f.year()) == Some(2023)),
            u8::from(
                finished.is_some_and(|f| f <= due) && finished.map(|f| f.year()) == Some(2023)
            ),
            u8::from(finished.is_some() && electronic),
            u8::from(finished.is_some() && linked),
        )?;
        dossiers.push(d);
    }
    csv.flush()?;
    let five = [
        Rate::ElectronicResults,
        Rate::Digitisation,
        Rate::Reuse,
        Rate::StoreLinked,
        Rate::OnTime,
    ];
    // The records turned into columns once (as DuckDB's rows are loaded once: not in the
    // recomputation's time, reported apart).
    let t = Instant::now();
    let columns = Columns::build(&dossiers, &results, &[]);
    let build = t.elapsed().as_secs_f64();
    let threads = args
        .get(4)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // The full recomputation: every unit and month counted, the five rates over them. The
    // first into a new table (allocated), then `reps` more into the same table, as the
    // engine's refresh of a held table would; the median of those is the figure compared
    // with DuckDB's median over its loaded rows, the first is reported beside it.
    let reps: usize = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(7);
    let five_rates = |dense: &chiso_p06::columns::Dense| {
        let months_2023: Vec<bool> = (0..dense.months())
            .map(|k| dense.month(k).0 == 2023)
            .collect();
        let mut checksum = 0.0;
        let mut figures = 0usize;
        for r in five {
            for (i, (num, den)) in dense.parts(r).enumerate() {
                if den > 0 && months_2023[i % dense.months()] {
                    checksum += 100.0 * num as f64 / den as f64;
                    figures += 1;
                }
            }
        }
        (checksum, figures)
    };
    let t = Instant::now();
    let mut dense = columns.tally(threads).ok_or("too wide for the columns")?;
    let (checksum, figures) = five_rates(&dense);
    let first = t.elapsed().as_secs_f64();
    let mut again = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        if !columns.tally_into(threads, &mut dense) {
            return Err("the table is not of the columns' shape".into());
        }
        let (c, f) = five_rates(&dense);
        again.push(t.elapsed().as_secs_f64());
        if (c, f) != (checksum, figures) {
            return Err("a count made again differs".into());
        }
    }
    let again_s: Vec<String> = again.iter().map(|t| format!("{t:.6}")).collect();
    again.sort_by(f64::total_cmp);
    let full = again.get(again.len() / 2).copied().unwrap_or(first);
    // The same from the records row by row (the reference the columns are tested against).
    let t = Instant::now();
    let counts = tally(&dossiers, &results, &[]);
    let mut row_checksum = 0.0;
    for ((_, y, _), c) in &counts {
        if *y != 2023 {
            continue;
        }
        for r in five {
            if let Some(v) = c.rate(r) {
                row_checksum += v;
            }
        }
    }
    let rows = t.elapsed().as_secs_f64();
    if (row_checksum - checksum).abs() > 1e-6 * checksum.abs().max(1.0) {
        return Err(format!("columns {checksum} and rows {row_checksum} differ").into());
    }
    // One more dossier, added to its unit and month incrementally, and its rate read.
    let d = dossiers[0].clone();
    let unit = dense
        .units()
        .iter()
        .position(|u| *u == d.unit)
        .ok_or("unit")?;
    let k = (0..dense.months())
        .find(|k| dense.month(*k) == (2023, d.received.month() as u8))
        .ok_or("month")?;
    let reps = 10_000;
    let t = Instant::now();
    for _ in 0..reps {
        if !dense.add(unit, &d, &[], None) {
            return Err("the dossier is outside the table".into());
        }
        std::hint::black_box(dense.get(unit, k).and_then(|c| c.rate(Rate::Reuse)));
    }
    let incremental = t.elapsed().as_secs_f64() / reps as f64;
    println!(
        "{{\"dossiers\": {n}, \"units\": {units}, \"threads\": {threads}, \"kinds\": [{}, {}], \"build_s\": {build:.4}, \"full_s\": {full:.5}, \"first_s\": {first:.5}, \"again_s\": [{}], \"rows_s\": {rows:.4}, \"incremental_s\": {incremental:.9}, \"figures\": {figures}, \"checksum\": {checksum:.6}}}",
        columns.kinds().0,
        columns.kinds().1,
        again_s.join(", ")
    );
    Ok(())
}
