//! The one "today" of the web layer: the day in Vietnam (UTC+7), and the day figures are read
//! at (the store's "as of" day when it holds one).

use crate::error::ApiError;
use crate::AppState;
use chrono::NaiveDate;

pub(crate) use chiso_core::clock::today_in_vietnam;

/// The day figures are read at (the store's "as of" day, else today in Vietnam).
pub(crate) async fn as_of_day(st: &AppState) -> Result<NaiveDate, ApiError> {
    Ok(st.app.as_of_day().await?)
}
