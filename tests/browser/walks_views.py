"""Official and live figures: a commune's report counts in the province's published figures
only once the province approves it; until then a person with a right over the province sees
it in the live view, marked, with what the figure stands on ("1/62 xã đã báo cáo")."""
from chiso_browser import (
    Shots,
    check,
    first_login,
    log_in,
    log_out,
    messages,
    new_page,
    press,
)
from walks_account import NEW_PASSWORD
from walks_reports import FIGURES, fill


def figure(page, code, column):
    """The text of an indicator's cell in the unit page's indicator table, by the column's
    header ("Năm 2024", also when it goes on "(tính đến 30/06/2024)")."""
    return page.evaluate(
        """([code, column]) => {
            const norm = s => s.split(String.fromCharCode(10)).join(' ').trim();
            const heads = t => [...t.tHead.rows[0].cells].map(c => norm(c.innerText));
            const fits = h => h === column || h.startsWith(column + ' ');
            const table = [...document.querySelectorAll('table')]
                .find(t => t.querySelector('span.code') && t.tHead && heads(t).some(fits));
            if (!table) return null;
            const at = heads(table).findIndex(fits);
            const row = [...table.tBodies[0].rows]
                .find(r => r.querySelector('span.code')?.innerText.trim() === code);
            return row ? row.cells[at].innerText.trim() : null;
        }""",
        [code, column],
    )


def a_commune_report_is_live_until_the_province_approves(browser, server):
    """Phường Đô Vinh (22738, under Phan Rang – Tháp Chàm until 30 June 2025) sends its 2024
    report late, on an exception; the province's page shows its signatures in the live view
    only, until the district and then the province approve it."""
    shots = Shots("views")
    admin = new_page(browser, server)
    administrator = server.add_user("quantri.2024", "Ngô Văn Khải", "system_admin")
    first_login(admin, "quantri.2024", administrator, NEW_PASSWORD)
    officer = server.add_user("dovinh.2024", "Trần Thị Lan", "data_entry@22738")
    district = server.add_user("phanrang.2024", "Lê Văn Hùng", "approver@582")
    province = server.add_user("ninhthuan.2024", "Phạm Thị Hoa", "approver@58")

    # Nobody has sent a 2024 commune report: the province's published page has no 2024
    # signature figure.
    admin.goto("/units/58")
    shots(admin, "published figures before")
    check("Số liệu chính thức" in admin.inner_text(".view"), "the page does not say it is official")
    before = figure(admin, "CKS_TY_LE", "Năm 2024")
    check(before == "", f"a 2024 signature figure before any report: {before!r}")

    # The 2024 report closed long ago: the administrator opens it again.
    admin.goto("/forms/BM_CDS_XA/22738/2024")
    admin.fill("input[name=until]", "31/12/2026")
    admin.fill("input[name=reason]", "Báo cáo năm 2024 gửi muộn theo Công văn 315/UBND")
    press(admin, "Cho phép nhập lại")
    check(not messages(admin, "error"), f"the exception was refused: {messages(admin, 'error')}")
    admin.context.close()

    page = new_page(browser, server)
    first_login(page, "dovinh.2024", officer, NEW_PASSWORD)
    page.goto("/forms/BM_CDS_XA/22738/2024")
    fill(page, FIGURES)
    press(page, "Lưu và gửi báo cáo")
    shots(page, "sent to the district")
    check(not messages(page, "error"), f"sending refused: {messages(page, 'error')}")
    log_out(page)

    # The province's officer: official figures first, the live ones one click away.
    first_login(page, "ninhthuan.2024", province, NEW_PASSWORD)
    page.goto("/units/58")
    official = figure(page, "CKS_TY_LE", "Năm 2024")
    check(official == "", f"a report not yet approved counts as official: {official!r}")
    page.click("a.view-switch")
    page.wait_for_load_state("domcontentloaded")
    shots(page, "live figures")
    check("view=live" in page.url, f"the switch did not lead to the live view: {page.url}")
    check("Số liệu đang cập nhật" in page.inner_text(".view"), "the live page does not say so")
    live = figure(page, "CKS_TY_LE", "Năm 2024")
    # 40 of 42 officials sign digitally: 95,24 %, resting on 1 of the 62 communes.
    check(live is not None and live.startswith("95,24 %"), f"the live 2024 figure: {live!r}")
    check("1/62 xã đã báo cáo" in live, f"the live figure does not say what it stands on: {live!r}")
    check("một phần" in live, f"a figure on 1 of 62 communes is not marked partial: {live!r}")
    check("chờ duyệt" in live, f"the report awaiting approval is not marked: {live!r}")
    log_out(page)

    # The district approves, then the province.
    first_login(page, "phanrang.2024", district, NEW_PASSWORD)
    page.goto("/forms/BM_CDS_XA/22738/2024")
    press(page, "Phê duyệt báo cáo")
    check(not messages(page, "error"), f"the district's approval refused: {messages(page, 'error')}")
    log_out(page)
    log_in(page, "ninhthuan.2024", NEW_PASSWORD)
    page.goto("/forms/BM_CDS_XA/22738/2024")
    press(page, "Phê duyệt báo cáo")
    check(not messages(page, "error"), f"the province's approval refused: {messages(page, 'error')}")

    # Approved at the last level: the published figure now counts it, still partial.
    page.goto("/units/58")
    shots(page, "published figures after approval")
    after = figure(page, "CKS_TY_LE", "Năm 2024")
    check(after is not None and after.startswith("95,24 %"), f"the official 2024 figure: {after!r}")
    check("1/62 xã đã báo cáo" in after and "một phần" in after, f"after approval: {after!r}")
    check("chờ duyệt" not in after, f"an approved report is still marked awaiting: {after!r}")
    page.context.close()


WALKS = [a_commune_report_is_live_until_the_province_approves]
