//! The records of the store: subjects under pseudonymous ids, dossiers with their components,
//! results and signed scans, ratings. Parsed at the boundary: a value of these types is valid.

use chiso_core::Code;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Document types of identity cards (chip-based citizen ID, older ID cards, the new identity
/// card). Their images are never accepted: identity data is taken from the national
/// population database, and under Law 91/2025/QH15 and Decree 356/2025/NĐ-CP images of ID
/// cards are sensitive personal data.
pub const ID_CARD_TYPES: &[&str] = &["CCCD", "CMND", "CAN_CUOC", "CCCD_CHIP", "THE_CAN_CUOC"];

pub fn is_id_card(doc_type: &Code) -> bool {
    ID_CARD_TYPES
        .iter()
        .any(|t| t.eq_ignore_ascii_case(doc_type.as_str()))
}

/// Whose store: an individual or an organisation.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Individual,
    Organisation,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Individual => "individual",
            SubjectKind::Organisation => "organisation",
        }
    }
    pub fn parse(s: &str) -> Option<SubjectKind> {
        match s {
            "individual" => Some(SubjectKind::Individual),
            "organisation" => Some(SubjectKind::Organisation),
            _ => None,
        }
    }
    fn prefix(self) -> &'static str {
        match self {
            SubjectKind::Individual => "CN",
            SubjectKind::Organisation => "TC",
        }
    }
}

/// A subject's pseudonymous id: `CN-` (individual) or `TC-` (organisation) and 12 upper-case
/// hexadecimal digits. It is never a real identifier: a citizen-ID or tax number (digits only)
/// is refused, and chiso stores no real identifier at all.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "CN-3F9A1C07B2E4")]
pub struct SubjectId(String);

impl SubjectId {
    pub fn parse(s: &str) -> Result<SubjectId, String> {
        let s = s.trim();
        if s.len() >= 9 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "'{}…' trông như số định danh thật (CCCD, CMND, mã số thuế): Kho chỉ nhận mã giả danh CN-/TC- (looks like a real identifier; only pseudonymous ids are accepted)",
                &s[..3]
            ));
        }
        let ok = s.len() == 15
            && (s.starts_with("CN-") || s.starts_with("TC-"))
            && s[3..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
        if ok {
            Ok(SubjectId(s.to_string()))
        } else {
            Err(format!(
                "'{s}' không phải mã giả danh: CN- hoặc TC- và 12 chữ số hệ 16 (not a pseudonymous id: CN- or TC- and 12 hexadecimal digits)"
            ))
        }
    }

    /// The pseudonymous id a seed gives, the same on every machine: the first 12 hex digits
    /// of SHA-256("chiso-p06/" + seed). What the seed is (a one-stop system's own key, the
    /// demo's counter) is kept nowhere.
    pub fn pseudonym(kind: SubjectKind, seed: &str) -> SubjectId {
        use sha2::{Digest, Sha256};
        let h = Sha256::digest(format!("chiso-p06/{seed}").as_bytes());
        SubjectId(format!("{}-{}", kind.prefix(), hex::encode_upper(&h[..6])))
    }

    pub fn kind(&self) -> SubjectKind {
        if self.0.starts_with("TC-") {
            SubjectKind::Organisation
        } else {
            SubjectKind::Individual
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SubjectId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        SubjectId::parse(&s)
    }
}
impl From<SubjectId> for String {
    fn from(s: SubjectId) -> String {
        s.0
    }
}
impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A subject of the store: an individual or an organisation, under a pseudonymous id and a
/// display name (synthetic in the demo).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Subject {
    pub id: SubjectId,
    pub name: String,
}

/// A dossier code in the form of Circular 01/2018/TT-VPCP: the receiving agency's electronic
/// identifier `V1V2V3.Z1Z2.Y1Y2.MX1X2`, the day received `YYMMDD`, and the day's sequence
/// number `XXXX` — e.g. `000.25.06.H58-230315-0042`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "000.25.06.H58-230315-0042")]
pub struct DossierCode(String);

