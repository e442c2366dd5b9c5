"""What the browser walks share: a real chiso on a free port over a fresh demo database,
accounts made the way an administrator makes them (`chiso user add`), Debian's Chromium
driven by Playwright, and a screenshot of every step under target/browser/.

Nothing here reads a cookie or a token the browser would not show: forms are filled and
posted by clicking, as a person does.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
BIN = os.environ.get("CHISO_BIN", os.path.join(TARGET, "debug", "chiso"))
SHOTS = os.path.join(TARGET, "browser")
CHROMIUM = os.environ.get("CHISO_CHROMIUM", "/usr/bin/chromium")
HOW_TO_GET_CHROMIUM = (
    "Debian's Chromium is needed: `apt-get install chromium` "
    "(bash scripts/test.sh installs it when missing)"
)


class Failure(AssertionError):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


class Server:
    """`chiso demo` on 127.0.0.1 and a free port, in a fresh data directory."""

    def __init__(self):
        check(os.path.exists(BIN), f"{BIN} is missing: build it with `cargo build -p chiso`")
        self.dir = tempfile.mkdtemp(prefix="chiso-browser-")
        self.database = f"sqlite://{self.dir}/demo.db"
        self.proc = subprocess.Popen(
            [BIN, "demo", "--data-dir", self.dir, "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "CHISO_LOG": os.environ.get("CHISO_LOG", "warn")},
        )
        self.output = []
        self.url = None
        self.admin_password = None
        started = time.time()
        while self.url is None:
            line = self.proc.stdout.readline()
            if not line:
                raise Failure("chiso demo stopped:\n" + "".join(self.output))
            self.output.append(line)
            m = re.search(r"one-time password: (\S+)", line)
            if m:
                self.admin_password = m.group(1)
            m = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
            if m:
                self.url = m.group(1)
            check(time.time() - started < 300, "chiso demo did not start in 5 minutes")
        # Keep reading what the server says, so it never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            self.output.append(line)

    def add_user(self, username, name, *roles):
        """An account as `chiso user add` makes it; returns its one-time password."""
        args = [BIN, "user", "add", username, "--name", name, "--database", self.database]
        for r in roles:
            args += ["--role", r]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        lines = [l.strip() for l in out.splitlines() if l.strip()]
        i = next(k for k, l in enumerate(lines) if "one-time password" in l)
        return lines[i + 1]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Shots:
    """Numbered screenshots of every step of a walk."""

    def __init__(self, walk):
        self.walk = walk
        self.n = 0
        os.makedirs(SHOTS, exist_ok=True)

    def __call__(self, page, step):
        self.n += 1
        name = re.sub(r"[^a-z0-9-]+", "-", step.lower()).strip("-")
        path = os.path.join(SHOTS, f"{self.walk}-{self.n:02d}-{name}.png")
        page.screenshot(path=path, full_page=True)
        return path


def launch(playwright):
    if not os.path.exists(CHROMIUM):
        raise Failure(f"{CHROMIUM} is missing. {HOW_TO_GET_CHROMIUM}")
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )


def new_page(browser, server, width=1280, height=900, lang="vi-VN"):
    ctx = browser.new_context(
        base_url=server.url,
        viewport={"width": width, "height": height},
        locale=lang,
        accept_downloads=True,
    )
    ctx.set_default_timeout(15_000)
    return ctx.new_page()


# Set by the self-check (or CHISO_BROWSER_BLANK_CSRF=1 for the whole suite): every form
# submitted through `press` goes with its hidden CSRF field blanked, so the walks must fail.
BLANK_CSRF = os.environ.get("CHISO_BROWSER_BLANK_CSRF") == "1"


def press(page, label):
    """Click the button a person reads, and wait for the page it brings."""
    button = page.get_by_role("button", name=label, exact=True)
    if BLANK_CSRF:
        button.evaluate(
            "b => b.form && b.form.querySelectorAll('input[name=csrf]').forEach(i => i.value = '')"
        )
    button.click()
    page.wait_for_load_state("domcontentloaded")


def log_in(page, username, password):
    """The login page, as a person fills it."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def change_password(page, current, new):
    page.fill("input[name=current]", current)
    page.fill("input[name=new]", new)
    page.fill("input[name=repeat]", new)
    page.click("form[action='/account/password'] button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def first_login(page, username, one_time, new):
    """Log in with the one-time password; the page asks for a new one at once."""
    log_in(page, username, one_time)
    check(
        page.url.endswith("/account/password"),
        f"{username}: after the first login the page is {page.url}, not the password page",
    )
    change_password(page, one_time, new)
    check(not page.url.endswith("/account/password"), f"{username}: the new password was refused")


def log_out(page):
    page.click("form[action='/logout'] button")
    page.wait_for_load_state("domcontentloaded")


def text(page):
    return page.inner_text("main")


def messages(page, kind):
    """The flash messages of a kind (ok, error, warn) the page shows."""
    return [m.inner_text().strip() for m in page.query_selector_all(f".flash.{kind}")]


def no_horizontal_scroll(page):
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return overflow <= 1


def run(walks):
    """Run every walk against one server; a failed walk says which step and why."""
    from playwright.sync_api import sync_playwright

    shutil.rmtree(SHOTS, ignore_errors=True)
    server = Server()
    failed = []
    try:
        with sync_playwright() as p:
            browser = launch(p)
            for walk in walks:
                started = time.time()
                try:
                    walk(browser, server)
                    print(f"ok   {walk.__name__} ({time.time() - started:.1f} s)")
                except Exception as e:  # a walk's failure is reported, the others still run
                    failed.append(walk.__name__)
                    print(f"FAIL {walk.__name__}: {e}")
            browser.close()
    finally:
        server.stop()
    print(f"screenshots: {SHOTS}")
    if failed:
        print(f"{len(failed)} of {len(walks)} walks failed: {', '.join(failed)}")
        sys.exit(1)
    print(f"all {len(walks)} walks passed")
