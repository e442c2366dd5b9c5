"""The electronic data store (Project 06) at a commune's one-stop desk: an officer of Phường
Bảo An (2025-22741) receives a dossier for an applicant whose store already holds a birth
certificate; the store offers it, the component is marked reused (the citizen is not asked
for it), and the commune's reuse rate moves on its store page and on the indicator's page —
and on the home dashboard (`/`), the commune's row in the store's section — on a wide screen
(1366 px) and the panel on a phone (390 px)."""
import datetime
import os
import tempfile

from chiso_browser import (
    Shots,
    check,
    first_login,
    log_in,
    messages,
    new_page,
    no_horizontal_scroll,
    press,
)

NEW_PASSWORD = "Kho-du-lieu-2026!"
HOLDER = "CN-C89AF8CC5081"  # chiso_demo::p06::HOLDER
UNIT = "2025-22741"


def reuse_cell(page):
    return page.locator("#rate-KDL_TAI_SU_DUNG_TY_LE td.num").first.inner_text().strip()


def reuse_parts(page):
    return page.locator("#rate-KDL_TAI_SU_DUNG_TY_LE td.num").nth(1).inner_text().strip()


def dashboard_reuse(page, year, today):
    """The commune's reuse rate in the dashboard's store section, or None without a row."""
    page.goto(f"/?structure=2025-56&period={year}&as_of={today}")
    page.wait_for_load_state("domcontentloaded")
    row = page.locator(f"#p06-unit-{UNIT}")
    if row.count() == 0:
        return None
    return row.locator("td[data-rate=KDL_TAI_SU_DUNG_TY_LE]").inner_text().strip()


def desk_officer(browser, server, username, name):
    """A new data-entry officer of the commune, logged in on a wide screen."""
    officer = server.add_user(username, name, f"data_entry@{UNIT}")
    page = new_page(browser, server, width=1366, height=900)
    first_login(page, username, officer, NEW_PASSWORD)
    return page


