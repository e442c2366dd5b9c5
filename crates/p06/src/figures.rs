//! The store's figures, kept as ordinary data values (source `derived`) by receiving unit and
//! month, so the commune tier, rankings, dashboards and reports use them like any other
//! figure: counts of dossiers, components, results and ratings, and the rates over them.
//!
//! A dossier counts in the month it was received (received, online, digitised, components,
//! reused, the 53 essential services) and in the month it was finished (on time, results,
//! ratings). Every count of a unit and month is written, 0 included, so a count that falls
//! leaves no stale value.

use crate::model::{Dossier, DossierStatus, Rating, RatingValue, ResultKind, StoredResult};
use chiso_core::element::{AggregationType, DataElement, ValueType};
use chiso_core::indicator::{Direction, Indicator};
use chiso_core::value::{DataValueInput, SourceTag};
use chiso_core::{Code, Period};
use chrono::Datelike;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The comment every value of the store's figures carries.
pub const COMMENT: &str =
    "Tính tự động từ Kho dữ liệu điện tử (Đề án 06) (computed from the electronic data store's records)";

/// The counts of one unit and month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub received: i64,
    pub online: i64,
    pub digitised: i64,
    pub components: i64,
    pub reused: i64,
    pub finished: i64,
    pub on_time: i64,
    pub results: i64,
    pub electronic: i64,
    pub linked: i64,
    pub essential: i64,
    pub essential_online: i64,
    pub ratings: i64,
    pub satisfied: i64,
    pub unsatisfied: i64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        for (a, b) in self.fields_mut().into_iter().zip(o.fields()) {
            *a += b;
        }
    }
    /// In the order of [`ELEMENTS`].
    pub fn fields(&self) -> [i64; 15] {
        [
            self.received,
            self.online,
            self.digitised,
            self.components,
            self.reused,
            self.finished,
            self.on_time,
            self.results,
            self.electronic,
            self.linked,
            self.essential,
            self.essential_online,
            self.ratings,
            self.satisfied,
            self.unsatisfied,
        ]
    }
    fn fields_mut(&mut self) -> [&mut i64; 15] {
        [
            &mut self.received,
            &mut self.online,
            &mut self.digitised,
            &mut self.components,
            &mut self.reused,
            &mut self.finished,
            &mut self.on_time,
            &mut self.results,
            &mut self.electronic,
            &mut self.linked,
            &mut self.essential,
            &mut self.essential_online,
            &mut self.ratings,
            &mut self.satisfied,
            &mut self.unsatisfied,
        ]
    }

    /// A rate in percent, or none when its denominator is 0.
    pub fn rate(&self, r: Rate) -> Option<f64> {
        let (n, d) = r.parts(self);
        (d > 0).then(|| 100.0 * n as f64 / d as f64)
    }
}

/// (code, Vietnamese name, English name, unit of measure), in the order of [`Counts::fields`].
pub const ELEMENTS: [(&str, &str, &str, &str); 15] = [
    (
        "KDL_HS_TIEP_NHAN",
        "Hồ sơ TTHC tiếp nhận",
        "Dossiers received",
        "hồ sơ",
    ),
    (
        "KDL_HS_TRUC_TUYEN",
        "Hồ sơ tiếp nhận trực tuyến",
        "Dossiers received online",
        "hồ sơ",
    ),
    (
        "KDL_HS_SO_HOA",
        "Hồ sơ có mọi thành phần ở dạng số",
        "Dossiers with every component digital",
        "hồ sơ",
    ),
    (
        "KDL_TP_TONG",
        "Thành phần hồ sơ tiếp nhận",
        "Dossier components received",
        "thành phần",
    ),
    (
        "KDL_TP_TAI_SU_DUNG",
        "Thành phần dùng lại dữ liệu (Kho, CSDL quốc gia)",
        "Components reusing data (the store, national databases)",
        "thành phần",
    ),
    (
        "KDL_HS_GIAI_QUYET",
        "Hồ sơ đã giải quyết",
        "Dossiers finished",
        "hồ sơ",
    ),
    (
        "KDL_HS_DUNG_HAN",
        "Hồ sơ giải quyết đúng hạn",
        "Dossiers finished on time",
        "hồ sơ",
    ),
    (
        "KDL_KQ_TONG",
        "Kết quả giải quyết TTHC đã cấp",
        "Results issued",
        "kết quả",
    ),
    (
        "KDL_KQ_DIEN_TU",
        "Kết quả điện tử có chữ ký số",
        "Electronic results, digitally signed",
        "kết quả",
    ),
    (
        "KDL_KQ_KHO",
        "Kết quả có trong Kho dữ liệu (tệp hoặc liên kết)",
        "Results held by the store (file or link)",
        "kết quả",
    ),
    (
        "KDL_DVC53_NHAN",
        "Hồ sơ 53 dịch vụ công thiết yếu tiếp nhận",
        "Dossiers of the 53 essential services received",
        "hồ sơ",
    ),
    (
        "KDL_DVC53_TRUC_TUYEN",
        "Hồ sơ 53 dịch vụ công thiết yếu tiếp nhận trực tuyến",
        "Dossiers of the 53 essential services received online",
        "hồ sơ",
    ),
    (
        "KDL_DG_TONG",
        "Đánh giá của người dân, doanh nghiệp",
        "Ratings given",
        "đánh giá",
    ),
    (
        "KDL_DG_HAI_LONG",
        "Đánh giá hài lòng",
        "Ratings: satisfied",
        "đánh giá",
    ),
    (
        "KDL_DG_KHONG_HAI_LONG",
        "Đánh giá không hài lòng",
        "Ratings: not satisfied",
        "đánh giá",
    ),
];

