//! The panel's settings (`/p06/panel/settings`): the weight and the full-points threshold of
//! every part of the panel after Decision 766/QĐ-TTg, beside each group's official maximum
//! (shown, never editable). The parts and their numbers are chiso's, not the Decision's, and
//! the page says so. A province-wide setting: only an account that may change the shared
//! definitions (a framework or system administrator over every unit) opens or saves it.
//! Numbers are typed with a decimal comma or point; a wrong one is named beside its field
//! and nothing is saved. Every change is audited (`p06_panel_config.update`).

use crate::auth::{csrf_ok, Credential};
use crate::i18n::Lang;
use crate::pages::p06::Flash;
use crate::pages::{login_or_forbidden, may_change_shared, Page, PageError};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::Form;
use chiso_core::Via;
use chiso_p06::{Group, PanelConfig};
use chiso_store::Actor;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

const PATH: &str = "/p06/panel/settings";

/// A number as a person types it: digits with at most one decimal comma or point ("2,5",
/// "2.5", "80"), an optional sign and an optional trailing "%". No thousands separators.
pub(crate) fn typed_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let s = s.strip_suffix('%').map_or(s, str::trim_end);
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, frac) = match digits.split_once([',', '.']) {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || frac.is_some_and(|f| !all_digits(f)) || whole.len() > 9 {
        return None;
    }
    let v: f64 = s.replace(',', ".").parse().ok()?;
    v.is_finite().then_some(if v == 0.0 { 0.0 } else { v })
}

/// A number as the page shows it in a field: as few decimals as it has, with the language's
/// decimal mark.
fn shown(v: f64, lang: Lang) -> String {
    let text = format!("{}", (v * 1e6).round() / 1e6);
    match lang {
        Lang::Vi => text.replace('.', ","),
        Lang::En => text,
    }
}

fn weight_field(g: Group, i: usize) -> String {
    format!("{}[{i}].weight", g.as_str())
}

fn full_at_field(g: Group, i: usize) -> String {
    format!("{}[{i}].full_at", g.as_str())
}

/// What the form shows: the values as typed (or stored) and the errors by field name.
#[derive(Default)]
struct Typed {
    values: HashMap<String, String>,
    errors: BTreeMap<String, String>,
}

impl Typed {
    fn of(config: &PanelConfig, lang: Lang) -> Typed {
        let mut values = HashMap::new();
        for g in Group::ALL {
            for (i, p) in config.parts(g).iter().enumerate() {
                values.insert(weight_field(g, i), shown(p.weight, lang));
                values.insert(full_at_field(g, i), shown(p.full_at, lang));
            }
        }
        Typed {
            values,
            errors: BTreeMap::new(),
        }
    }
}

#[derive(Serialize)]
struct PartRow {
    key: String,
    weight_name: String,
    weight_id: String,
    weight: String,
    weight_error: Option<String>,
    full_at_name: String,
    full_at_id: String,
    full_at: String,
    full_at_error: Option<String>,
    default_text: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct SettingsQuery {
    // (`lang` is read by the `Page` extractor.)
    unit: Option<String>,
    period: Option<String>,
}

/// The panel the page links back to (the unit and period it was opened from, kept when they
/// are plain codes).
fn back_href(unit: Option<&str>, period: Option<&str>) -> (String, String, String) {
    let clean = |s: Option<&str>, d: &str| {
        s.map(str::trim)
            .filter(|s| {
                !s.is_empty()
                    && s.len() <= 40
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            })
            .unwrap_or(d)
            .to_string()
    };
    let (u, p) = (clean(unit, "58"), clean(period, "2023"));
    (format!("/p06/panel?unit={u}&period={p}"), u, p)
}

#[allow(clippy::too_many_arguments)]
fn render(
    st: &AppState,
    page: &Page,
    config: &PanelConfig,
    typed: &Typed,
    flash: Flash,
    status: StatusCode,
    unit: Option<&str>,
    period: Option<&str>,
) -> Response {
    let lang = page.lang;
    let defaults = PanelConfig::default();
    let groups: Vec<minijinja::Value> = Group::ALL
        .iter()
        .map(|&g| {
            let parts: Vec<PartRow> = config
                .parts(g)
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let (w, f) = (weight_field(g, i), full_at_field(g, i));
                    let default_text = defaults
                        .parts(g)
                        .iter()
                        .find(|d| d.rate == p.rate)
                        .map(|d| {
                            st.i18n.t(
                                lang,
                                "p06-settings-default",
                                &[
                                    ("weight", shown(d.weight, lang)),
                                    ("full_at", shown(d.full_at, lang)),
                                ],
                            )
                        })
                        .unwrap_or_default();
                    PartRow {
                        key: format!("p06-rate-{}", p.rate.code()),
                        weight_id: format!("{}-{i}-weight", g.as_str()),
                        weight: typed.values.get(&w).cloned().unwrap_or_default(),
                        weight_error: typed.errors.get(&w).cloned(),
                        weight_name: w,
                        full_at_id: format!("{}-{i}-full_at", g.as_str()),
                        full_at: typed.values.get(&f).cloned().unwrap_or_default(),
                        full_at_error: typed.errors.get(&f).cloned(),
                        full_at_name: f,
                        default_text,
                    }
                })
                .collect();
            minijinja::context! {
                group => g.as_str(),
                key => format!("p06-group-{}", g.as_str()),
                max => st.i18n.t(lang, "p06-settings-max", &[("max", crate::format::number(g.maximum(), 0, lang))]),
                error => typed.errors.get(g.as_str()).cloned(),
                parts,
            }
        })
        .collect();
    let (panel_href, unit, period) = back_href(unit, period);
    page.render(
        st,
        status,
        "p06_panel_settings.html",
        minijinja::context! {
            groups,
            flash,
            panel_href,
            unit,
            period,
            invalid => !typed.errors.is_empty(),
        },
    )
}