def the_desk_reuses_what_the_store_holds(browser, server):
    shots = Shots("p06")
    page = desk_officer(browser, server, "baoan.p06", "Nguyễn Thị Mai")

    # From the commune's page to its store.
    page.goto(f"/units/{UNIT}")
    page.get_by_role("link", name="Kho dữ liệu điện tử").click()
    page.wait_for_load_state("domcontentloaded")
    check(page.url.endswith(f"/p06/units/{UNIT}"), f"the store link led to {page.url}")
    before_rate, before_parts = reuse_cell(page), reuse_parts(page)
    shots(page, "store page before")

    year = datetime.date.today().year
    today = datetime.date.today().isoformat()
    before_dash = dashboard_reuse(page, year, today)
    shots(page, "dashboard before")
    page.goto(f"/indicators/KDL_TAI_SU_DUNG_TY_LE?unit={UNIT}&period={year}")
    before_indicator = page.inner_text("main")
    # Back to the store page by its link: pages are never kept by the browser (no-store), so
    # Back after a form would ask to send the form again.
    page.goto(f"/p06/units/{UNIT}")
    page.wait_for_load_state("domcontentloaded")

    # Receive a dossier: a certificate of marital status needs the birth certificate.
    page.fill("input[name=subject]", HOLDER)
    page.fill("input[name=procedure]", "1.004873")
    page.fill("input[name=procedure_name]", "Cấp Giấy xác nhận tình trạng hôn nhân")
    page.check("input[name=essential]")
    page.fill("input[name=due_days]", "3")
    page.fill("textarea[name=components]", "TO_KHAI Tờ khai\nGKS Giấy khai sinh")
    shots(page, "form filled")
    press(page, "Tiếp nhận")
    ok = messages(page, "ok")
    check(any("Đã tiếp nhận hồ sơ" in m for m in ok), f"no receipt said: {ok} {messages(page, 'error')}")
    offered = [m for m in ok if "dùng lại kết quả" in m]
    check(offered and "Giấy khai sinh" in offered[0], f"the store offered nothing: {ok}")
    shots(page, "received with reuse")

    # The new dossier's birth certificate is marked reused, with the result it came from.
    row = page.locator("table.p06-dossiers tbody tr").first
    gks = row.locator("li[data-doc=GKS]")
    check("Dùng lại từ Kho" in gks.inner_text(), f"the component is not marked reused: {gks.inner_text()!r}")
    check("Bản giấy" in row.locator("li[data-doc=TO_KHAI]").inner_text(), "the form is not on paper")
    source = gks.locator("a").first.inner_text()
    check(source.endswith("-KQ1") or "-KQ" in source, f"no source result: {source!r}")

    # The commune's reuse rate moved, on its store page and on the indicator's page.
    after_rate, after_parts = reuse_cell(page), reuse_parts(page)
    check(after_rate != before_rate or after_parts != before_parts,
          f"the reuse rate did not move: {before_rate} {before_parts} → {after_rate} {after_parts}")
    check(after_rate != "—", "no reuse rate after the intake")
    page.goto(f"/indicators/KDL_TAI_SU_DUNG_TY_LE?unit={UNIT}&period={year}")
    after_indicator = page.inner_text("main")
    check(after_indicator != before_indicator, "the indicator's page did not change")
    check(after_rate in after_indicator, f"the indicator's page does not show {after_rate}")
    shots(page, "indicator page after")

    # The home dashboard: the commune's reuse rate in the store's section moved with the write.
    after_dash = dashboard_reuse(page, year, today)
    check(after_dash is not None, "the commune has no row in the dashboard's store section")
    check(after_dash != before_dash, f"the dashboard's reuse rate did not move: {before_dash} → {after_dash}")
    check(after_rate in after_dash, f"the dashboard shows {after_dash}, the store page {after_rate}")
    check(page.locator("#dash-p06 h2").count() == 1, "no store section on the dashboard")
    shots(page, "dashboard after")

    # The reused result's history: the desk's read is in it? Only the owner and the issuer
    # see reads; the desk sees the result itself while its dossier is open.
    # Back to the store page by its link: pages are never kept by the browser (no-store), so
    # Back after a form would ask to send the form again.
    page.goto(f"/p06/units/{UNIT}")
    page.wait_for_load_state("domcontentloaded")
    page.locator("table.p06-dossiers tbody tr").first.locator("li[data-doc=GKS] a").click()
    page.wait_for_load_state("domcontentloaded")
    check(source in page.inner_text("h1"), f"the result's page is not {source}")
    shots(page, "reused result")

    # The same store page on a phone: no sideways scroll, the reused component still marked.
    phone = new_page(browser, server, width=390, height=844)
    log_in(phone, "baoan.p06", NEW_PASSWORD)
    phone.goto(f"/p06/units/{UNIT}")
    check(no_horizontal_scroll(phone), "the store page scrolls sideways at 390 px")
    first = phone.locator("table.p06-dossiers tbody tr").first
    check("Dùng lại từ Kho" in first.inner_text(), "the phone does not show the reused component")
    shots(phone, "store page 390")


def the_panel_reads_on_a_phone(browser, server):
    shots = Shots("p06-panel")
    page = new_page(browser, server, width=390, height=844)
    page.goto("/p06/panel?unit=22738&period=2023")
    body = page.inner_text("main")
    for g in ("Công khai, minh bạch", "Tiến độ, kết quả giải quyết", "Số hóa hồ sơ",
              "Cung cấp dịch vụ trực tuyến", "Mức độ hài lòng"):
        check(g in body, f"the panel lacks the group {g}")
    check("không phải của Quyết định" in body, "the unofficial weights are not labelled")
    check(no_horizontal_scroll(page), "the panel scrolls sideways at 390 px")
    shots(page, "panel 390")
    page.goto("/p06/panel?unit=22738&period=2023&lang=en")
    check("not the Decision" in page.inner_text("main"), "the English panel does not say so")


