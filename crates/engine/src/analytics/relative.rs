//! DHIS2's relative periods (`THIS_YEAR`, `LAST_12_MONTHS`, …), counted from a day.

use chiso_core::{Convention, Period, PeriodType};
use chrono::NaiveDate;

/// A relative period: the current period of a type, or the last n periods of a type before
/// the current one (oldest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelativePeriod {
    Today,
    ThisWeek,
    LastWeek,
    Last4Weeks,
    ThisMonth,
    LastMonth,
    Last3Months,
    Last6Months,
    Last12Months,
    ThisQuarter,
    LastQuarter,
    Last4Quarters,
    ThisSixMonth,
    LastSixMonth,
    Last2SixMonths,
    ThisYear,
    LastYear,
    Last5Years,
    Last10Years,
}

impl RelativePeriod {
    /// Every relative period chiso knows.
    pub const ALL: [RelativePeriod; 19] = [
        RelativePeriod::Today,
        RelativePeriod::ThisWeek,
        RelativePeriod::LastWeek,
        RelativePeriod::Last4Weeks,
        RelativePeriod::ThisMonth,
        RelativePeriod::LastMonth,
        RelativePeriod::Last3Months,
        RelativePeriod::Last6Months,
        RelativePeriod::Last12Months,
        RelativePeriod::ThisQuarter,
        RelativePeriod::LastQuarter,
        RelativePeriod::Last4Quarters,
        RelativePeriod::ThisSixMonth,
        RelativePeriod::LastSixMonth,
        RelativePeriod::Last2SixMonths,
        RelativePeriod::ThisYear,
        RelativePeriod::LastYear,
        RelativePeriod::Last5Years,
        RelativePeriod::Last10Years,
    ];

    /// DHIS2's name, e.g. `LAST_12_MONTHS`.
    pub fn name(self) -> &'static str {
        match self {
            RelativePeriod::Today => "TODAY",
            RelativePeriod::ThisWeek => "THIS_WEEK",
            RelativePeriod::LastWeek => "LAST_WEEK",
            RelativePeriod::Last4Weeks => "LAST_4_WEEKS",
            RelativePeriod::ThisMonth => "THIS_MONTH",
            RelativePeriod::LastMonth => "LAST_MONTH",
            RelativePeriod::Last3Months => "LAST_3_MONTHS",
            RelativePeriod::Last6Months => "LAST_6_MONTHS",
            RelativePeriod::Last12Months => "LAST_12_MONTHS",
            RelativePeriod::ThisQuarter => "THIS_QUARTER",
            RelativePeriod::LastQuarter => "LAST_QUARTER",
            RelativePeriod::Last4Quarters => "LAST_4_QUARTERS",
            RelativePeriod::ThisSixMonth => "THIS_SIX_MONTH",
            RelativePeriod::LastSixMonth => "LAST_SIX_MONTH",
            RelativePeriod::Last2SixMonths => "LAST_2_SIXMONTHS",
            RelativePeriod::ThisYear => "THIS_YEAR",
            RelativePeriod::LastYear => "LAST_YEAR",
            RelativePeriod::Last5Years => "LAST_5_YEARS",
            RelativePeriod::Last10Years => "LAST_10_YEARS",
        }
    }

    /// Its name for a person, as DHIS2's metadata gives it ("Last 12 months").
    pub fn label(self, lang: super::Lang) -> String {
        use PeriodType::*;
        let (t, n) = self.shape();
        match lang {
            super::Lang::En => {
                let unit = match t {
                    Day => "day",
                    Week => "week",
                    Month => "month",
                    Quarter => "quarter",
                    SixMonth => "six-month",
                    Year => "year",
                };
                match (self, n) {
                    (RelativePeriod::Today, _) => "Today".into(),
                    (_, 0) => format!("This {unit}"),
                    (_, 1) => format!("Last {unit}"),
                    (_, n) => format!("Last {n} {unit}s"),
                }
            }
            super::Lang::Vi => {
                let unit = match t {
                    Day => "ngày",
                    Week => "tuần",
                    Month => "tháng",
                    Quarter => "quý",
                    SixMonth => "nửa năm",
                    Year => "năm",
                };
                match (self, n) {
                    (RelativePeriod::Today, _) => "Hôm nay".into(),
                    (_, 0) => format!("{} này", capital(unit)),
                    (_, 1) => format!("{} trước", capital(unit)),
                    (_, n) => format!("{n} {unit} gần nhất"),
                }
            }
        }
    }

    /// The relative period of a DHIS2 name (None: not a relative period chiso knows).
    pub fn parse(name: &str) -> Option<RelativePeriod> {
        RelativePeriod::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The period type, and how many periods before the current one (0: the current one).
    pub fn shape(self) -> (PeriodType, i64) {
        use PeriodType::*;
        match self {
            RelativePeriod::Today => (Day, 0),
            RelativePeriod::ThisWeek => (Week, 0),
            RelativePeriod::LastWeek => (Week, 1),
            RelativePeriod::Last4Weeks => (Week, 4),
            RelativePeriod::ThisMonth => (Month, 0),
            RelativePeriod::LastMonth => (Month, 1),
            RelativePeriod::Last3Months => (Month, 3),
            RelativePeriod::Last6Months => (Month, 6),
            RelativePeriod::Last12Months => (Month, 12),
            RelativePeriod::ThisQuarter => (Quarter, 0),
            RelativePeriod::LastQuarter => (Quarter, 1),
            RelativePeriod::Last4Quarters => (Quarter, 4),
            RelativePeriod::ThisSixMonth => (SixMonth, 0),
            RelativePeriod::LastSixMonth => (SixMonth, 1),
            RelativePeriod::Last2SixMonths => (SixMonth, 2),
            RelativePeriod::ThisYear => (Year, 0),
            RelativePeriod::LastYear => (Year, 1),
            RelativePeriod::Last5Years => (Year, 5),
            RelativePeriod::Last10Years => (Year, 10),
        }
    }

    /// The periods on a day (calendar periods), oldest first; None when they fall outside
    /// the years a period may have.
    pub fn periods(self, today: NaiveDate) -> Option<Vec<Period>> {
        let (ptype, n) = self.shape();
        let current = Period::of_type_containing(ptype, today, Convention::Calendar)?;
        if n == 0 {
            return Some(vec![current]);
        }
        (1..=n).rev().map(|k| current.offset(-k)).collect()
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
