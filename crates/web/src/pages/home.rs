//! The home page: the unit trees (the 2025 structure and the legacy one) and the frameworks.

use crate::auth::{allowed, Action, Who};
use crate::i18n::Lang;
use crate::pages::internal;
use crate::pages::units::item;
use crate::pages::{login_or_forbidden, Page, PageQuery};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use chiso_store::StoredUnit;
use chiso_store::UnitQuery;

pub(crate) async fn home(
    State(st): State<AppState>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
) -> Response {
    let page = Page::new(&q, &headers, &uri, &who);
    let lang = page.lang;
    if !allowed(
        &who,
        Action::ReadMeta,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return login_or_forbidden(&st, &page, &who, "/");
    }
    let roots = match st
        .store
        .units(&UnitQuery {
            roots: true,
            ..Default::default()
        })
        .await
    {
        Ok(r) => r,
        Err(e) => return page.error(&st, StatusCode::INTERNAL_SERVER_ERROR, internal(e)),
    };
    let demo = matches!(st.store.meta("demo").await, Ok(Some(_)));
    let (legacy, current): (Vec<&StoredUnit>, Vec<&StoredUnit>) =
        roots.iter().partition(|u| u.unit.valid_to.is_some());
    let mut sections = Vec::new();
    for (key, list) in [("structure-current", current), ("structure-legacy", legacy)] {
        if !list.is_empty() {
            sections.push(minijinja::context! {
                title => st.i18n.t(lang, key, &[]),
                units => list.iter().map(|u| item(&st, lang, &u.unit)).collect::<Vec<_>>(),
            });
        }
    }
    let frameworks: Vec<minijinja::Value> = match st.store.frameworks().await {
        Ok(f) => f
            .iter()
            .map(|f| {
                minijinja::context! {
                    code => f.code.to_string(),
                    name => match (lang, &f.name_en) { (Lang::En, Some(n)) => n.clone(), _ => f.name_vi.clone() },
                }
            })
            .collect(),
        Err(e) => return page.error(&st, StatusCode::INTERNAL_SERVER_ERROR, internal(e)),
    };
    page.render(
        &st,
        StatusCode::OK,
        "home.html",
        minijinja::context! { sections, demo, frameworks },
    )
}
