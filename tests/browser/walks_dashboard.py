"""The steering dashboard: a leader opens chiso at 1366 px and on a phone (390 px), reads
17/23 and the three tiers, follows an unmet target's link to the directive that addresses
it, and switches the period and the structure."""
from chiso_browser import Shots, check, new_page, no_horizontal_scroll


def _score(page):
    return page.inner_text("#dash-achieved").strip()


def the_dashboard_answers_at_a_glance(browser, server):
    for width, height, name in ((1366, 900, "wide"), (390, 844, "phone")):
        shots = Shots(f"dashboard-{name}")
        page = new_page(browser, server, width=width, height=height)
        page.goto("/")
        shots(page, "home")
        check(_score(page) == "17/23", f"the scoreboard reads {_score(page)!r} at {width} px")
        tiers = page.locator("ul.tiers .dash-big").all_inner_texts()
        check(tiers == ["98,90 %", "96,52 %", "94,89 %"], f"the tiers read {tiers}")
        check(no_horizontal_scroll(page), f"the dashboard scrolls sideways at {width} px")
        pillars = page.locator("h3.pillar-title").all_inner_texts()
        check(len(pillars) == 5, f"five pillars expected: {pillars}")
        # An unmet target: its directive, one click away, lands on that directive's row.
        row = page.locator("tr#target-KH2023_04")
        row.scroll_into_view_if_needed()
        shots(page, "signatures not met")
        check("Chưa đạt" in row.inner_text(), "signatures are not shown as not met")
        row.locator("a.action-directive").first.click()
        page.wait_for_load_state("domcontentloaded")
        check(page.url.endswith("/directives#KL2023-09"), f"the link went to {page.url}")
        target = page.locator("tr#KL2023-09")
        check(target.count() == 1, "the directive's row is not on the page")
        check("chữ ký số" in target.inner_text(), "the directive is not the signatures one")
        shots(page, "the directive")
        page.go_back()
        page.wait_for_load_state("domcontentloaded")
        # The 2024 follow-up, then the 2025 structure.
        page.select_option("select[name=period]", "2024")
        page.click("form.dash-switch button[type=submit]")
        page.wait_for_load_state("domcontentloaded")
        shots(page, "2024")
        check("period=2024" in page.url, f"the period is not switched: {page.url}")
        check(_score(page).endswith("/8"), f"the 2024 framework has 8 targets: {_score(page)}")
        check(no_horizontal_scroll(page), f"2024 scrolls sideways at {width} px")
        page.select_option("select[name=period]", "2023")
        page.select_option("select[name=structure]", "2025-56")
        page.click("form.dash-switch button[type=submit]")
        page.wait_for_load_state("domcontentloaded")
        shots(page, "2025 structure")
        main = page.inner_text("main")
        check("Khánh Hòa" in main, "the 2025 structure is not shown")
        check("314.792 tỷ đồng" in main, "the 2023 turnover is not read into 2025-56")
        check(no_horizontal_scroll(page), f"the 2025 structure scrolls sideways at {width} px")
        page.context.close()


def the_2025_structure_is_judged_in_its_own_units(browser, server):
    """The 2025 structure (Khánh Hòa, 2025-56): the 2023 targets read over what their units
    became, the district tier and the provincial agencies said to have no place there, and
    the province's page showing the 2023 figures carried into it."""
    for width, height, name in ((1366, 900, "wide"), (390, 844, "phone")):
        shots = Shots(f"dashboard-2025-{name}")
        page = new_page(browser, server, width=width, height=height)
        page.goto("/?period=2023&structure=2025-56&as_of=2024-06-30")
        shots(page, "2025 structure")
        score = _score(page)
        check(score != "17/23" and score.endswith("/19"), f"the 2025 scoreboard reads {score!r}")
        row = page.locator("tr#target-KH2023_05")
        row.scroll_into_view_if_needed()
        shots(page, "online services over 2025-56")
        check("Tỉnh Khánh Hòa (2025-56)" in row.inner_text(), "not read over 2025-56")
        check("72,40 %" in row.inner_text(), f"online services read {row.inner_text()!r}")
        district = page.locator("tr#target-KH2023_02")
        district.scroll_into_view_if_needed()
        shots(page, "the district tier has no place")
        check("Không đánh giá trong cấu trúc này" in district.inner_text(), "district tier assessed")
        check(no_horizontal_scroll(page), f"the 2025 dashboard scrolls sideways at {width} px")
        # The province of 2025, one click away from the dashboard's links.
        page.click("a[href='/units/2025-56']")
        page.wait_for_load_state("domcontentloaded")
        shots(page, "the 2025 province")
        main = page.inner_text("main")
        check("DVCTT_TOAN_TRINH_TY_LE" in main and "72,40 %" in main, "2025-56 shows no 2023 figures")
        check(no_horizontal_scroll(page), f"the 2025 province scrolls sideways at {width} px")
        page.context.close()


def a_leader_types_the_day_as_vietnamese_write_it(browser, server):
    """The "as of" field takes dd/mm/yyyy (whatever the browser's language); a day written
    month first is said to be wrong beside the field, what was typed kept."""
    shots = Shots("dashboard-date")
    page = new_page(browser, server, width=1366, height=900, lang="en-US")
    page.goto("/?period=2023&structure=58")
    field = page.locator("input[name=as_of]")
    check(field.get_attribute("type") == "text", "the day is not a text field")
    field.fill("31/12/2023")
    shots(page, "typed 31-12-2023")
    page.click("form.dash-switch button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    shots(page, "as of 31-12-2023")
    check("as_of=31%2F12%2F2023" in page.url, f"the typed day is not sent: {page.url}")
    check(page.locator("input[name=as_of]").input_value() == "31/12/2023", "the field lost the day")
    check("31/12/2023" in page.inner_text(".dash-head"), "the scoreboard is not as of 31/12/2023")
    page.locator("input[name=as_of]").fill("12/31/2023")
    page.click("form.dash-switch button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    shots(page, "month first is refused")
    error = page.locator("#dash-as-of-error")
    check(error.count() == 1, "no error beside the field")
    check("12/31/2023" in error.inner_text() and "dd/mm/yyyy" in error.inner_text(), error.inner_text())
    check(page.locator("input[name=as_of]").input_value() == "12/31/2023", "what was typed is lost")
    check(page.locator("input[name=as_of]").get_attribute("aria-invalid") == "true", "not marked invalid")
    page.context.close()


WALKS = [
    the_dashboard_answers_at_a_glance,
    the_2025_structure_is_judged_in_its_own_units,
    a_leader_types_the_day_as_vietnamese_write_it,
]
