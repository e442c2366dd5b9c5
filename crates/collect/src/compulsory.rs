//! Compulsory fields: a report is not completed while a field its data set marks compulsory
//! is empty (DHIS2's "compulsory data elements", with completion allowed only when they are
//! filled). The refusal lists every empty one, in the form's order, by name.

use chiso_core::{Code, DataSet};
use serde::Serialize;

/// What the check needs of a form's field (`form::Field` is one).
pub trait FormField {
    fn element(&self) -> &Code;
    /// Whether a value is stored in it.
    fn is_filled(&self) -> bool;
    /// The field named, as a refusal lists it.
    fn describe(&self) -> MissingField;
}

/// A compulsory field left empty: the element (and breakdown option) with its names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MissingField {
    #[schema(value_type = String)]
    pub element: Code,
    #[schema(value_type = Option<String>)]
    pub option: Option<Code>,
    pub name_vi: String,
    pub name_en: Option<String>,
    /// The breakdown option's name, when the element is broken down.
    pub option_name: Option<String>,
}

impl MissingField {
    /// The field's key in a web form: `ELEMENT` or `ELEMENT.OPTION`.
    pub fn key(&self) -> String {
        match &self.option {
            Some(o) => format!("{}.{o}", self.element),
            None => self.element.to_string(),
        }
    }

    /// The field's name in a language (`"en"`, or Vietnamese), with its option's. Options
    /// have Vietnamese names only; in English an element without an English name, and an
    /// option, are named by their codes.
    pub fn name(&self, lang: &str) -> String {
        if lang == "en" {
            let name = match &self.name_en {
                Some(n) if !n.trim().is_empty() => n.clone(),
                _ => self.element.to_string(),
            };
            return match &self.option {
                Some(o) => format!("{name} — {o}"),
                None => name,
            };
        }
        match &self.option_name {
            Some(o) => format!("{} — {o}", self.name_vi),
            None => self.name_vi.clone(),
        }
    }
}

/// Completion refused: these compulsory fields are empty (all of them, in the form's order).
/// Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Chưa gửi được báo cáo: còn {} chỉ tiêu bắt buộc chưa nhập: {}. / The report cannot be sent: {} compulsory field(s) are empty: {}.",
    .fields.len(),
    names(.fields, "vi"),
    .fields.len(),
    names(.fields, "en")
)]
pub struct MissingCompulsory {
    pub fields: Vec<MissingField>,
}

fn names(fields: &[MissingField], lang: &str) -> String {
    fields
        .iter()
        .map(|f| f.name(lang))
        .collect::<Vec<_>>()
        .join("; ")
}

impl MissingCompulsory {
    /// One field's refusal, in Vietnamese and English, naming it.
    pub fn reason(field: &MissingField) -> String {
        format!(
            "{}: chỉ tiêu bắt buộc, chưa nhập / {}: compulsory, not filled in",
            field.name("vi"),
            field.name("en")
        )
    }
}

/// The compulsory fields of a form with no value, in the form's order. A broken-down
/// element needs every option filled in.
pub fn missing<F: FormField>(ds: &DataSet, fields: &[F]) -> Vec<MissingField> {
    fields
        .iter()
        .filter(|f| ds.is_compulsory(f.element()) && !f.is_filled())
        .map(FormField::describe)
        .collect()
}

/// Refuse when a compulsory field of the form is empty.
pub fn check<F: FormField>(ds: &DataSet, fields: &[F]) -> Result<(), MissingCompulsory> {
    let fields = missing(ds, fields);
    if fields.is_empty() {
        Ok(())
    } else {
        Err(MissingCompulsory { fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiso_core::{Convention, PeriodType, Reporters, UnitKind};

    fn c(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    struct Typed(MissingField, Option<&'static str>);

    impl FormField for Typed {
        fn element(&self) -> &Code {
            &self.0.element
        }
        fn is_filled(&self) -> bool {
            self.1.is_some()
        }
        fn describe(&self) -> MissingField {
            self.0.clone()
        }
    }

    fn field(element: &str, option: Option<&str>, value: Option<&'static str>) -> Typed {
        Typed(
            MissingField {
                element: c(element),
                option: option.map(c),
                name_vi: format!("Chỉ tiêu {element}"),
                name_en: (element != "C").then(|| format!("Field {element}")),
                option_name: option.map(|o| format!("Nhóm {o}")),
            },
            value,
        )
    }

    fn form(compulsory: &[&str]) -> DataSet {
        DataSet {
            code: c("BM_XA"),
            name_vi: "Biểu mẫu xã".into(),
            name_en: None,
            period_type: PeriodType::Year,
            convention: Convention::Calendar,
            elements: vec![c("A"), c("B"), c("C")],
            compulsory: compulsory.iter().map(|s| c(s)).collect(),
            reporters: vec![Reporters::Kind(UnitKind::Commune)],
            scope: None,
            open_days: -30,
            due_days: 15,
            lock_days: None,
            approval: false,
        }
    }

    #[test]
    fn every_empty_compulsory_field_is_named_in_form_order() {
        let fields = [
            field("A", None, None),
            field("B", Some("NAM"), Some("3")),
            field("B", Some("NU"), None),
            field("C", None, None),
        ];
        // Nothing compulsory: anything may be empty.
        assert!(check(&form(&[]), &fields).is_ok());
        let e = check(&form(&["C", "B", "A"]), &fields).unwrap_err();
        let keys: Vec<String> = e.fields.iter().map(MissingField::key).collect();
        assert_eq!(keys, ["A", "B.NU", "C"]);
        let text = e.to_string();
        assert!(
            text.starts_with("Chưa gửi được báo cáo: còn 3 chỉ tiêu bắt buộc chưa nhập: Chỉ tiêu A; Chỉ tiêu B — Nhóm NU; Chỉ tiêu C."),
            "{text}"
        );
        // English names where there are, codes where there are none.
        assert!(
            text.ends_with("3 compulsory field(s) are empty: Field A; Field B — NU; C."),
            "{text}"
        );
        assert_eq!(
            MissingCompulsory::reason(&e.fields[0]),
            "Chỉ tiêu A: chỉ tiêu bắt buộc, chưa nhập / Field A: compulsory, not filled in"
        );
        // Filled in: accepted.
        let filled = [
            field("A", None, Some("1")),
            field("B", Some("NAM"), Some("3")),
            field("B", Some("NU"), Some("0")),
            field("C", None, None),
        ];
        assert!(check(&form(&["A", "B"]), &filled).is_ok());
    }
}