/// Whether `s` is an agency identifier `V1V2V3.Z1Z2.Y1Y2.MX1X2` (digits, and one upper-case
/// letter for the level-1 body: G for a ministry, H for a province).
pub fn is_agency_id(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b[i].is_ascii_digit());
    b.len() == 13
        && digits(0..3)
        && b[3] == b'.'
        && digits(4..6)
        && b[6] == b'.'
        && digits(7..9)
        && b[9] == b'.'
        && b[10].is_ascii_uppercase()
        && digits(11..13)
}

/// A unit's electronic agency identifier in the form `V1V2V3.Z1Z2.Y1Y2.MX1X2` of Circular
/// 01/2018/TT-VPCP, for the codes of the dossiers it receives. The province's own list of
/// identifiers is not held by chiso: the identifier is derived from the unit's code (a
/// stable hash of it in the first three groups, `H` and the province's two digits), the same
/// for a unit every time, and documented as chiso's (see `docs/p06.md`). `province` is the
/// code of the unit's province (its root in the tree).
pub fn agency_id(unit: &str, province: &str) -> String {
    // FNV-1a: stable across builds and platforms.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in unit.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    let tail = province.rsplit('-').next().unwrap_or(province);
    let province: String = tail
        .chars()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let province = if province.len() == 2 && province.bytes().all(|b| b.is_ascii_digit()) {
        province
    } else {
        "00".to_string()
    };
    format!(
        "{:03}.{:02}.{:02}.H{province}",
        h % 1000,
        (h / 1000) % 100,
        (h / 100_000) % 100
    )
}

impl DossierCode {
    pub fn parse(s: &str) -> Result<DossierCode, String> {
        let s = s.trim();
        let bad = || {
            format!(
                "'{s}' không đúng mẫu mã hồ sơ V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX (not a dossier code of the form …)"
            )
        };
        let mut parts = s.split('-');
        let (Some(agency), Some(day), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if !is_agency_id(agency)
            || day.len() != 6
            || seq.len() != 4
            || !day.bytes().all(|b| b.is_ascii_digit())
            || !seq.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        if DossierCode::day_of(day).is_none() {
            return Err(bad());
        }
        Ok(DossierCode(s.to_string()))
    }

    fn day_of(yymmdd: &str) -> Option<NaiveDate> {
        let n = |r: std::ops::Range<usize>| yymmdd.get(r)?.parse::<u32>().ok();
        NaiveDate::from_ymd_opt(2000 + n(0..2)? as i32, n(2..4)?, n(4..6)?)
    }

    /// The code a new dossier gets: agency, day, sequence number (1 to 9999).
    pub fn compose(agency: &str, day: NaiveDate, seq: u32) -> Result<DossierCode, String> {
        DossierCode::parse(&format!(
            "{agency}-{:02}{:02}{:02}-{:04}",
            day.year() % 100,
            day.month(),
            day.day(),
            seq
        ))
    }

    /// The receiving agency's identifier.
    pub fn agency(&self) -> &str {
        &self.0[..13]
    }

    /// The day the code says the dossier was received.
    pub fn day(&self) -> Option<NaiveDate> {
        DossierCode::day_of(&self.0[14..20])
    }

    /// The code of the dossier's `n`-th result: `<dossier>-KQ<n>` (Decree 45/2020/NĐ-CP).
    pub fn result_code(&self, n: u32) -> String {
        format!("{}-KQ{n}", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DossierCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        DossierCode::parse(&s)
    }
}
impl From<DossierCode> for String {
    fn from(s: DossierCode) -> String {
        s.0
    }
}
impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The dossier a result code `<dossier>-KQ<n>` belongs to, and `n`.
pub fn parse_result_code(s: &str) -> Option<(DossierCode, u32)> {
    let (dossier, n) = s.trim().rsplit_once("-KQ")?;
    let n: u32 = n.parse().ok().filter(|n| *n >= 1)?;
    Some((DossierCode::parse(dossier).ok()?, n))
}

/// Where a dossier stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DossierStatus {
    /// Received and being processed.
    Open,
    /// Processed; its results are returned.
    Finished,
    /// Withdrawn by the applicant or refused; no result.
    Withdrawn,
}

impl DossierStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DossierStatus::Open => "open",
            DossierStatus::Finished => "finished",
            DossierStatus::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<DossierStatus> {
        match s {
            "open" => Some(DossierStatus::Open),
            "finished" => Some(DossierStatus::Finished),
            "withdrawn" => Some(DossierStatus::Withdrawn),
            _ => None,
        }
    }
}

