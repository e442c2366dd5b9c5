//! Translations (Fluent): Vietnamese first, English. Messages live in `i18n/*.ftl`.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
