#!/usr/bin/env python3
"""Import one million data values from a CSV file into chiso — on SQLite and on PostgreSQL —
next to PostgreSQL's own COPY of the same rows into a table with the same key.

The rows are the demo's units (Ninh Thuận: 126 units) × its plain numeric elements × months,
as many as make 1,000,000 values, in chiso's CSV columns (element, period, unit, value). chiso
checks every row (codes, the unit's existence in the period, the value's type, the importer's
rights, closed and approved reports, duplicates), evaluates the validation rules for every
unit and month, writes the values and their audit (one hash-chained row for the batch, whose
body lists every value), all in one transaction; COPY only copies. Each run starts from a
fresh demo database. `CHISO_LOG=debug` on an import prints the time of each step. Run:

    bash bench/setup.sh && python3 bench/values_import.py [--runs 3] [--values 1000000]
"""
import argparse, csv, os, shutil, sqlite3, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG = os.environ.get("CHISO_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# Left sides of the demo's validation rules: kept below their right sides.
SMALL = {"VB_XL_MANG", "HS_TRUC_TUYEN", "CB_KY_SO", "BC_TREN_HT", "HS_SO_HOA"}


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


def make_csv(binary, path, n):
    d = tempfile.mkdtemp()
    try:
        sh([binary, "demo", "--no-serve", "--data-dir", d])
        con = sqlite3.connect(os.path.join(d, "demo.db"))
        elements = con.execute(
            "SELECT code, value_type FROM data_elements WHERE breakdown IS NULL "
            "AND value_type IN ('integer', 'integer_zero_or_positive', 'number', 'percentage') ORDER BY code").fetchall()
        units = [u for (u,) in con.execute(
            "SELECT code FROM units WHERE valid_from IS NULL OR valid_from <= '2005-01-01' ORDER BY code")]
        con.close()
    finally:
        shutil.rmtree(d)
    months = [f"{y}{m:02d}" for y in range(2005, 2025) for m in range(1, 13)]
    written = 0
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["element", "period", "unit", "value"])
        for p in months:
            for u in units:
                for i, (e, vt) in enumerate(elements):
                    if written >= n:
                        return written, len(elements), len(units)
                    x = (written * 7919 + i) % 1000
                    if vt == "percentage":
                        v = x % 100
                    elif e in SMALL:
                        v = x % 400
                    else:
                        v = 500 + x
                    w.writerow([e, p, u, v])
                    written += 1
    return written, len(elements), len(units)


def chiso_run(binary, url, csv_path):
    sh([binary, "demo", "--no-serve", "--database", url])
    out = {}
    def run():
        r = sh([binary, "import", csv_path, "--database", url])
        out["line"] = r.stdout.strip().splitlines()[-1]
    t = timed(run)
    return t, out["line"]


def chiso_sqlite(binary, csv_path):
    d = tempfile.mkdtemp()
    try:
        return chiso_run(binary, f"sqlite://{d}/v.db", csv_path)
    finally:
        shutil.rmtree(d)


def chiso_pg(binary, csv_path):
    fresh_pg("chiso_bench_values")
    return chiso_run(binary, f"{PG}/chiso_bench_values", csv_path)


def pg_copy(csv_path):
    fresh_pg("chiso_bench_copy")
    psql("chiso_bench_copy", "CREATE TABLE v (element TEXT, period TEXT, unit TEXT, value TEXT, "
         "PRIMARY KEY (element, unit, period))")
    return timed(lambda: sh(["psql", f"{PG}/chiso_bench_copy", "-v", "ON_ERROR_STOP=1", "-q", "-c",
                            f"\\copy v FROM '{csv_path}' WITH (FORMAT csv, HEADER true)"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--values", type=int, default=1_000_000)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "chiso"))
    a = ap.parse_args()
    if not os.path.exists(a.binary):
        sh(["cargo", "build", "--release", "-p", "chiso"], cwd=ROOT)
    tmp = tempfile.mkdtemp()
    try:
        path = os.path.join(tmp, "values.csv")
        n, ne, nu = make_csv(a.binary, path, a.values)
        size = os.path.getsize(path) / 1e6
        print(f"{n} values ({ne} elements × {nu} units × months), {size:.1f} MB of CSV")
        results = {"chiso import, SQLite": [], "chiso import, PostgreSQL": [], "PostgreSQL COPY (peer)": []}
        last = {}
        for _ in range(a.runs):
            t, line = chiso_sqlite(a.binary, path)
            results["chiso import, SQLite"].append(t)
            last["sqlite"] = line
            t, line = chiso_pg(a.binary, path)
            results["chiso import, PostgreSQL"].append(t)
            last["pg"] = line
            results["PostgreSQL COPY (peer)"].append(pg_copy(path))
        copy = statistics.median(results["PostgreSQL COPY (peer)"])
        print(f"| work | median of {a.runs} (s) | fastest – slowest (s) | values/s | ÷ PostgreSQL COPY |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for k, v in results.items():
            m = statistics.median(v)
            print(f"| {k} | {m:.2f} | {min(v):.2f} – {max(v):.2f} | {n / m:,.0f} | {m / copy:.1f}× |")
        print("chiso (SQLite) said:", last["sqlite"])
        print("chiso (PostgreSQL) said:", last["pg"])
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
