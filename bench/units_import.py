#!/usr/bin/env python3
"""Import Vietnam's administrative units (10,035 + 3,321 communes, 759 districts and
provinces, 10,660 successor links) into chiso on SQLite and on PostgreSQL, next to the peers
loading the same three CSV files: DuckDB's read_csv and PostgreSQL's COPY.

The peers only copy rows; chiso also checks every unit, computes the tree's levels, writes
an audit row per unit and link, and links the two structures. Run:

    bash bench/setup.sh && python3 bench/units_import.py [--runs 3]
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data", "vn-admin")
PG = os.environ.get("CHISO_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
FILES = ["units_legacy.csv", "units_2025.csv", "crosswalk_2025.csv"]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def psql(db, sql):
    return sh(["psql", f"{PG}/{db}", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])


def fresh_pg(db):
    psql("postgres", f"DROP DATABASE IF EXISTS {db}")
    psql("postgres", f"CREATE DATABASE {db}")


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def chiso_sqlite(binary):
    d = tempfile.mkdtemp()
    try:
        url = f"sqlite://{d}/units.db"
        sh([binary, "migrate", "--database", url])
        return timed(lambda: sh([binary, "units", "import", "--database", url]))
    finally:
        shutil.rmtree(d)


def chiso_pg(binary):
    fresh_pg("chiso_bench_units")
    url = f"{PG}/chiso_bench_units"
    sh([binary, "migrate", "--database", url])
    return timed(lambda: sh([binary, "units", "import", "--database", url]))


def duckdb_load():
    import duckdb
    con = duckdb.connect(":memory:")
    def run():
        for f in FILES:
            name = f.split(".")[0]
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_csv('{os.path.join(DATA, f)}', header=true, all_varchar=true)")
    return timed(run)


def pg_copy():
    fresh_pg("chiso_bench_copy")
    cols = {
        "units_legacy": "province_code text, province_name text, district_code text, district_name text, district_type text, ward_code text, ward_name text, ward_type text, lat text, lon text",
        "units_2025": "province_code text, province_name text, ward_code text, ward_name text, ward_type text, lat text, lon text, area_km2 text",
        "crosswalk_2025": "legacy_ward_code text, ward_code_2025 text, province_code_2025 text, kind text, is_default text",
    }
    script = "BEGIN;\n" + "".join(
        f"CREATE TABLE {t} ({c});\n\\copy {t} FROM '{os.path.join(DATA, t + '.csv')}' WITH (FORMAT csv, HEADER true)\n" for t, c in cols.items()
    ) + "COMMIT;\n"
    return timed(lambda: sh(["psql", f"{PG}/chiso_bench_copy", "-v", "ON_ERROR_STOP=1", "-q"], input=script))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "chiso"))
    a = ap.parse_args()
    if not os.path.exists(a.binary):
        sh(["cargo", "build", "--release", "-p", "chiso"], cwd=ROOT)
    results = {}
    for name, fn in [
        ("chiso units import, SQLite", lambda: chiso_sqlite(a.binary)),
        ("chiso units import, PostgreSQL", lambda: chiso_pg(a.binary)),
        ("DuckDB read_csv (peer)", duckdb_load),
        ("PostgreSQL COPY (peer)", pg_copy),
    ]:
        results[name] = statistics.median(fn() for _ in range(a.runs))
    copy = results["PostgreSQL COPY (peer)"]
    print(f"| work | median of {a.runs} (s) | ÷ PostgreSQL COPY |")
    print("| --- | ---: | ---: |")
    for name, t in results.items():
        print(f"| {name} | {t:.2f} | {t / copy:.1f}× |")


if __name__ == "__main__":
    sys.exit(main())
