//! The store's rules, in one place: who may read and write what, which files are accepted,
//! and what is reused at intake. Pure functions; the application layer asks them inside the
//! writing transaction's checks and logs every answer in the access log.

use crate::model::{Dossier, ResultKind, StoredResult, SubjectId};
use chiso_core::Code;
use chrono::NaiveDate;

/// Largest file the store keeps: 10 MiB.
pub const MAX_FILE: usize = 10 * 1024 * 1024;

pub use crate::model::{is_id_card, ID_CARD_TYPES};

/// Someone who asks to read or write a subject's store.
#[derive(Clone, Copy)]
pub enum Reader<'a> {
    /// The subject's own account.
    Owner(&'a SubjectId),
    /// An agency's officer: `acts_for(unit)` says whether the account acts for that unit
    /// (for reads: holds a data-entry role at that very unit — an officer of a unit above
    /// reads nothing through that role).
    Agency(&'a dyn Fn(&str) -> bool),
}

/// Why a read or a write was allowed or refused: kept in the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed(&'static str),
    Refused(&'static str),
}

impl Decision {
    pub fn allowed(&self) -> bool {
        matches!(self, Decision::Allowed(_))
    }
    /// The reason, as the access log keeps it.
    pub fn reason(&self) -> &'static str {
        match self {
            Decision::Allowed(r) | Decision::Refused(r) => r,
        }
    }
}

/// Whether `reader` may read an item of `owner`'s store issued by `issuer` (none: the
/// store's list or the owner's metadata), given the dossiers of that owner the store holds.
///
/// - the owner reads everything of their own;
/// - the issuing unit reads what it issued, revoked or not, while it is retained;
/// - another agency reads only while it holds an open dossier of that owner, and then only
///   what is still valid on `day`.
pub fn may_read(
    reader: Reader<'_>,
    owner: &SubjectId,
    item: Option<&StoredResult>,
    dossiers: &[&Dossier],
    day: NaiveDate,
) -> Decision {
    match reader {
        Reader::Owner(s) if s == owner => Decision::Allowed("owner"),
        Reader::Owner(_) => Decision::Refused("not the owner"),
        Reader::Agency(acts_for) => {
            if let Some(r) = item {
                if acts_for(r.issuer.as_str()) && r.retained_on(day) {
                    return Decision::Allowed("issuer");
                }
            }
            let holds_open = dossiers
                .iter()
                .any(|d| &d.subject == owner && d.is_open() && acts_for(d.unit.as_str()));
            match (holds_open, item) {
                (false, _) => Decision::Refused("no open dossier of this owner"),
                (true, Some(r)) if !r.valid_on(day) => {
                    Decision::Refused("revoked or expired: only the owner and the issuer")
                }
                (true, _) => Decision::Allowed("open dossier"),
            }
        }
    }
}

/// Whether an agency's officer may write a result for `dossier` issued by `issuer`: only the
/// issuing unit writes its result, and only for a dossier the store holds that is not
/// withdrawn.
pub fn may_write_result(
    acts_for: &dyn Fn(&str) -> bool,
    issuer: &Code,
    dossier: &Dossier,
) -> Decision {
    if !acts_for(issuer.as_str()) {
        Decision::Refused("only the issuing unit writes its result")
    } else if dossier.status == crate::model::DossierStatus::Withdrawn {
        Decision::Refused("the dossier was withdrawn")
    } else {
        Decision::Allowed("issuer")
    }
}

/// Whether a one-stop officer may add a signed scan to `dossier`: an officer of the receiving
/// unit, while the dossier is open, with a signature.
pub fn may_write_scan(
    acts_for: &dyn Fn(&str) -> bool,
    dossier: &Dossier,
    signed: bool,
) -> Decision {
    if !acts_for(dossier.unit.as_str()) {
        Decision::Refused("only the receiving one-stop desk scans its dossier's papers")
    } else if !dossier.is_open() {
        Decision::Refused("the dossier is no longer open")
    } else if !signed {
        Decision::Refused("a scan must be digitally signed by the officer")
    } else {
        Decision::Allowed("one-stop desk")
    }
}

