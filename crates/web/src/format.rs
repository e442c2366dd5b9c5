//! Numbers, dates and periods as people read them: Vietnamese `1.234,5` and `29/11/2026`,
//! English `1,234.5` and `29 Nov 2026`. Formatting works on the stored decimal text, so no
//! digit is lost or rounded here.

use crate::i18n::Lang;
use chiso_core::Period;
use chrono::{Datelike, NaiveDate};

/// Group the digits of a canonical decimal text ("-1234567.5") for `lang`.
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
        Lang::En => (',', '.'),
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
    out
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

pub fn date(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Vi => d.format("%d/%m/%Y").to_string(),
        Lang::En => format!(
            "{} {} {}",
            d.day(),
            MONTHS_EN[d.month0() as usize],
            d.year()
        ),
    }
}

/// A stored value for display: numbers grouped, dates in the local form, yes/no in words.
pub fn value(text: &str, lang: Lang) -> String {
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date(d, lang);
    }
    match (text, lang) {
        ("true", Lang::Vi) => "có".into(),
        ("false", Lang::Vi) => "không".into(),
        ("true", Lang::En) => "yes".into(),
        ("false", Lang::En) => "no".into(),
        _ => decimal(text, lang),
    }
}

/// A period's name: "Năm 2023", "Quý 4/2023", "Tháng 12/2023"…
pub fn period(p: &Period, lang: Lang) -> String {
    match (lang, *p) {
        (Lang::Vi, Period::Year(y)) => format!("Năm {y}"),
        (Lang::Vi, Period::SixMonth(y, 1)) => format!("6 tháng đầu năm {y}"),
        (Lang::Vi, Period::SixMonth(y, _)) => format!("6 tháng cuối năm {y}"),
        (Lang::Vi, Period::Quarter(y, q)) => format!("Quý {q}/{y}"),
        (Lang::Vi, Period::Month(y, m)) => format!("Tháng {m:02}/{y}"),
        (Lang::Vi, Period::Week(y, w)) => format!("Tuần {w:02}/{y}"),
        (Lang::En, Period::Year(y)) => format!("{y}"),
        (Lang::En, Period::SixMonth(y, h)) => format!("H{h} {y}"),
        (Lang::En, Period::Quarter(y, q)) => format!("Q{q} {y}"),
        (Lang::En, Period::Month(y, m)) => {
            format!("{} {y}", MONTHS_EN[(m as usize).saturating_sub(1) % 12])
        }
        (Lang::En, Period::Week(y, w)) => format!("Week {w} {y}"),
        (_, Period::Day(d)) => date(d, lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_and_english_numbers() {
        assert_eq!(decimal("314792", Lang::Vi), "314.792");
        assert_eq!(decimal("314792", Lang::En), "314,792");
        assert_eq!(decimal("98.9", Lang::Vi), "98,9");
        assert_eq!(decimal("-1234567.25", Lang::En), "-1,234,567.25");
        assert_eq!(decimal("100", Lang::Vi), "100");
        assert_eq!(decimal("abc", Lang::Vi), "abc");
    }

    #[test]
    fn dates_and_periods() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(date(d, Lang::Vi), "29/11/2026");
        assert_eq!(date(d, Lang::En), "29 Nov 2026");
        assert_eq!(value("2023-05-09", Lang::Vi), "09/05/2023");
        assert_eq!(value("true", Lang::Vi), "có");
        assert_eq!(period(&Period::Quarter(2023, 4), Lang::Vi), "Quý 4/2023");
        assert_eq!(period(&Period::Month(2023, 12), Lang::En), "Dec 2023");
    }
}
