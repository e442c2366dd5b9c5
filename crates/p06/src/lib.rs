//! Project 06's electronic data store (Kho quản lý dữ liệu điện tử của tổ chức, cá nhân):
//! digitised dossier components and electronic results of administrative procedures, kept
//! once, reused, and measured. This crate is the domain: the records ([`model`]), the rules
//! over them ([`rules`]), the figures they give ([`figures`]), the panel after Decision
//! 766/QĐ-TTg ([`panel`]) and the import of a one-stop system's export ([`import`]). Pure:
//! no SQL, no HTTP, no files. See `docs/p06.md` for which legal text each rule comes from.

pub mod columns;
pub mod figures;
pub mod import;
pub mod model;
pub mod panel;
pub mod rules;

pub use figures::{Counts, Rate};
pub use model::{
    Component, Dossier, DossierCode, DossierStatus, Rating, RatingValue, ResultKind, StoredResult,
    Subject, SubjectId, SubjectKind,
};
pub use panel::{Group, Panel, PanelConfig};
pub use rules::{Decision, Reader};
