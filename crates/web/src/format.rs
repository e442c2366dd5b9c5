//! Numbers, dates and periods as people read them: Vietnamese `1.234,5` and `29/11/2026`,
//! English `1,234.5` and `29 Nov 2026`. Formatting works on the stored decimal text, so no
//! digit is lost or rounded here.

use crate::i18n::Lang;
use chiso_core::Period;
use chrono::{Datelike, NaiveDate};

/// Group the digits of a canonical decimal text ("-1234567.5") for `lang`; the rule is the
/// one the yearly report writes numbers by ([`chiso_report::fmt::decimal`]).
pub fn decimal(text: &str, lang: Lang) -> String {
    let l = match lang {
        Lang::Vi => chiso_report::Lang::Vi,
        Lang::En => chiso_report::Lang::En,
    };
    chiso_report::fmt::decimal(text, l)
}

/// A number rounded to `decimals` places, grouped for `lang`: `number(1234.5, 2, Vi)` is
/// "1.234,50". A result that rounds to zero has no minus sign.
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

/// A count: a whole number, grouped ("146.587" / "146,587").
pub fn count(n: f64, lang: Lang) -> String {
    number(n, 0, lang)
}

/// A percentage, always with two decimals: Vietnamese "98,90 %" (decimal comma, a space before
/// the sign), English "98.90%". Two decimals whatever the indicator's own precision, so that a
/// column never mixes "17,4" and "69,77" and one figure reads the same on every page.
pub fn percent(v: f64, lang: Lang) -> String {
    let n = number(v, 2, lang);
    match lang {
        Lang::Vi => format!("{n} %"),
        Lang::En => format!("{n}%"),
    }
}

/// A change of a rate, in percentage points with two decimals and its sign: "+22,09 điểm %",
/// "+22.09 points".
pub fn points(diff: f64, lang: Lang) -> String {
    let n = signed(number(diff, 2, lang));
    match lang {
        Lang::Vi => format!("{n} điểm %"),
        Lang::En => format!("{n} points"),
    }
}

/// A relative change in percent with its sign: "+27,26 %", "-58.33%".
pub fn relative(r: f64, lang: Lang) -> String {
    signed(percent(r, lang))
}

/// A sign before a formatted figure that has none: "+5", "-5", "0".
fn signed(text: String) -> String {
    let zero = text
        .chars()
        .filter(|c| c.is_ascii_digit())
        .all(|c| c == '0');
    if text.starts_with('-') || zero {
        text
    } else {
        format!("+{text}")
    }
}

/// An amount of money in đồng as Vietnamese reports write it. The rule:
/// - 1 tỷ (10⁹) đồng or more: in tỷ đồng, "5,51 tỷ đồng" / "VND 5.51 billion";
/// - 1 triệu (10⁶) đồng or more: in triệu đồng, "13 triệu đồng" / "VND 13 million";
/// - below that: exact whole đồng, "850.000 đồng" / "VND 850,000".
///
/// Amounts in tỷ or triệu have at most two decimals, trailing zeros dropped ("17,9 tỷ đồng",
/// not "17,90"); tỷ is the largest unit, as in reports ("314.792 tỷ đồng"). Where the exact
/// đồng matter — a form's inputs, a stored value's tooltip — use [`money_exact`].
pub fn money(dong: f64, lang: Lang) -> String {
    if !dong.is_finite() {
        return "—".into();
    }
    let (sign, a) = if dong < 0.0 { ("-", -dong) } else { ("", dong) };
    let scaled = |unit: f64| {
        let n = number(a / unit, 2, lang);
        let point = match lang {
            Lang::Vi => ',',
            Lang::En => '.',
        };
        match n.split_once(point) {
            Some((int, frac)) => {
                let frac = frac.trim_end_matches('0');
                if frac.is_empty() {
                    int.to_string()
                } else {
                    format!("{int}{point}{frac}")
                }
            }
            None => n,
        }
    };
    let (n, vi_unit, en_unit) = if a >= 1e9 {
        (scaled(1e9), " tỷ đồng", " billion")
    } else if a >= 1e6 {
        (scaled(1e6), " triệu đồng", " million")
    } else {
        (count(a, lang), " đồng", "")
    };
    let sign = if n.bytes().filter(u8::is_ascii_digit).all(|b| b == b'0') {
        ""
    } else {
        sign
    };
    match lang {
        Lang::Vi => format!("{sign}{n}{vi_unit}"),
        Lang::En => format!("{sign}VND {n}{en_unit}"),
    }
}

