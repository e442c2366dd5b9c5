//! Periods in DHIS2's notation: year `2023`, half `2023S2`, quarter `2023Q4`, month `202312`,
//! ISO week `2023W05`, day `20231231`.
//!
//! A period's dates depend on the data set's [`Convention`]: calendar periods, or the cut-off
//! convention of Decree 09/2019/NĐ-CP, where a month runs from the 15th of the previous month
//! to the 14th, a quarter from the 15th of the month before it to the 14th of its last month,
//! and a year from 15 December of the previous year to 14 December.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The first and last year a period may fall in.
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 2999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("'{0}' is not a period; write a year 2023, a half 2023S2, a quarter 2023Q4, a month 202312, a week 2023W05 or a day 20231231")]
    Syntax(String),
    #[error("'{0}': the year must be between {MIN_YEAR} and {MAX_YEAR}")]
    YearOutOfRange(String),
    #[error("'{0}': there is no such month, quarter, half, week or day")]
    NoSuchPeriod(String),
}

/// The kinds of period, shortest first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PeriodType {
    Day,
    Week,
    Month,
    Quarter,
    SixMonth,
    Year,
}

impl PeriodType {
    pub const ALL: [PeriodType; 6] = [
        PeriodType::Day,
        PeriodType::Week,
        PeriodType::Month,
        PeriodType::Quarter,
        PeriodType::SixMonth,
        PeriodType::Year,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodType::Day => "day",
            PeriodType::Week => "week",
            PeriodType::Month => "month",
            PeriodType::Quarter => "quarter",
            PeriodType::SixMonth => "six_month",
            PeriodType::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<PeriodType> {
        PeriodType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// How a data set's periods map to dates.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Convention {
    /// Calendar months, quarters, halves and years.
    #[default]
    Calendar,
    /// Decree 09/2019/NĐ-CP: data cut off on the 14th; a period starts on the 15th of the
    /// month before its first month. Weeks and days are unchanged.
    CutOff,
}

impl Convention {
    pub fn as_str(self) -> &'static str {
        match self {
            Convention::Calendar => "calendar",
            Convention::CutOff => "cut_off",
        }
    }

    pub fn parse(s: &str) -> Option<Convention> {
        match s {
            "calendar" => Some(Convention::Calendar),
            "cut_off" => Some(Convention::CutOff),
            _ => None,
        }
    }
}

/// A reporting period. Values are always valid: construct them with [`Period::parse`] or the
/// checked constructors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    /// Half-year 1 or 2.
    SixMonth(i32, u8),
    /// Quarter 1 to 4.
    Quarter(i32, u8),
    /// Month 1 to 12.
    Month(i32, u8),
    /// ISO week-numbering year and week 1 to 52 or 53.
    Week(i32, u8),
    Day(NaiveDate),
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    // Only called with month 1..=12 and day 1..=28 or a computed last day, within MIN..MAX year.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn last_day_of_month(y: i32, m: u32) -> NaiveDate {
    let first = ymd(y, m, 1);
    first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first)
}

/// The 15th of the month before month `m` of year `y` (a cut-off period's first day).
fn cutoff_start(y: i32, m: u32) -> NaiveDate {
    if m == 1 {
        ymd(y - 1, 12, 15)
    } else {
        ymd(y, m - 1, 15)
    }
}

/// Number of ISO weeks in an ISO week-numbering year (52 or 53).
pub fn iso_weeks_in_year(y: i32) -> u8 {
    // 28 December is always in the last ISO week of its year.
    ymd(y, 12, 28).iso_week().week() as u8
}

fn year_in_range(y: i32) -> bool {
    (MIN_YEAR..=MAX_YEAR).contains(&y)
}

