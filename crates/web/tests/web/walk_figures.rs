//! Faults a person met on the walk through the pages (issue 13): figures as a Vietnamese report
//! writes them — the unit page's changes, money in tỷ and triệu đồng, one way to write a
//! percentage, approval in words, the audit log in words.

use super::*;

/// The text of a table cell or fragment: tags dropped, entities read, spaces folded.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
        .replace("&nbsp;", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The cells of the first table row naming `code` (`<span class="code">CODE</span>`), as text:
/// the row's heading first.
fn row_cells(html: &str, code: &str) -> Vec<String> {
    let marker = format!("<span class=\"code\">{code}</span>");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no row {code} in the page"));
    let start = html[..at].rfind("<tr").unwrap_or(0);
    let end = at + html[at..].find("</tr>").unwrap_or(html.len() - at);
    html[start..end]
        .split("<t")
        .skip(2)
        .filter(|c| c.starts_with('h') || c.starts_with('d'))
        .map(|c| text_of(&format!("<t{c}")))
        .collect()
}

/// The unit page's indicator table: the row of `code`, without its heading: unit, one cell per
/// period, the change.
/// A row's cells as figures: what a figure stands on (its coverage, a partial mark, the
/// live marks) is read apart, by `coverage_of`.
fn indicator(html: &str, code: &str) -> Vec<String> {
    let mut figures = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = [
        "<div class=\"coverage\">",
        "<div class=\"pending\">",
        " <span class=\"partial\">",
    ]
    .iter()
    .filter_map(|m| rest.find(m))
    .min()
    {
        figures.push_str(&rest[..at]);
        let close = if rest[at..].starts_with(" <span") {
            "</span>"
        } else {
            "</div>"
        };
        rest = rest[at..]
            .find(close)
            .map_or("", |end| &rest[at + end + close.len()..]);
    }
    figures.push_str(rest);
    row_cells(&figures, code)
}

/// The coverage a row's cells show, e.g. "58/62 xã đã báo cáo".
fn coverage_of(html: &str, code: &str) -> Vec<String> {
    let full = row_cells(html, code);
    full.iter()
        .zip(indicator(html, code))
        .map(|(whole, figure)| whole[figure.len()..].trim().to_string())
        .collect()
}

fn last(cells: &[String]) -> &str {
    cells.last().map(String::as_str).unwrap_or("")
}

#[tokio::test]
async fn a_change_in_money_is_in_ty_dong_and_only_rates_change_in_points() {
    let app = spawn_app(true).await;
    let vi = get(&app, "/units/58").await.text;
    // A rate changes in percentage points.
    assert_eq!(last(&indicator(&vi, "CKS_TY_LE")), "+9,48 điểm %");
    assert_eq!(last(&indicator(&vi, "BCD_KH_TY_LE")), "+22,09 điểm %");
    // Money changes in tỷ đồng, absolutely (last year's 0 has no relative change).
    let spent = last(&indicator(&vi, "NS_DA_CHI_TONG")).to_string();
    assert_eq!(spent, "+5,51 tỷ đồng", "{spent}");
    assert_eq!(last(&indicator(&vi, "NS_PHAN_BO_TONG")), "+17,9 tỷ đồng");
    // An amount already in tỷ đồng: absolute and relative.
    assert_eq!(
        last(&indicator(&vi, "TT_KHONG_TIEN_MAT_DS")),
        "+67.436 tỷ đồng (+27,26 %)"
    );
    // Counts with their unit.
    assert_eq!(last(&indicator(&vi, "CD_QUA_HAN_SO")), "+4 chỉ đạo");
    assert_eq!(last(&indicator(&vi, "CV_QUA_HAN_SO")), "+5 nhiệm vụ");
    assert_eq!(
        last(&indicator(&vi, "SP_CDS_SO_DK")),
        "+13 sản phẩm (+28,26 %)"
    );
    assert_eq!(
        last(&indicator(&vi, "VUNG_LOM_CON_SO")),
        "-7 vùng (-58,33 %)"
    );
    // "điểm %" only ever follows a rate.
    let table = vi
        .split("<table")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap_or("");
    // Every figure row (the header row and the pillars' heading rows left out).
    for row in table
        .split("<tr")
        .skip(2)
        .filter(|r| !r.starts_with(" class=\"pillar-head\""))
    {
        let cells: Vec<String> = row
            .split("<t")
            .skip(1)
            .filter(|c| c.starts_with('h') || c.starts_with('d'))
            .map(|c| text_of(&format!("<t{c}")))
            .collect();
        let uom = cells.get(1).map(String::as_str).unwrap_or("");
        if cells.last().is_some_and(|c| c.contains("điểm %")) {
            assert_eq!(uom, "%", "only a rate changes in points: {cells:?}");
        }
    }

    let en = get(&app, "/units/58?lang=en").await.text;
    assert_eq!(last(&indicator(&en, "CKS_TY_LE")), "+9.48 points");
    assert_eq!(last(&indicator(&en, "NS_DA_CHI_TONG")), "+VND 5.51 billion");
    assert_eq!(
        last(&indicator(&en, "TT_KHONG_TIEN_MAT_DS")),
        "+VND 67,436 billion (+27.26%)"
    );
    // A count's unit in English, in the unit column and with its change.
    let overdue = indicator(&en, "CD_QUA_HAN_SO");
    assert_eq!(overdue[1], "directives", "{overdue:?}");
    assert_eq!(last(&overdue), "+4 directives");
    assert!(
        !en.contains("điểm"),
        "no Vietnamese unit on the English page"
    );
    app.finish().await;
}

#[tokio::test]
async fn money_reads_in_ty_and_trieu_dong_and_percentages_one_way() {
    let app = spawn_app(true).await;
    let vi = get(&app, "/units/58").await.text;
    // 5,513,000,000 đồng spent in 2024, 17,900,000,000 allocated.
    let spent = indicator(&vi, "NS_DA_CHI_TONG");
    assert!(spent.contains(&"5,51 tỷ đồng".to_string()), "{spent:?}");
    assert!(spent.contains(&"0 đồng".to_string()), "{spent:?}");
    assert!(
        indicator(&vi, "NS_PHAN_BO_TONG").contains(&"17,9 tỷ đồng".to_string()),
        "{:?}",
        indicator(&vi, "NS_PHAN_BO_TONG")
    );
    assert!(
        !text_of(&vi).contains("5.513.000.000"),
        "no 13 digits of đồng on the page"
    );
    assert!(
        vi.contains("title=\"5.513.000.000 đồng\""),
        "the exact amount stays in the tooltip"
    );
    // Every percentage: two decimals, a decimal comma, a space before %.
    let pct = |s: &str| {
        let Some(n) = s.strip_suffix(" %") else {
            return false;
        };
        let (int, frac) = n.split_once(',').unwrap_or((n, ""));
        frac.len() == 2
            && frac.bytes().all(|b| b.is_ascii_digit())
            && !int.is_empty()
            && int
                .trim_start_matches('-')
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.')
    };
    for code in [
        "CKS_TY_LE",
        "BC_HT_TY_LE",
        "CD_HOAN_THANH_TY_LE",
        "HTTT_KET_NOI_TY_LE",
        "DCS_TY_LE_KH",
    ] {
        let cells = indicator(&vi, code);
        let figures = &cells[2..cells.len() - 1];
        assert!(
            figures.iter().filter(|c| !c.is_empty()).all(|c| pct(c)),
            "{code}: {cells:?}"
        );
    }
    assert_eq!(indicator(&vi, "CKS_TY_LE")[2..4], ["87,74 %", "97,22 %"]);
    // Each commune-tier figure says what it stands on: every commune's 2022 report, and the
    // 58 of 62 received for 2023.
    assert_eq!(
        coverage_of(&vi, "CKS_TY_LE")[2..4],
        ["62/62 xã đã báo cáo", "58/62 xã đã báo cáo"]
    );
    assert_eq!(indicator(&vi, "BC_HT_TY_LE")[2], "45,00 %");
    assert_eq!(
        indicator(&vi, "HTTT_KET_NOI_TY_LE")[3..5],
        ["37,50 %", "62,50 %"]
    );

    let en = get(&app, "/units/58?lang=en").await.text;
    let spent = indicator(&en, "NS_DA_CHI_TONG");
    assert!(spent.contains(&"VND 5.51 billion".to_string()), "{spent:?}");
    assert_eq!(indicator(&en, "CKS_TY_LE")[2..4], ["87.74%", "97.22%"]);
    assert_eq!(
        indicator(&en, "HTTT_KET_NOI_TY_LE")[3..5],
        ["37.50%", "62.50%"]
    );

    // The completeness page writes its rates the same way.
    let c = get(&app, "/completeness/BM_CDS_XA/2023").await.text;
    assert!(c.contains("58 (93,55 %)"), "{}", text_of(&c));
    assert!(c.contains("52 (83,87 %)"));
    let row = row_cells(
        &c.replace(
            "<td class=\"code\">584</td>",
            "<td><span class=\"code\">584</span></td>",
        ),
        "584",
    );
    assert_eq!(row[3..], ["9", "100,00 %", "8", "88,89 %"], "{row:?}");
    let c = get(&app, "/completeness/BM_CDS_XA/2023?lang=en").await.text;
    assert!(c.contains("58 (93.55%)"), "{}", text_of(&c));
    app.finish().await;
}

/// The awaiting-approval table of a completeness page: (unit code, approval cell) per row.
fn awaiting(html: &str, heading: &str) -> Vec<(String, String)> {
    let part = html.split(heading).nth(1).unwrap_or("");
    let table = part.split("</table>").next().unwrap_or("");
    table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            let cells: Vec<String> = row
                .split("<td")
                .skip(1)
                .map(|c| text_of(&format!("<td{c}")))
                .collect();
            (
                cells.first().cloned().unwrap_or_default(),
                cells.last().cloned().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_approval_column_says_in_words_where_a_report_stands() {
    let app = spawn_app(true).await;
    // The agencies' and district committees' second quarter of 2024 is under way: an agency's
    // report is approved by the province alone, a committee's by its district then the
    // province.
    for uri in [
        "/completeness/BM_CDS_SO/2024Q2",
        "/completeness/BM_CDS_SO/2024Q2?unit=58",
    ] {
        let vi = get(&app, uri).await.text;
        let rows = awaiting(&vi, "Đã gửi, chờ phê duyệt");
        assert_eq!(rows.len(), 7, "{uri}: {rows:?}");
        let of = |code: &str| {
            rows.iter()
                .find(|(c, _)| c == code)
                .map(|(_, a)| a.clone())
                .unwrap_or_default()
        };
        // The city's committee waits for the city, the first of two steps.
        assert_eq!(of("582-UBND"), "Chờ phê duyệt (bước 1/2)", "{uri}");
        // A committee its district approved waits for the province.
        assert_eq!(of("584-UBND"), "Đã duyệt bước 1/2, chờ bước 2/2", "{uri}");
        // An agency waits for the province, its only step.
        assert_eq!(of("58-SO-CT"), "Chờ phê duyệt (bước 1/1)", "{uri}");
        assert!(
            rows.iter().all(|(_, a)| a != "0" && a != "1"),
            "no bare step count: {rows:?}"
        );
    }
    let en = get(&app, "/completeness/BM_CDS_SO/2024Q2?lang=en")
        .await
        .text;
    let rows = awaiting(&en, "Sent, awaiting approval");
    let of = |code: &str| {
        rows.iter()
            .find(|(c, _)| c == code)
            .map(|(_, a)| a.clone())
            .unwrap_or_default()
    };
    assert_eq!(of("582-UBND"), "Awaiting approval (step 1 of 2)");
    assert_eq!(of("584-UBND"), "Step 1 of 2 approved, awaiting step 2");
    // Unit names in the page's language.
    assert!(
        en.contains("Department of Industry and Trade"),
        "{}",
        text_of(&en)
    );
    app.finish().await;
}

async fn audit_page(app: &App, query: &str) -> String {
    let r = send_raw(
        app,
        Request::get(format!("/admin/audit{query}"))
            .header("authorization", format!("ApiToken {}", app.token))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.text
}

/// The audit table's rows as (action, readable change, raw JSON) texts.
fn audit_rows(html: &str) -> Vec<(String, String, String)> {
    let table = html.split("<tbody>").nth(1).unwrap_or("");
    table
        .split("<tr>")
        .skip(1)
        .map(|row| {
            let cells: Vec<&str> = row.split("<td").skip(1).collect();
            let action = cells
                .get(4)
                .map(|c| text_of(&format!("<td{c}")))
                .unwrap_or_default();
            let last = cells.get(6).copied().unwrap_or("");
            let (readable, raw) = last.split_once("<details").unwrap_or((last, ""));
            (
                action,
                text_of(&format!("<td{readable}")),
                text_of(&format!("<details{raw}")),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_audit_log_reads_old_to_new_in_words_with_the_json_kept() {
    let app = spawn_app(true).await;
    let key = json!({"element": "VB_DEN", "unit": "22738", "period": "202403"});
    let mut first = key.clone();
    first["value"] = json!(12);
    let r = post(&app, "/api/data-values", json!({ "data_values": [first] })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut second = key.clone();
    second["value"] = json!(15);
    second["comment"] = json!("sửa theo báo cáo");
    let r = post(&app, "/api/data-values", json!({ "data_values": [second] })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let vi = audit_page(&app, "?entity=data_value%3AVB_DEN%2F22738%2F202403").await;
    let rows = audit_rows(&vi);
    let update = rows
        .iter()
        .find(|r| r.0 == "data_value.update")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert!(update.1.contains("Giá trị: 12 → 15"), "{update:?}");
    assert!(
        update.1.contains("Ghi chú: — → “sửa theo báo cáo”"),
        "{update:?}"
    );
    assert!(
        !update.1.contains('{'),
        "no JSON in the readable part: {update:?}"
    );
    // Every line says what changed: none reads "x → x" (a time that moved by less than a
    // second is left to the raw record).
    for li in vi.split("<li>").skip(1) {
        let line = text_of(li.split("</li>").next().unwrap_or(""));
        if let Some((before, after)) = line.split_once(" → ") {
            let before = before.split_once(": ").map(|b| b.1).unwrap_or(before);
            assert_ne!(before, after, "{line}");
        }
    }
    // The raw record stays one click away.
    assert!(
        update.2.contains("\"value\": \"15\"") && update.2.contains("\"value\": \"12\""),
        "{update:?}"
    );
    let insert = rows
        .iter()
        .find(|r| r.0 == "data_value.insert")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert!(insert.1.contains("Giá trị: 12"), "{insert:?}");

    let en = audit_page(&app, "?entity=data_value%3AVB_DEN%2F22738%2F202403&lang=en").await;
    let rows = audit_rows(&en);
    let update = rows
        .iter()
        .find(|r| r.0 == "data_value.update")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert!(update.1.contains("Value: 12 → 15"), "{update:?}");
    assert!(
        update.1.contains("Comment: — → “sửa theo báo cáo”"),
        "{update:?}"
    );

    // The demo's load of 7,660 values is one batch row: a summary, not a wall of codes.
    let vi = audit_page(&app, "?action=data_value.batch").await;
    let rows = audit_rows(&vi);
    let batch = rows
        .iter()
        .find(|r| r.0 == "data_value.batch")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert!(
        batch.1.contains("7.660 giá trị") && batch.1.contains("thêm 7.660"),
        "{batch:?}"
    );
    assert!(batch.1.contains("64 phần tử dữ liệu"), "{batch:?}");
    assert!(batch.1.chars().count() < 400, "a summary: {batch:?}");
    let en = audit_page(&app, "?action=data_value.batch&lang=en").await;
    let rows = audit_rows(&en);
    let batch = rows
        .iter()
        .find(|r| r.0 == "data_value.batch")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert!(batch.1.contains("7,660 values"), "{batch:?}");
    app.finish().await;
}
