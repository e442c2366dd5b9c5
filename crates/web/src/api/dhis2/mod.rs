//! DHIS2's Web API as DHIS2 clients call it: the server and the account (`system`), the
//! metadata lists in DHIS2's shape (`meta`, with the query language of `fields`), single
//! data values (`values`), data value sets (`dvs`), and DHIS2's web message for every error
//! on these paths (`message`). Every path is also answered under `/api/{version}/` for the
//! versions in [`message::VERSIONS`] (see `crate::versioned`).

pub(crate) mod dvs;
pub(crate) mod fields;
pub(crate) mod import;
pub(crate) mod locale;
pub(crate) mod message;
pub(crate) mod meta;
pub(crate) mod system;
pub(crate) mod values;

use crate::auth::Who;
use crate::AppState;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use message::Dhis2Error;
use meta::{lang_of, list_answer, pairs, read_objects, Defaults, Kind};

async fn list(
    kind: Kind,
    st: &AppState,
    who: &Who,
    uri: &axum::http::Uri,
    raw: Option<String>,
    defaults: Defaults,
) -> Result<Response, Dhis2Error> {
    let q = pairs(raw.as_deref())?;
    let items = read_objects(st, who, kind, lang_of(&q)).await?;
    Ok(Json(list_answer(kind, items, &q, uri.path(), defaults)?).into_response())
}

async fn item(
    kind: Kind,
    st: &AppState,
    who: &Who,
    id: &str,
    raw: Option<String>,
) -> Result<Response, Dhis2Error> {
    let q = pairs(raw.as_deref())?;
    let items = read_objects(st, who, kind, lang_of(&q)).await?;
    Ok(Json(meta::item_answer(kind, items, id, &q)?).into_response())
}

/// The list of a shared path (`/api/indicators`, `/api/constants`) as chiso's clients and
/// DHIS2's both read it: every object with chiso's fields and DHIS2's, in one page with a
/// `pager`; DHIS2's `fields`, `filter`, `order` and paging when asked.
pub(crate) fn shared_list(
    kind: Kind,
    uri: &axum::http::Uri,
    items: Vec<serde_json::Value>,
) -> Result<Response, Dhis2Error> {
    let q = pairs(uri.query())?;
    Ok(Json(list_answer(kind, items, &q, uri.path(), Defaults::Shared)?).into_response())
}

/// A list route and the same with `.json`, and the route of one object, for a kind.
macro_rules! resource {
    ($kind:expr, $list:ident, $list_path:tt, $json:ident, $json_path:tt, $item:ident, $item_path:tt) => {
        resource!(@list $kind, $list, $list_path);
        resource!(@list $kind, $json, $json_path);
        resource!(@item $kind, $item, $item_path);
    };
    (@list $kind:expr, $name:ident, $path:tt) => {
        /// DHIS2's metadata list: `fields`, `filter` (`property:operator:value`, with
        /// `rootJunction`), `order`, `page`, `pageSize`, `paging=false`.
        #[utoipa::path(get, path = $path, tag = "dhis2",
            params(("fields" = Option<String>, Query, description = "e.g. id,name,children[id,name]"),
                   ("filter" = Option<Vec<String>>, Query, description = "property:operator:value (eq, in, like, ilike, null, gt…)"),
                   ("page" = Option<u32>, Query, description = "from 1"),
                   ("pageSize" = Option<u32>, Query, description = "50 by default"),
                   ("paging" = Option<bool>, Query, description = "false: every object")),
            responses((status = 200, description = "the objects and the pager"), (status = 409, description = "DHIS2 web message")))]
        pub(crate) async fn $name(
            Extension(who): Extension<Who>,
            State(st): State<AppState>,
            OriginalUri(uri): OriginalUri,
            RawQuery(raw): RawQuery,
        ) -> Result<Response, Dhis2Error> {
            list($kind, &st, &who, &uri, raw, Defaults::Dhis2).await
        }
    };
    (@item $kind:expr, $name:ident, $path:tt) => {
        /// One object by its id or code (`.json` may follow), every field unless `fields`
        /// says otherwise.
        #[utoipa::path(get, path = $path, tag = "dhis2",
            params(("id" = String, Path, description = "the id, which is the code"),
                   ("fields" = Option<String>, Query, description = "e.g. id,name,parent[id]")),
            responses((status = 200, description = "the object"), (status = 404, description = "DHIS2 web message")))]
        pub(crate) async fn $name(
            Extension(who): Extension<Who>,
            State(st): State<AppState>,
            Path(id): Path<String>,
            RawQuery(raw): RawQuery,
        ) -> Result<Response, Dhis2Error> {
            item($kind, &st, &who, &id, raw).await
        }
    };
}

