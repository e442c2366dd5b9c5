"""A unit's page as the committee reads it — indicators under their pillars by name, a year
not yet over labelled "tính đến …", a commune's rank among its district's units leading to
the ranking — and the explorer saying which figures it shows (official for the public, the
live ones offered to an officer with a right over the units); at 1366 px and 390 px."""
from chiso_browser import Shots, check, first_login, new_page, no_horizontal_scroll

NEW_PASSWORD = "Mat-khau-moi-2024!"


def the_unit_page_groups_by_pillar_and_ranks_among_peers(browser, server):
    shots = Shots("unit")
    for width, height in ((1366, 900), (390, 844)):
        page = new_page(browser, server, width=width, height=height)
        page.goto("/units/58")
        heads = page.locator("table.indicators tr.pillar-head th").all_inner_texts()
        check(heads[:1] == ["Chính quyền số"] and "Chỉ số khác" in heads[-1:], f"pillars: {heads}")
        cols = page.locator("table.indicators thead th").all_inner_texts()
        check(any("tính đến 30/06/2024" in c for c in cols), f"no figure to date in {cols}")
        check(no_horizontal_scroll(page), f"the unit page scrolls sideways at {width} px")
        shots(page, f"province {width}")
        page.goto("/units/22837")
        cell = page.locator("table.indicators tr", has=page.locator("span.code", has_text="CKS_TY_LE")).locator("td.peers a")
        text = cell.inner_text().strip()
        check("/" in text, f"the rank cell reads {text!r}")
        shots(page, f"commune {width}")
        cell.click()
        page.wait_for_load_state("domcontentloaded")
        check("/rankings" in page.url and ("scope=unit%3A588" in page.url or "scope=unit:588" in page.url), page.url)
        rank = text.split("/")[0]
        row = page.locator("tr", has=page.get_by_text("Xã Phước Chiến", exact=True)).first
        check(row.count() == 1 and rank in row.inner_text(), f"the ranking does not give rank {rank}")
        shots(page, f"ranking {width}")
        page.context.close()


def the_explorer_says_which_figures_it_shows(browser, server):
    shots = Shots("explore-view")
    q = "/explore?dx=CKS_TY_LE&pe=2023&ou=588&ou=LEVEL-3&rows=ou&cols=pe"
    page = new_page(browser, server, width=390, height=844)
    page.goto(q)
    banner = page.locator("div.view").inner_text()
    check("Số liệu chính thức" in banner, f"the public page says {banner!r}")
    check(page.locator("a.view-switch").count() == 0, "the public is offered the live view")
    check("view=official" in page.locator("#explore-api").get_attribute("href"), "API link")
    shots(page, "public official 390")
    page.context.close()

    page = new_page(browser, server, width=1366, height=900)
    one_time = server.add_user("thuanbac.xem", "Đặng Văn Tú", "viewer@588")
    first_login(page, "thuanbac.xem", one_time, NEW_PASSWORD)
    page.goto(q)
    page.locator("a.view-switch").click()
    page.wait_for_load_state("domcontentloaded")
    check("view=live" in page.url, page.url)
    banner = page.locator("div.view").inner_text()
    check("Số liệu đang cập nhật" in banner, f"the live page says {banner!r}")
    check("view=live" in page.locator("#explore-api").get_attribute("href"), "API link")
    shots(page, "officer live 1366")
    page.context.close()


WALKS = [
    the_unit_page_groups_by_pillar_and_ranks_among_peers,
    the_explorer_says_which_figures_it_shows,
]
