#!/usr/bin/env bash
# Run each cargo-fuzz target (fuzz/fuzz_targets/) for a bounded time: FUZZ_SECONDS each (60 by
# default). Needs Rust's nightly toolchain (cargo-fuzz builds with sanitizers); installs
# cargo-fuzz from crates.io when missing. Without nightly it says so and skips. A crash fails
# the run and leaves its input in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH="${FUZZ_SECONDS:-60}"

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: SKIPPED — Rust's nightly toolchain is not installed (cargo-fuzz needs it: \`rustup toolchain install nightly\`)."
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "Installing cargo-fuzz from crates.io…"
  cargo install cargo-fuzz --locked
fi

cd fuzz
mkdir -p artifacts
targets=$(cargo +nightly fuzz list)
for t in $targets; do
  echo "fuzz: $t for ${SECONDS_EACH} s"
  mkdir -p "corpus/$t"
  log="artifacts/$t.log"
  if cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 >"$log" 2>&1; then
    grep -E '^#[0-9]+ +DONE' "$log" | tail -n 1 || true
  else
    tail -n 40 "$log" >&2
    echo "fuzz: $t FAILED; the input is in fuzz/artifacts/$t/, the whole output in fuzz/$log" >&2
    exit 1
  fi
done
echo "fuzz: every target ran ${SECONDS_EACH} s without a crash"