/// Whether `reader` may revoke (flag expired or cancelled) a result: its issuer only.
pub fn may_revoke(acts_for: &dyn Fn(&str) -> bool, result: &StoredResult) -> Decision {
    if result.revoked_at.is_some() {
        Decision::Refused("already revoked")
    } else if acts_for(result.issuer.as_str()) {
        Decision::Allowed("issuer")
    } else {
        Decision::Refused("only the issuing unit revokes its result")
    }
}

/// Whether `who` may rate `dossier`: its applicant, once it is finished, once.
pub fn may_rate(who: Option<&SubjectId>, dossier: &Dossier, already_rated: bool) -> Decision {
    if who != Some(&dossier.subject) {
        Decision::Refused("only the applicant rates a dossier")
    } else if dossier.status != crate::model::DossierStatus::Finished {
        Decision::Refused("only a finished dossier is rated")
    } else if already_rated {
        Decision::Refused("the dossier was already rated")
    } else {
        Decision::Allowed("applicant")
    }
}

/// A file's type, from its first bytes (never from its name).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"<?xml") {
        Some("application/xml")
    } else {
        None
    }
}

/// Check a file for the store: not empty, at most [`MAX_FILE`], a PDF, PNG, JPEG or (signed)
/// XML document, and never an image of an identity card. Returns its media type.
pub fn check_file(doc_type: &Code, bytes: &[u8]) -> Result<&'static str, String> {
    if is_id_card(doc_type) {
        return Err(format!(
            "không nhận ảnh hay bản chụp căn cước ({doc_type}): thông tin lấy từ CSDL quốc gia về dân cư (identity-card images are not accepted)"
        ));
    }
    if bytes.is_empty() {
        return Err("tệp rỗng (the file is empty)".into());
    }
    if bytes.len() > MAX_FILE {
        return Err(format!(
            "tệp quá lớn: tối đa {} MB (the file is larger than {} MB)",
            MAX_FILE / 1024 / 1024,
            MAX_FILE / 1024 / 1024
        ));
    }
    sniff(bytes).ok_or_else(|| {
        "chỉ nhận PDF, PNG, JPEG hoặc XML (only PDF, PNG, JPEG or XML files)".to_string()
    })
}

/// The SHA-256 of a file's bytes, in hex: its address in the store.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// The result of `owner`'s store that a component of type `doc_type` can reuse on `day`: a
/// result or signed scan of that type, valid and not revoked, the latest issued first.
pub fn reusable<'a>(
    results: &'a [StoredResult],
    owner: &SubjectId,
    doc_type: &Code,
    day: NaiveDate,
) -> Option<&'a StoredResult> {
    results
        .iter()
        .filter(|r| &r.subject == owner && &r.doc_type == doc_type && r.valid_on(day))
        .max_by(|a, b| {
            (a.issued, a.kind == ResultKind::Result, &a.code).cmp(&(
                b.issued,
                b.kind == ResultKind::Result,
                &b.code,
            ))
        })
}

