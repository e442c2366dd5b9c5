"""The map of an indicator over a province's communes: reached from the unit page, an
indicator and a period picked with a plain form, every commune an area carrying its code,
its name and value on hover and keyboard focus, a click to the commune's page — on a wide
screen (1366 px) and on a phone (390 px), in the legacy structure (58) and the 2025 one
(2025-56)."""
from chiso_browser import Shots, check, new_page, no_horizontal_scroll, press


def cells(page):
    return page.locator("svg.choropleth a.map-cell")


def table_rows(page):
    return page.locator("table.map-table tbody tr")


def the_province_map_leads_to_each_commune(browser, server):
    shots = Shots("map")
    page = new_page(browser, server, width=1366, height=900)
    page.goto("/units/58")
    page.get_by_role("link", name="Bản đồ chỉ số các đơn vị trực thuộc").click()
    page.wait_for_load_state("domcontentloaded")
    check(page.url.endswith("/units/58/map"), f"the map link led to {page.url}")
    shots(page, "province 58 default indicator")
    n = cells(page).count()
    check(n == 62, f"{n} areas on the map of 58, not one per commune (62)")
    check(table_rows(page).count() == n, "the table beside the map does not list every area")
    check("Vùng gần đúng" in page.inner_text("main"), "approximate areas are not labelled so")

    # Another indicator, by the form.
    page.select_option("select[name=indicator]", "CKS_TY_LE")
    page.select_option("select[name=period]", "2023")
    press(page, "Xem bản đồ")
    check("indicator=CKS_TY_LE" in page.url and "period=2023" in page.url, page.url)
    title = page.inner_text("h2.map-title")
    check("chữ ký số" in title and "2023" in title, f"the map's title: {title!r}")
    shots(page, "signatures 2023")

    # Hovering a commune: its name and value (the area's title and accessible name).
    cell = page.locator("a.map-cell[data-unit='22738']")
    cell.hover()
    label = cell.get_attribute("aria-label") or ""
    tip = page.locator("a.map-cell[data-unit='22738'] > title").text_content()
    check(label.startswith("Phường Đô Vinh: ") and "%" in label, f"the area's name: {label!r}")
    check(tip == label, f"the hover title {tip!r} differs from {label!r}")
    value = page.locator("tr[data-row='22738'] td.num").first.inner_text().strip()
    check(label.endswith(value), f"the map says {label!r}, the table {value!r}")
    shots(page, "hover Do Vinh")

    # The keyboard reaches the areas: Tab moves from the form's button to the first one.
    page.locator(".map-pick button").focus()
    focused = None
    for _ in range(6):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.getAttribute('data-unit')")
        if focused:
            break
    check(focused is not None, "Tab does not reach the map's areas")
    shots(page, "keyboard focus")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/units/{focused}")
    check(page.url.endswith(f"/units/{focused}"), f"Enter on {focused} led to {page.url}")

    # A click on a commune opens its page.
    page.go_back()
    page.locator("a.map-cell[data-unit='22738'] circle").click()
    page.wait_for_url("**/units/22738")
    check("Phường Đô Vinh" in page.inner_text("h1"), "the click did not open Phường Đô Vinh")
    page.context.close()


def the_2025_map_fits_a_phone(browser, server):
    shots = Shots("map-phone")
    page = new_page(browser, server, width=390, height=844)
    page.goto("/units/2025-56/map")
    shots(page, "2025-56 on a phone")
    check(no_horizontal_scroll(page), "the map page scrolls sideways at 390 px")
    n = cells(page).count()
    rows = table_rows(page).count()
    check(n > 0 and n == rows, f"{n} areas, {rows} rows")
    codes = cells(page).evaluate_all("els => els.map(e => e.getAttribute('data-unit'))")
    check(all(c.startswith("2025-") for c in codes), f"not 2025 communes: {codes[:5]}")
    hatched = page.locator("a.map-cell[data-class='none']").count()
    legend = page.inner_text("ul.map-legend")
    check("Không có số liệu" in legend, f"the legend has no 'no data' class: {legend!r}")
    check(f"({hatched})" in legend.split("Không có số liệu")[1], "the legend miscounts 'no data'")
    first = codes[0]
    page.locator(f"a.map-cell[data-unit='{first}'] circle").click()
    page.wait_for_url(f"**/units/{first}")
    shots(page, "a 2025 commune")
    page.goto("/units/58/map?lang=en")
    check(no_horizontal_scroll(page), "the English map page scrolls sideways at 390 px")
    check("Approximate areas" in page.inner_text("main"), "the English page is not labelled")
    shots(page, "58 in English on a phone")
    page.context.close()


WALKS = [
    the_province_map_leads_to_each_commune,
    the_2025_map_fits_a_phone,
]
