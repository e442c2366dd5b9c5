"""The yearly review: reached from the menu, previewed in Vietnamese (the official document's
frame, the engine's count, the tiers' chart, the data version), switched to the English
translation and the Bengali press summary, the PDF and the Word file downloaded — on a wide
screen (1366 px) and on a phone (390 px)."""
from chiso_browser import Shots, check, new_page, no_horizontal_scroll


def the_yearly_report_previews_and_downloads(browser, server):
    shots = Shots("yearly")
    page = new_page(browser, server, width=1366, height=900)
    page.goto("/")
    page.get_by_role("link", name="Báo cáo năm").click()
    page.wait_for_load_state("domcontentloaded")
    check("/reports/yearly" in page.url, f"the menu led to {page.url}")
    main = page.inner_text("main")
    for want in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO",
                 "đạt 17/23 chỉ tiêu", "98,90%", "Nơi nhận:", "phiên bản dữ liệu"):
        check(want in main, f"{want!r} is not in the preview")
    check(page.locator("figure.report-chart svg").count() == 1, "the tiers' chart is missing")
    shots(page, "preview vi")

    with page.expect_download() as d:
        page.get_by_role("link", name="PDF").click()
    pdf = d.value
    check(pdf.suggested_filename.endswith(".pdf"), pdf.suggested_filename)
    with open(pdf.path(), "rb") as f:
        check(f.read(5) == b"%PDF-", "the PDF download is not a PDF")
    with page.expect_download() as d:
        page.get_by_role("link", name="Word (DOCX)").click()
    check(d.value.suggested_filename.endswith(".docx"), d.value.suggested_filename)

    page.get_by_role("link", name="Tiếng Anh (bản dịch)").click()
    page.wait_for_load_state("domcontentloaded")
    main = page.inner_text("main")
    check("17/23 targets met" in main and "314,792 billion VND" in main, "the English translation")
    shots(page, "preview en")
    # The report's language is the page's too where the site has it (vi, en).
    page.get_by_role("link", name="Bengali (press summary)").click()
    page.wait_for_load_state("domcontentloaded")
    main = page.inner_text("main")
    check("১৭/২৩" in main and "৯৮.৯০%" in main, "the Bengali summary")
    check(page.get_by_role("link", name="PDF").count() == 0, "a Bengali PDF is offered")
    shots(page, "preview bn")
    page.context.close()


def the_yearly_report_fits_a_phone(browser, server):
    shots = Shots("yearly-phone")
    page = new_page(browser, server, width=390, height=844)
    page.goto("/reports/yearly?framework=KH_CDS_2023&lang=vi")
    check(no_horizontal_scroll(page), "the report page scrolls sideways at 390 px")
    shots(page, "preview vi on a phone")
    page.locator("figure.report-chart").scroll_into_view_if_needed()
    shots(page, "chart on a phone")
    page.context.close()


WALKS = [
    the_yearly_report_previews_and_downloads,
    the_yearly_report_fits_a_phone,
]
