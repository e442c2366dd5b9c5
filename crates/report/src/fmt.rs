//! Numbers as each language of the report writes them: Vietnamese "98,90%" and "314.792",
//! English "98.90%" and "314,792", Bengali with Bengali digits and the English separators
//! ("৯৮.৯০%", "৩১৪,৭৯২"), as the seed article writes them. Rounding happens only here.

use crate::Lang;

/// Group the digits of a canonical decimal text ("-1234567.5") for `lang`: the one rule of
/// grouping the web pages (`chiso_web::format`) and the report share. Text that is not a
/// plain decimal is returned as it is.
pub fn decimal(text: &str, lang: Lang) -> String {
    let (sign, body) = match text.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return text.to_string();
    }
    let (group, point) = match lang {
        Lang::Vi => ('.', ','),
        Lang::En | Lang::Bn => (',', '.'),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3 + 1);
    out.push_str(sign);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    digits(&out, lang)
}

/// A number rounded to `decimals` places, grouped for `lang`: `number(1234.5, 2, Vi)` is
/// "1.234,50". A result that rounds to zero has no minus sign; a value that is not finite is
/// "—".
pub fn number(v: f64, decimals: u8, lang: Lang) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let text = format!("{:.*}", usize::from(decimals), v);
    let text = match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => text,
    };
    decimal(&text, lang)
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
