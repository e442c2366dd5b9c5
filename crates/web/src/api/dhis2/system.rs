//! What DHIS2 clients ask first: the server (`/api/system/info`) and who the credentials
//! belong to (`/api/me`).

use super::message::Dhis2Error;
use super::message::VERSION;
use super::meta::{lang_of, pairs};
use crate::auth::{require, Action, Who};
use crate::i18n::Lang;
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::header::HOST;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chiso_core::account::Role;
use serde_json::{json, Value};

/// DHIS2's authorities of a role.
fn authorities(role: Role) -> &'static [&'static str] {
    match role {
        Role::SystemAdmin => &["ALL"],
        Role::FrameworkAdmin => &[
            "F_METADATA_IMPORT",
            "F_METADATA_EXPORT",
            "F_DATAELEMENT_PUBLIC_ADD",
            "F_INDICATOR_PUBLIC_ADD",
            "F_DATASET_PUBLIC_ADD",
        ],
        Role::Approver => &[
            "F_APPROVE_DATA",
            "F_VIEW_UNAPPROVED_DATA",
            "F_METADATA_EXPORT",
        ],
        Role::DataEntry => &["F_DATAVALUE_ADD", "F_DATAVALUE_DELETE", "F_METADATA_EXPORT"],
        Role::Viewer => &["F_METADATA_EXPORT"],
    }
}

fn role_name(role: Role, lang: Lang) -> &'static str {
    match (role, lang) {
        (Role::SystemAdmin, Lang::Vi) => "Quản trị hệ thống",
        (Role::SystemAdmin, Lang::En) => "System administrator",
        (Role::FrameworkAdmin, Lang::Vi) => "Quản trị bộ chỉ tiêu",
        (Role::FrameworkAdmin, Lang::En) => "Framework administrator",
        (Role::Approver, Lang::Vi) => "Phê duyệt",
        (Role::Approver, Lang::En) => "Approver",
        (Role::DataEntry, Lang::Vi) => "Nhập số liệu",
        (Role::DataEntry, Lang::En) => "Data entry",
        (Role::Viewer, Lang::Vi) => "Xem",
        (Role::Viewer, Lang::En) => "Viewer",
    }
}

/// The server, as DHIS2 describes itself: the version chiso answers like, the ISO calendar,
/// the server's date. Analytics are computed live, so they are always up to date.
#[utoipa::path(get, path = "/api/system/info", tag = "dhis2",
    responses((status = 200, description = "DHIS2's system info"), (status = 401, description = "DHIS2 web message")))]
pub(crate) async fn system_info(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Dhis2Error> {
    require(&st, &who, Action::ReadMeta, &[])
        .await
        .map_err(Dhis2Error::from)?;
    let now = chrono::Utc::now();
    let stamp = now.format("%Y-%m-%dT%H:%M:%S%.3f").to_string();
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    Ok(Json(json!({
        "version": VERSION,
        "revision": format!("chiso-{}", env!("CARGO_PKG_VERSION")),
        "buildTime": stamp,
        "serverDate": stamp,
        "calendar": "iso8601",
        "dateFormat": "yyyy-mm-dd",
        "serverTimeZoneId": "Asia/Ho_Chi_Minh",
        "serverTimeZoneDisplayName": "Indochina Time",
        "contextPath": format!("http://{host}"),
        "systemName": "chiso",
        "systemId": "chiso",
        "lastAnalyticsTableSuccess": stamp,
        "intervalSinceLastAnalyticsTableSuccess": "0 s",
        "isMetadataVersionEnabled": false,
        "emailConfigured": false,
        "readOnlyMode": "OFF",
    }))
    .into_response())
}

/// The account the token or session belongs to, in DHIS2's shape: its units (where its roles
/// apply), its roles and their authorities. Without credentials: 401.
#[utoipa::path(get, path = "/api/me", tag = "dhis2",
    params(("fields" = Option<String>, Query, description = "DHIS2's field selection")),
    responses((status = 200, description = "the account"), (status = 401, description = "DHIS2 web message")))]
pub(crate) async fn me(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Dhis2Error> {
    let Some(p) = who.principal() else {
        return Err(Dhis2Error::from(crate::error::ApiError::Unauthorized));
    };
    let q = pairs(raw.as_deref())?;
    let lang = lang_of(&q);
    let engine = st.app.read().await;
    let tree = engine.tree();
    let mut units: Vec<Value> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for a in &p.assignments {
        let codes: Vec<String> = match &a.unit {
            Some(u) => vec![u.to_string()],
            // A role without a unit applies everywhere: the roots.
            None => tree.roots().map(|r| r.code.to_string()).collect(),
        };
        for c in codes {
            if !seen.insert(c.clone()) {
                continue;
            }
            let name = tree
                .unit(&c)
                .map(|u| u.name(lang.as_str()).to_string())
                .unwrap_or_else(|| c.clone());
            units.push(json!({"id": c, "code": c, "name": name, "displayName": name}));
        }
    }
    drop(engine);
    let mut auths: Vec<&str> = p
        .assignments
        .iter()
        .flat_map(|a| authorities(a.role).iter().copied())
        .collect();
    auths.sort_unstable();
    auths.dedup();
    let mut roles: Vec<Value> = Vec::new();
    for a in &p.assignments {
        let id = a.role.as_str();
        if !roles.iter().any(|r| r["id"] == id) {
            let n = role_name(a.role, lang);
            roles.push(json!({"id": id, "name": n, "displayName": n}));
        }
    }
    let data_sets: Vec<String> = st
        .store
        .data_sets()
        .await
        .map_err(|e| Dhis2Error::from(crate::error::ApiError::from(e)))?
        .into_iter()
        .map(|d| d.code.to_string())
        .collect();
    let mut name_parts = p.display_name.rsplitn(2, ' ');
    let last = name_parts.next().unwrap_or("").to_string();
    let first = name_parts.next().unwrap_or("").to_string();
    let me = json!({
        "id": p.username,
        "code": p.username,
        "username": p.username,
        "name": p.display_name,
        "displayName": p.display_name,
        "firstName": first,
        "surname": last,
        "authorities": auths,
        "organisationUnits": units,
        "dataViewOrganisationUnits": units,
        "teiSearchOrganisationUnits": [],
        "userRoles": roles,
        "userGroups": [],
        "programs": [],
        "dataSets": data_sets,
        "settings": {"keyUiLocale": lang.as_str(), "keyDbLocale": lang.as_str()},
        "disabled": false,
        "externalAuth": false,
        "twoFactorType": "NOT_ENABLED",
        "userCredentials": {"username": p.username},
    });
    let fields_asked: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "fields")
        .map(|(_, v)| v.as_str())
        .collect();
    let out = if fields_asked.is_empty() {
        me
    } else {
        let sel = super::fields::parse_fields(&fields_asked)
            .map_err(|e| Dhis2Error::conflict(e.code, e.message))?;
        super::fields::select(&me, &sel)
    };
    Ok(Json(out).into_response())
}
