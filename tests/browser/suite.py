"""The browser suite: a person's walks through chiso in Debian's Chromium.

Run by `bash scripts/test.sh` after the Rust tests; on its own:
`cargo build -p chiso && python3 tests/browser/suite.py [walk ...]`.
Screenshots of every step land in target/browser/.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from chiso_browser import run  # noqa: E402
import walks_account  # noqa: E402
import walks_dashboard  # noqa: E402
import walks_explore  # noqa: E402
import walks_map  # noqa: E402
import walks_p06  # noqa: E402  (p06)
import walks_pages  # noqa: E402
import walks_reports  # noqa: E402
import walks_selfcheck  # noqa: E402
import walks_views  # noqa: E402
import walks_unit  # noqa: E402
import walks_yearly  # noqa: E402

WALKS = (
    walks_account.WALKS
    + walks_reports.WALKS
    + walks_pages.WALKS
    + walks_views.WALKS
    + walks_dashboard.WALKS
    + walks_explore.WALKS
    + walks_map.WALKS
    + walks_unit.WALKS
    + walks_yearly.WALKS
    + walks_p06.WALKS  # p06
    + walks_selfcheck.WALKS
)

if __name__ == "__main__":
    chosen = sys.argv[1:]
    walks = [w for w in WALKS if not chosen or w.__name__ in chosen]
    if chosen and len(walks) != len(chosen):
        known = ", ".join(w.__name__ for w in WALKS)
        sys.exit(f"unknown walk; the walks are: {known}")
    run(walks)
