//! The two views of the figures on pages: which one a page shows (official by default; live
//! for a signed-in person with a right over the units), the switch between them, and what a
//! figure stands on written in words ("58/62 xã đã báo cáo", partial, being entered,
//! awaiting approval).

use crate::auth::{allowed, Action, Who};
use crate::i18n::Lang;
use crate::AppState;
use chiso_core::UnitKind;
use chiso_engine::{Coverage, View};
use serde::Deserialize;

/// The `view` a page is asked for.
#[derive(Deserialize, Default)]
pub(crate) struct ViewQuery {
    pub(crate) view: Option<String>,
}

impl ViewQuery {
    /// The view asked (official when none or an unknown one is asked).
    pub(crate) fn asked(&self) -> View {
        self.view
            .as_deref()
            .and_then(View::parse)
            .unwrap_or(View::Official)
    }
}

/// Whether a person may see the live figures of these units: signed in, with the right to
/// read every one of them (never by public reading).
pub(crate) async fn may_see_live(st: &AppState, who: &Who, units: &[&str]) -> bool {
    if !matches!(who, Who::User(_)) {
        return false;
    }
    let engine = st.app.read().await;
    units
        .iter()
        .all(|u| allowed(who, Action::Read, Some(u), &engine, false))
}

/// What the page says of its view, and the link to the other one (for those who may see it).
pub(crate) fn banner(
    st: &AppState,
    lang: Lang,
    view: View,
    may_live: bool,
    path: &str,
) -> minijinja::Value {
    let (title, note) = match view {
        View::Official => ("view-official", "view-official-note"),
        View::Live => ("view-live", "view-live-note"),
    };
    let switch = may_live.then(|| {
        let (label, to) = match view {
            View::Official => ("view-switch-live", "live"),
            View::Live => ("view-switch-official", "official"),
        };
        minijinja::context! {
            label => st.i18n.t(lang, label, &[]),
            href => format!("{path}?view={to}&lang={}", lang.as_str()),
        }
    });
    minijinja::context! {
        kind => view.as_str(),
        title => st.i18n.t(lang, title, &[]),
        note => st.i18n.t(lang, note, &[]),
        switch,
    }
}

fn kind_word(kind: Option<UnitKind>) -> &'static str {
    match kind {
        Some(UnitKind::Commune) => "commune",
        Some(UnitKind::District) => "district",
        Some(UnitKind::Agency) => "agency",
        _ => "other",
    }
}

/// "58/62 xã đã báo cáo" / "58 of 62 communes reported".
pub(crate) fn reported(st: &AppState, lang: Lang, c: &Coverage) -> String {
    st.i18n.t(
        lang,
        "coverage-reported",
        &[
            ("reported", c.reported.to_string()),
            ("expected", c.expected.to_string()),
            ("kind", kind_word(c.kind).to_string()),
        ],
    )
}

/// A figure's coverage as the page writes it beside the figure: the units that reported
/// (where data sets expect them), "một phần" when partial, and in the live view how many are
/// being entered or await approval. Empty when there is nothing to say.
pub(crate) fn note(st: &AppState, lang: Lang, view: View, c: &Coverage) -> CoverageNote {
    let from_forms = c.basis == chiso_engine::Basis::DataSets;
    let mut marks = Vec::new();
    if view == View::Live && c.entering > 0 {
        marks.push(st.i18n.t(
            lang,
            "coverage-entering",
            &[("count", c.entering.to_string())],
        ));
    }
    if view == View::Live && c.awaiting > 0 {
        marks.push(st.i18n.t(
            lang,
            "coverage-awaiting",
            &[("count", c.awaiting.to_string())],
        ));
    }
    CoverageNote {
        reported: from_forms.then(|| reported(st, lang, c)),
        partial: c.partial && c.expected > 0,
        partial_label: st.i18n.t(lang, "coverage-partial", &[]),
        marks,
    }
}

/// See [`note`].
#[derive(serde::Serialize)]
pub(crate) struct CoverageNote {
    pub(crate) reported: Option<String>,
    pub(crate) partial: bool,
    pub(crate) partial_label: String,
    pub(crate) marks: Vec<String>,
}
