//! The registers: DX products, information systems, strategic partners and mobile-signal dead
//! zones.

use super::{in_lang, opt_text, problem, text, Problem};
use crate::code::Code;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What kind of register entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegisterKind {
    Product,
    System,
    Partner,
    DeadZone,
}

impl RegisterKind {
    pub const ALL: [RegisterKind; 4] = [
        RegisterKind::Product,
        RegisterKind::System,
        RegisterKind::Partner,
        RegisterKind::DeadZone,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RegisterKind::Product => "product",
            RegisterKind::System => "system",
            RegisterKind::Partner => "partner",
            RegisterKind::DeadZone => "dead_zone",
        }
    }
    pub fn parse(s: &str) -> Option<RegisterKind> {
        RegisterKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductType {
    Platform,
    Software,
    Data,
    Service,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    Registered,
    Pilot,
    InUse,
}

/// A DX product registered by a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Product {
    #[schema(value_type = String)]
    pub code: Code,
    pub name: String,
    /// The name in English, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    #[schema(value_type = String)]
    pub owner: Code,
    /// Sector (lĩnh vực): education, health, …
    pub sector: String,
    /// The sector in English, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector_en: Option<String>,
    #[serde(rename = "type")]
    pub product_type: ProductType,
    pub status: ProductStatus,
    pub registered_on: NaiveDate,
    pub in_use_on: Option<NaiveDate>,
    pub link: Option<String>,
    pub evidence: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// The note in English, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_en: Option<String>,
}

impl Product {
    pub fn name_in(&self, lang: &str) -> &str {
        in_lang(lang, &self.name, self.name_en.as_ref())
    }

    pub fn sector_in(&self, lang: &str) -> &str {
        in_lang(lang, &self.sector, self.sector_en.as_ref())
    }
}

/// An information system or database and its connections to the national population
/// database, the national data-exchange platform (NDXP) and the provincial integration
/// platform (LGSP): each the date it was connected, or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InfoSystem {
    #[schema(value_type = String)]
    pub code: Code,
    pub name: String,
    #[schema(value_type = String)]
    pub owner: Code,
    pub purpose: String,
    pub population_db: Option<NaiveDate>,
    pub ndxp: Option<NaiveDate>,
    pub lgsp: Option<NaiveDate>,
    pub since: NaiveDate,
    #[serde(default)]
    pub note: Option<String>,
}

impl InfoSystem {
    /// Connected to a national system (the population database or the NDXP) on `day`.
    pub fn connected_nationally(&self, day: NaiveDate) -> bool {
        [self.population_db, self.ndxp]
            .into_iter()
            .flatten()
            .any(|d| d <= day)
    }
}

/// A strategic partner's agreement. The partner is a unit (of kind organisation) so it can
/// lead tasks and report figures; `owner` is the partner's unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Partner {
    #[schema(value_type = String)]
    pub code: Code,
    #[schema(value_type = String)]
    pub owner: Code,
    /// The agreement's title.
    pub agreement: String,
    /// The unit that signed on the province's side.
    #[schema(value_type = String)]
    pub counterpart: Code,
    pub signed_on: NaiveDate,
    pub commitments: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A mobile-signal dead zone in a village of a commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeadZone {
    #[schema(value_type = String)]
    pub code: Code,
    /// The commune.
    #[schema(value_type = String)]
    pub owner: Code,
    pub village: String,
    /// The operator's unit.
    #[schema(value_type = String)]
    pub operator: Code,
    pub found_on: NaiveDate,
    pub planned_on: Option<NaiveDate>,
    pub resolved_on: Option<NaiveDate>,
    #[serde(default)]
    pub note: Option<String>,
}

impl DeadZone {
    /// Known and not yet resolved on `day`.
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.found_on <= day && self.resolved_on.is_none_or(|r| r > day)
    }
}

/// One entry of a register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RegisterEntry {
    Product(Product),
    System(InfoSystem),
    Partner(Partner),
    DeadZone(DeadZone),
}