/// One paper of a dossier (thành phần hồ sơ), by its document type, and how it came in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Component {
    /// The document type (e.g. `GKS` a birth certificate, `GCN_QSDD` a land-use certificate).
    #[schema(value_type = String, example = "GKS")]
    pub doc_type: Code,
    pub name: String,
    /// Scanned and signed at the one-stop desk (or sent digitally).
    #[serde(default)]
    pub digitised: bool,
    /// Taken from the store (a valid result or scan of the same type): the citizen was not
    /// asked for it; `reused_from` names it.
    #[serde(default)]
    pub reused: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused_from: Option<String>,
    /// Taken from a national database (population, enterprises…).
    #[serde(default)]
    pub national_db: bool,
}

impl Component {
    /// Whether the paper is in digital form, whichever way it came.
    pub fn is_digital(&self) -> bool {
        self.digitised || self.reused || self.national_db
    }
}

/// A dossier of an administrative procedure, as the one-stop desk received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dossier {
    pub code: DossierCode,
    /// The applicant, whose store it feeds.
    pub subject: SubjectId,
    /// The procedure's code in the national database of procedures.
    #[schema(value_type = String, example = "1.001193")]
    pub procedure: Code,
    pub procedure_name: String,
    /// One of the 53 essential public services (Project 06).
    #[serde(default)]
    pub essential: bool,
    /// The receiving unit.
    #[schema(value_type = String)]
    pub unit: Code,
    pub received: NaiveDate,
    pub due: NaiveDate,
    #[serde(default)]
    pub finished: Option<NaiveDate>,
    pub status: DossierStatus,
    /// Received online (the public-service portal) rather than at the desk.
    #[serde(default)]
    pub online: bool,
    pub components: Vec<Component>,
}

/// A problem of a record, by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub reason: String,
}

fn problem(field: &str, reason: impl Into<String>) -> Problem {
    Problem {
        field: field.into(),
        reason: reason.into(),
    }
}

impl Dossier {
    /// Whether the dossier is still being processed (an agency holding it may read the
    /// applicant's store).
    pub fn is_open(&self) -> bool {
        self.status == DossierStatus::Open
    }

    /// Finished on or before its due day.
    pub fn on_time(&self) -> Option<bool> {
        self.finished.map(|f| f <= self.due)
    }

    /// What is wrong with the dossier on its own (the store checks the units and subjects).
    pub fn check(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.due < self.received {
            out.push(problem(
                "due",
                "hạn trả kết quả trước ngày tiếp nhận (due before received)",
            ));
        }
        match (self.status, self.finished) {
            (DossierStatus::Finished, None) => out.push(problem(
                "finished",
                "hồ sơ đã giải quyết phải có ngày trả kết quả (a finished dossier needs its day)",
            )),
            (DossierStatus::Open, Some(_)) => out.push(problem(
                "finished",
                "hồ sơ đang xử lý không có ngày trả kết quả (an open dossier has no finish day)",
            )),
            (_, Some(f)) if f < self.received => out.push(problem(
                "finished",
                "ngày trả kết quả trước ngày tiếp nhận (finished before received)",
            )),
            _ => {}
        }
        if self.code.day() != Some(self.received) {
            out.push(problem(
                "code",
                "mã hồ sơ không mang ngày tiếp nhận (the code's day is not the day received)",
            ));
        }
        if self.procedure_name.trim().is_empty() {
            out.push(problem("procedure_name", "thiếu tên thủ tục (empty)"));
        }
        if self.components.is_empty() {
            out.push(problem(
                "components",
                "hồ sơ không có thành phần nào (no components)",
            ));
        }
        if self.components.len() > 50 {
            out.push(problem("components", "quá 50 thành phần (more than 50)"));
        }
        for (i, c) in self.components.iter().enumerate() {
            if c.reused && c.reused_from.is_none() {
                out.push(problem(
                    &format!("components[{i}].reused_from"),
                    "thành phần dùng lại phải nêu kết quả được dùng (name the reused result)",
                ));
            }
            if is_id_card(&c.doc_type) && c.digitised {
                out.push(problem(
                    &format!("components[{i}].digitised"),
                    "không số hóa ảnh căn cước: lấy từ CSDL quốc gia về dân cư (no ID-card scans: take it from the population database)",
                ));
            }
        }
        out
    }
}

