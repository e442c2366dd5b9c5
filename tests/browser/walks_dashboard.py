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


WALKS = [the_dashboard_answers_at_a_glance]
