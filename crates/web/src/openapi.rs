//! The OpenAPI document: the API's description and tags here; its paths come from the routes
//! themselves ([`crate::api::routes`]).

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chiso API",
        description = "Units, periods, data elements and data values of chiso, the indicator system of a province's Steering Committee for Digital Transformation. Errors are JSON: `{\"error\": {\"status\", \"message\", \"fields\": [{\"index\", \"field\", \"reason\"}]}}`; a refused write changes nothing.",
        license(name = "MIT OR Apache-2.0"),
        version = "0.1.0"
    ),
    tags(
        (name = "units", description = "Administrative units, agencies and organisations"),
        (name = "periods", description = "Period notation and dates"),
        (name = "data", description = "Data elements, data values and indicators"),
        (name = "analytics", description = "Indicator and element values rolled up over units and periods, in DHIS2's analytics form"),
        (name = "collection", description = "Data sets (forms), reports, validation, completeness, approval, evidence, Excel templates, imports and exports"),
        (name = "dhis2", description = "DHIS2's dataValueSets import and export at DHIS2's own paths, with `Authorization: ApiToken …`"),
        (name = "plans", description = "DX plans and their tasks, directives, registers (products, information systems, partners, dead zones)")
    )
)]
pub struct ApiDoc;

/// The whole document: the description above and every route's path.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) =
        utoipa_axum::router::OpenApiRouter::<crate::AppState>::with_openapi(ApiDoc::openapi())
            .merge(crate::api::routes())
            .split_for_parts();
    doc
}
