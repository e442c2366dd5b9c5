//! The electronic data store's demo: a synthetic, deterministic 2023 of administrative
//! dossiers at four communes and two provincial departments of Ninh Thuận, for pseudonymous
//! applicants only (no real person, no real identifier). Generated so that the province's
//! figures from the records themselves give the demo's target 7 (dossiers digitised: 1,074
//! of 1,500 = 71.6 %) and target 12 (the 53 essential services: 852 of 1,000 dossiers
//! received online = 85.2 %).
//!
//! The story: online dossiers come in digital; 72 dossiers received at a desk are scanned
//! and signed there (Decree 107/2021); the papers of a digitised dossier that are results of
//! earlier procedures are kept in the applicant's store as signed copies; the rest stay on
//! paper. A later dossier needing a paper the store holds
//! (valid, not revoked) reuses it. Each finished dossier gets its result `<dossier>-KQ<n>`;
//! a few are revoked (flagged, kept); some applicants rate the service.

use crate::calibrate::unit_interval;
use chiso_core::Code;
use chiso_p06::model::agency_id;
use chiso_p06::{
    Component, Dossier, DossierCode, DossierStatus, Rating, RatingValue, ResultKind, StoredResult,
    Subject, SubjectId, SubjectKind,
};
use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use std::collections::HashMap;

/// Dossiers of 2023.
pub const DOSSIERS: usize = 1_500;
/// Of which digitised (every component digital): 71.6 %.
pub const DIGITISED: usize = 1_074;
/// Dossiers of the 53 essential services, and those received online: 85.2 %.
pub const ESSENTIAL: usize = 1_000;
pub const ESSENTIAL_ONLINE: usize = 852;
/// Other dossiers received online.
const OTHER_ONLINE: usize = 150;
/// Pseudonymous applicants.
const SUBJECTS: usize = 400;

/// The units receiving dossiers: four communes and two departments.
pub const UNITS: [&str; 6] = ["22738", "22741", "22777", "22801", "58-SO-TP", "58-SO-TNMT"];

/// The comment the demo's dossiers carry in the docs: all synthetic.
pub const NOTE: &str = "Hồ sơ minh họa, tổng hợp tự động, chủ thể giả danh (synthetic dossiers of pseudonymous applicants)";

struct Procedure {
    code: &'static str,
    name: &'static str,
    essential: bool,
    /// Received at a commune (else at `agency`).
    agency: Option<&'static str>,
    components: &'static [(&'static str, &'static str)],
    result: (&'static str, &'static str),
    /// Days a result stays valid (none: no end).
    valid_days: Option<u64>,
    /// Working time allowed, in days.
    allowed: u64,
}

const FORM: (&str, &str) = ("TO_KHAI", "Tờ khai");

/// The procedures (codes illustrative, in the form of the national database of procedures).
const PROCEDURES: [Procedure; 6] = [
    Procedure {
        code: "1.001193",
        name: "Đăng ký khai sinh",
        essential: true,
        agency: None,
        components: &[FORM, ("GIAY_CHUNG_SINH", "Giấy chứng sinh")],
        result: ("TRICH_LUC_KS", "Trích lục khai sinh"),
        valid_days: None,
        allowed: 1,
    },
    Procedure {
        code: "1.004873",
        name: "Cấp Giấy xác nhận tình trạng hôn nhân",
        essential: true,
        agency: None,
        components: &[FORM, ("GKS", "Giấy khai sinh")],
        result: ("GXNTTHN", "Giấy xác nhận tình trạng hôn nhân"),
        valid_days: Some(180),
        allowed: 3,
    },
    Procedure {
        code: "1.000894",
        name: "Đăng ký kết hôn",
        essential: true,
        agency: None,
        components: &[FORM, ("GXNTTHN", "Giấy xác nhận tình trạng hôn nhân")],
        result: ("GCNKH", "Giấy chứng nhận kết hôn"),
        valid_days: None,
        allowed: 3,
    },
    Procedure {
        code: "2.000488",
        name: "Cấp Phiếu lý lịch tư pháp",
        essential: true,
        agency: Some("58-SO-TP"),
        components: &[FORM, ("GKS", "Giấy khai sinh")],
        result: ("LLTP", "Phiếu lý lịch tư pháp"),
        valid_days: Some(180),
        allowed: 10,
    },
    Procedure {
        code: "2.000815",
        name: "Chứng thực bản sao từ bản chính",
        essential: false,
        agency: None,
        components: &[("BAN_CHINH", "Bản chính giấy tờ")],
        result: ("BAN_SAO_CT", "Bản sao chứng thực"),
        valid_days: None,
        allowed: 1,
    },
    Procedure {
        code: "1.004227",
        name: "Đăng ký biến động quyền sử dụng đất",
        essential: false,
        agency: Some("58-SO-TNMT"),
        components: &[
            FORM,
            ("GCN_QSDD", "Giấy chứng nhận quyền sử dụng đất"),
            ("HD_CHUYEN_NHUONG", "Hợp đồng chuyển nhượng"),
        ],
        result: ("GCN_QSDD", "Giấy chứng nhận quyền sử dụng đất"),
        valid_days: None,
        allowed: 10,
    },
];