/// The rates over the counts.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Rate {
    /// Electronic results of the results issued.
    ElectronicResults,
    /// Dossiers with every component digital, of those received.
    Digitisation,
    /// Components reusing data the state holds, of the components received.
    Reuse,
    /// Results held by the store, of the results issued.
    StoreLinked,
    /// Dossiers finished on time, of those finished.
    OnTime,
    /// Dossiers received online, of those received.
    Online,
    /// Dossiers of the 53 essential services received online, of those received.
    Essential53,
    /// Satisfied ratings, of the ratings given.
    Satisfaction,
}

impl Rate {
    pub const ALL: [Rate; 8] = [
        Rate::ElectronicResults,
        Rate::Digitisation,
        Rate::Reuse,
        Rate::StoreLinked,
        Rate::OnTime,
        Rate::Online,
        Rate::Essential53,
        Rate::Satisfaction,
    ];

    /// (numerator, denominator) in `c`.
    pub fn parts(self, c: &Counts) -> (i64, i64) {
        match self {
            Rate::ElectronicResults => (c.electronic, c.results),
            Rate::Digitisation => (c.digitised, c.received),
            Rate::Reuse => (c.reused, c.components),
            Rate::StoreLinked => (c.linked, c.results),
            Rate::OnTime => (c.on_time, c.finished),
            Rate::Online => (c.online, c.received),
            Rate::Essential53 => (c.essential_online, c.essential),
            Rate::Satisfaction => (c.satisfied, c.ratings),
        }
    }

    /// The indicator's code.
    pub fn code(self) -> &'static str {
        match self {
            Rate::ElectronicResults => "KDL_KQ_DIEN_TU_TY_LE",
            Rate::Digitisation => "KDL_SO_HOA_TY_LE",
            Rate::Reuse => "KDL_TAI_SU_DUNG_TY_LE",
            Rate::StoreLinked => "KDL_LIEN_KET_KHO_TY_LE",
            Rate::OnTime => "KDL_DUNG_HAN_TY_LE",
            Rate::Online => "KDL_TRUC_TUYEN_TY_LE",
            Rate::Essential53 => "KDL_DVC53_TY_LE",
            Rate::Satisfaction => "KDL_HAI_LONG_TY_LE",
        }
    }

    fn names(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Rate::ElectronicResults => (
                "Tỷ lệ kết quả giải quyết TTHC điện tử",
                "Electronic-result rate",
                "KDL_KQ_DIEN_TU",
                "KDL_KQ_TONG",
            ),
            Rate::Digitisation => (
                "Tỷ lệ số hóa hồ sơ TTHC",
                "Digitisation rate of dossiers",
                "KDL_HS_SO_HOA",
                "KDL_HS_TIEP_NHAN",
            ),
            Rate::Reuse => (
                "Tỷ lệ thành phần hồ sơ dùng lại dữ liệu",
                "Reuse rate of dossier components",
                "KDL_TP_TAI_SU_DUNG",
                "KDL_TP_TONG",
            ),
            Rate::StoreLinked => (
                "Tỷ lệ kết quả có trong Kho dữ liệu",
                "Results held by the store",
                "KDL_KQ_KHO",
                "KDL_KQ_TONG",
            ),
            Rate::OnTime => (
                "Tỷ lệ hồ sơ giải quyết đúng hạn",
                "On-time rate of dossiers",
                "KDL_HS_DUNG_HAN",
                "KDL_HS_GIAI_QUYET",
            ),
            Rate::Online => (
                "Tỷ lệ hồ sơ tiếp nhận trực tuyến",
                "Dossiers received online",
                "KDL_HS_TRUC_TUYEN",
                "KDL_HS_TIEP_NHAN",
            ),
            Rate::Essential53 => (
                "Tỷ lệ hồ sơ trực tuyến của 53 dịch vụ công thiết yếu",
                "53 essential services: dossiers received online",
                "KDL_DVC53_TRUC_TUYEN",
                "KDL_DVC53_NHAN",
            ),
            Rate::Satisfaction => (
                "Tỷ lệ người dân, doanh nghiệp hài lòng",
                "Satisfaction rate",
                "KDL_DG_HAI_LONG",
                "KDL_DG_TONG",
            ),
        }
    }

    pub fn parse(s: &str) -> Option<Rate> {
        Rate::ALL.into_iter().find(|r| {
            serde_json::to_value(r)
                .ok()
                .and_then(|v| v.as_str().map(|x| x == s))
                == Some(true)
        })
    }
}