/// An amount of money to the đồng: "5.513.000.000 đồng" / "VND 5,513,000,000".
pub fn money_exact(dong: f64, lang: Lang) -> String {
    let n = count(dong, lang);
    match lang {
        Lang::Vi => format!("{n} đồng"),
        Lang::En => format!("VND {n}"),
    }
}

/// How many đồng one of a unit of measure is, when it is money: "đồng", "VNĐ" → 1,
/// "nghìn đồng" → 10³, "triệu đồng" → 10⁶, "tỷ đồng" → 10⁹; none for anything else.
pub fn dong_per(unit_of_measure: &str) -> Option<f64> {
    match unit_of_measure.trim().to_lowercase().as_str() {
        "đồng" | "vnđ" | "vnd" | "đ" => Some(1.0),
        "nghìn đồng" | "ngàn đồng" => Some(1e3),
        "triệu đồng" => Some(1e6),
        "tỷ đồng" => Some(1e9),
        _ => None,
    }
}

/// How a figure is measured, decided from what its definition says — whether it is a rate,
/// its unit of measure, its decimals — never from its name. It says how the figure and its
/// change are written.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// A percentage: "98,90 %"; it changes in percentage points.
    Percent,
    /// Money, `dong` đồng to one of the figure's unit: "5,51 tỷ đồng"; it changes absolutely
    /// and relatively.
    Money { dong: f64 },
    /// A count or another amount, with its unit of measure: "4" (its change "+4 chỉ đạo").
    Amount { unit: String, decimals: u8 },
}

impl Measure {
    /// The measure of an indicator: a rate with the unit "%" (or none, scaled by 100) is a
    /// percentage; a unit of measure in đồng is money; anything else an amount.
    pub fn of(is_rate: bool, factor: f64, unit: Option<&str>, decimals: u8) -> Measure {
        let unit = unit.unwrap_or("").trim();
        if is_rate && (unit == "%" || (unit.is_empty() && factor == 100.0)) {
            return Measure::Percent;
        }
        if let Some(dong) = dong_per(unit) {
            return Measure::Money { dong };
        }
        Measure::Amount {
            unit: unit.to_string(),
            decimals,
        }
    }

    /// The same measure with its unit named otherwise (a count's unit in the page's language;
    /// empty to leave it to the unit column).
    pub fn with_unit(self, unit: String) -> Measure {
        match self {
            Measure::Amount { decimals, .. } => Measure::Amount { unit, decimals },
            other => other,
        }
    }

    /// The figure as a table cell shows it (a count's unit stands in its own column).
    pub fn show(&self, v: f64, lang: Lang) -> String {
        match self {
            Measure::Percent => percent(v, lang),
            Measure::Money { dong } => money(v * dong, lang),
            Measure::Amount { decimals, .. } => number(v, *decimals, lang),
        }
    }

    /// The figure to the last đồng, where it is money (for a tooltip); none otherwise.
    pub fn exact(&self, v: f64, lang: Lang) -> Option<String> {
        match self {
            Measure::Money { dong } => Some(money_exact(v * dong, lang)),
            _ => None,
        }
    }

