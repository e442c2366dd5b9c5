//! The home page: the unit trees (the 2025 structure and the legacy one) and the frameworks.

use crate::auth::{allowed, Action};
use crate::i18n::Lang;
use crate::pages::units::item;
use crate::pages::{Page, PageError};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chiso_store::StoredUnit;
use chiso_store::UnitQuery;

pub(crate) async fn home(State(st): State<AppState>, page: Page) -> Response {
    let r = home_page(&st, &page).await;
    page.respond(&st, r)
}

async fn home_page(st: &AppState, page: &Page) -> Result<Response, PageError> {
    let lang = page.lang;
    if !allowed(
        &page.who,
        Action::ReadMeta,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return Err(PageError::Denied);
    }
    let roots = st
        .store
        .units(&UnitQuery {
            roots: true,
            ..Default::default()
        })
        .await?;
    let demo = st.store.meta("demo").await?.is_some();
    let (legacy, current): (Vec<&StoredUnit>, Vec<&StoredUnit>) =
        roots.iter().partition(|u| u.unit.valid_to.is_some());
    let mut sections = Vec::new();
    for (key, list) in [("structure-current", current), ("structure-legacy", legacy)] {
        if !list.is_empty() {
            sections.push(minijinja::context! {
                title => st.i18n.t(lang, key, &[]),
                units => list.iter().map(|u| item(st, lang, &u.unit)).collect::<Vec<_>>(),
            });
        }
    }
    let frameworks: Vec<minijinja::Value> = st
        .store
        .frameworks()
        .await?
        .iter()
        .map(|f| {
            minijinja::context! {
                code => f.code.to_string(),
                name => match (lang, &f.name_en) { (Lang::En, Some(n)) => n.clone(), _ => f.name_vi.clone() },
            }
        })
        .collect();
    Ok(page.render(
        st,
        StatusCode::OK,
        "home.html",
        minijinja::context! { sections, demo, frameworks },
    ))
}
