//! What a report's page checks when it is saved or sent, said as a person reads it: the
//! compulsory fields still empty, the rules a save broke (in words, both sides named), and a
//! day typed dd/mm/yyyy.

use crate::api::forms::{self as col, Report};
use crate::auth::Who;
use crate::clock::today_in_vietnam;
use crate::error::ApiError;
use crate::format;
use crate::pages::Page;
use crate::AppState;
use chiso_collect::Hierarchy;
use chiso_core::Code;
use serde::Serialize;

/// A message shown at the top of the form page.
#[derive(Serialize, Default)]
pub(crate) struct Flash {
    pub(crate) ok: Vec<String>,
    pub(crate) errors: Vec<String>,
    pub(crate) warnings: Vec<String>,
    /// The keys of compulsory fields a refused sending found empty (marked on the form).
    pub(crate) missing: Vec<String>,
}

/// Why a report cannot be sent now, as one message: the compulsory fields still empty, all
/// named (they are marked on the form too). None: nothing stops it here (the rules and the
/// report's state are checked when it is completed).
pub(crate) async fn unsendable(
    st: &AppState,
    who: &Who,
    page: &Page,
    r: &Report,
    flash: &mut Flash,
) -> Result<Option<ApiError>, ApiError> {
    if r.ds.compulsory.is_empty() {
        return Ok(None);
    }
    let hier = Hierarchy::of(&st.app).await;
    let bypass = col::may_bypass_lock(st, who).await;
    let form = chiso_collect::load_form(
        st.store.as_ref(),
        &hier,
        &r.ds,
        &r.unit,
        &r.period,
        today_in_vietnam(),
        bypass,
    )
    .await?;
    let missing = chiso_collect::compulsory::missing(&r.ds, &form.fields);
    if missing.is_empty() {
        return Ok(None);
    }
    let lang = page.lang;
    let names: Vec<String> = missing.iter().map(|m| m.name(lang.as_str())).collect();
    flash.missing = missing.iter().map(|m| m.key()).collect();
    let message = st.i18n.t(
        lang,
        "form-missing-compulsory",
        &[
            ("count", names.len().to_string()),
            ("names", names.join("; ")),
        ],
    );
    Ok(Some(ApiError::Invalid(vec![chiso_store::FieldError::new(
        None, "report", message,
    )])))
}

/// A value as typed into a page, as it is stored: a day typed dd/mm/yyyy becomes yyyy-mm-dd
/// (a text that is no day is left for the value check to refuse, naming the field).
pub(crate) fn as_stored(
    dates: &std::collections::HashSet<Code>,
    element: &Code,
    typed: &str,
) -> String {
    match dates
        .contains(element)
        .then(|| crate::params::parse_day(typed))
        .flatten()
    {
        Some(d) => d.format("%Y-%m-%d").to_string(),
        None => typed.to_string(),
    }
}

/// The rules a save broke, each as one sentence: the rule in words, then both sides with
/// their names and values ("… : Văn bản điện tử xử lý trên môi trường mạng 1.300; Văn bản
/// đến 1.250"). Blocking ones first, apart from warnings.
#[derive(Default)]
pub(crate) struct Broken {
    pub(crate) block: Vec<String>,
    pub(crate) warn: Vec<String>,
}

pub(crate) async fn rule_messages(
    st: &AppState,
    lang: crate::i18n::Lang,
    violations: &[chiso_core::Violation],
) -> Result<Broken, ApiError> {
    let mut out = Broken::default();
    if violations.is_empty() {
        return Ok(out);
    }
    let rules = st.store.validation_rules().await?;
    let elements = st.store.elements().await?;
    let name_of = |side: &str| -> Option<String> {
        let code = side.trim().strip_prefix("#{")?.strip_suffix('}')?;
        let code = code.split('.').next()?;
        let e = elements.iter().find(|e| e.code.as_str() == code)?;
        Some(match lang {
            crate::i18n::Lang::En => e.name_en.clone().unwrap_or_else(|| e.name_vi.clone()),
            _ => e.name_vi.clone(),
        })
    };
    let t = |k: &str| st.i18n.t(lang, k, &[]);
    for v in violations {
        let rule = rules.iter().find(|x| x.code == v.rule);
        let words = rule
            .map(|x| x.message(lang.as_str()).to_string())
            .unwrap_or_else(|| v.message.clone());
        let left = rule
            .and_then(|x| name_of(&x.left))
            .unwrap_or_else(|| t("rule-left"));
        let right = rule
            .and_then(|x| name_of(&x.right))
            .unwrap_or_else(|| t("rule-right"));
        let num = |x: f64| format::value(&x.to_string(), lang);
        let sides = format!("{left}: {}; {right}: {}", num(v.left), num(v.right));
        if v.severity == chiso_core::Severity::Block {
            out.block.push(format!(
                "{words} ({sides}). {}",
                t("rule-saved-not-sendable")
            ));
        } else {
            out.warn.push(format!("{words} ({sides})."));
        }
    }
    Ok(out)
}
