//! Translations (Fluent): Vietnamese first, English. Messages live in `i18n/*.ftl`.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

tokio::task_local! {
    /// The language of the request being answered (see [`request_lang`]).
    static REQUEST_LANG: Lang;
}

/// The language of the request being answered: Vietnamese unless the request asked otherwise.
pub fn current() -> Lang {
    REQUEST_LANG.try_with(|l| *l).unwrap_or(Lang::Vi)
}

/// Answer a request in a language: every message it gives — errors and their fields — is in
/// that one language.
pub async fn answer_in<F: std::future::Future>(lang: Lang, f: F) -> F::Output {
    REQUEST_LANG.scope(lang, f).await
}

/// The language a request asks for: `?lang=vi|en`, else its `Accept-Language` (the first
/// language named), else the `lang` cookie the pages set, else `default`.
pub fn request_lang(uri: &axum::http::Uri, headers: &axum::http::HeaderMap, default: Lang) -> Lang {
    let query = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("lang=").and_then(Lang::parse));
    if let Some(l) = query {
        return l;
    }
    let accept = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',').find_map(|tag| {
                let tag = tag
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                Lang::parse(tag.split('-').next().unwrap_or(""))
            })
        });
    if let Some(l) = accept {
        return l;
    }
    axum_extra::extract::cookie::CookieJar::from_headers(headers)
        .get("lang")
        .and_then(|c| Lang::parse(c.value()))
        .unwrap_or(default)
}

/// One language out of a message written in both: "Vietnamese / English", or "Vietnamese
/// (English)" with the English in a closing parenthesis. A message in one language is kept
/// as it is.
pub fn one_language(text: &str, lang: Lang) -> String {
    let vietnamese = |s: &str| !s.is_ascii();
    let english = |s: &str| s.is_ascii() && s.split_whitespace().count() >= 2;
    // "vi / en": the first " / " with Vietnamese before it and English after it.
    let mut from = 0;
    while let Some(i) = text[from..].find(" / ") {
        let at = from + i;
        let (vi, en) = (&text[..at], &text[at + 3..]);
        if vietnamese(vi) && english(en) {
            return match lang {
                Lang::Vi => vi.trim().to_string(),
                Lang::En => en.trim().to_string(),
            };
        }
        from = at + 3;
    }
    // "vi (en)": an English closing parenthesis after Vietnamese.
    if let Some(inner) = text.strip_suffix(')') {
        if let Some(open) = inner.rfind(" (") {
            let (vi, en) = (&inner[..open], &inner[open + 2..]);
            if vietnamese(vi) && english(en) && en.split_whitespace().count() >= 3 {
                return match lang {
                    Lang::Vi => vi.trim().to_string(),
                    Lang::En => en.trim().to_string(),
                };
            }
        }
    }
    text.to_string()
}

#[cfg(test)]
mod one_language_tests {
    use super::*;

    #[test]
    fn a_message_in_both_languages_is_given_in_one() {
        let both = "Báo cáo chưa được phê duyệt. / The report is not approved.";
        assert_eq!(one_language(both, Lang::Vi), "Báo cáo chưa được phê duyệt.");
        assert_eq!(one_language(both, Lang::En), "The report is not approved.");
        let paren = "báo cáo BM_XA của 22738 kỳ 2023 đã được phê duyệt nên đã khoá; cần huỷ phê duyệt trước khi sửa (the report is approved and locked; un-approve it first)";
        assert!(one_language(paren, Lang::Vi).ends_with("trước khi sửa"));
        assert_eq!(
            one_language(paren, Lang::En),
            "the report is approved and locked; un-approve it first"
        );
        // Not two languages: kept whole.
        for one in [
            "Văn bản xử lý trên môi trường mạng không được nhiều hơn văn bản đến (2740 ≤ 1500)",
            "ngày theo định dạng dd/mm/yyyy",
            "unknown parent unit 99",
            "Tệp có 1 lỗi; không ghi dữ liệu nào.",
        ] {
            assert_eq!(one_language(one, Lang::En), one);
            assert_eq!(one_language(one, Lang::Vi), one);
        }
    }
}

const SOURCES: [(Lang, &str); 2] = [
    (Lang::Vi, include_str!("../i18n/vi.ftl")),
    (Lang::En, include_str!("../i18n/en.ftl")),
];

pub struct I18n {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

impl I18n {
    /// Load the embedded translations. Fails only if a shipped `.ftl` file is malformed.
    pub fn load() -> Result<I18n, String> {
        let mut bundles = Vec::new();
        for (lang, src) in SOURCES {
            let res = FluentResource::try_new(src.to_string())
                .map_err(|(_, errs)| format!("{}.ftl: {errs:?}", lang.as_str()))?;
            let id = lang.as_str().parse().map_err(|e| format!("{e:?}"))?;
            let mut b = FluentBundle::new_concurrent(vec![id]);
            b.set_use_isolating(false);
            b.add_resource(res)
                .map_err(|e| format!("{}.ftl: {e:?}", lang.as_str()))?;
            bundles.push((lang, b));
        }
        Ok(I18n { bundles })
    }

    /// The message `key` in `lang` with arguments; the key itself if it is missing.
    pub fn t(&self, lang: Lang, key: &str, args: &[(&str, String)]) -> String {
        let Some((_, b)) = self.bundles.iter().find(|(l, _)| *l == lang) else {
            return key.to_string();
        };
        let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else {
            return key.to_string();
        };
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, FluentValue::from(v.clone()));
        }
        let mut errs = Vec::new();
        b.format_pattern(pattern, Some(&fa), &mut errs).into_owned()
    }

    /// Message keys of a language (for the completeness test).
    pub fn keys(lang: Lang) -> Vec<String> {
        SOURCES
            .iter()
            .filter(|(l, _)| *l == lang)
            .flat_map(|(_, src)| src.lines())
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
            .filter(|k| !k.is_empty() && !k.starts_with('#'))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_every_language() {
        let vi = I18n::keys(Lang::Vi);
        let en = I18n::keys(Lang::En);
        assert!(vi.len() > 20);
        for k in &vi {
            assert!(en.contains(k), "{k} is missing in en.ftl");
        }
        for k in &en {
            assert!(vi.contains(k), "{k} is missing in vi.ftl");
        }
    }

    #[test]
    fn formats_with_arguments() {
        let i = I18n::load().unwrap();
        assert_eq!(
            i.t(Lang::Vi, "unit-valid-to", &[("to", "30/06/2025".into())]),
            "đến 30/06/2025"
        );
        assert_eq!(
            i.t(Lang::En, "unit-not-found", &[("code", "99".into())]),
            "There is no unit 99."
        );
        assert_eq!(i.t(Lang::En, "no-such-key", &[]), "no-such-key");
    }
}
