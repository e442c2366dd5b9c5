"""Reports: a commune officer fills, checks, evidences and sends its report; the province (or
the district, then the province, for a legacy commune) approves it; the Excel template."""
import os
import tempfile

from chiso_browser import (
    Shots,
    check,
    first_login,
    log_out,
    messages,
    new_page,
    press,
)
from walks_account import NEW_PASSWORD

# The commune form's figures for one commune, as its officer would type them.
FIGURES = {
    "VB_DEN": "1250",
    "VB_XL_MANG": "1180",
    "CB_TONG": "42",
    "CB_KY_SO": "40",
    "CB_DINH_DANH": "42",
    "HS_TTHC": "3100",
    "HS_TRUC_TUYEN": "2480",
    "DCS_KE_HOACH": "5200",
    "DCS_THU_THAP": "4870",
    "DAN_SO": "30500",
    "DAN_CO_HSSK": "26100",
    "NGUOI_TRUONG_THANH": "21800",
    "NGUOI_TT_CO_DTTM": "18300",
    "HO_GIA_DINH": "7600",
    "HO_CAP_QUANG": "6900",
    "DAN_15_TUOI": "23900",
    "DAN_15_CO_TKTT": "19100",
    "THON_TONG": "9",
    "THON_KHONG_LOM_SONG": "9",
    "TO_CNS_CONG_DONG": "9",
    "DAN_DAO_TAO_KNS": "1450",
    "SP_CDS_DANG_KY": "3",
}


def fill(page, figures):
    for code, value in figures.items():
        page.fill(f"#v-{code}", value)


def a_pdf(tmp, name="bien-ban.pdf"):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
        )
    return path


def commune_reports_and_province_approves(browser, server):
    shots = Shots("report-2025")
    officer = server.add_user("pdv.canbo", "Nguyễn Thị Lan", "data_entry@2025-22738")
    approver = server.add_user("tinh.pheduyet", "Phạm Văn Minh", "approver@2025-56")
    page = new_page(browser, server)
    first_login(page, "pdv.canbo", officer, NEW_PASSWORD)

    # The reports list opens on the officer's own commune; this year's report is open.
    page.click("nav >> text=Báo cáo")
    page.wait_for_load_state("domcontentloaded")
    shots(page, "my reports")
    check("Phường Đô Vinh" in page.inner_text("h1"), "the list is not the officer's commune")
    row = page.locator("table.values tr", has_text="Năm 2026")
    check(row.count() == 1, "this year's report is not listed")
    check("Đang nhập" in row.inner_text(), "this year's report is not open: " + row.inner_text())
    row.locator("a").click()
    page.wait_for_load_state("domcontentloaded")
    shots(page, "the empty report")
    check(
        "/forms/BM_CDS_XA/2025-22738/2026" in page.url, f"the report link went to {page.url}"
    )
    check("Khoá nhập" not in page.inner_text(".facts"), "an open report says it is locked")
    check(
        "đang mở để nhập thử" in page.inner_text("main"),
        "the demo does not say this year's report is open to try",
    )

    # Sending it half empty is refused, with what is missing.
    fill(page, {"VB_DEN": "1250", "VB_XL_MANG": "1180"})
    press(page, "Lưu và gửi báo cáo")
    shots(page, "sent half empty")
    errors = messages(page, "error")
    check(errors, "a half-empty report was sent")
    check("Dân số" in " ".join(errors), f"the missing fields are not named: {errors}")
    check("Đã gửi" not in page.inner_text(".facts"), "the half-empty report counts as sent")

    # Break a rule: more documents handled online than received.
    fill(page, FIGURES)
    page.fill("#v-VB_XL_MANG", "1300")
    press(page, "Lưu")
    shots(page, "a rule broken")
    errors, oks = messages(page, "error"), messages(page, "ok")
    check(len(errors) == 1, f"a broken rule should give one message, got {errors}")
    check(not oks, f"a refused save also says it saved: {oks}")
    msg = errors[0]
    check("Văn bản xử lý trên môi trường mạng" in msg, f"the rule is not named in words: {msg}")
    check("1.300" in msg and "1.250" in msg, f"the message does not show both sides: {msg}")
    check("VB_MANG_LE_DEN" not in page.inner_text("main"), "the rule's raw code is shown")
    check(page.input_value("#v-VB_XL_MANG") == "1300", "what the officer typed is lost")

    # Fix it and save: saved, and nothing red.
    page.fill("#v-VB_XL_MANG", "1180")
    press(page, "Lưu")
    shots(page, "saved")
    check(messages(page, "ok"), "a good save says nothing")
    check(not messages(page, "error"), f"a good save shows an error: {messages(page, 'error')}")
    check(page.input_value("#v-DAN_SO") == "30500", "a saved value does not show")

    # Evidence: the meeting's minutes, with its number and date typed as dd/mm/yyyy.
    with tempfile.TemporaryDirectory() as tmp:
        page.set_input_files("input[type=file][name=file] >> nth=0", a_pdf(tmp))
        page.fill("input[name=doc_number]", "15/BB-UBND")
        page.fill("input[name=doc_date]", "20/11/2026")
        page.fill("input[name=summary]", "Biên bản họp rà soát số liệu chuyển đổi số")
        press(page, "Tải lên")
    shots(page, "evidence attached")
    ev = page.inner_text("ul.evidence")
    check("bien-ban.pdf" in ev, "the evidence is not listed")
    check("15/BB-UBND" in ev and "20/11/2026" in ev, f"the evidence's number and date: {ev}")

    press(page, "Lưu và gửi báo cáo")
    shots(page, "sent")
    check(not messages(page, "error"), f"sending refused: {messages(page, 'error')}")
    check("Đã gửi, chờ phê duyệt" in page.inner_text(".facts"), "a sent report does not say it awaits approval")
    log_out(page)

    # The province approves.
    first_login(page, "tinh.pheduyet", approver, NEW_PASSWORD)
    page.goto("/forms/BM_CDS_XA/2025-22738/2026")
    shots(page, "the approver's view")
    press(page, "Phê duyệt báo cáo")
    shots(page, "approved")
    facts = page.inner_text(".facts")
    check("Đã phê duyệt" in facts, f"the report is not approved: {facts}")
    check("Tỉnh Khánh Hòa" in facts, f"the approval does not name the province: {facts}")
    check(page.locator("#v-DAN_SO").is_disabled(), "an approved report can still be typed into")
    log_out(page)

    # The officer sees it locked, with the reason, and cannot change it.
    page.goto("/login")
    page.fill("input[name=username]", "pdv.canbo")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.goto("/forms/BM_CDS_XA/2025-22738/2026")
    shots(page, "locked for the officer")
    check(page.get_by_role("button", name="Lưu", exact=True).count() == 0, "Save offered when locked")
    check(
        any("đã được phê duyệt" in w for w in messages(page, "warn")),
        "the locked report does not say why",
    )
    log_out(page)

    # Un-approval needs a reason, and opens the report again.
    page.goto("/login")
    page.fill("input[name=username]", "tinh.pheduyet")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.goto("/forms/BM_CDS_XA/2025-22738/2026")
    page.fill("input[name=reason]", "Số hộ có cáp quang cần đối chiếu với nhà mạng")
    press(page, "Huỷ phê duyệt")
    shots(page, "unapproved")
    check(not messages(page, "error"), f"un-approval refused: {messages(page, 'error')}")
    check("Đã phê duyệt" not in page.inner_text(".facts"), "still approved after un-approval")
    page.context.close()