    /// A change: a percentage in points ("+22,09 điểm %"); money and amounts absolutely with
    /// their unit, and relatively when there is a relative change ("+4 chỉ đạo (+80,00 %)",
    /// "+5,51 tỷ đồng"); a count without a unit just by its number: "+4 (+80.00%)".
    pub fn change(&self, difference: f64, relative_percent: Option<f64>, lang: Lang) -> String {
        let absolute = match self {
            Measure::Percent => return points(difference, lang),
            Measure::Money { dong } => signed(money(difference * dong, lang)),
            Measure::Amount { unit, decimals } => {
                let n = signed(number(difference, *decimals, lang));
                if unit.is_empty() {
                    n
                } else {
                    format!("{n} {unit}")
                }
            }
        };
        match relative_percent {
            Some(r) if r.is_finite() => format!("{absolute} ({})", relative(r, lang)),
            _ => absolute,
        }
    }
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
    fn percentages_two_decimals_a_space_in_vietnamese() {
        assert_eq!(percent(98.9, Lang::Vi), "98,90 %");
        assert_eq!(percent(98.9, Lang::En), "98.90%");
        assert_eq!(percent(100.0, Lang::Vi), "100,00 %");
        assert_eq!(percent(17.391, Lang::Vi), "17,39 %");
        assert_eq!(points(22.09, Lang::Vi), "+22,09 điểm %");
        assert_eq!(points(-93.5, Lang::En), "-93.50 points");
        assert_eq!(points(-0.001, Lang::Vi), "0,00 điểm %");
        assert_eq!(relative(27.264, Lang::Vi), "+27,26 %");
        assert_eq!(number(1234.5, 2, Lang::Vi), "1.234,50");
        assert_eq!(count(146587.0, Lang::En), "146,587");
    }

    #[test]
    fn money_in_ty_and_trieu_dong() {
        assert_eq!(money(5_513_000_000.0, Lang::Vi), "5,51 tỷ đồng");
        assert_eq!(money(5_513_000_000.0, Lang::En), "VND 5.51 billion");
        assert_eq!(money(17_900_000_000.0, Lang::Vi), "17,9 tỷ đồng");
        assert_eq!(money(314_792e9, Lang::Vi), "314.792 tỷ đồng");
        assert_eq!(money(13_000_000.0, Lang::Vi), "13 triệu đồng");
        assert_eq!(money(13_000_000.0, Lang::En), "VND 13 million");
        assert_eq!(money(850_000.0, Lang::Vi), "850.000 đồng");
        assert_eq!(money(850_000.0, Lang::En), "VND 850,000");
        assert_eq!(money(-2_500_000.0, Lang::Vi), "-2,5 triệu đồng");
        assert_eq!(money(0.0, Lang::Vi), "0 đồng");
        assert_eq!(money_exact(5_513_000_000.0, Lang::Vi), "5.513.000.000 đồng");
    }

    #[test]
    fn a_measure_from_the_definition_not_the_name() {
        assert_eq!(Measure::of(true, 100.0, Some("%"), 1), Measure::Percent);
        assert_eq!(
            Measure::of(false, 1.0, Some("đồng"), 0),
            Measure::Money { dong: 1.0 }
        );
        assert_eq!(
            Measure::of(false, 1.0, Some("tỷ đồng"), 0),
            Measure::Money { dong: 1e9 }
        );
        let count = Measure::of(false, 1.0, Some("chỉ đạo"), 0);
        assert_eq!(count.change(4.0, None, Lang::Vi), "+4 chỉ đạo");
        assert_eq!(
            count.change(4.0, Some(80.0), Lang::Vi),
            "+4 chỉ đạo (+80,00 %)"
        );
        let directives = count.clone().with_unit("directives".into());
        assert_eq!(
            directives.change(4.0, Some(80.0), Lang::En),
            "+4 directives (+80.00%)"
        );
        let bare = count.with_unit(String::new());
        assert_eq!(bare.change(4.0, Some(80.0), Lang::En), "+4 (+80.00%)");
        assert_eq!(
            Measure::Percent.change(9.48, None, Lang::Vi),
            "+9,48 điểm %"
        );
        let ty = Measure::of(false, 1.0, Some("tỷ đồng"), 0);
        assert_eq!(
            ty.change(67_436.0, Some(27.26), Lang::Vi),
            "+67.436 tỷ đồng (+27,26 %)"
        );
        assert_eq!(ty.show(314_792.0, Lang::En), "VND 314,792 billion");
        // A rate per thousand is no percentage: its own unit and decimals.
        let per_mille = Measure::of(true, 1000.0, Some("‰"), 1);
        assert_eq!(per_mille.show(12.34, Lang::Vi), "12,3");
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
