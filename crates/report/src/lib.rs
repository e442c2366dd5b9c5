//! The yearly review written from the data (chiso-report): the content computed from the
//! engine ([`model`]), the wording from editable templates ([`text`]), and the formats —
//! HTML ([`html`]), DOCX ([`docx`]), an XLSX annex of every table ([`xlsx`]) and a PDF laid
//! out as an administrative document under Decree 30/2020/NĐ-CP ([`pdf`]).

mod chart;
pub mod docx;
pub mod fmt;
pub mod html;
pub mod model;
pub mod pdf;
mod pdf_font;
pub mod svgpdf;
pub mod text;
pub mod xlsx;

pub use model::{build, BuildError, Inputs, Report};
pub use text::{render, Doc, TemplateError};

/// The report's languages: the Vietnamese official text, its English translation, the
/// Bengali press summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
    Bn,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            "bn" => Some(Lang::Bn),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
            Lang::Bn => "bn",
        }
    }
}
