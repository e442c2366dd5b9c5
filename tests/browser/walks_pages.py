"""Reading: the language switch keeps what the page was filtered to; every page fits a phone
(390 px) without sideways scrolling; a form left open too long is explained, with a way back."""
from chiso_browser import (
    Shots,
    check,
    first_login,
    log_in,
    messages,
    new_page,
    no_horizontal_scroll,
)
from walks_account import NEW_PASSWORD


def switching_language_keeps_the_filter(browser, server):
    shots = Shots("language")
    page = new_page(browser, server)
    page.goto("/completeness/BM_CDS_XA/2023?unit=58")
    shots(page, "completeness of Ninh Thuan")
    check("Ninh Thuận" in page.inner_text("main"), "the filtered page does not show the province")
    page.click("nav a.lang")
    page.wait_for_load_state("domcontentloaded")
    shots(page, "in English")
    check("unit=58" in page.url, f"the filter is lost in English: {page.url}")
    check(page.evaluate("document.documentElement.lang") == "en", "the page is not in English")
    main = page.inner_text("main")
    check("Reporting" in main or "reports" in main.lower(), f"the page is not in English: {main[:300]}")
    check("Ninh Thuan" in main or "Ninh Thuận" in main, "the filter's unit is gone in English")
    # Following a link inside the English page stays in English.
    page.click("nav a[href='/forms'], nav a[href^='/forms?']")
    page.wait_for_load_state("domcontentloaded")
    check(page.evaluate("document.documentElement.lang") == "en", "a link left English")
    page.go_back()
    page.click("nav a.lang")
    page.wait_for_load_state("domcontentloaded")
    shots(page, "back in Vietnamese")
    check("unit=58" in page.url, f"the filter is lost back in Vietnamese: {page.url}")
    check(page.evaluate("document.documentElement.lang") == "vi", "the page is not Vietnamese again")
    page.context.close()


def every_page_fits_a_phone(browser, server):
    shots = Shots("phone")
    page = new_page(browser, server, width=390, height=844)
    one_time = server.add_user("dien.thoai", "Đinh Thị Hương", "system_admin")
    first_login(page, "dien.thoai", one_time, NEW_PASSWORD)
    page.goto("/plans")
    plan = page.locator("main table a[href^='/plans/']").first.get_attribute("href")
    page.goto("/")
    framework = page.locator("main a[href^='/frameworks/']").first.get_attribute("href")
    pages = [
        "/",
        "/forms",
        "/forms?unit=2025-22738",
        "/forms/BM_CDS_XA/2025-22738/2026",
        "/completeness/BM_CDS_XA/2023?unit=58",
        "/units/58",
        "/units/2025-56",
        "/units/2025-22738",
        framework,
        "/plans",
        plan,
        "/directives",
        "/products",
        "/admin/audit",
        "/account/password",
        "/?lang=en",
        "/units/58?lang=en",
        "/plans?lang=en",
    ]
    wide = []
    for path in pages:
        page.goto(path)
        shots(page, path.strip("/").replace("?", "-") or "home")
        if not no_horizontal_scroll(page):
            wide.append(path)
    check(not wide, f"these pages scroll sideways at 390 px: {wide}")
    page.context.close()


def a_stale_form_is_explained_with_a_way_back(browser, server):
    shots = Shots("stale")
    one_time = server.add_user("ninhhai.canbo", "Mai Văn Đức", "data_entry@2025-22852")
    ctx_page = new_page(browser, server)
    first_login(ctx_page, "ninhhai.canbo", one_time, NEW_PASSWORD)
    form = "/forms/BM_CDS_XA/2025-22852/2026"
    ctx_page.goto(form)

    # Another tab logs out and in again: the first tab's form carries the old session's token.
    other = ctx_page.context.new_page()
    other.goto("/")
    other.click("form[action='/logout'] button")
    log_in(other, "ninhhai.canbo", NEW_PASSWORD)
    other.close()

    ctx_page.fill("#v-DAN_SO", "12000")
    ctx_page.get_by_role("button", name="Lưu", exact=True).click()
    ctx_page.wait_for_load_state("domcontentloaded")
    shots(ctx_page, "stale token")
    text = ctx_page.inner_text("main")
    check("tải lại" in text.lower() or "cũ" in text, f"the stale form is not explained: {text[:400]}")
    back = ctx_page.get_by_role("link", name="Mở lại biểu mẫu")
    check(back.count() == 1, "no way back to the form")
    back.click()
    ctx_page.wait_for_load_state("domcontentloaded")
    check(ctx_page.url.endswith(form), f"the way back went to {ctx_page.url}")
    ctx_page.fill("#v-DAN_SO", "12000")
    ctx_page.get_by_role("button", name="Lưu", exact=True).click()
    ctx_page.wait_for_load_state("domcontentloaded")
    check(messages(ctx_page, "ok"), "saving again after the way back failed")

    # The session ends (expired or logged out elsewhere): the login page says so, then returns.
    ctx_page.context.clear_cookies()
    ctx_page.fill("#v-DAN_SO", "12500")
    ctx_page.get_by_role("button", name="Lưu", exact=True).click()
    ctx_page.wait_for_load_state("domcontentloaded")
    shots(ctx_page, "session ended")
    check("/login" in ctx_page.url, f"an ended session led to {ctx_page.url}, not the login")
    check(
        "hết hạn" in ctx_page.inner_text("main"),
        "the login page does not say the session ended",
    )
    ctx_page.fill("input[name=username]", "ninhhai.canbo")
    ctx_page.fill("input[name=password]", NEW_PASSWORD)
    ctx_page.click("form[action='/login'] button[type=submit]")
    ctx_page.wait_for_load_state("domcontentloaded")
    shots(ctx_page, "back on the form")
    check(ctx_page.url.endswith(form), f"after logging in again the page is {ctx_page.url}")
    check(ctx_page.input_value("#v-DAN_SO") == "12000", "the last saved value is not shown")
    ctx_page.context.close()


WALKS = [
    switching_language_keeps_the_filter,
    every_page_fits_a_phone,
    a_stale_form_is_explained_with_a_way_back,
]
