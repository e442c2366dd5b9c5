//! The language of the names DHIS2's clients read (`displayName`, analytics' `metaData`):
//! DHIS2's `locale` when given (as DHIS2 takes it for the user's database locale), else the
//! language the request asks for.

use crate::i18n::Lang;

/// The last value of a parameter.
fn one<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The names' language: DHIS2's `locale` when given, else the request's.
pub(crate) fn lang_of(q: &[(String, String)]) -> Lang {
    match one(q, "locale").and_then(chiso_engine::analytics::Lang::parse) {
        Some(chiso_engine::analytics::Lang::Vi) => Lang::Vi,
        Some(chiso_engine::analytics::Lang::En) => Lang::En,
        None => crate::i18n::current(),
    }
}

/// The names' language on a path chiso shares with DHIS2 (`/api/indicators`,
/// `/api/constants`): as on DHIS2's own paths — `locale`, else the language the request asks
/// for (`?lang=`, `Accept-Language`), else English — so a DHIS2 client reads the same names
/// there as in `/api/dataElements` and in analytics, while chiso's messages on the path stay
/// Vietnamese first.
pub(crate) fn shared_names_lang(
    q: &[(String, String)],
    uri: &axum::http::Uri,
    headers: &axum::http::HeaderMap,
) -> Lang {
    match one(q, "locale").and_then(chiso_engine::analytics::Lang::parse) {
        Some(chiso_engine::analytics::Lang::Vi) => Lang::Vi,
        Some(chiso_engine::analytics::Lang::En) => Lang::En,
        None => crate::i18n::request_lang(uri, headers, Lang::En),
    }
}
