#!/usr/bin/env bash
# Install what the benchmarks' peers need: DuckDB from PyPI; PostgreSQL is the machine's own.
set -euo pipefail
python3 -m pip install --quiet 'duckdb>=1.0'
command -v psql >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-client; }
# The web load benchmark (bench/web_load.py): wrk, Debian's HTTP load generator.
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