/// What kind of record a stored result is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    /// An electronic result the competent (issuing) unit produced (Decree 45/2020 Art. 14–17).
    Result,
    /// A paper that is the result of an earlier procedure, scanned and signed at the one-stop
    /// desk (Decree 107/2021; Art. 21a of Decree 61/2018).
    Scan,
}

impl ResultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultKind::Result => "result",
            ResultKind::Scan => "scan",
        }
    }
    pub fn parse(s: &str) -> Option<ResultKind> {
        match s {
            "result" => Some(ResultKind::Result),
            "scan" => Some(ResultKind::Scan),
            _ => None,
        }
    }
}

/// A result (or a signed scan) kept in its owner's store under `<dossier>-KQ<n>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredResult {
    pub code: String,
    pub dossier: DossierCode,
    pub subject: SubjectId,
    pub kind: ResultKind,
    #[schema(value_type = String)]
    pub doc_type: Code,
    pub name: String,
    /// The unit that signed it: the competent unit for a result, the one-stop desk for a scan.
    #[schema(value_type = String)]
    pub issuer: Code,
    /// For a scan, who issued the paper originally (free text).
    #[serde(default)]
    pub original_issuer: Option<String>,
    /// The document's number.
    pub number: String,
    pub issued: NaiveDate,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// Flagged expired or cancelled at this time (never deleted).
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub revoked_reason: Option<String>,
    /// Kept for competent agencies until this day (the sector's retention period); none: for
    /// good.
    #[serde(default)]
    pub retain_until: Option<NaiveDate>,
    /// The SHA-1 or SHA-256 fingerprint of the signing certificate (hex): present when the
    /// document is digitally signed.
    #[serde(default)]
    pub signer: Option<String>,
    /// The file's SHA-256 (hex), when the store keeps the file.
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub size: Option<i64>,
    /// Where the document is kept when the store holds a link instead of the file.
    #[serde(default)]
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl StoredResult {
    /// Issued as a signed electronic document.
    pub fn electronic(&self) -> bool {
        self.signer.is_some()
    }

    /// Held by the owner's store: the file or a link to it.
    pub fn linked(&self) -> bool {
        self.sha256.is_some() || self.link.is_some()
    }

    /// Valid on `day`: issued by then, not past its validity, not revoked.
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.revoked_at.is_none() && self.issued <= day && self.valid_until.is_none_or(|u| u >= day)
    }

    /// Still kept for competent agencies on `day`.
    pub fn retained_on(&self, day: NaiveDate) -> bool {
        self.retain_until.is_none_or(|u| u >= day)
    }
}

/// How a finished dossier's applicant rated the service.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RatingValue {
    Satisfied,
    Neutral,
    Unsatisfied,
}

