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
        (name = "plans", description = "DX plans and their tasks, directives, registers (products, information systems, partners, dead zones)"),
        (name = "p06", description = "The electronic data store (Project 06): a one-stop system's export imported, a unit's dossiers and a result's history read, every read and write in the store's access log")
    )
)]
pub struct ApiDoc;

/// The whole document: the description above and every route's path.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut doc) =
        utoipa_axum::router::OpenApiRouter::<crate::AppState>::with_openapi(ApiDoc::openapi())
            .merge(crate::api::routes())
            .split_for_parts();
    common_responses(&mut doc);
    doc
}

/// What every route may answer besides its own statuses, written into each operation so the
/// document names every status the server gives (schemathesis holds the server to it, in CI):
/// 401 and 403 (no or too few rights: reads are public only when the server says so), 400
/// for parameters or a body not in their documented form, 404 for a path naming something
/// that is not there, and DHIS2's 409 web message on DHIS2's paths and the analytics API. Codes in paths carry
/// their form (`Code`: a letter or digit, then letters, digits, `_`, `-`, `.`; 1–50).
pub(crate) fn common_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{Operation, ParameterIn};
    use utoipa::openapi::{
        schema::{ObjectBuilder, Type},
        ContentBuilder, Ref, RefOr, ResponseBuilder,
    };
    const CODE_PARAMS: [&str; 5] = ["code", "unit", "data_set", "framework", "id"];
    let error = |what: &str, dhis2: bool| {
        let r = ResponseBuilder::new().description(what);
        RefOr::T(if dhis2 {
            r.content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                    .build(),
            )
            .build()
        } else {
            r.content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
        })
    };
    let fill = |path: &str, op: &mut Operation| {
        // DHIS2's paths and the analytics API answer a conflict as DHIS2 does (409).
        let dhis2 = op
            .tags
            .as_ref()
            .is_some_and(|t| t.iter().any(|t| t == "dhis2" || t == "analytics"));
        let params = op.parameters.as_deref().unwrap_or_default();
        let in_path = params
            .iter()
            .any(|p| matches!(p.parameter_in, ParameterIn::Path));
        let takes_input = !params.is_empty() || op.request_body.is_some();
        let mut add = |status: &str, what: &str| {
            op.responses
                .responses
                .entry(status.to_string())
                .or_insert_with(|| error(what, dhis2));
        };
        add(
            "401",
            "not logged in (a read, when the server is not public)",
        );
        add("403", "logged in without the right to this");
        if takes_input {
            add(
                "400",
                "a parameter or the body is not in its documented form; nothing changed",
            );
        }
        if in_path || path.contains('{') {
            add("404", "what the path names is not there");
        }
        if dhis2 {
            add(
                "409",
                "DHIS2's web message: the request conflicts with what is stored or refused",
            );
        }
        if let Some(params) = op.parameters.as_mut() {
            for p in params.iter_mut() {
                if matches!(p.parameter_in, ParameterIn::Path)
                    && CODE_PARAMS.contains(&p.name.as_str())
                    && !path.starts_with("/api/periods/")
                {
                    p.schema = Some(RefOr::T(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .min_length(Some(1))
                            .max_length(Some(chiso_core::Code::MAX_LEN))
                            .pattern(Some("^[A-Za-z0-9][A-Za-z0-9_.-]*$"))
                            .into(),
                    ));
                }
            }
        }
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            fill(path, op);
        }
    }
}
