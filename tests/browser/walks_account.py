"""Accounts: the first login with a one-time password, the forced change, logging out and in,
and a form left open too long."""
from chiso_browser import (
    Shots,
    check,
    first_login,
    log_in,
    log_out,
    new_page,
)

NEW_PASSWORD = "Hai-nghin-le-sau-Ninh-Thuan"


def first_login_then_change_password_then_log_in_again(browser, server):
    shots = Shots("account")
    one_time = server.add_user("le.thi.hoa", "Lê Thị Hoa", "viewer")
    page = new_page(browser, server)

    # A wrong password: a plain message, the name kept, still on the login page.
    log_in(page, "le.thi.hoa", "not-the-password")
    shots(page, "wrong password")
    check("/login" in page.url, f"a wrong password led to {page.url}")
    check(
        "Tên đăng nhập hoặc mật khẩu không đúng" in page.inner_text("main"),
        "a wrong password is not explained: " + page.inner_text("main"),
    )
    check(page.input_value("input[name=username]") == "le.thi.hoa", "the name typed is lost")

    # The one-time password works once and leads straight to choosing a new one.
    log_in(page, "le.thi.hoa", one_time)
    shots(page, "first login asks for a new password")
    check(page.url.endswith("/account/password"), f"first login went to {page.url}")
    check(
        "đổi mật khẩu" in page.inner_text("main").lower(),
        "the password page does not say why it is shown",
    )
    # A short new password is refused, in words.
    page.fill("input[name=current]", one_time)
    page.fill("input[name=new]", "ngan")
    page.fill("input[name=repeat]", "ngan")
    # The browser's own check (minlength) stops it before it is sent; say so as a person sees.
    page.click("form[action='/account/password'] button[type=submit]")
    check(page.url.endswith("/account/password"), "a 4-letter password was accepted")
    page.fill("input[name=new]", NEW_PASSWORD)
    page.fill("input[name=repeat]", NEW_PASSWORD)
    page.click("form[action='/account/password'] button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    shots(page, "password changed")
    check(not page.url.endswith("/account/password"), f"the new password was refused: {page.url}")
    check("Lê Thị Hoa" in page.inner_text("header"), "the header does not name who is logged in")

    log_out(page)
    shots(page, "logged out")
    check("Lê Thị Hoa" not in page.inner_text("header"), "still named in the header after logout")

    # The one-time password no longer works; the new one does.
    log_in(page, "le.thi.hoa", one_time)
    check("/login" in page.url, "the one-time password still works after the change")
    log_in(page, "le.thi.hoa", NEW_PASSWORD)
    shots(page, "logged in with the new password")
    check("Lê Thị Hoa" in page.inner_text("header"), "the new password did not log in")
    check(not page.url.endswith("/login"), f"after login the page is {page.url}")
    page.context.close()


def a_page_asked_for_before_login_opens_after_it(browser, server):
    shots = Shots("account-next")
    one_time = server.add_user("tran.van.binh", "Trần Văn Bình", "system_admin")
    page = new_page(browser, server)
    page.goto("/admin/audit")
    shots(page, "audit asks for login")
    check("/login" in page.url, f"the audit page opened without login: {page.url}")
    first_login(page, "tran.van.binh", one_time, NEW_PASSWORD)
    log_out(page)
    page.goto("/admin/audit")
    page.fill("input[name=username]", "tran.van.binh")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    shots(page, "back on the audit page")
    check(page.url.endswith("/admin/audit"), f"after login the page is {page.url}, not the audit")
    page.context.close()


WALKS = [
    first_login_then_change_password_then_log_in_again,
    a_page_asked_for_before_login_opens_after_it,
]
