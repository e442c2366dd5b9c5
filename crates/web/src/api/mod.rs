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
pub(crate) mod p06;
pub(crate) mod periods;
pub(crate) mod plans;
pub(crate) mod plans_xlsx;
pub(crate) mod register;
// --- report ---
pub(crate) mod reports;
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
        .routes(routes!(dhis2::dvs::dvs_get_json, dhis2::import::dvs_post))
        .routes(routes!(
            dhis2::dvs::dvs_get_json_ext,
            dhis2::import::dvs_post_json_ext
        ))
        .routes(routes!(
            dhis2::values::get_value,
            dhis2::values::post_value,
            dhis2::values::delete_value
        ))
        .routes(routes!(plans_xlsx::import_plans))
        .routes(routes!(plans_xlsx::import_products))
        .routes(routes!(p06::import_export))
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
        .routes(routes!(analytics::analytics_data_value_set))
        .routes(routes!(analytics::analytics_raw_data))
        .routes(routes!(figures::indicator_value))
        .routes(routes!(figures::rankings))
        .routes(routes!(figures::list_frameworks))
        .routes(routes!(figures::get_framework))
        // --- report ---
        .routes(routes!(reports::yearly_report))
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
        .routes(routes!(dhis2::dvs::dvs_get_csv))
        .merge(dhis2_routes())
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
        .routes(routes!(p06::unit_dossiers))
        .routes(routes!(p06::result_history))
        .merge(uploads)
}

/// DHIS2's bootstrap and metadata paths (the data value paths are with the uploads).
fn dhis2_routes() -> OpenApiRouter<AppState> {
    use dhis2::*;
    OpenApiRouter::new()
        .routes(routes!(system::system_info))
        .routes(routes!(system_info_json))
        .routes(routes!(system::me))
        .routes(routes!(me_json))
        .routes(routes!(metadata))
        .routes(routes!(metadata_json))
        .routes(routes!(data_elements))
        .routes(routes!(data_elements_json))
        .routes(routes!(data_element))
        .routes(routes!(org_units))
        .routes(routes!(org_units_json))
        .routes(routes!(org_unit))
        .routes(routes!(ou_groups))
        .routes(routes!(ou_groups_json))
        .routes(routes!(ou_group))
        .routes(routes!(ou_levels))
        .routes(routes!(ou_levels_json))
        .routes(routes!(ou_level))
        .routes(routes!(data_sets))
        .routes(routes!(data_sets_json))
        .routes(routes!(data_set))
        .routes(routes!(category_combos))
        .routes(routes!(category_combos_json))
        .routes(routes!(category_combo))
        .routes(routes!(option_combos))
        .routes(routes!(option_combos_json))
        .routes(routes!(option_combo))
        .routes(routes!(categories))
        .routes(routes!(categories_json))
        .routes(routes!(category))
        .routes(routes!(category_options))
        .routes(routes!(category_options_json))
        .routes(routes!(category_option))
        .routes(routes!(period_types))
        .routes(routes!(period_types_json))
        .routes(routes!(period_type))
        .routes(routes!(indicators_json))
        .routes(routes!(indicator))
        .routes(routes!(constants_json))
        .routes(routes!(constant))
}