resource!(
    Kind::DataElements,
    data_elements,
    "/api/dataElements",
    data_elements_json,
    "/api/dataElements.json",
    data_element,
    "/api/dataElements/{id}"
);
resource!(
    Kind::OrganisationUnits,
    org_units,
    "/api/organisationUnits",
    org_units_json,
    "/api/organisationUnits.json",
    org_unit,
    "/api/organisationUnits/{id}"
);
resource!(
    Kind::OrganisationUnitGroups,
    ou_groups,
    "/api/organisationUnitGroups",
    ou_groups_json,
    "/api/organisationUnitGroups.json",
    ou_group,
    "/api/organisationUnitGroups/{id}"
);
resource!(
    Kind::OrganisationUnitLevels,
    ou_levels,
    "/api/organisationUnitLevels",
    ou_levels_json,
    "/api/organisationUnitLevels.json",
    ou_level,
    "/api/organisationUnitLevels/{id}"
);
resource!(
    Kind::DataSets,
    data_sets,
    "/api/dataSets",
    data_sets_json,
    "/api/dataSets.json",
    data_set,
    "/api/dataSets/{id}"
);
resource!(
    Kind::CategoryCombos,
    category_combos,
    "/api/categoryCombos",
    category_combos_json,
    "/api/categoryCombos.json",
    category_combo,
    "/api/categoryCombos/{id}"
);
resource!(
    Kind::CategoryOptionCombos,
    option_combos,
    "/api/categoryOptionCombos",
    option_combos_json,
    "/api/categoryOptionCombos.json",
    option_combo,
    "/api/categoryOptionCombos/{id}"
);
resource!(
    Kind::Categories,
    categories,
    "/api/categories",
    categories_json,
    "/api/categories.json",
    category,
    "/api/categories/{id}"
);
resource!(
    Kind::CategoryOptions,
    category_options,
    "/api/categoryOptions",
    category_options_json,
    "/api/categoryOptions.json",
    category_option,
    "/api/categoryOptions/{id}"
);
resource!(
    Kind::PeriodTypes,
    period_types,
    "/api/periodTypes",
    period_types_json,
    "/api/periodTypes.json",
    period_type,
    "/api/periodTypes/{id}"
);
resource!(@list Kind::Indicators, indicators_json, "/api/indicators.json");
resource!(@item Kind::Indicators, indicator, "/api/indicators/{id}");
resource!(@list Kind::Constants, constants_json, "/api/constants.json");
resource!(@item Kind::Constants, constant, "/api/constants/{id}");

/// DHIS2's metadata export: every kind of object (or those named `dataElements=true`…),
/// whole unless `fields` says otherwise.
#[utoipa::path(get, path = "/api/metadata", tag = "dhis2",
    params(("fields" = Option<String>, Query, description = "DHIS2's field selection")),
    responses((status = 200, description = "the metadata"), (status = 401, description = "DHIS2 web message")))]
pub(crate) async fn metadata(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Dhis2Error> {
    let q = pairs(raw.as_deref())?;
    Ok(Json(meta::metadata(&st, &who, &q).await?).into_response())
}

/// The same as `/api/metadata`.
#[utoipa::path(get, path = "/api/metadata.json", tag = "dhis2",
    responses((status = 200, description = "the metadata")))]
pub(crate) async fn metadata_json(
    who: Extension<Who>,
    st: State<AppState>,
    raw: RawQuery,
) -> Result<Response, Dhis2Error> {
    metadata(who, st, raw).await
}

/// `/api/system/info.json`, as some clients write it.
#[utoipa::path(get, path = "/api/system/info.json", tag = "dhis2",
    responses((status = 200, description = "DHIS2's system info")))]
pub(crate) async fn system_info_json(
    who: Extension<Who>,
    st: State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, Dhis2Error> {
    system::system_info(who, st, headers).await
}

/// `/api/me.json`.
#[utoipa::path(get, path = "/api/me.json", tag = "dhis2",
    responses((status = 200, description = "the account")))]
pub(crate) async fn me_json(
    who: Extension<Who>,
    st: State<AppState>,
    raw: RawQuery,
) -> Result<Response, Dhis2Error> {
    system::me(who, st, raw).await
}