impl Period {
    pub fn year(y: i32) -> Option<Period> {
        year_in_range(y).then_some(Period::Year(y))
    }
    pub fn six_month(y: i32, h: u8) -> Option<Period> {
        (year_in_range(y) && (1..=2).contains(&h)).then_some(Period::SixMonth(y, h))
    }
    pub fn quarter(y: i32, q: u8) -> Option<Period> {
        (year_in_range(y) && (1..=4).contains(&q)).then_some(Period::Quarter(y, q))
    }
    pub fn month(y: i32, m: u8) -> Option<Period> {
        (year_in_range(y) && (1..=12).contains(&m)).then_some(Period::Month(y, m))
    }
    pub fn week(y: i32, w: u8) -> Option<Period> {
        (year_in_range(y) && w >= 1 && w <= iso_weeks_in_year(y)).then_some(Period::Week(y, w))
    }
    pub fn day(d: NaiveDate) -> Option<Period> {
        year_in_range(d.year()).then_some(Period::Day(d))
    }

    /// Parse DHIS2's period notation. Weeks may be written `2023W5` or `2023W05`.
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let syntax = || PeriodError::Syntax(s.to_string());
        let none = || PeriodError::NoSuchPeriod(s.to_string());
        let t = s.trim();
        if !t.is_ascii() || t.len() < 4 {
            return Err(syntax());
        }
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        let (ys, rest) = t.split_at(4);
        if !digits(ys) {
            return Err(syntax());
        }
        let y: i32 = ys.parse().map_err(|_| syntax())?;
        let check_year = || {
            if year_in_range(y) {
                Ok(())
            } else {
                Err(PeriodError::YearOutOfRange(s.to_string()))
            }
        };
        let num = |x: &str| -> Result<u32, PeriodError> {
            if digits(x) && x.len() <= 2 {
                x.parse().map_err(|_| syntax())
            } else {
                Err(syntax())
            }
        };
        if rest.is_empty() {
            check_year()?;
            return Ok(Period::Year(y));
        }
        if let Some(h) = rest.strip_prefix('S') {
            let h = num(h)?;
            check_year()?;
            return Period::six_month(y, h as u8).ok_or_else(none);
        }
        if let Some(q) = rest.strip_prefix('Q') {
            let q = num(q)?;
            check_year()?;
            return Period::quarter(y, q as u8).ok_or_else(none);
        }
        if let Some(w) = rest.strip_prefix('W') {
            let w = num(w)?;
            check_year()?;
            if w > 53 {
                return Err(none());
            }
            return Period::week(y, w as u8).ok_or_else(none);
        }
        if digits(rest) && rest.len() == 2 {
            let m: u32 = rest.parse().map_err(|_| syntax())?;
            check_year()?;
            return Period::month(y, m as u8).ok_or_else(none);
        }
        if digits(rest) && rest.len() == 4 {
            check_year()?;
            let m: u32 = rest[..2].parse().map_err(|_| syntax())?;
            let d: u32 = rest[2..].parse().map_err(|_| syntax())?;
            let date = NaiveDate::from_ymd_opt(y, m, d).ok_or_else(none)?;
            return Ok(Period::Day(date));
        }
        Err(syntax())
    }

    pub fn period_type(&self) -> PeriodType {
        match self {
            Period::Year(_) => PeriodType::Year,
            Period::SixMonth(..) => PeriodType::SixMonth,
            Period::Quarter(..) => PeriodType::Quarter,
            Period::Month(..) => PeriodType::Month,
            Period::Week(..) => PeriodType::Week,
            Period::Day(_) => PeriodType::Day,
        }
    }

    /// First day of the calendar period.
    pub fn start(&self) -> NaiveDate {
        self.start_in(Convention::Calendar)
    }

    /// Last day of the calendar period.
    pub fn end(&self) -> NaiveDate {
        self.end_in(Convention::Calendar)
    }

    /// The months (first, last) a month-based period spans, or None for weeks and days.
    fn month_span(&self) -> Option<(i32, u32, u32)> {
        match *self {
            Period::Year(y) => Some((y, 1, 12)),
            Period::SixMonth(y, h) => Some((y, 6 * h as u32 - 5, 6 * h as u32)),
            Period::Quarter(y, q) => Some((y, 3 * q as u32 - 2, 3 * q as u32)),
            Period::Month(y, m) => Some((y, m as u32, m as u32)),
            Period::Week(..) | Period::Day(_) => None,
        }
    }

    pub fn start_in(&self, convention: Convention) -> NaiveDate {
        match (*self, self.month_span()) {
            (_, Some((y, first, _))) => match convention {
                Convention::Calendar => ymd(y, first, 1),
                Convention::CutOff => cutoff_start(y, first),
            },
            (Period::Week(y, w), None) => {
                NaiveDate::from_isoywd_opt(y, w as u32, Weekday::Mon).unwrap_or(NaiveDate::MIN)
            }
            (Period::Day(d), None) => d,
            _ => NaiveDate::MIN,
        }
    }

    pub fn end_in(&self, convention: Convention) -> NaiveDate {
        match (*self, self.month_span()) {
            (_, Some((y, _, last))) => match convention {
                Convention::Calendar => last_day_of_month(y, last),
                Convention::CutOff => ymd(y, last, 14),
            },
            (Period::Week(y, w), None) => {
                NaiveDate::from_isoywd_opt(y, w as u32, Weekday::Sun).unwrap_or(NaiveDate::MIN)
            }
            (Period::Day(d), None) => d,
            _ => NaiveDate::MIN,
        }
    }

    /// Number of days in the period.
    pub fn days_in(&self, convention: Convention) -> i64 {
        (self.end_in(convention) - self.start_in(convention)).num_days() + 1
    }

    /// Whether `other` lies wholly inside this period (both read with `convention`).
    pub fn contains(&self, other: &Period, convention: Convention) -> bool {
        self.start_in(convention) <= other.start_in(convention)
            && other.end_in(convention) <= self.end_in(convention)
    }

    /// Whether the date falls inside the period.
    pub fn contains_date(&self, date: NaiveDate, convention: Convention) -> bool {
        self.start_in(convention) <= date && date <= self.end_in(convention)
    }

    /// The period of the same type that holds a date.
    pub fn of_type_containing(
        ptype: PeriodType,
        date: NaiveDate,
        convention: Convention,
    ) -> Option<Period> {
        // Under the cut-off convention a date on or after the 15th belongs to next month's period.
        let shifted = match (convention, ptype) {
            (
                Convention::CutOff,
                PeriodType::Month | PeriodType::Quarter | PeriodType::SixMonth | PeriodType::Year,
            ) if date.day() >= 15 => date.with_day(1)?.checked_add_months(Months::new(1))?,
            _ => date,
        };
        let y = shifted.year();
        let m = shifted.month() as u8;
        match ptype {
            PeriodType::Year => Period::year(y),
            PeriodType::SixMonth => Period::six_month(y, if m <= 6 { 1 } else { 2 }),
            PeriodType::Quarter => Period::quarter(y, (m - 1) / 3 + 1),
            PeriodType::Month => Period::month(y, m),
            PeriodType::Week => {
                let w = date.iso_week();
                Period::week(w.year(), w.week() as u8)
            }
            PeriodType::Day => Period::day(date),
        }
    }

    /// The period just before this one, of the same type (None before year 1900).
    pub fn previous(&self) -> Option<Period> {
        match *self {
            Period::Year(y) => Period::year(y - 1),
            Period::SixMonth(y, 1) => Period::six_month(y - 1, 2),
            Period::SixMonth(y, h) => Period::six_month(y, h - 1),
            Period::Quarter(y, 1) => Period::quarter(y - 1, 4),
            Period::Quarter(y, q) => Period::quarter(y, q - 1),
            Period::Month(y, 1) => Period::month(y - 1, 12),
            Period::Month(y, m) => Period::month(y, m - 1),
            Period::Week(..) => {
                let d = self.start().checked_sub_days(Days::new(7))?;
                Period::of_type_containing(PeriodType::Week, d, Convention::Calendar)
            }
            Period::Day(d) => Period::day(d.pred_opt()?),
        }
    }

    /// The period just after this one, of the same type (None after year 2999).
    pub fn next(&self) -> Option<Period> {
        match *self {
            Period::Year(y) => Period::year(y + 1),
            Period::SixMonth(y, 2) => Period::six_month(y + 1, 1),
            Period::SixMonth(y, h) => Period::six_month(y, h + 1),
            Period::Quarter(y, 4) => Period::quarter(y + 1, 1),
            Period::Quarter(y, q) => Period::quarter(y, q + 1),
            Period::Month(y, 12) => Period::month(y + 1, 1),
            Period::Month(y, m) => Period::month(y, m + 1),
            Period::Week(..) => {
                let d = self.start().checked_add_days(Days::new(7))?;
                Period::of_type_containing(PeriodType::Week, d, Convention::Calendar)
            }
            Period::Day(d) => Period::day(d.succ_opt()?),
        }
    }

    /// The same period one year earlier ("cùng kỳ năm trước"). Week 53 maps to week 52 in a
    /// year without a week 53, and 29 February to 28 February.
    pub fn same_period_last_year(&self) -> Option<Period> {
        match *self {
            Period::Year(y) => Period::year(y - 1),
            Period::SixMonth(y, h) => Period::six_month(y - 1, h),
            Period::Quarter(y, q) => Period::quarter(y - 1, q),
            Period::Month(y, m) => Period::month(y - 1, m),
            Period::Week(y, w) => Period::week(y - 1, w.min(iso_weeks_in_year(y - 1))),
            Period::Day(d) => Period::day(d.checked_sub_months(Months::new(12))?),
        }
    }

    /// Shift by `n` periods of the same type (negative: back in time).
    pub fn offset(&self, n: i64) -> Option<Period> {
        let mut p = *self;
        for _ in 0..n.unsigned_abs() {
            p = if n < 0 { p.previous()? } else { p.next()? };
        }
        Some(p)
    }

    /// All periods of type `ptype` lying wholly inside this one, in order.
    pub fn sub_periods(&self, ptype: PeriodType, convention: Convention) -> Vec<Period> {
        let mut out = Vec::new();
        let Some(mut p) = Period::of_type_containing(ptype, self.start_in(convention), convention)
        else {
            return out;
        };
        let end = self.end_in(convention);
        while p.start_in(convention) <= end {
            if self.contains(&p, convention) {
                out.push(p);
            }
            match p.next() {
                Some(n) => p = n,
                None => break,
            }
        }
        out
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y:04}"),
            Period::SixMonth(y, h) => write!(f, "{y:04}S{h}"),
            Period::Quarter(y, q) => write!(f, "{y:04}Q{q}"),
            Period::Month(y, m) => write!(f, "{y:04}{m:02}"),
            Period::Week(y, w) => write!(f, "{y:04}W{w:02}"),
            Period::Day(d) => write!(f, "{}", d.format("%Y%m%d")),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Period::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn parses_every_notation() {
        assert_eq!(p("2023"), Period::Year(2023));
        assert_eq!(p("2023S2"), Period::SixMonth(2023, 2));
        assert_eq!(p("2023Q4"), Period::Quarter(2023, 4));
        assert_eq!(p("202312"), Period::Month(2023, 12));
        assert_eq!(p("2023W05"), Period::Week(2023, 5));
        assert_eq!(p("2023W5"), Period::Week(2023, 5));
        assert_eq!(p("20231231"), Period::Day(d("2023-12-31")));
        assert_eq!(p("2023W5").to_string(), "2023W05");
    }

    #[test]
    fn refuses_malformed_periods() {
        for bad in [
            "",
            "23",
            "2023Q5",
            "2023Q0",
            "202313",
            "202300",
            "2023S3",
            "20230230",
            "2023W54",
            "2022W53",
            "2023X1",
            "２０２３",
            "2023-12",
            "1899",
            "3000Q1",
            "2023Q",
            "2023W",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad} should be refused");
        }
        assert!(Period::parse("2020W53").is_ok(), "2020 has an ISO week 53");
        assert!(matches!(
            Period::parse("202313"),
            Err(PeriodError::NoSuchPeriod(_))
        ));
        assert!(matches!(
            Period::parse("12-2023"),
            Err(PeriodError::Syntax(_))
        ));
    }

    #[test]
    fn calendar_dates() {
        assert_eq!(
            (p("2023").start(), p("2023").end()),
            (d("2023-01-01"), d("2023-12-31"))
        );
        assert_eq!(
            (p("2023S2").start(), p("2023S2").end()),
            (d("2023-07-01"), d("2023-12-31"))
        );
        assert_eq!(
            (p("2024Q1").start(), p("2024Q1").end()),
            (d("2024-01-01"), d("2024-03-31"))
        );
        assert_eq!(p("202402").end(), d("2024-02-29"));
        assert_eq!(
            (p("2023W01").start(), p("2023W01").end()),
            (d("2023-01-02"), d("2023-01-08"))
        );
        assert_eq!((p("2021W01").start()), d("2021-01-04"));
    }

    #[test]
    fn decree_09_cut_off_dates() {
        let c = Convention::CutOff;
        assert_eq!(
            (p("202312").start_in(c), p("202312").end_in(c)),
            (d("2023-11-15"), d("2023-12-14"))
        );
        assert_eq!(
            (p("202301").start_in(c), p("202301").end_in(c)),
            (d("2022-12-15"), d("2023-01-14"))
        );
        assert_eq!(
            (p("2023Q1").start_in(c), p("2023Q1").end_in(c)),
            (d("2022-12-15"), d("2023-03-14"))
        );
        assert_eq!(
            (p("2023Q4").start_in(c), p("2023Q4").end_in(c)),
            (d("2023-09-15"), d("2023-12-14"))
        );
        assert_eq!(
            (p("2023S1").start_in(c), p("2023S1").end_in(c)),
            (d("2022-12-15"), d("2023-06-14"))
        );
        assert_eq!(
            (p("2023").start_in(c), p("2023").end_in(c)),
            (d("2022-12-15"), d("2023-12-14"))
        );
        assert_eq!(
            Period::of_type_containing(PeriodType::Month, d("2023-12-20"), c),
            Some(p("202401"))
        );
        assert_eq!(
            Period::of_type_containing(PeriodType::Month, d("2023-12-14"), c),
            Some(p("202312"))
        );
        assert_eq!(
            Period::of_type_containing(PeriodType::Year, d("2023-12-15"), c),
            Some(p("2024"))
        );
        assert!(p("2024").contains(&p("202401"), c));
        assert!(!p("2023").contains(&p("20231220"), c));
        assert!(p("2023").contains(&p("20231220"), Convention::Calendar));
    }

    #[test]
    fn previous_next_and_last_year() {
        assert_eq!(p("2023Q1").previous(), Some(p("2022Q4")));
        assert_eq!(p("202301").previous(), Some(p("202212")));
        assert_eq!(p("2023S1").previous(), Some(p("2022S2")));
        assert_eq!(p("2021W01").previous(), Some(p("2020W53")));
        assert_eq!(p("20240301").previous(), Some(p("20240229")));
        assert_eq!(p("2023Q4").same_period_last_year(), Some(p("2022Q4")));
        assert_eq!(p("2020W53").same_period_last_year(), Some(p("2019W52")));
        assert_eq!(p("20240229").same_period_last_year(), Some(p("20230228")));
        assert_eq!(p("1900").previous(), None);
        assert_eq!(p("202312").offset(-12), Some(p("202212")));
        assert_eq!(p("202312").offset(3), Some(p("202403")));
    }

    #[test]
    fn sub_periods() {
        let months = p("2023").sub_periods(PeriodType::Month, Convention::Calendar);
        assert_eq!(months.len(), 12);
        assert_eq!(
            p("2023Q2").sub_periods(PeriodType::Month, Convention::Calendar),
            vec![p("202304"), p("202305"), p("202306")]
        );
        assert_eq!(
            p("2023")
                .sub_periods(PeriodType::Day, Convention::Calendar)
                .len(),
            365
        );
        assert_eq!(
            p("2023")
                .sub_periods(PeriodType::Month, Convention::CutOff)
                .len(),
            12
        );
        // ISO weeks that lie wholly inside calendar 2023: 2023W01 .. 2023W52.
        assert_eq!(
            p("2023")
                .sub_periods(PeriodType::Week, Convention::Calendar)
                .len(),
            52
        );
    }

    fn any_period() -> impl Strategy<Value = Period> {
        prop_oneof![
            (1901i32..2998).prop_map(Period::Year),
            (1901i32..2998, 1u8..=2).prop_map(|(y, h)| Period::SixMonth(y, h)),
            (1901i32..2998, 1u8..=4).prop_map(|(y, q)| Period::Quarter(y, q)),
            (1901i32..2998, 1u8..=12).prop_map(|(y, m)| Period::Month(y, m)),
            (1901i32..2998, 1u8..=52).prop_map(|(y, w)| Period::Week(y, w)),
            (1901i32..2998, 1u32..=365)
                .prop_map(|(y, n)| Period::Day(NaiveDate::from_yo_opt(y, n).unwrap())),
        ]
    }

    fn any_convention() -> impl Strategy<Value = Convention> {
        prop_oneof![Just(Convention::Calendar), Just(Convention::CutOff)]
    }

    proptest! {
        #[test]
        fn print_parse_roundtrip(per in any_period()) {
            prop_assert_eq!(Period::parse(&per.to_string()), Ok(per));
        }

        #[test]
        fn previous_and_next_are_adjacent(per in any_period(), c in any_convention()) {
            let prev = per.previous().unwrap();
            prop_assert_eq!(prev.end_in(c).succ_opt().unwrap(), per.start_in(c));
            prop_assert_eq!(prev.next(), Some(per));
            prop_assert_eq!(prev.period_type(), per.period_type());
        }

        #[test]
        fn a_period_holds_its_own_dates(per in any_period(), c in any_convention()) {
            prop_assert!(per.start_in(c) <= per.end_in(c));
            prop_assert!(per.contains(&per, c));
            prop_assert_eq!(Period::of_type_containing(per.period_type(), per.start_in(c), c), Some(per));
            prop_assert_eq!(Period::of_type_containing(per.period_type(), per.end_in(c), c), Some(per));
        }

        #[test]
        fn years_contain_their_months(y in 1901i32..2998, m in 1u8..=12, c in any_convention()) {
            let year = Period::Year(y);
            let month = Period::Month(y, m);
            prop_assert!(year.contains(&month, c));
            prop_assert!(Period::Quarter(y, (m - 1) / 3 + 1).contains(&month, c));
            prop_assert!(!Period::Year(y - 1).contains(&month, c));
        }

        #[test]
        fn sub_periods_tile_the_year(y in 1901i32..2998, c in any_convention()) {
            let months = Period::Year(y).sub_periods(PeriodType::Month, c);
            let total: i64 = months.iter().map(|m| m.days_in(c)).sum();
            prop_assert_eq!(total, Period::Year(y).days_in(c));
        }

        #[test]
        fn last_year_is_one_year_back(per in any_period()) {
            let ly = per.same_period_last_year().unwrap();
            prop_assert_eq!(ly.period_type(), per.period_type());
            let gap = (per.start() - ly.start()).num_days();
            prop_assert!((357..=372).contains(&gap), "gap {}", gap);
        }

        #[test]
        fn parse_never_panics(s in ".{0,12}") {
            let _ = Period::parse(&s);
        }
    }
}
