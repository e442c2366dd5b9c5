//! Numbers as each language of the report writes them: Vietnamese "98,90%" and "314.792",
//! English "98.90%" and "314,792", Bengali with Bengali digits and the English separators
//! ("৯৮.৯০%", "৩১৪,৭৯২"), as the seed article writes them. Rounding happens only here.

use crate::Lang;

/// `v` with `decimals` decimals and the language's separators.
pub fn number(v: f64, decimals: u8, lang: Lang) -> String {
    let s = format!("{:.*}", decimals as usize, v.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s.as_str(), None),
    };
    let (group, point) = match lang {
        Lang::Vi => ('.', ','),
        Lang::En | Lang::Bn => (',', '.'),
    };
    let mut out = String::new();
    let negative = v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0');
    if negative {
        out.push('-');
    }
    let n = int.len();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (n - i) % 3 == 0 {
            out.push(group);
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push(point);
        out.push_str(f);
    }
    digits(&out, lang)
}

/// A percentage: the number and "%" without a space, in every language.
pub fn percent(v: f64, decimals: u8, lang: Lang) -> String {
    format!("{}%", number(v, decimals, lang))
}

/// Western digits written in the language's digits (Bengali ০–৯).
pub fn digits(s: &str, lang: Lang) -> String {
    if lang != Lang::Bn {
        return s.to_string();
    }
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => char::from_u32(0x09E6 + d).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// A day: "28/12/2023" (vi), "28 December 2023" (en), Bengali digits "২৮/১২/২০২৩".
pub fn date(d: chrono::NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::En => d.format("%-d %B %Y").to_string(),
        _ => digits(&d.format("%d/%m/%Y").to_string(), lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_write_numbers_their_way() {
        assert_eq!(percent(98.9, 2, Lang::Vi), "98,90%");
        assert_eq!(percent(98.9, 2, Lang::En), "98.90%");
        assert_eq!(percent(98.9, 2, Lang::Bn), "৯৮.৯০%");
        assert_eq!(number(314_792.0, 0, Lang::Vi), "314.792");
        assert_eq!(number(314_792.0, 0, Lang::Bn), "৩১৪,৭৯২");
        assert_eq!(number(-2.78, 2, Lang::Vi), "-2,78");
        assert_eq!(number(-0.001, 2, Lang::En), "0.00");
        assert_eq!(number(1_234_567.5, 1, Lang::En), "1,234,567.5");
    }
}