def legacy_commune_reports_through_district_and_province(browser, server):
    """Phường Đô Vinh before 1 July 2025 (code 22738) sat under the city of Phan Rang – Tháp
    Chàm (582) in Ninh Thuận (58): its report goes to the district, then the province. Its
    2025 report closed long ago; an administrator opens it again from the form page."""
    shots = Shots("report-legacy")
    admin = new_page(browser, server)
    first_login(admin, "admin", server.admin_password, NEW_PASSWORD)
    officer = server.add_user("dovinh.cu", "Đặng Văn Tâm", "data_entry@22738")
    district = server.add_user("phanrang.duyet", "Võ Thị Thu", "approver@582")
    province = server.add_user("ninhthuan.duyet", "Hồ Văn Sơn", "approver@58")

    # The administrator finds the commune by name: both Đô Vinh units are offered, the legacy
    # one marked as ending on 30/06/2025.
    admin.click("nav >> text=Báo cáo")
    admin.fill("input[name=q]", "do vinh")
    press(admin, "Tìm")
    shots(admin, "units found by name")
    picks = admin.locator("ul.picks li")
    check(picks.count() >= 2, f"searching 'do vinh' found {picks.count()} units")
    legacy = admin.locator("ul.picks li", has_text="30/06/2025")
    check(legacy.count() == 1, "the legacy Đô Vinh is not offered with its end date")
    legacy.locator("a").click()
    admin.wait_for_load_state("domcontentloaded")
    shots(admin, "the legacy commune's reports")
    admin.locator("table.values tr", has_text="Năm 2025").locator("a").click()
    admin.wait_for_load_state("domcontentloaded")
    check(admin.url.endswith("/forms/BM_CDS_XA/22738/2025"), f"the report opened is {admin.url}")
    shots(admin, "closed for the administrator")
    check("Đã khoá" in admin.inner_text(".facts"), "the 2025 report is not shown as closed")
    admin.fill("input[name=until]", "31/12/2026")
    admin.fill("input[name=reason]", "Bổ sung số liệu sáu tháng đầu năm 2025 theo Công văn 210/UBND")
    press(admin, "Cho phép nhập lại")
    shots(admin, "exception granted")
    check(not messages(admin, "error"), f"the exception was refused: {messages(admin, 'error')}")
    facts = admin.inner_text(".facts")
    check("Khoá nhập" not in facts, f"after the exception the form still says 'Khoá nhập': {facts}")
    check("31/12/2026" in facts, f"the exception's end is not shown: {facts}")
    admin.context.close()

    page = new_page(browser, server)
    first_login(page, "dovinh.cu", officer, NEW_PASSWORD)
    page.goto("/forms/BM_CDS_XA/22738/2025")
    shots(page, "open again for the officer")
    check(not page.locator("#v-DAN_SO").is_disabled(), "the officer still cannot type")
    fill(page, FIGURES)
    press(page, "Lưu và gửi báo cáo")
    shots(page, "sent to the district")
    check(not messages(page, "error"), f"sending refused: {messages(page, 'error')}")
    check("0/2" in page.inner_text(".facts"), "the chain is not district then province")
    log_out(page)

    for user, one_time, level, step in (
        ("phanrang.duyet", district, "Phan Rang", "1/2"),
        ("ninhthuan.duyet", province, "Tỉnh Ninh Thuận", "2/2"),
    ):
        first_login(page, user, one_time, NEW_PASSWORD)
        page.goto("/forms/BM_CDS_XA/22738/2025")
        press(page, "Phê duyệt báo cáo")
        shots(page, f"approved {step}")
        facts = page.inner_text(".facts")
        check(level in facts and step in facts, f"step {step} at {level} not shown: {facts}")
        log_out(page)
    page.context.close()


