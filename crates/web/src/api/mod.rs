//! The JSON API, one module per resource. Every route is declared once, with its handler's
//! `#[utoipa::path]`: the router and the OpenAPI document (`/api/openapi.json`) are both made
//! from [`routes`], so neither can miss what the other has.

pub(crate) mod analytics;
pub(crate) mod dhis2;
pub(crate) mod directives;
pub(crate) mod elements;
pub(crate) mod evidence;
pub(crate) mod figures;
pub(crate) mod forms;
pub(crate) mod health;
pub(crate) mod imports;
pub(crate) mod periods;
pub(crate) mod plans;
pub(crate) mod plans_xlsx;
pub(crate) mod register;
pub(crate) mod templates;
pub(crate) mod units;
pub(crate) mod values;

use crate::AppState;
use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every API route, with its documentation.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    // Uploads: files up to the import limit, not the JSON limit.
    let uploads = OpenApiRouter::new()
        .routes(routes!(evidence::list_evidence, evidence::upload_evidence))
        .routes(routes!(imports::import_file))
        .routes(routes!(dhis2::dvs_get_json, dhis2::dvs_post))
        .routes(routes!(dhis2::dvs_get_json_ext, dhis2::dvs_post_json_ext))
        .routes(routes!(dhis2::dvs_get_versioned, dhis2::dvs_post_versioned))
        .routes(routes!(plans_xlsx::import_plans))
        .routes(routes!(plans_xlsx::import_products))
        .layer(DefaultBodyLimit::max(crate::params::MAX_UPLOAD + 64 * 1024));
    OpenApiRouter::new()
        .routes(routes!(health::health))
        .routes(routes!(units::list_units, units::write_units))
        .routes(routes!(units::get_unit))
        .routes(routes!(units::unit_children))
        .routes(routes!(units::list_groups))
        .routes(routes!(units::list_successors))
        .routes(routes!(periods::list_periods))
        .routes(routes!(periods::get_period))
        .routes(routes!(elements::list_elements, elements::write_elements))
        .routes(routes!(elements::get_element))
        .routes(routes!(elements::list_breakdowns))
        .routes(routes!(
            elements::list_indicators,
            elements::write_indicators
        ))
        .routes(routes!(elements::list_constants, elements::write_constants))
        .routes(routes!(
            values::list_values,
            values::write_values,
            values::delete_values
        ))
        .routes(routes!(analytics::analytics))
        .routes(routes!(analytics::analytics_json))
        .routes(routes!(analytics::analytics_csv))
        .routes(routes!(figures::indicator_value))
        .routes(routes!(figures::rankings))
        .routes(routes!(figures::list_frameworks))
        .routes(routes!(figures::get_framework))
        .routes(routes!(figures::list_scorecards))
        .routes(routes!(figures::score))
        .routes(routes!(figures::audit_log))
        .routes(routes!(forms::list_data_sets, forms::write_data_sets))
        .routes(routes!(templates::grid_template))
        .routes(routes!(forms::list_rules, forms::write_rules))
        .routes(routes!(forms::get_form, forms::save_form))
        .routes(routes!(forms::complete, forms::uncomplete))
        .routes(routes!(forms::approve, forms::unapprove))
        .routes(routes!(forms::grant_exception))
        .routes(routes!(templates::unit_template))
        .routes(routes!(evidence::get_evidence, evidence::delete_evidence))
        .routes(routes!(forms::get_completeness))
        .routes(routes!(imports::export_csv))
        .routes(routes!(dhis2::dvs_get_csv))
        .routes(routes!(plans::list_plans, plans::write_plans))
        .routes(routes!(plans::get_plan))
        .routes(routes!(plans::submit_plan))
        .routes(routes!(plans::decide_plan))
        .routes(routes!(plans::task_progress))
        .routes(routes!(plans::comment_plan))
        .routes(routes!(plans_xlsx::export_plan))
        .routes(routes!(
            directives::list_directives,
            directives::write_directives
        ))
        .routes(routes!(directives::report_directive))
        .routes(routes!(
            register::list_register,
            register::write_register,
            register::delete_register
        ))
        .routes(routes!(plans_xlsx::export_products))
        .routes(routes!(register::product_coverage))
        .merge(uploads)
}