/// Papers a desk scans into the store when it digitises a dossier (results of earlier
/// procedures, reusable later).
const SCANNED: [&str; 3] = ["GKS", "GXNTTHN", "GCN_QSDD"];

/// The demo's records of the store.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub subjects: Vec<Subject>,
    pub dossiers: Vec<Dossier>,
    pub results: Vec<StoredResult>,
    pub ratings: Vec<Rating>,
}

fn c(s: &str) -> Code {
    // The codes above are constants that parse.
    Code::parse(s).unwrap_or_else(|_| panic!("code {s}"))
}

/// An applicant whose store holds a valid birth certificate (a signed copy): the one the
/// documentation and the browser walk receive a new dossier for, to see it reused.
pub const HOLDER: &str = "CN-C89AF8CC5081";

/// The pseudonymous id of the demo's applicant `i`.
pub fn subject_id(i: usize) -> SubjectId {
    SubjectId::pseudonym(SubjectKind::Individual, &format!("ninh-thuan-2023/{i:04}"))
}

fn h(key: String) -> f64 {
    unit_interval(&key)
}

/// A working day of 2023 from a number in [0, 1).
fn working_day(x: f64) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(2023, 1, 3).unwrap_or_default();
    let mut d = first + Days::new((x * 360.0) as u64);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d.pred_opt().unwrap_or(d);
    }
    d
}

/// The `n` indices of `items` with the smallest keys.
fn pick(items: &[usize], n: usize, salt: &str) -> Vec<usize> {
    let mut v: Vec<(u64, usize)> = items
        .iter()
        .map(|&i| ((h(format!("{salt}/{i}")) * 1e15) as u64, i))
        .collect();
    v.sort();
    v.into_iter().take(n).map(|(_, i)| i).collect()
}

fn signer(unit: &str) -> String {
    // A made-up certificate fingerprint per unit: 40 hex digits.
    let mut s = String::new();
    for i in 0..5 {
        s.push_str(&format!(
            "{:08x}",
            (h(format!("cert/{unit}/{i}")) * 4e9) as u64
        ));
    }
    s
}

