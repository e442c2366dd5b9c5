"""Reading the figures: an indicator's page with its tiers, drilled down province → district →
commune and back by the breadcrumbs; the data explorer built by clicking, its table equal to
the analytics API's answer, exported to Excel and CSV; rankings sharing ties — at 1366 px and
on a 390 px phone."""
import csv
import io
import json
import urllib.request

from chiso_browser import Shots, check, new_page, no_horizontal_scroll


def vi_number(s):
    """'98,90 %' or '1.234' as a number; None for '—'."""
    s = s.strip().rstrip("%").strip().replace(".", "").replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


def table_cells(page, selector):
    """The body rows of a table: the headings' and the cells' texts."""
    return page.evaluate(
        """(sel) => [...document.querySelectorAll(sel + ' tbody tr')].map(tr => ({
            heads: [...tr.querySelectorAll('th')].map(c => c.innerText.trim()),
            cells: [...tr.querySelectorAll('td')].map(c => c.innerText.trim()),
            keys: [...tr.querySelectorAll('td')].map(c => c.dataset.key || null),
        }))""",
        selector,
    )


def drill_down_and_back(page, shots, label):
    page.goto("/indicators/VB_DT_TY_LE?unit=58&period=2023")
    shots(page, f"{label} province")
    tiers = [r["cells"][0].split("%")[0].strip() for r in table_cells(page, "#tiers")]
    check(tiers == ["98,90", "96,52", "94,89"], f"the three tiers read {tiers}")
    check(page.locator("figure.chart svg").count() >= 2, "the ranking and trend charts are missing")
    # Province → district (Phan Rang – Tháp Chàm) → a commune.
    page.locator("#units a.drill[href*='unit=582&']").click()
    page.wait_for_load_state("domcontentloaded")
    shots(page, f"{label} district")
    check("unit=582" in page.url, f"not on the district: {page.url}")
    crumbs = page.inner_text("nav.crumbs")
    check("Ninh Thuận" in crumbs, f"no way back to the province: {crumbs}")
    communes = page.locator("#units tbody tr")
    check(communes.count() > 5, "the district lists no communes")
    commune_name = page.locator("#units tbody tr th").first.inner_text().replace("↗", "").strip()
    href = page.locator("#units tbody tr th a.code").first.get_attribute("href")
    page.goto(href)
    shots(page, f"{label} commune or its page")
    check(commune_name in page.inner_text("main"), f"{commune_name} is not on the page it leads to")
    # And back up by the breadcrumbs.
    page.goto("/indicators/VB_DT_TY_LE?unit=582&period=2023")
    page.locator("nav.crumbs a", has_text="Ninh Thuận").click()
    page.wait_for_load_state("domcontentloaded")
    check("unit=58&" in page.url or page.url.endswith("unit=58"), f"the breadcrumb led to {page.url}")
    check(no_horizontal_scroll(page), f"{label}: the indicator page scrolls sideways")


def explore_by_clicking(page, server, shots, label, tmp):
    page.goto("/explore")
    shots(page, f"{label} empty explorer")
    page.get_by_label("Tỷ lệ văn bản điện tử xử lý trên môi trường mạng").check()
    page.get_by_label("Tỷ lệ sử dụng chữ ký số cá nhân").check()
    page.get_by_label("Cơ quan cấp tỉnh (sở, ban, ngành) (cả nhóm)").check()
    page.get_by_label("UBND cấp huyện (cả nhóm)").check()
    page.get_by_label("UBND cấp xã (cả nhóm)").check()
    page.get_by_label("Năm 2022").check()
    page.get_by_label("Năm 2023").check()
    page.select_option("select[name=rows]", "ou")
    page.select_option("select[name=cols]", "pe")
    page.get_by_role("button", name="Xem số liệu").click()
    page.wait_for_load_state("domcontentloaded")
    shots(page, f"{label} explorer answer")
    rows = table_cells(page, "#pivot")
    check(len(rows) == 6, f"expected 3 tiers × 2 indicators, got {len(rows)} rows")
    # The page's cells are the API's for the URL it prints.
    api = page.locator("#explore-api").get_attribute("href")
    with urllib.request.urlopen(server.url + api) as r:
        grid = json.load(r)
    by_key = {f"{x[0]}|{x[1]}|{x[2]}": float(x[3]) for x in grid["rows"]}
    shown = 0
    for row in rows:
        for text, key in zip(row["cells"], row["keys"]):
            n = vi_number(text)
            check(key in by_key and n is not None and abs(by_key[key] - n) < 1e-9,
                  f"cell {key}: page {text!r}, API {by_key.get(key)}")
            shown += 1
    check(shown == len(by_key), f"{shown} cells shown, {len(by_key)} in the API")
    check(page.locator("figure.chart svg").count() == 1, "no chart of the table")
    # Export: the downloads hold the table shown.
    with page.expect_download() as d:
        page.get_by_role("link", name="Tải CSV").click()
    path = f"{tmp}/{label}-explore.csv"
    d.value.save_as(path)
    with open(path, encoding="utf-8") as f:
        records = list(csv.reader(f))[1:]
    check(len(records) == len(rows), f"the CSV has {len(records)} rows, the page {len(rows)}")
    for rec, row in zip(records, rows):
        check(rec[: len(row["heads"])] == row["heads"], f"CSV headings {rec} vs {row['heads']}")
        for c, text in zip(rec[len(row["heads"]):], row["cells"]):
            check(abs(float(c) - vi_number(text)) < 1e-9, f"CSV {c} vs page {text}")
    with page.expect_download() as d:
        page.get_by_role("link", name="Tải Excel (.xlsx)").click()
    xlsx = f"{tmp}/{label}-explore.xlsx"
    d.value.save_as(xlsx)
    with open(xlsx, "rb") as f:
        check(f.read(2) == b"PK", "the Excel download is not a workbook")
    # The page's own link gives the same table.
    link = page.locator("#explore-link").get_attribute("href")
    page.goto(link)
    check(table_cells(page, "#pivot") == rows, "the table's link does not give the same table")
    check(no_horizontal_scroll(page), f"{label}: the explorer scrolls sideways")


def rankings_share_ties(page, shots, label):
    page.goto("/rankings?indicator=VB_DT_TY_LE&scope=unit:58&period=2023")
    shots(page, f"{label} ranking")
    ranks = [r["cells"][0] for r in table_cells(page, "#ranking")]
    check(ranks[:6] == ["1", "1", "1", "1", "1", "6"], f"ties are not shared: {ranks[:8]}")
    page.goto("/scorecards/DTI_XA")
    shots(page, f"{label} scorecard")
    check(page.locator("#scores tbody tr").count() == 62, "the commune scorecard lacks communes")
    check(no_horizontal_scroll(page), f"{label}: rankings scroll sideways")


def indicator_drill_down_and_explorer(browser, server):
    import tempfile

    tmp = tempfile.mkdtemp(prefix="chiso-explore-")
    for label, (w, h) in (("desktop", (1366, 900)), ("phone", (390, 844))):
        shots = Shots(f"explore-{label}")
        page = new_page(browser, server, width=w, height=h)
        drill_down_and_back(page, shots, label)
        explore_by_clicking(page, server, shots, label, tmp)
        rankings_share_ties(page, shots, label)
        page.context.close()


WALKS = [indicator_drill_down_and_explorer]
