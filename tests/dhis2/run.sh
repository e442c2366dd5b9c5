#!/usr/bin/env bash
# DHIS2's own client libraries from PyPI, pinned and unchanged, against a real chiso.
# Makes a virtualenv with Python 3.13 under the cargo target directory (dhis2w-client needs
# Python >= 3.13), installs the pinned clients into it, builds chiso and runs the suite.
set -euo pipefail
cd "$(dirname "$0")/../.."

TARGET="${CARGO_TARGET_DIR:-target}"
VENV="$TARGET/dhis2-venv"
CLIENTS=("dhis2-client==0.3.2" "dhis2w-client==1.33.0")

find_python() {
  local p
  if command -v python3.13 >/dev/null 2>&1 && python3.13 -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
    command -v python3.13
    return 0
  fi
  for p in "$HOME"/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do
    if [ -x "$p" ]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; assert sys.version_info >= (3, 13)' 2>/dev/null; then
  if ! PYTHON="$(find_python)"; then
    echo "tests/dhis2/run.sh: Python 3.13 is needed (dhis2w-client requires it) and none was found." >&2
    echo "Put python3.13 on PATH, or install it with pyenv: \`pyenv install 3.13\`," >&2
    echo "or from Debian's packages where they have it: \`apt-get install python3.13 python3.13-venv\`." >&2
    exit 1
  fi
  echo "Making the DHIS2 clients' virtualenv in $VENV with $PYTHON…"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.clients"
if [ "$(cat "$stamp" 2>/dev/null)" != "${CLIENTS[*]}" ]; then
  echo "Installing ${CLIENTS[*]}…"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${CLIENTS[@]}"
  echo "${CLIENTS[*]}" >"$stamp"
fi

cargo build -p chiso
"$VENV/bin/python" tests/dhis2/suite.py