/// Generate the year (the same on every machine).
pub fn records() -> Records {
    let all: Vec<usize> = (0..DOSSIERS).collect();
    let essential = pick(&all, ESSENTIAL, "p06/essential");
    let is_essential: Vec<bool> = {
        let mut v = vec![false; DOSSIERS];
        for &i in &essential {
            v[i] = true;
        }
        v
    };
    let others: Vec<usize> = all.iter().copied().filter(|&i| !is_essential[i]).collect();
    let mut online = vec![false; DOSSIERS];
    for i in pick(&essential, ESSENTIAL_ONLINE, "p06/online")
        .into_iter()
        .chain(pick(&others, OTHER_ONLINE, "p06/online"))
    {
        online[i] = true;
    }
    let offline: Vec<usize> = all.iter().copied().filter(|&i| !online[i]).collect();
    let online_n = online.iter().filter(|o| **o).count();
    let mut digitised = online.clone();
    for i in pick(&offline, DIGITISED - online_n, "p06/scanned") {
        digitised[i] = true;
    }
    let communes = [
        ("22738", 0.35),
        ("22741", 0.30),
        ("22777", 0.20),
        ("22801", 0.15),
    ];
    // Each dossier's procedure, unit, day and applicant.
    struct Draft {
        i: usize,
        p: &'static Procedure,
        unit: &'static str,
        received: NaiveDate,
        subject: usize,
    }
    let mut drafts: Vec<Draft> = (0..DOSSIERS)
        .map(|i| {
            let x = h(format!("p06/proc/{i}"));
            let p = if is_essential[i] {
                match x {
                    x if x < 0.35 => &PROCEDURES[0],
                    x if x < 0.60 => &PROCEDURES[1],
                    x if x < 0.75 => &PROCEDURES[2],
                    _ => &PROCEDURES[3],
                }
            } else if x < 0.7 {
                &PROCEDURES[4]
            } else {
                &PROCEDURES[5]
            };
            let unit = p.agency.unwrap_or_else(|| {
                let y = h(format!("p06/unit/{i}"));
                let mut acc = 0.0;
                communes
                    .iter()
                    .find(|(_, w)| {
                        acc += w;
                        y < acc
                    })
                    .map(|(u, _)| *u)
                    .unwrap_or("22738")
            });
            Draft {
                i,
                p,
                unit,
                received: working_day(h(format!("p06/day/{i}"))),
                subject: (h(format!("p06/subject/{i}")) * SUBJECTS as f64) as usize,
            }
        })
        .collect();
    drafts.sort_by_key(|d| (d.received, d.i));

    let mut out = Records {
        subjects: (0..SUBJECTS)
            .map(|i| Subject {
                id: subject_id(i),
                name: format!("Người dân NT-{i:04} (giả danh)"),
            })
            .collect(),
        ..Default::default()
    };
    // What each applicant's store holds: (doc type, result code, issued, valid until, revoked).
    type Held = (&'static str, String, NaiveDate, Option<NaiveDate>, bool);
    let mut held: HashMap<usize, Vec<Held>> = HashMap::new();
    let mut seq: HashMap<(&str, NaiveDate), u32> = HashMap::new();
    let end = NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or_default();
    for d in drafts {
        let n = seq.entry((d.unit, d.received)).or_insert(0);
        *n += 1;
        let Ok(code) = DossierCode::compose(&agency_id(d.unit, "58"), d.received, *n) else {
            continue;
        };
        let subject = subject_id(d.subject);
        let mut results_n = 0u32;
        let mut components = Vec::new();
        let mut scans = Vec::new();
        for (doc, name) in d.p.components {
            let mine = held.entry(d.subject).or_default();
            let reusable = mine
                .iter()
                .filter(|(t, _, issued, until, revoked)| {
                    t == doc
                        && !revoked
                        && *issued <= d.received
                        && until.is_none_or(|u| u >= d.received)
                })
                .map(|(_, code, ..)| code.clone())
                .next_back();
            let mut comp = Component {
                doc_type: c(doc),
                name: name.to_string(),
                digitised: false,
                reused: false,
                reused_from: None,
                national_db: false,
            };
            if let Some(from) = reusable {
                comp.reused = true;
                comp.reused_from = Some(from);
            } else if digitised[d.i] {
                comp.digitised = true;
                if SCANNED.contains(doc) {
                    results_n += 1;
                    scans.push((doc, name, code.result_code(results_n)));
                }
            }
            components.push(comp);
        }
        let x = h(format!("p06/late/{}", d.i));
        let took = if x < 0.07 {
            d.p.allowed + 1 + (x * 60.0) as u64
        } else {
            (x * d.p.allowed as f64).floor() as u64
        };
        let due = d.received + Days::new(d.p.allowed);
        let finish = d.received + Days::new(took);
        let open = d.received > NaiveDate::from_ymd_opt(2023, 12, 15).unwrap_or(end)
            && h(format!("p06/open/{}", d.i)) < 0.5;
        let dossier = Dossier {
            code: code.clone(),
            subject: subject.clone(),
            procedure: c(d.p.code),
            procedure_name: d.p.name.to_string(),
            essential: d.p.essential,
            unit: c(d.unit),
            received: d.received,
            due,
            finished: (!open).then_some(finish),
            status: if open {
                DossierStatus::Open
            } else {
                DossierStatus::Finished
            },
            online: online[d.i],
            components,
        };
        let at = |day: NaiveDate, hour: u32| {
            Utc.with_ymd_and_hms(day.year(), day.month(), day.day(), hour, 0, 0)
                .single()
                .unwrap_or_default()
        };
        for (doc, name, rcode) in scans {
            out.results.push(StoredResult {
                code: rcode.clone(),
                dossier: code.clone(),
                subject: subject.clone(),
                kind: ResultKind::Scan,
                doc_type: c(doc),
                name: name.to_string(),
                issuer: c(d.unit),
                original_issuer: Some("Cơ quan cấp trước đây (minh họa)".into()),
                number: format!("SH-{}", rcode.len() + d.i),
                issued: d.received,
                valid_until: None,
                revoked_at: None,
                revoked_reason: None,
                retain_until: None,
                signer: Some(signer(d.unit)),
                sha256: None,
                media_type: None,
                size: None,
                link: Some(format!("kho://{rcode}")),
                created_at: at(d.received, 2),
                created_by: "demo".into(),
            });
            held.entry(d.subject)
                .or_default()
                .push((doc, rcode, d.received, None, false));
        }
        if !open {
            results_n += 1;
            let rcode = code.result_code(results_n);
            let electronic = h(format!("p06/esign/{}", d.i)) < 0.88;
            let linked = electronic && h(format!("p06/link/{}", d.i)) < 0.92;
            let revoked = h(format!("p06/revoke/{}", d.i)) < 0.015;
            let valid_until = d.p.valid_days.map(|v| finish + Days::new(v));
            let (doc, name) = d.p.result;
            out.results.push(StoredResult {
                code: rcode.clone(),
                dossier: code.clone(),
                subject: subject.clone(),
                kind: ResultKind::Result,
                doc_type: c(doc),
                name: name.to_string(),
                issuer: c(d.unit),
                original_issuer: None,
                number: format!("{}/{}", d.i + 1, finish.year()),
                issued: finish,
                valid_until,
                revoked_at: revoked.then(|| at(finish + Days::new(20), 3)),
                revoked_reason: revoked
                    .then(|| "Thu hồi do sai sót thông tin (minh họa)".to_string()),
                retain_until: None,
                signer: electronic.then(|| signer(d.unit)),
                sha256: None,
                media_type: None,
                size: None,
                link: linked.then(|| format!("kho://{rcode}")),
                created_at: at(finish, 3),
                created_by: "demo".into(),
            });
            held.entry(d.subject)
                .or_default()
                .push((doc, rcode, finish, valid_until, revoked));
            let r = h(format!("p06/rating/{}", d.i));
            if r < 0.4 {
                let v = h(format!("p06/rating-value/{}", d.i));
                let (value, reason) = if v < 0.86 {
                    (RatingValue::Satisfied, None)
                } else if v < 0.95 {
                    (
                        RatingValue::Neutral,
                        Some("Chờ lâu ở quầy (minh họa)".to_string()),
                    )
                } else {
                    (
                        RatingValue::Unsatisfied,
                        Some("Phải bổ sung giấy tờ nhiều lần (minh họa)".to_string()),
                    )
                };
                out.ratings.push(Rating {
                    dossier: code.clone(),
                    value,
                    reason,
                    at: at(finish + Days::new(1), 4),
                });
            }
        }
        out.dossiers.push(dossier);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiso_p06::figures::{tally, Counts, Rate};

    #[test]
    fn the_year_gives_targets_7_and_12_from_the_records() {
        let r = records();
        assert_eq!(r.dossiers.len(), DOSSIERS);
        for d in &r.dossiers {
            assert!(d.check().is_empty(), "{}: {:?}", d.code, d.check());
        }
        let mut year = Counts::default();
        for ((_, y, _), c) in tally(&r.dossiers, &r.results, &r.ratings) {
            if y == 2023 {
                year.add(&c);
            }
        }
        assert_eq!((year.digitised, year.received), (1_074, 1_500));
        assert_eq!((year.essential_online, year.essential), (852, 1_000));
        let round1 = |x: f64| (x * 10.0).round() / 10.0;
        assert_eq!(year.rate(Rate::Digitisation).map(round1), Some(71.6));
        assert_eq!(year.rate(Rate::Essential53).map(round1), Some(85.2));
        // Reuse happens, revocations and ratings exist, and some dossiers stay open.
        assert!(year.reused > 150, "{year:?}");
        assert!(r.results.iter().any(|x| x.revoked_at.is_some()));
        assert!(r.ratings.len() > 300);
        assert!(r.dossiers.iter().any(|d| d.is_open()));
        // No revoked result is reused.
        let revoked: std::collections::HashSet<&str> = r
            .results
            .iter()
            .filter(|x| x.revoked_at.is_some())
            .map(|x| x.code.as_str())
            .collect();
        for d in &r.dossiers {
            for c in &d.components {
                assert!(!c
                    .reused_from
                    .as_deref()
                    .is_some_and(|f| revoked.contains(f)));
            }
        }
        // Deterministic.
        assert_eq!(records().dossiers, r.dossiers);
        // The documented holder holds a valid birth certificate.
        assert_eq!(subject_id(3).as_str(), HOLDER);
        assert!(r.results.iter().any(|x| x.subject.as_str() == HOLDER
            && x.doc_type.as_str() == "GKS"
            && x.revoked_at.is_none()
            && x.valid_until.is_none()));
    }
}
