//! A refused query in Vietnamese: the same facts as its English `Display`, in the words of
//! chiso's pages (chỉ số = indicator, chỉ tiêu = data element, kỳ = period, đơn vị = unit).

use super::{QueryError, MAX_ROWS};
use crate::EngineError;
use chiso_core::{CodeError, PeriodError};

fn code(e: &CodeError) -> String {
    match e {
        CodeError::Empty => "mã đang để trống".into(),
        CodeError::TooLong { max } => format!("mã dài quá {max} ký tự"),
        CodeError::BadChar(c) => {
            format!("mã có ký tự {c:?}; chỉ dùng chữ A-Z, chữ số, '_', '-' hoặc '.'")
        }
    }
}

fn period(e: &PeriodError) -> String {
    match e {
        PeriodError::Syntax(p) => format!(
            "'{p}' không phải là kỳ; ghi năm 2023, nửa năm 2023S2, quý 2023Q4, tháng 202312, tuần 2023W05 hoặc ngày 20231231"
        ),
        PeriodError::YearOutOfRange(p) => format!(
            "'{p}': năm phải từ {} đến {}",
            chiso_core::period::MIN_YEAR,
            chiso_core::period::MAX_YEAR
        ),
        PeriodError::NoSuchPeriod(p) => {
            format!("'{p}': không có tháng, quý, nửa năm, tuần hay ngày này")
        }
    }
}

fn engine(e: &EngineError) -> String {
    match e {
        EngineError::UnknownUnit(u) => format!("không có đơn vị {u}"),
        EngineError::UnknownGroup(g) => format!("không có nhóm đơn vị {g}"),
        EngineError::UnknownItem(i) => format!("không có chỉ số hay chỉ tiêu {i}"),
    }
}

impl QueryError {
    /// The reason in Vietnamese (its `Display` is the English one).
    pub fn vi(&self) -> String {
        match self {
            QueryError::NotADimension { value, .. } => {
                format!("'{value}': ghi CHIỀU:MỤC;MỤC, ví dụ dx:A;B")
            }
            QueryError::UnknownDimension { name, .. } => {
                format!("không có chiều '{name}'; dùng dx, pe, ou hoặc co")
            }
            QueryError::Twice { dimension, .. } => format!(
                "chiều {dimension} được ghi hai lần (ở dimension hoặc filter); chỉ ghi một lần"
            ),
            QueryError::Missing(d) => {
                format!("thiếu chiều {d} (ghi ở dimension hoặc ở filter)")
            }
            QueryError::NotADate { value, .. } => {
                format!("'{value}' không phải là ngày (YYYY-MM-DD)")
            }
            QueryError::NoItems { dimension, .. } => {
                format!("chiều {dimension} chưa có mục nào; ví dụ {dimension}:MỤC")
            }
            QueryError::BadDataItem { item, reason, .. } => {
                format!("mục dx '{item}': {}", code(reason))
            }
            QueryError::UnknownData { item, .. } => {
                format!("không có chỉ số hay chỉ tiêu {item}")
            }
            QueryError::BadPeriod { reason, .. } => period(reason),
            QueryError::RelativeOutOfRange { name, today, .. } => {
                format!("không tính được '{name}' từ ngày {today}")
            }
            QueryError::BadLevel { item, .. } => {
                format!("'{item}': LEVEL- cần một cấp từ 1 đến 20")
            }
            QueryError::BadUnitItem { item, reason, .. } => {
                format!("'{item}': {}", code(reason))
            }
            QueryError::TooManyRows { combinations } => format!(
                "câu hỏi có {combinations} tổ hợp; mỗi lần hỏi tối đa {MAX_ROWS}; hãy chia nhỏ"
            ),
            QueryError::Unsupported { param, reason } => {
                format!("{param}: chưa hỗ trợ ({reason})")
            }
            QueryError::BadOption {
                param,
                value,
                allowed,
            } => format!("{param}={value}: hãy dùng {allowed}"),
            QueryError::CategoryNeedsElements { item } => {
                format!("chiều co chỉ chia nhỏ chỉ tiêu dữ liệu; {item} không phải chỉ tiêu")
            }
            QueryError::Engine(e) => engine(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::Dimension;

    #[test]
    fn every_refusal_has_vietnamese_words_naming_the_item() {
        for (e, vi) in [
            (
                QueryError::UnknownData {
                    param: "dimension",
                    item: "VB_X".into(),
                },
                "không có chỉ số hay chỉ tiêu VB_X",
            ),
            (
                QueryError::BadPeriod {
                    param: "filter",
                    item: "2023Q7".into(),
                    reason: PeriodError::NoSuchPeriod("2023Q7".into()),
                },
                "'2023Q7': không có tháng, quý, nửa năm, tuần hay ngày này",
            ),
            (
                QueryError::NoItems {
                    param: "filter",
                    dimension: Dimension::Period,
                },
                "chiều pe chưa có mục nào; ví dụ pe:MỤC",
            ),
            (
                QueryError::Engine(EngineError::UnknownUnit("99999".into())),
                "không có đơn vị 99999",
            ),
        ] {
            assert_eq!(e.vi(), vi);
            assert!(!e.to_string().is_empty() && e.to_string() != vi);
        }
    }
}