def excel_template_filled_and_uploaded(browser, server):
    """Download the report's Excel template, fill it as an officer would in a spreadsheet,
    upload it, read the summary; the same file again changes nothing."""
    import openpyxl

    shots = Shots("excel")
    officer = server.add_user("phuochai.canbo", "Lý Thị Mai", "data_entry@2025-22852")
    page = new_page(browser, server)
    first_login(page, "phuochai.canbo", officer, NEW_PASSWORD)
    page.goto("/forms/BM_CDS_XA/2025-22852/2026")
    shots(page, "the report")
    with tempfile.TemporaryDirectory() as tmp:
        with page.expect_download() as d:
            page.get_by_role("link", name="Tải biểu mẫu Excel của báo cáo này").click()
        template = os.path.join(tmp, "bieu-mau.xlsx")
        d.value.save_as(template)
        check(d.value.suggested_filename.endswith(".xlsx"), "the template is not an .xlsx")
        book = openpyxl.load_workbook(template)
        sheet = book.worksheets[0]
        # The header row is the one with a "Giá trị" (value) column; the element's code sits
        # in a hidden column of the same row.
        head = next(
            r for r in range(1, 12)
            if any(str(c.value or "").startswith("Giá trị") for c in sheet[r])
        )
        header = [str(c.value or "") for c in sheet[head]]
        value_col = header.index(next(h for h in header if h.startswith("Giá trị"))) + 1
        code_col = header.index(next(h for h in header if h.startswith("Mã chỉ tiêu"))) + 1
        filled = 0
        for row in range(head + 1, sheet.max_row + 1):
            code = sheet.cell(row=row, column=code_col).value
            if code in FIGURES:
                sheet.cell(row=row, column=value_col).value = int(FIGURES[code])
                filled += 1
        check(filled == len(FIGURES), f"the template lists {filled} of {len(FIGURES)} fields")
        book.save(template)

        page.set_input_files("input[type=file][accept='.xlsx']", template)
        press(page, "Tải lên và nhập")
        shots(page, "uploaded")
        ok = " ".join(messages(page, "ok"))
        check(f"{len(FIGURES)} mới" in ok, f"the summary does not count the new values: {ok}")
        check(page.input_value("#v-DAN_SO") == FIGURES["DAN_SO"], "an uploaded value does not show")

        page.set_input_files("input[type=file][accept='.xlsx']", template)
        press(page, "Tải lên và nhập")
        shots(page, "uploaded again")
        ok = " ".join(messages(page, "ok"))
        check(
            "0 cập nhật" in ok and f"{len(FIGURES)} không đổi" in ok,
            f"the same file again is not 'unchanged': {ok}",
        )
    page.context.close()


WALKS = [
    commune_reports_and_province_approves,
    legacy_commune_reports_through_district_and_province,
    excel_template_filled_and_uploaded,
]
