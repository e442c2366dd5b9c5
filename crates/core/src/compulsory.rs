//! A data set's compulsory elements: what a definition may say, and the one order they are
//! kept in (the form's).

use crate::code::Code;
use crate::dataset::DataSet;

impl DataSet {
    /// What is wrong with the compulsory list, one reason per bad entry (none: it is good).
    /// Each names the element: it must be an element of the form, listed once.
    pub fn compulsory_errors(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for e in &self.compulsory {
            if !self.elements.contains(e) {
                out.push(format!(
                    "chỉ tiêu bắt buộc {e} không có trong biểu {code}; chỉ đánh dấu bắt buộc \
                     các chỉ tiêu của biểu / compulsory element {e} is not an element of data \
                     set {code}; only the form's own elements can be compulsory",
                    code = self.code
                ));
            } else if !seen.insert(e) {
                out.push(format!(
                    "chỉ tiêu bắt buộc {e} được ghi hai lần / compulsory element {e} is listed twice"
                ));
            }
        }
        out
    }

    /// The compulsory elements in the form's order (how they are stored and read back).
    pub fn compulsory_in_form_order(&self) -> Vec<Code> {
        self.elements
            .iter()
            .filter(|e| self.compulsory.contains(e))
            .cloned()
            .collect()
    }

    /// Whether an element is compulsory on this form.
    pub fn is_compulsory(&self, element: &Code) -> bool {
        self.compulsory.contains(element)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Code, Convention, DataSet, PeriodType, Reporters, UnitKind};

    fn c(s: &str) -> Code {
        Code::parse(s).unwrap()
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
    fn compulsory_elements_are_the_forms_own_listed_once() {
        assert!(form(&[]).compulsory_errors().is_empty());
        assert!(form(&["C", "A"]).compulsory_errors().is_empty());
        let e = form(&["A", "KHAC", "A"]).compulsory_errors();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("KHAC") && e[0].contains("BM_XA"), "{e:?}");
        assert!(e[1].contains("hai lần") && e[1].contains('A'), "{e:?}");
    }

    #[test]
    fn compulsory_elements_are_kept_in_the_forms_order() {
        assert_eq!(
            form(&["C", "A"]).compulsory_in_form_order(),
            vec![c("A"), c("C")]
        );
        assert!(form(&["B"]).is_compulsory(&c("B")));
        assert!(!form(&["B"]).is_compulsory(&c("A")));
    }
}
