//! The one "today" of the system: the calendar day in Vietnam (UTC+7, no daylight saving),
//! which deadlines, reporting windows and "as of" days are counted in.

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};

/// Vietnam's offset from UTC: seven hours, all year.
pub fn vietnam() -> FixedOffset {
    // 7 × 3,600 seconds is within a day, so always a valid offset.
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| Utc.fix())
}

/// The day in Vietnam at an instant.
pub fn day_in_vietnam(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&vietnam()).date_naive()
}

/// Today in Vietnam.
pub fn today_in_vietnam() -> NaiveDate {
    day_in_vietnam(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_turns_at_five_in_the_afternoon_utc() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            day_in_vietnam(at("2026-12-04T16:59:59Z")),
            NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
        );
        assert_eq!(
            day_in_vietnam(at("2026-12-04T17:00:00Z")),
            NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
        );
    }
}