impl RatingValue {
    pub fn as_str(self) -> &'static str {
        match self {
            RatingValue::Satisfied => "satisfied",
            RatingValue::Neutral => "neutral",
            RatingValue::Unsatisfied => "unsatisfied",
        }
    }
    pub fn parse(s: &str) -> Option<RatingValue> {
        match s {
            "satisfied" => Some(RatingValue::Satisfied),
            "neutral" => Some(RatingValue::Neutral),
            "unsatisfied" => Some(RatingValue::Unsatisfied),
            _ => None,
        }
    }
}

/// A rating, given once, by the applicant only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rating {
    pub dossier: DossierCode,
    pub value: RatingValue,
    #[serde(default)]
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_identifiers_are_in_the_circular_s_form_and_stable() {
        for u in ["58", "22738", "58-SO-TTTT", "x"] {
            let a = agency_id(u, "58");
            assert!(is_agency_id(&a), "{a}");
            assert_eq!(a, agency_id(u, "58"));
        }
        assert!(agency_id("22738", "58").ends_with("H58"));
        assert!(agency_id("x", "2025-56").ends_with("H56"));
        assert_ne!(agency_id("22738", "58"), agency_id("22741", "58"));
    }
    use proptest::prelude::*;

    #[test]
    fn dossier_codes_in_the_circular_form() {
        let c = DossierCode::parse("000.25.06.H58-230315-0042").unwrap();
        assert_eq!(c.agency(), "000.25.06.H58");
        assert_eq!(c.day(), NaiveDate::from_ymd_opt(2023, 3, 15));
        assert_eq!(c.result_code(2), "000.25.06.H58-230315-0042-KQ2");
        assert_eq!(
            parse_result_code("000.25.06.H58-230315-0042-KQ2"),
            Some((c.clone(), 2))
        );
        assert_eq!(parse_result_code("000.25.06.H58-230315-0042-KQ0"), None);
        for bad in [
            "",
            "000.25.06.H58-230315",
            "000.25.06.h58-230315-0042",
            "00.25.06.H58-230315-0042",
            "000.25.06.H58-231315-0042",
            "000.25.06.H58-230230-0042",
            "000.25.06.H58-230315-042",
            "000.25.06.H58-230315-0042-1",
        ] {
            assert!(DossierCode::parse(bad).is_err(), "{bad}");
        }
        let day = NaiveDate::from_ymd_opt(2024, 1, 9).unwrap();
        assert_eq!(
            DossierCode::compose("000.25.06.H58", day, 7)
                .unwrap()
                .as_str(),
            "000.25.06.H58-240109-0007"
        );
    }

    #[test]
    fn pseudonymous_ids_only() {
        let a = SubjectId::pseudonym(SubjectKind::Individual, "demo/1");
        assert_eq!(a, SubjectId::pseudonym(SubjectKind::Individual, "demo/1"));
        assert_ne!(a, SubjectId::pseudonym(SubjectKind::Individual, "demo/2"));
        assert!(a.as_str().starts_with("CN-") && a.as_str().len() == 15);
        assert_eq!(SubjectId::parse(a.as_str()), Ok(a));
        let org = SubjectId::pseudonym(SubjectKind::Organisation, "x");
        assert_eq!(org.kind(), SubjectKind::Organisation);
        // A citizen-ID number (12 digits), an old ID card (9), a tax number (10): refused,
        // and the refusal does not repeat the number.
        for real in ["058123456789", "261234567", "4500123456"] {
            let e = SubjectId::parse(real).unwrap_err();
            assert!(!e.contains(real), "{e}");
        }
        assert!(SubjectId::parse("CN-3f9a1c07b2e4").is_err());
    }

    proptest! {
        #[test]
        fn composed_codes_parse_back(y in 2000i32..2099, d in 0u32..365, seq in 1u32..9999) {
            let day = NaiveDate::from_ymd_opt(y, 1, 1).unwrap() + chrono::Days::new(d as u64);
            let c = DossierCode::compose("000.25.06.H58", day, seq).unwrap();
            prop_assert_eq!(c.day(), Some(day));
            prop_assert_eq!(DossierCode::parse(c.as_str()), Ok(c));
        }
    }
}