def the_desk_uploads_a_signed_scan(browser, server):
    """An officer receives a dossier whose paper is an earlier procedure's result, uploads a
    signed scan of it from the store page (a PDF), sees the component marked digitised and the
    file kept, downloads it back; an identity card's image is refused with its reason."""
    shots = Shots("p06-upload")
    page = desk_officer(browser, server, "baoan.upload", "Trần Văn Bình")
    page.goto(f"/p06/units/{UNIT}")
    page.fill("input[name=subject]", HOLDER)
    page.fill("input[name=procedure]", "1.000894")
    page.fill("input[name=procedure_name]", "Đăng ký kết hôn")
    page.fill("input[name=due_days]", "5")
    page.fill("textarea[name=components]", "TO_KHAI Tờ khai\nGCN_KH Giấy chứng nhận cũ")
    press(page, "Tiếp nhận")
    ok = messages(page, "ok")
    received = [m for m in ok if "Đã tiếp nhận hồ sơ" in m]
    check(received, f"no receipt: {ok} {messages(page, 'error')}")
    code = received[0].split("Đã tiếp nhận hồ sơ ")[1].split()[0].rstrip(".")

    with tempfile.TemporaryDirectory() as tmp:
        scan = os.path.join(tmp, "giay-chung-nhan.pdf")
        with open(scan, "wb") as f:
            f.write(b"%PDF-1.4\n% chiso browser walk\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
        card = os.path.join(tmp, "cccd.png")
        with open(card, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + bytes(64))

        form = page.locator("form.p06-upload")
        check(form.count() == 1, "no upload form on the store page")
        # An identity card's image first: refused, with its reason.
        form.locator("select[name=dossier]").select_option(code)
        form.locator("select[name=kind]").select_option("scan")
        form.locator("input[name=doc_type]").fill("CCCD")
        form.locator("input[name=name]").fill("Căn cước")
        form.locator("input[name=number]").fill("1")
        form.locator("input[name=signer]").fill("ab" * 20)
        form.locator("input[name=file]").set_input_files(card)
        press(page, "Tải lên và ghi vào Kho")
        errors = messages(page, "error")
        check(any("căn cước" in e for e in errors), f"the identity card was not refused: {errors}")
        shots(page, "identity card refused")

        form = page.locator("form.p06-upload")
        form.locator("select[name=dossier]").select_option(code)
        form.locator("select[name=kind]").select_option("scan")
        form.locator("input[name=doc_type]").fill("GCN_KH")
        form.locator("input[name=name]").fill("Giấy chứng nhận cũ (bản số hóa)")
        form.locator("input[name=number]").fill("12/2019")
        form.locator("input[name=signer]").fill("ab" * 20)
        form.locator("input[name=file]").set_input_files(scan)
        shots(page, "upload filled")
        press(page, "Tải lên và ghi vào Kho")
        ok = messages(page, "ok")
        check(any(f"Đã ghi {code}-KQ1" in m for m in ok), f"the scan was not kept: {ok} {messages(page, 'error')}")
        shots(page, "scan kept")

        row = page.locator(f"table.p06-dossiers tbody tr[id='{code}']")
        check("Đã số hóa" in row.locator("li[data-doc=GCN_KH]").inner_text(),
              "the component is not marked digitised")
        with page.expect_download() as d:
            row.locator("a.p06-file").first.click()
        got = os.path.join(tmp, "got.pdf")
        d.value.save_as(got)
        with open(got, "rb") as a, open(scan, "rb") as b:
            check(a.read() == b.read(), "the file downloaded is not the one uploaded")
        check(d.value.suggested_filename == f"{code}-KQ1.pdf", f"named {d.value.suggested_filename}")


IMPORT_HEAD = ("code,subject,subject_name,procedure,procedure_name,essential,unit,received,due,finished,"
               "status,online,components,result_doc_type,result_name,result_number,result_issued,"
               "result_valid_until,result_signer,result_link\n")


def the_desk_imports_a_one_stop_export(browser, server):
    """An officer opens the import page from the commune's store page and uploads a one-stop
    system's export (CSV) with one wrong date: the table of errors names the row and the field
    and nothing is written; the corrected file, as a dry run (the default), says what would be
    written; then imported, its dossier is on the store page. The page with its error table
    also on a phone."""
    shots = Shots("p06-import")
    page = desk_officer(browser, server, "baoan.import", "Lê Văn Cường")
    page.goto(f"/p06/units/{UNIT}")
    page.get_by_role("link", name="Nhập hồ sơ từ tệp xuất của hệ thống một cửa").click()
    page.wait_for_load_state("domcontentloaded")
    check(page.url.endswith("/p06/import"), f"the import link led to {page.url}")
    check(page.locator("input[name=dry_run]").is_checked(), "the dry run is not on by default")
    shots(page, "import page")

    today = datetime.date.today()
    code = f"000.25.06.H58-{today.strftime('%y%m%d')}-9801"
    day = today.isoformat()
    good = (f"{IMPORT_HEAD}{code},CN-0000000BEEF1,Người dân thử,1.001193,Đăng ký khai sinh,1,{UNIT},"
            f"{day},{day},{day},finished,1,TO_KHAI+d|GIAY_CHUNG_SINH+n,TRICH_LUC_KS,Trích lục khai sinh,"
            f"9801/{today.year},{day},,{'ab' * 20},\n")
    wrong = good.replace(f",{UNIT},{day},", f",{UNIT},{today.day:02d}/{today.month:02d}/{today.year},", 1)

    with tempfile.TemporaryDirectory() as tmp:
        def upload(content, dry_run):
            path = os.path.join(tmp, "mot-cua.csv")
            with open(path, "w", encoding="utf-8") as f:
                f.write(content)
            page.locator("input[name=file]").set_input_files(path)
            if dry_run:
                page.check("input[name=dry_run]")
            else:
                page.uncheck("input[name=dry_run]")
            press(page, "Kiểm tra tệp")

        # One wrong date: the error table names row 2 and the field, nothing written.
        upload(wrong, dry_run=False)
        errors = page.locator("#p06-import-errors tbody tr")
        check(errors.count() >= 1, f"no error table: {messages(page, 'error')}")
        cells = [errors.first.locator("td").nth(i).inner_text().strip() for i in range(3)]
        check(cells[0] == "2" and cells[1] == "received", f"the error names {cells}")
        check("YYYY-MM-DD" in cells[2], f"the error does not say the date's form: {cells[2]}")
        check(any("không ghi dữ liệu nào" in m for m in messages(page, "error")), "nothing said of writing")
        shots(page, "error table")

        phone = new_page(browser, server, width=390, height=844)
        log_in(phone, "baoan.import", NEW_PASSWORD)
        phone.goto("/p06/import")
        path = os.path.join(tmp, "mot-cua.csv")
        phone.locator("input[name=file]").set_input_files(path)
        press(phone, "Kiểm tra tệp")
        check(phone.locator("#p06-import-errors").count() == 1, "no error table on the phone")
        check(no_horizontal_scroll(phone), "the import page scrolls sideways at 390 px")
        shots(phone, "error table 390")

        # Corrected: a dry run says what would be written, and writes nothing.
        upload(good, dry_run=True)
        ok = messages(page, "ok")
        check(any("Chạy thử, chưa ghi gì" in m and "1 hồ sơ" in m for m in ok),
              f"no dry-run summary: {ok} {messages(page, 'error')}")
        page.goto(f"/p06/units/{UNIT}")
        check(page.locator(f"tr[id='{code}']").count() == 0, "the dry run wrote the dossier")
        page.goto("/p06/import")

        # Imported: the store page lists the new dossier with its result.
        upload(good, dry_run=False)
        ok = messages(page, "ok")
        check(any("Đã nhập vào Kho 1 hồ sơ" in m for m in ok), f"not imported: {ok} {messages(page, 'error')}")
        shots(page, "imported")
    page.goto(f"/p06/units/{UNIT}")
    row = page.locator(f"tr[id='{code}']")
    check(row.count() == 1, "the store page does not list the imported dossier")
    check(f"{code}-KQ1" in row.inner_text(), "the imported result is not listed")
    row.scroll_into_view_if_needed()
    shots(page, "store page lists it")


def the_panel_s_settings_change_its_score(browser, server):
    """An administrator of every unit opens the panel, follows its link to the settings
    (each group's official maximum shown, the weights and thresholds said to be chiso's),
    types a threshold that is not a number and reads the error beside the field (nothing
    saved), then lowers the progress group's threshold with a decimal comma, saves, and sees
    the panel's progress score rise; the defaults are restored at the end."""
    shots = Shots("p06-settings")
    admin = server.add_user("quantri.p06", "Lê Văn Quản", "framework_admin")
    page = new_page(browser, server, width=1366, height=900)
    first_login(page, "quantri.p06", admin, NEW_PASSWORD)
    page.goto("/p06/panel?unit=22738&period=2023")
    score = lambda: page.locator("#p06-group-progress .p06-score").inner_text().strip()
    before = score()
    check(before not in ("", "—"), f"no progress score before: {before!r}")
    shots(page, "panel before")

    page.get_by_role("link", name="Thiết lập trọng số và ngưỡng").click()
    page.wait_for_load_state("domcontentloaded")
    check("/p06/panel/settings" in page.url, f"the settings link led to {page.url}")
    body = page.inner_text("main")
    for m in ("Tối đa 18 điểm", "Tối đa 20 điểm", "Tối đa 22 điểm"):
        check(m in body, f"the settings do not show {m}")
    check("không phải của Quyết định" in body, "the settings do not say they are chiso's")
    shots(page, "settings")

    # A threshold that is not a number: the error beside the field, nothing saved.
    page.fill("#progress-0-full_at", "năm mươi")
    press(page, "Lưu thiết lập")
    error = page.locator("#progress-0-full_at-error")
    check(error.count() == 1 and "không phải là số" in error.inner_text(),
          f"no error beside the threshold: {messages(page, 'error')}")
    check(page.get_attribute("#progress-0-full_at", "aria-invalid") == "true",
          "the field is not marked invalid")
    check(page.input_value("#progress-0-full_at") == "năm mươi", "what was typed is lost")
    shots(page, "bad number")
    page.goto("/p06/panel?unit=22738&period=2023")
    check(score() == before, f"a refused form changed the score: {before} → {score()}")

    # Full points at 50,5 % on time instead of 100 %: the progress score rises.
    page.goto("/p06/panel/settings?unit=22738&period=2023")
    page.fill("#progress-0-full_at", "50,5")
    press(page, "Lưu thiết lập")
    ok = messages(page, "ok")
    check(any("Đã lưu thiết lập" in m for m in ok), f"not saved: {ok} {messages(page, 'error')}")
    shots(page, "saved")
    page.get_by_role("link", name="Về bộ chỉ số").click()
    page.wait_for_load_state("domcontentloaded")
    after = score()
    number = lambda s: float(s.replace(".", "").replace(",", "."))
    check(number(after) > number(before), f"the progress score did not rise: {before} → {after}")
    check("đủ điểm ở 50,50 %" in page.inner_text("#p06-group-progress"),
          "the panel does not show the new threshold")
    shots(page, "panel after")

    # The settings on a phone: no sideways scroll; then the defaults back.
    phone = new_page(browser, server, width=390, height=844)
    log_in(phone, "quantri.p06", NEW_PASSWORD)
    phone.goto("/p06/panel/settings")
    check(no_horizontal_scroll(phone), "the settings scroll sideways at 390 px")
    shots(phone, "settings 390")
    press(phone, "Khôi phục mặc định của chiso")
    check(any("Đã khôi phục" in m for m in messages(phone, "ok")), "the defaults were not restored")
    phone.goto("/p06/panel?unit=22738&period=2023")
    check(phone.locator("#p06-group-progress .p06-score").inner_text().strip() == before,
          "the defaults do not give the first score back")


WALKS = [
    the_desk_reuses_what_the_store_holds,
    the_desk_uploads_a_signed_scan,
    the_desk_imports_a_one_stop_export,
    the_panel_reads_on_a_phone,
    the_panel_s_settings_change_its_score,
]
