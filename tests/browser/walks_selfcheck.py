"""The suite checks itself: the same save, once as a browser sends it and once with the form's
hidden CSRF field blanked. The first must pass and the second must fail, or the suite's
checks prove nothing about the pages."""
import chiso_browser
from chiso_browser import Failure, check, first_login, messages, new_page, press
from walks_account import NEW_PASSWORD


def save_one_value(browser, server, username):
    page = new_page(browser, server)
    try:
        one_time = server.add_user(username, "Kiểm Tra", "data_entry@2025-22861")
        first_login(page, username, one_time, NEW_PASSWORD)
        page.goto("/forms/BM_CDS_XA/2025-22861/2026")
        page.fill("#v-THON_TONG", "11")
        press(page, "Lưu")
        check(messages(page, "ok"), "the save did not say it saved")
        page.reload()
        check(page.input_value("#v-THON_TONG") == "11", "the saved value is not there")
    finally:
        page.context.close()


def the_suite_fails_when_a_form_loses_its_csrf_token(browser, server):
    save_one_value(browser, server, "tu.kiem.tra.1")
    chiso_browser.BLANK_CSRF = True
    try:
        save_one_value(browser, server, "tu.kiem.tra.2")
    except Failure as e:
        print(f"     (as it must, the blanked form failed: {e})")
        return
    finally:
        chiso_browser.BLANK_CSRF = False
    raise Failure("a save whose CSRF field was blanked passed: the checks do not see the page")


WALKS = [the_suite_fails_when_a_form_loses_its_csrf_token]
