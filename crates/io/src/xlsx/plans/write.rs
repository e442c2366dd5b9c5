//! Writing plans, their tasks and DX products as workbooks.

use super::{
    funding_label, product_status_label, product_type_label, status_label, vn_date, PLAN_HEADERS,
    PLAN_SHEET, PRODUCT_HEADERS, PRODUCT_SHEET, TASK_HEADERS, TASK_SHEET,
};
use chiso_core::plan::{Plan, Product};
use chiso_core::Code;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

fn headers(ws: &mut Worksheet, names: &[&str]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    for (i, h) in names.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &bold)?;
        ws.set_column_width(i as u16, 18)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn row_of(ws: &mut Worksheet, row: u32, cells: &[String]) -> Result<(), XlsxError> {
    for (i, c) in cells.iter().enumerate() {
        if !c.is_empty() {
            ws.write_string(row, i as u16, c)?;
        }
    }
    Ok(())
}

fn join(codes: &[Code]) -> String {
    codes
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Plans and their tasks as a workbook (the import's template).
pub fn write_plans(plans: &[Plan]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(PLAN_SHEET)?;
    headers(ws, PLAN_HEADERS)?;
    for (i, p) in plans.iter().enumerate() {
        row_of(
            ws,
            i as u32 + 1,
            &[
                p.code.to_string(),
                p.unit.to_string(),
                p.year.to_string(),
                p.title.clone(),
            ],
        )?;
    }
    let ws = wb.add_worksheet();
    ws.set_name(TASK_SHEET)?;
    headers(ws, TASK_HEADERS)?;
    let mut r = 1;
    for p in plans {
        for t in &p.tasks {
            row_of(
                ws,
                r,
                &[
                    p.code.to_string(),
                    t.code.to_string(),
                    t.parent.as_ref().map(|c| c.to_string()).unwrap_or_default(),
                    t.title.clone(),
                    t.description.clone(),
                    t.deliverable.clone(),
                    t.person.name.clone(),
                    t.person.position.clone().unwrap_or_default(),
                    t.person.contact.clone().unwrap_or_default(),
                    t.lead.to_string(),
                    join(&t.cooperating),
                    vn_date(t.start),
                    vn_date(t.due),
                    String::new(),
                    String::new(),
                    funding_label(t.funding).to_string(),
                    join(&t.targets),
                    join(&t.indicators),
                    status_label(t.status).to_string(),
                    String::new(),
                    t.completed_on.map(vn_date).unwrap_or_default(),
                ],
            )?;
            ws.write_number(r, 13, t.budget_allocated as f64)?;
            ws.write_number(r, 14, t.budget_spent as f64)?;
            ws.write_number(r, 19, f64::from(t.progress))?;
            r += 1;
        }
    }
    wb.save_to_buffer()
}

/// DX products as a workbook.
pub fn write_products(products: &[Product]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(PRODUCT_SHEET)?;
    headers(ws, PRODUCT_HEADERS)?;
    for (i, p) in products.iter().enumerate() {
        row_of(
            ws,
            i as u32 + 1,
            &[
                p.code.to_string(),
                p.name.clone(),
                p.owner.to_string(),
                p.sector.clone(),
                product_type_label(p.product_type).to_string(),
                product_status_label(p.status).to_string(),
                vn_date(p.registered_on),
                p.in_use_on.map(vn_date).unwrap_or_default(),
                p.link.clone().unwrap_or_default(),
                p.evidence.clone().unwrap_or_default(),
                p.note.clone().unwrap_or_default(),
            ],
        )?;
    }
    wb.save_to_buffer()
}