impl RegisterEntry {
    pub fn kind(&self) -> RegisterKind {
        match self {
            RegisterEntry::Product(_) => RegisterKind::Product,
            RegisterEntry::System(_) => RegisterKind::System,
            RegisterEntry::Partner(_) => RegisterKind::Partner,
            RegisterEntry::DeadZone(_) => RegisterKind::DeadZone,
        }
    }
    pub fn code(&self) -> &Code {
        match self {
            RegisterEntry::Product(p) => &p.code,
            RegisterEntry::System(s) => &s.code,
            RegisterEntry::Partner(p) => &p.code,
            RegisterEntry::DeadZone(d) => &d.code,
        }
    }
    /// The unit the entry belongs to (who may edit it).
    pub fn owner(&self) -> &Code {
        match self {
            RegisterEntry::Product(p) => &p.owner,
            RegisterEntry::System(s) => &s.owner,
            RegisterEntry::Partner(p) => &p.owner,
            RegisterEntry::DeadZone(d) => &d.owner,
        }
    }
    /// Every unit the entry names.
    pub fn units(&self) -> Vec<&Code> {
        match self {
            RegisterEntry::Partner(p) => vec![&p.owner, &p.counterpart],
            RegisterEntry::DeadZone(d) => vec![&d.owner, &d.operator],
            other => vec![other.owner()],
        }
    }
    /// The dates the entry carries (the years whose figures it can change).
    pub fn dates(&self) -> Vec<NaiveDate> {
        match self {
            RegisterEntry::Product(p) => [Some(p.registered_on), p.in_use_on]
                .into_iter()
                .flatten()
                .collect(),
            RegisterEntry::System(s) => [Some(s.since), s.population_db, s.ndxp, s.lgsp]
                .into_iter()
                .flatten()
                .collect(),
            RegisterEntry::Partner(p) => vec![p.signed_on],
            RegisterEntry::DeadZone(d) => [Some(d.found_on), d.planned_on, d.resolved_on]
                .into_iter()
                .flatten()
                .collect(),
        }
    }
    pub fn check(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        match self {
            RegisterEntry::Product(p) => {
                text(&mut out, "name", &p.name, true);
                opt_text(&mut out, "name_en", &p.name_en);
                text(&mut out, "sector", &p.sector, true);
                opt_text(&mut out, "sector_en", &p.sector_en);
                opt_text(&mut out, "link", &p.link);
                opt_text(&mut out, "evidence", &p.evidence);
                opt_text(&mut out, "note", &p.note);
                opt_text(&mut out, "note_en", &p.note_en);
                if p.status == ProductStatus::InUse && p.in_use_on.is_none() {
                    problem(
                        &mut out,
                        "in_use_on",
                        "sản phẩm đang sử dụng phải có ngày đưa vào sử dụng",
                    );
                }
                if p.in_use_on.is_some_and(|d| d < p.registered_on) {
                    problem(&mut out, "in_use_on", "ngày sử dụng trước ngày đăng ký");
                }
            }
            RegisterEntry::System(s) => {
                text(&mut out, "name", &s.name, true);
                text(&mut out, "purpose", &s.purpose, false);
                opt_text(&mut out, "note", &s.note);
            }
            RegisterEntry::Partner(p) => {
                text(&mut out, "agreement", &p.agreement, true);
                for (i, c) in p.commitments.iter().enumerate() {
                    text(&mut out, &format!("commitments[{i}]"), c, true);
                }
                opt_text(&mut out, "note", &p.note);
            }
            RegisterEntry::DeadZone(d) => {
                text(&mut out, "village", &d.village, true);
                opt_text(&mut out, "note", &d.note);
                if d.resolved_on.is_some_and(|r| r < d.found_on) {
                    problem(
                        &mut out,
                        "resolved_on",
                        "ngày xử lý xong trước ngày phát hiện",
                    );
                }
            }
        }
        out
    }
}
