#!/usr/bin/env bash
# The whole test suite: the Rust tests on SQLite and the local PostgreSQL, the browser walks
# in Debian's Chromium, then DHIS2's own client libraries against a real chiso. Installs what
# the browser walks need when it is missing (Chromium from Debian's packages; Playwright and
# openpyxl from PyPI) and the pinned schemathesis for the API contract run; tests/dhis2/run.sh makes its own virtualenv with the pinned clients
# (it needs Python 3.13 and says how to get it when there is none).
set -euo pipefail
cd "$(dirname "$0")/.."

export CHISO_TEST_POSTGRES_URL="${CHISO_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests…"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi
if ! command -v pdftotext >/dev/null || ! command -v pdffonts >/dev/null; then
  echo "Installing Debian's poppler-utils (pdftotext, pdfinfo, pdffonts) for the report tests…"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils
fi
if ! python3 -c 'import playwright, openpyxl' 2>/dev/null; then
  echo "Installing Playwright (driving /usr/bin/chromium; no browser download) and openpyxl…"
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  python3 -m pip install --quiet --disable-pip-version-check 'playwright==1.*' 'openpyxl==3.*' \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
      'playwright==1.*' 'openpyxl==3.*'
fi

# Schemathesis, pinned, holds a real `chiso demo` to its OpenAPI document (tests/schemathesis/).
SCHEMATHESIS_VERSION=4.32.5
if ! python3 -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$SCHEMATHESIS_VERSION')" 2>/dev/null; then
  echo "Installing schemathesis==$SCHEMATHESIS_VERSION for the API contract run…"
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
      "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo test --workspace
cargo build -p chiso
python3 tests/browser/suite.py
bash tests/dhis2/run.sh
# The API against its OpenAPI document: 0 server errors, 0 mismatches, at most 4 minutes.
python3 tests/schemathesis/run.py