/// `/p06/panel/settings`: the form, with the stored configuration.
pub(crate) async fn settings_page(
    State(st): State<AppState>,
    Query(q): Query<SettingsQuery>,
    page: Page,
) -> Response {
    let who = page.who.clone();
    if !may_change_shared(&st, &who).await {
        return login_or_forbidden(&st, &page, &who, PATH);
    }
    let config = match st.app.p06_panel_config().await {
        Ok(c) => c,
        Err(e) => return page.respond(&st, Err(e.into())),
    };
    let typed = Typed::of(&config, page.lang);
    render(
        &st,
        &page,
        &config,
        &typed,
        Flash::default(),
        StatusCode::OK,
        q.unit.as_deref(),
        q.period.as_deref(),
    )
}

/// Read the form into a configuration of the stored one's parts, or say what is wrong by
/// field: a number that is not one, then the configuration's own rules
/// ([`PanelConfig::check`]).
fn read_form(
    st: &AppState,
    lang: Lang,
    stored: &PanelConfig,
    form: &HashMap<String, String>,
) -> Result<PanelConfig, Typed> {
    let mut typed = Typed::default();
    let mut config = stored.clone();
    for g in Group::ALL {
        for (i, part) in config.parts_mut(g).iter_mut().enumerate() {
            for (name, slot) in [
                (weight_field(g, i), &mut part.weight),
                (full_at_field(g, i), &mut part.full_at),
            ] {
                let text = form.get(&name).cloned().unwrap_or_default();
                match typed_number(&text) {
                    Some(v) => *slot = v,
                    None if text.trim().is_empty() => {
                        typed
                            .errors
                            .insert(name.clone(), st.i18n.t(lang, "p06-settings-empty", &[]));
                    }
                    None => {
                        typed.errors.insert(
                            name.clone(),
                            st.i18n
                                .t(lang, "p06-settings-not-number", &[("text", text.clone())]),
                        );
                    }
                }
                typed.values.insert(name, text);
            }
        }
    }
    for (field, why) in config.check() {
        typed
            .errors
            .entry(field)
            .or_insert_with(|| crate::i18n::one_language(&why, lang));
    }
    if typed.errors.is_empty() {
        Ok(config)
    } else {
        Err(typed)
    }
}

/// `POST /p06/panel/settings`: save the form (`action=save`) or restore chiso's defaults
/// (`action=reset`). Login, the form's CSRF token and the right are checked first; a wrong
/// field answers the form again (422) with its error beside it, and nothing is saved.
pub(crate) async fn settings_save(
    State(st): State<AppState>,
    headers: HeaderMap,
    page: Page,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = page.who.clone();
    let Some(p) = who.principal() else {
        return page.session_ended(PATH);
    };
    if !csrf_ok(
        &who,
        &Method::POST,
        &headers,
        form.get("csrf").map(String::as_str),
    ) {
        return page.stale_form(&st, PATH);
    }
    if !may_change_shared(&st, &who).await {
        return login_or_forbidden(&st, &page, &who, PATH);
    }
    let via = match p.credential {
        Credential::Session { .. } => Via::Web,
        Credential::Token { .. } => Via::Api,
    };
    let actor = Actor::new(&p.username, via);
    let lang = page.lang;
    let (unit, period) = (
        form.get("unit").map(String::as_str),
        form.get("period").map(String::as_str),
    );
    let stored = match st.app.p06_panel_config().await {
        Ok(c) => c,
        Err(e) => return page.respond(&st, Err(e.into())),
    };
    let config = if form.get("action").map(String::as_str) == Some("reset") {
        Ok(PanelConfig::default())
    } else {
        read_form(&st, lang, &stored, &form)
    };
    let mut flash = Flash::default();
    match config {
        Err(typed) => {
            flash
                .errors
                .push(st.i18n.t(lang, "p06-settings-not-saved", &[]));
            render(
                &st,
                &page,
                &stored,
                &typed,
                flash,
                StatusCode::UNPROCESSABLE_ENTITY,
                unit,
                period,
            )
        }
        Ok(config) => match st.app.p06_set_panel_config(&config, &actor).await {
            Ok(changed) => {
                let key = match (changed, form.get("action").map(String::as_str)) {
                    (false, _) => "p06-settings-unchanged",
                    (true, Some("reset")) => "p06-settings-restored",
                    (true, _) => "p06-settings-saved",
                };
                flash.ok.push(st.i18n.t(lang, key, &[]));
                let typed = Typed::of(&config, lang);
                render(
                    &st,
                    &page,
                    &config,
                    &typed,
                    flash,
                    StatusCode::OK,
                    unit,
                    period,
                )
            }
            Err(e) => page.respond(&st, Err(PageError::from(e))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_typed_with_a_comma_or_a_point() {
        assert_eq!(typed_number("2,5"), Some(2.5));
        assert_eq!(typed_number(" 2.5 "), Some(2.5));
        assert_eq!(typed_number("80 %"), Some(80.0));
        assert_eq!(typed_number("-1"), Some(-1.0));
        assert_eq!(typed_number("0"), Some(0.0));
        for bad in [
            "", "abc", "1.000,5", "1,2,3", ",5", "5,", "1e3", "inf", "NaN", "--1",
        ] {
            assert_eq!(typed_number(bad), None, "{bad}");
        }
        assert_eq!(shown(2.5, Lang::Vi), "2,5");
        assert_eq!(shown(100.0, Lang::Vi), "100");
        assert_eq!(shown(2.5, Lang::En), "2.5");
    }
}