/// The data elements the store's counts are kept in.
pub fn elements() -> Vec<DataElement> {
    ELEMENTS
        .iter()
        .filter_map(|(code, vi, en, uom)| {
            Some(DataElement {
                code: Code::parse(code).ok()?,
                name_vi: vi.to_string(),
                name_en: Some(en.to_string()),
                value_type: ValueType::IntegerZeroOrPositive,
                aggregation: AggregationType::Sum,
                unit_of_measure: Some(uom.to_string()),
                breakdown: None,
                description: Some(COMMENT.to_string()),
            })
        })
        .collect()
}

/// The indicators over them: Σ numerator / Σ denominator at every level and period.
pub fn indicators() -> Vec<Indicator> {
    Rate::ALL
        .iter()
        .filter_map(|r| {
            let (vi, en, num, den) = r.names();
            Some(Indicator {
                code: Code::parse(r.code()).ok()?,
                name_vi: vi.to_string(),
                name_en: Some(en.to_string()),
                numerator: format!("#{{{num}}}"),
                denominator: format!("#{{{den}}}"),
                factor: 100.0,
                decimals: 1,
                direction: Direction::HigherIsBetter,
                unit_label: Some("%".into()),
                is_rate: true,
                description: Some(COMMENT.to_string()),
                published: false,
            })
        })
        .collect()
}

/// A unit and a month (year, month 1–12).
pub type Key = (Code, i32, u8);

fn month_of(d: chrono::NaiveDate) -> (i32, u8) {
    (d.year(), d.month() as u8)
}

/// The months a dossier counts in: received, and finished when it is.
pub fn months_of(d: &Dossier) -> Vec<(i32, u8)> {
    let mut m = vec![month_of(d.received)];
    if let (DossierStatus::Finished, Some(f)) = (d.status, d.finished) {
        if !m.contains(&month_of(f)) {
            m.push(month_of(f));
        }
    }
    m
}

/// Count dossiers, their results and ratings by receiving unit and month. `results` and
/// `ratings` may hold records of other dossiers; those are ignored.
pub fn tally(
    dossiers: &[Dossier],
    results: &[StoredResult],
    ratings: &[Rating],
) -> BTreeMap<Key, Counts> {
    let mut by_dossier: HashMap<&str, Vec<&StoredResult>> = HashMap::new();
    for r in results.iter().filter(|r| r.kind == ResultKind::Result) {
        by_dossier.entry(r.dossier.as_str()).or_default().push(r);
    }
    let rated: HashMap<&str, RatingValue> = ratings
        .iter()
        .map(|r| (r.dossier.as_str(), r.value))
        .collect();
    let mut out: BTreeMap<Key, Counts> = BTreeMap::new();
    for d in dossiers {
        let (y, m) = month_of(d.received);
        let c = out.entry((d.unit.clone(), y, m)).or_default();
        add_received(c, d);
        if let (DossierStatus::Finished, Some(f)) = (d.status, d.finished) {
            let (y, m) = month_of(f);
            let c = out.entry((d.unit.clone(), y, m)).or_default();
            add_finished(
                c,
                d,
                by_dossier
                    .get(d.code.as_str())
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
                rated.get(d.code.as_str()).copied(),
            );
        }
    }
    out
}

/// What a dossier adds in its month of receipt.
pub fn add_received(c: &mut Counts, d: &Dossier) {
    c.received += 1;
    c.online += i64::from(d.online);
    c.components += d.components.len() as i64;
    let reused = d
        .components
        .iter()
        .filter(|x| x.reused || x.national_db)
        .count() as i64;
    c.reused += reused;
    c.digitised += i64::from(d.components.iter().all(|x| x.is_digital()));
    c.essential += i64::from(d.essential);
    c.essential_online += i64::from(d.essential && d.online);
}