/// Mark a new dossier's components reused where the owner's store holds a valid match; the
/// citizen is not asked for them. Returns the codes reused.
pub fn apply_reuse(dossier: &mut Dossier, results: &[StoredResult]) -> Vec<String> {
    let mut used = Vec::new();
    for c in &mut dossier.components {
        if c.reused || c.national_db || is_id_card(&c.doc_type) {
            continue;
        }
        if let Some(r) = reusable(results, &dossier.subject, &c.doc_type, dossier.received) {
            c.reused = true;
            c.reused_from = Some(r.code.clone());
            used.push(r.code.clone());
        }
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use chrono::{TimeZone, Utc};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2023, m, d).unwrap()
    }
    fn code(s: &str) -> Code {
        Code::parse(s).unwrap()
    }
    fn owner() -> SubjectId {
        SubjectId::pseudonym(SubjectKind::Individual, "t/1")
    }
    fn dossier(unit: &str, status: DossierStatus) -> Dossier {
        Dossier {
            code: DossierCode::parse("000.25.06.H58-230301-0001").unwrap(),
            subject: owner(),
            procedure: code("1.001193"),
            procedure_name: "Đăng ký khai sinh".into(),
            essential: true,
            unit: code(unit),
            received: day(3, 1),
            due: day(3, 4),
            finished: (status == DossierStatus::Finished).then(|| day(3, 3)),
            status,
            online: false,
            components: vec![Component {
                doc_type: code("GKS"),
                name: "Giấy khai sinh".into(),
                digitised: false,
                reused: false,
                reused_from: None,
                national_db: false,
            }],
        }
    }
    fn result(issuer: &str, doc: &str, issued: NaiveDate) -> StoredResult {
        StoredResult {
            code: "000.25.06.H58-230101-0001-KQ1".into(),
            dossier: DossierCode::parse("000.25.06.H58-230101-0001").unwrap(),
            subject: owner(),
            kind: ResultKind::Result,
            doc_type: code(doc),
            name: "Giấy khai sinh".into(),
            issuer: code(issuer),
            original_issuer: None,
            number: "12/2023".into(),
            issued,
            valid_until: None,
            revoked_at: None,
            revoked_reason: None,
            retain_until: None,
            signer: Some("ab".repeat(20)),
            sha256: None,
            media_type: None,
            size: None,
            link: None,
            created_at: Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap(),
            created_by: "t".into(),
        }
    }

    #[test]
    fn an_agency_reads_only_while_it_holds_an_open_dossier() {
        let r = result("A", "GKS", day(1, 1));
        let acts_for_b = |u: &str| u == "B";
        let b = Reader::Agency(&acts_for_b);
        // No dossier at B: refused.
        assert_eq!(
            may_read(b, &owner(), Some(&r), &[], day(3, 2)),
            Decision::Refused("no open dossier of this owner")
        );
        // An open dossier at B: allowed; once finished, refused again.
        let open = dossier("B", DossierStatus::Open);
        assert!(may_read(b, &owner(), Some(&r), &[&open], day(3, 2)).allowed());
        let done = dossier("B", DossierStatus::Finished);
        assert!(!may_read(b, &owner(), Some(&r), &[&done], day(3, 5)).allowed());
        // An open dossier elsewhere gives B nothing.
        let at_c = dossier("C", DossierStatus::Open);
        assert!(!may_read(b, &owner(), Some(&r), &[&at_c], day(3, 2)).allowed());
        // The issuer reads its own result; the owner reads everything; another owner nothing.
        let acts_for_a = |u: &str| u == "A";
        assert_eq!(
            may_read(
                Reader::Agency(&acts_for_a),
                &owner(),
                Some(&r),
                &[],
                day(3, 2)
            ),
            Decision::Allowed("issuer")
        );
        assert!(may_read(Reader::Owner(&owner()), &owner(), Some(&r), &[], day(3, 2)).allowed());
        let other = SubjectId::pseudonym(SubjectKind::Individual, "t/2");
        assert!(!may_read(Reader::Owner(&other), &owner(), Some(&r), &[], day(3, 2)).allowed());
    }

    #[test]
    fn revoked_results_stay_with_the_owner_and_the_issuer_until_retention_ends() {
        let mut r = result("A", "GKS", day(1, 1));
        r.revoked_at = Some(Utc.with_ymd_and_hms(2023, 2, 1, 0, 0, 0).unwrap());
        r.retain_until = Some(day(12, 31));
        let open = dossier("B", DossierStatus::Open);
        let acts_for_b = |u: &str| u == "B";
        assert!(!may_read(
            Reader::Agency(&acts_for_b),
            &owner(),
            Some(&r),
            &[&open],
            day(3, 2)
        )
        .allowed());
        let acts_for_a = |u: &str| u == "A";
        assert!(may_read(
            Reader::Agency(&acts_for_a),
            &owner(),
            Some(&r),
            &[],
            day(3, 2)
        )
        .allowed());
        let later = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert!(!may_read(Reader::Agency(&acts_for_a), &owner(), Some(&r), &[], later).allowed());
        assert!(may_read(Reader::Owner(&owner()), &owner(), Some(&r), &[], later).allowed());
    }

    #[test]
    fn writes_by_the_issuer_and_the_desk_only() {
        let d = dossier("B", DossierStatus::Open);
        let a = |u: &str| u == "A";
        let b = |u: &str| u == "B";
        assert!(may_write_result(&a, &code("A"), &d).allowed());
        assert!(!may_write_result(&b, &code("A"), &d).allowed());
        assert!(may_write_scan(&b, &d, true).allowed());
        assert!(!may_write_scan(&b, &d, false).allowed());
        assert!(!may_write_scan(&a, &d, true).allowed());
        let r = result("A", "GKS", day(1, 1));
        assert!(may_revoke(&a, &r).allowed());
        assert!(!may_revoke(&b, &r).allowed());
    }

    #[test]
    fn ratings_by_the_applicant_once() {
        let done = dossier("B", DossierStatus::Finished);
        assert!(may_rate(Some(&owner()), &done, false).allowed());
        assert_eq!(
            may_rate(Some(&owner()), &done, true),
            Decision::Refused("the dossier was already rated")
        );
        let other = SubjectId::pseudonym(SubjectKind::Individual, "t/2");
        assert!(!may_rate(Some(&other), &done, false).allowed());
        assert!(!may_rate(None, &done, false).allowed());
        let open = dossier("B", DossierStatus::Open);
        assert!(!may_rate(Some(&owner()), &open, false).allowed());
    }

    #[test]
    fn files_checked_by_content_and_no_id_card_images() {
        let png = b"\x89PNG\r\n\x1a\n....";
        assert_eq!(
            check_file(&code("GKS"), b"%PDF-1.7 ..."),
            Ok("application/pdf")
        );
        assert_eq!(check_file(&code("GKS"), png), Ok("image/png"));
        assert!(check_file(&code("CCCD"), png).is_err());
        assert!(check_file(&code("cccd"), b"%PDF-1.7").is_err());
        assert!(check_file(&code("GKS"), b"MZ\x90\x00").is_err());
        assert!(check_file(&code("GKS"), b"").is_err());
        assert!(check_file(&code("GKS"), &vec![b'%'; MAX_FILE + 1]).is_err());
    }

    #[test]
    fn reuse_takes_a_valid_unrevoked_match_of_the_type() {
        let mut good = result("A", "GKS", day(1, 1));
        let mut d = dossier("B", DossierStatus::Open);
        assert_eq!(
            apply_reuse(&mut d.clone(), std::slice::from_ref(&good)).len(),
            1
        );
        // Revoked: not reused.
        good.revoked_at = Some(Utc.with_ymd_and_hms(2023, 2, 1, 0, 0, 0).unwrap());
        assert!(apply_reuse(&mut d, std::slice::from_ref(&good)).is_empty());
        assert!(!d.components[0].reused);
        // Expired before the day received: not reused; another type: not reused.
        good.revoked_at = None;
        good.valid_until = Some(day(2, 1));
        assert!(apply_reuse(&mut d, std::slice::from_ref(&good)).is_empty());
        let other = result("A", "GCN_QSDD", day(1, 1));
        assert!(apply_reuse(&mut d, &[other]).is_empty());
        good.valid_until = None;
        assert_eq!(
            apply_reuse(&mut d, &[good]),
            vec!["000.25.06.H58-230101-0001-KQ1".to_string()]
        );
        assert!(d.components[0].reused && d.components[0].is_digital());
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use crate::model::*;
    use chrono::{TimeZone, Utc};

    /// An electronic result of a finished dossier, issued by its receiving unit.
    pub(crate) fn result_of(d: &Dossier) -> StoredResult {
        StoredResult {
            code: d.code.result_code(1),
            dossier: d.code.clone(),
            subject: d.subject.clone(),
            kind: ResultKind::Result,
            doc_type: d.components[0].doc_type.clone(),
            name: "Kết quả".into(),
            issuer: d.unit.clone(),
            original_issuer: None,
            number: "1".into(),
            issued: d.finished.unwrap_or(d.received),
            valid_until: None,
            revoked_at: None,
            revoked_reason: None,
            retain_until: None,
            signer: Some("cd".repeat(20)),
            sha256: None,
            media_type: None,
            size: None,
            link: None,
            created_at: Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap(),
            created_by: "t".into(),
        }
    }
}
