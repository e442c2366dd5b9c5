//! The audit log page, filtered (administrators only).

use crate::auth::{allowed, Action, Who};
use crate::pages::internal;
use crate::pages::{login_or_forbidden, Page, PageQuery};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct AuditFilter {
    lang: Option<String>,
    entity: Option<String>,
    action: Option<String>,
    actor: Option<String>,
}

pub(crate) async fn audit_page(
    State(st): State<AppState>,
    Query(q): Query<AuditFilter>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
) -> Response {
    let page = Page::new(
        &PageQuery {
            lang: q.lang.clone(),
        },
        &headers,
        &uri,
        &who,
    );
    let lang = page.lang;
    if !allowed(
        &who,
        Action::Administer,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return login_or_forbidden(&st, &page, &who, "/admin/audit");
    }
    let clean = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let query = chiso_store::AuditQuery {
        entity_prefix: clean(&q.entity),
        action_prefix: clean(&q.action),
        actor: clean(&q.actor),
        limit: Some(500),
    };
    let (rows, check) = match (st.store.audit(&query).await, st.store.verify_audit().await) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) | (_, Err(e)) => {
            return page.error(&st, StatusCode::INTERNAL_SERVER_ERROR, internal(e))
        }
    };
    let chain = match check.broken {
        None => st
            .i18n
            .t(lang, "audit-intact", &[("rows", check.rows.to_string())]),
        Some((id, why)) => st.i18n.t(
            lang,
            "audit-broken",
            &[("id", id.to_string()), ("why", why)],
        ),
    };
    let short = |v: &Option<String>| {
        v.as_deref()
            .map(|s| {
                if s.chars().count() > 300 {
                    format!("{}…", s.chars().take(300).collect::<String>())
                } else {
                    s.to_string()
                }
            })
            .unwrap_or_default()
    };
    let rows: Vec<minijinja::Value> = rows
        .iter()
        .map(|e| {
            minijinja::context! {
                id => e.id,
                at => (e.at + chrono::Duration::hours(7)).format("%d/%m/%Y %H:%M:%S").to_string(),
                actor => e.actor.clone(),
                via => e.via.clone(),
                action => e.action.clone(),
                entity => e.entity.clone(),
                old => short(&e.old_value),
                new => short(&e.new_value),
            }
        })
        .collect();
    page.render(
        &st,
        StatusCode::OK,
        "audit.html",
        minijinja::context! { rows, chain, entity => q.entity.unwrap_or_default(), action => q.action.unwrap_or_default(), actor => q.actor.unwrap_or_default() },
    )
}
