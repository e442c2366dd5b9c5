//! The locks of approved reports: which values an approved report holds (in its period and
//! every period inside it), and the reason a refused change is given.

use crate::sql::{stmt, SqlBackend, Tx};
use crate::StoreError;
use chiso_core::fasthash::FastMap;
use chiso_core::{Code, Period};

/// element → unit → the approved reports holding it (their period, data set and
/// convention): a value of that element and unit in any period inside an approved
/// report's period is locked until the report is un-approved. Nested so that a value's
/// key is looked up without copying.
pub(crate) type Locked =
    FastMap<String, FastMap<String, Vec<(Period, String, chiso_core::Convention)>>>;

pub(crate) async fn approved_cells<B: SqlBackend>(tx: &mut Tx<B>) -> Result<Locked, StoreError> {
    let rows = stmt(
        "SELECT DISTINCT e.element, a.unit, a.period, a.data_set, d.convention FROM approvals a \
         JOIN data_set_elements e ON e.data_set = a.data_set \
         JOIN data_sets d ON d.code = a.data_set",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut out = Locked::default();
    for r in &rows {
        let period: String = r.get("period")?;
        let period = Period::parse(&period)
            .map_err(|e| StoreError::Corrupt(format!("approval period {period}: {e}")))?;
        let convention: String = r.get("convention")?;
        let convention = chiso_core::Convention::parse(&convention)
            .ok_or_else(|| StoreError::Corrupt(format!("data set convention {convention}")))?;
        out.entry(r.get("element")?)
            .or_default()
            .entry(r.get("unit")?)
            .or_default()
            .push((period, r.get("data_set")?, convention));
    }
    Ok(out)
}

/// The approved report that locks a value, if any: one of the same element and unit
/// whose period is the value's or holds it (read on the calendar, as the engine adds
/// periods up, or in the data set's own convention).
pub(crate) fn locked_in<'l>(
    locked: &'l Locked,
    element: &str,
    unit: &str,
    period: &str,
) -> Result<Option<(&'l String, &'l Period)>, StoreError> {
    let Some(reports) = locked.get(element).and_then(|u| u.get(unit)) else {
        return Ok(None);
    };
    let p =
        Period::parse(period).map_err(|e| StoreError::Corrupt(format!("period {period}: {e}")))?;
    Ok(reports
        .iter()
        .find(|(lp, _, conv)| {
            *lp == p || lp.contains(&p, chiso_core::Convention::Calendar) || lp.contains(&p, *conv)
        })
        .map(|(lp, ds, _)| (ds, lp)))
}

pub(crate) fn locked_reason(data_set: &str, unit: &Code, period: &Period) -> String {
    format!("báo cáo {data_set} của {unit} kỳ {period} đã được phê duyệt nên đã khoá; cần huỷ phê duyệt trước khi sửa \
             (the report is approved and locked; un-approve it first)")
}