/// What a finished dossier adds in its month of finishing: itself, its results (not the
/// scans of earlier papers) and its rating.
pub fn add_finished(
    c: &mut Counts,
    d: &Dossier,
    results: &[&StoredResult],
    rating: Option<RatingValue>,
) {
    c.finished += 1;
    c.on_time += i64::from(d.on_time() == Some(true));
    for r in results {
        c.results += 1;
        c.electronic += i64::from(r.electronic());
        c.linked += i64::from(r.linked());
    }
    if let Some(v) = rating {
        c.ratings += 1;
        c.satisfied += i64::from(v == RatingValue::Satisfied);
        c.unsatisfied += i64::from(v == RatingValue::Unsatisfied);
    }
}

/// The data values of these counts: every element for every unit and month given (0
/// included).
pub fn values(counts: &BTreeMap<Key, Counts>) -> Vec<DataValueInput> {
    let codes: Vec<Code> = ELEMENTS
        .iter()
        .filter_map(|(c, ..)| Code::parse(c).ok())
        .collect();
    let mut out = Vec::with_capacity(counts.len() * codes.len());
    for ((unit, y, m), c) in counts {
        let Some(period) = Period::month(*y, *m) else {
            continue;
        };
        for (code, n) in codes.iter().zip(c.fields()) {
            out.push(DataValueInput {
                element: code.clone(),
                unit: unit.clone(),
                period,
                breakdown: None,
                value: n.to_string(),
                comment: Some(COMMENT.to_string()),
                source: SourceTag::Derived,
            });
        }
    }
    out
}

/// The (unit, month) keys a set of dossiers touches, for a recomputation after a change.
pub fn keys_of<'a>(dossiers: impl IntoIterator<Item = &'a Dossier>) -> BTreeSet<Key> {
    let mut out = BTreeSet::new();
    for d in dossiers {
        for (y, m) in months_of(d) {
            out.insert((d.unit.clone(), y, m));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2023, m, d).unwrap()
    }

    #[test]
    fn every_indicator_names_the_store_s_elements() {
        let codes: BTreeSet<String> = elements().iter().map(|e| e.code.to_string()).collect();
        assert_eq!(codes.len(), ELEMENTS.len());
        for i in indicators() {
            for part in [&i.numerator, &i.denominator] {
                let name = part.trim_start_matches("#{").trim_end_matches('}');
                assert!(codes.contains(name), "{name}");
            }
        }
        assert_eq!(Rate::parse("on_time"), Some(Rate::OnTime));
    }

    #[test]
    fn a_dossier_counts_when_received_and_when_finished() {
        let comp = |digitised, reused, national_db| Component {
            doc_type: Code::parse("GKS").unwrap(),
            name: "x".into(),
            digitised,
            reused,
            reused_from: reused.then(|| "x".to_string()),
            national_db,
        };
        let d = Dossier {
            code: DossierCode::parse("000.25.06.H58-230131-0001").unwrap(),
            subject: SubjectId::pseudonym(SubjectKind::Individual, "f"),
            procedure: Code::parse("1.001193").unwrap(),
            procedure_name: "x".into(),
            essential: true,
            unit: Code::parse("U").unwrap(),
            received: day(1, 31),
            due: day(2, 3),
            finished: Some(day(2, 2)),
            status: DossierStatus::Finished,
            online: true,
            components: vec![
                comp(true, false, false),
                comp(false, true, false),
                comp(false, false, true),
            ],
        };
        let mut r = crate::rules::tests_support::result_of(&d);
        r.sha256 = Some("00".repeat(32));
        let rating = Rating {
            dossier: d.code.clone(),
            value: RatingValue::Satisfied,
            reason: None,
            at: Utc.with_ymd_and_hms(2023, 2, 5, 0, 0, 0).unwrap(),
        };
        let t = tally(std::slice::from_ref(&d), &[r], &[rating]);
        let jan = t[&(d.unit.clone(), 2023, 1)];
        let feb = t[&(d.unit.clone(), 2023, 2)];
        assert_eq!(
            (
                jan.received,
                jan.online,
                jan.digitised,
                jan.components,
                jan.reused
            ),
            (1, 1, 1, 3, 2)
        );
        assert_eq!(
            (jan.essential, jan.essential_online, jan.finished),
            (1, 1, 0)
        );
        assert_eq!(
            (
                feb.finished,
                feb.on_time,
                feb.results,
                feb.electronic,
                feb.linked
            ),
            (1, 1, 1, 1, 1)
        );
        assert_eq!((feb.ratings, feb.satisfied), (1, 1));
        assert_eq!(feb.rate(Rate::OnTime), Some(100.0));
        assert_eq!(jan.rate(Rate::OnTime), None);
        assert_eq!(values(&t).len(), 2 * ELEMENTS.len());
        assert_eq!(keys_of([&d]).len(), 2);
    }
}
