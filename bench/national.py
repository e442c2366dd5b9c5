#!/usr/bin/env python3
"""The national roll-up benchmark: chiso's engine next to DuckDB (full scale) and the local
PostgreSQL (a tenth of the scale), on exactly the same values, in one run.

Data: the legacy hierarchy (the country, 63 provinces, 696 districts, 10,035 communes; the 10,040 rows of
units_legacy.csv are the reporting leaves), 100 elements = 50 ratio indicators (×100), 60
months: 60.24 million values. Output: every indicator at the country and every province, district and commune
for 60 months, 20 quarters and 5 years (45.9 million values). The peers get one well-written
query each: GROUP BY GROUPING SETS with FILTERed sums, materialised into a table.

Both views: the communes report monthly through a data set approved by the district then the
province; the reports of the last two months are not yet approved at the province, so their
values are live only. chiso keeps the official sums beside the live ones; DuckDB rolls up the
values joined with the approvals table (steps per leaf and month), keeping those approved at
both levels and those of the leaves no data set collects.

    bash bench/setup.sh && python3 bench/national.py [--reps 3] [--skip-postgres]

Prints a Markdown table for BENCHMARKS.md and checks that the three agree (relative
difference of the checksums at most 1e-9).
"""
import argparse, json, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = os.path.join(ROOT, "data", "vn-admin", "units_legacy.csv")
PG = os.environ.get("CHISO_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")

VALUES_SQL = """
SELECT l.i, l.p, l.d, l.w, e.e, m.m,
       CASE WHEN e.e % 2 = 1 THEN 1000 + (l.i * 7919 + (e.e / 2) * 104729 + m.m * 1299709) % 9000
            ELSE (1000 + (l.i * 7919 + (e.e / 2) * 104729 + m.m * 1299709) % 9000)
                 * ((l.i * 31 + (e.e / 2) * 17 + m.m * 7) % 100) / 100 END AS v
FROM leaves l, {range_e} e(e), {range_m} m(m)
"""

ROLLUP_SQL = """
CREATE {temp} TABLE out AS
SELECT k, p, d, w, y, q, m,
       GROUPING(p) AS gp, GROUPING(d) AS gd, GROUPING(w) AS gw, GROUPING(q) AS gq, GROUPING(m) AS gm,
       100.0 * SUM(v) FILTER (WHERE side = 0) / SUM(v) FILTER (WHERE side = 1) AS value
FROM (SELECT e / 2 AS k, e % 2 AS side, p, d, w, m / 12 AS y, m / 3 AS q, m, v FROM vals) x
GROUP BY k, GROUPING SETS ((y), (q), (m), (p, y), (p, q), (p, m), (p, d, y), (p, d, q), (p, d, m),
                           (p, d, w, y), (p, d, w, q), (p, d, w, m))
"""

APPROVALS_SQL = """
CREATE TABLE appr AS
SELECT l.i, m.m, CASE WHEN m.m < 58 THEN 2 WHEN l.i % 2 = 0 THEN 1 ELSE 0 END AS steps
FROM leaves l, range(60) m(m) WHERE l.w IS NOT NULL
"""

OFFICIAL_VALS = """(SELECT v.* FROM vals v LEFT JOIN appr a ON a.i = v.i AND a.m = v.m
 WHERE a.steps IS NULL OR a.steps >= 2)"""

CHECK_SQL = """
SELECT CASE WHEN gp = 1 THEN 'L1' WHEN gd = 1 THEN 'L2' WHEN gw = 1 THEN 'L3' ELSE 'L4' END
       || '_' || CASE WHEN gm = 0 THEN 'month' WHEN gq = 0 THEN 'quarter' ELSE 'year' END AS key,
       SUM(value), COUNT(*)
FROM out WHERE value IS NOT NULL AND NOT (gw = 0 AND w IS NULL)
GROUP BY 1 ORDER BY 1
"""


def leaves(scale):
    rows = open(CSV, encoding="utf-8").read().splitlines()[1:]
    n = -(-len(rows) * int(scale * 1000) // 1000)
    out = []
    for i, r in enumerate(rows[:n]):
        f = r.split(",")
        out.append((i, f[0], f[2], f[5] or None))
    return out


def run_chiso(scale, reps):
    exe = os.path.join(ROOT, "target", "release", "examples", "national")
    subprocess.run(["cargo", "build", "--release", "-p", "chiso-engine", "--example", "national"], cwd=ROOT, check=True, capture_output=True)
    p = subprocess.run(["/usr/bin/time", "-v", exe, "--scale", str(scale), "--reps", str(reps)], check=True, capture_output=True, text=True)
    r = json.loads(p.stdout)
    peak = [l for l in p.stderr.splitlines() if "Maximum resident set size" in l]
    r["peak_mib"] = int(peak[0].split()[-1]) / 1024 if peak else float("nan")
    return r


def run_duckdb(scale, reps):
    import duckdb
    con = duckdb.connect(":memory:")
    con.execute("SET threads TO 2")
    con.execute("CREATE TABLE leaves (i BIGINT, p VARCHAR, d VARCHAR, w VARCHAR)")
    con.executemany("INSERT INTO leaves VALUES (?, ?, ?, ?)", leaves(scale))
    t = time.perf_counter()
    con.execute("CREATE TABLE vals AS " + VALUES_SQL.format(range_e="range(100)", range_m="range(60)").replace("e.e / 2", "e.e // 2").replace("* ((l.i", "* ((l.i").replace(") / 100 END", ") // 100 END"))
    load = time.perf_counter() - t
    times = []
    for _ in range(reps):
        con.execute("DROP TABLE IF EXISTS out")
        t = time.perf_counter()
        con.execute(ROLLUP_SQL.format(temp="").replace("e / 2", "e // 2").replace("m / 12", "m // 12").replace("m / 3", "m // 3"))
        times.append(time.perf_counter() - t)
    rows = con.execute("SELECT COUNT(*) FROM out WHERE value IS NOT NULL AND NOT (gw = 0 AND w IS NULL)").fetchone()[0]
    checks = {k: {"sum": s, "count": c} for k, s, c in con.execute(CHECK_SQL).fetchall()}
    n = con.execute("SELECT COUNT(*) FROM vals").fetchone()[0]
    # The official view: the values joined with the approvals, then the same roll-up.
    con.execute(APPROVALS_SQL)
    official_sql = ROLLUP_SQL.format(temp="").replace("e / 2", "e // 2").replace("m / 12", "m // 12").replace("m / 3", "m // 3").replace("FROM vals) x", "FROM " + OFFICIAL_VALS + ") x")
    official_times = []
    for _ in range(reps):
        con.execute("DROP TABLE IF EXISTS out")
        t = time.perf_counter()
        con.execute(official_sql)
        official_times.append(time.perf_counter() - t)
    official_rows = con.execute("SELECT COUNT(*) FROM out WHERE value IS NOT NULL AND NOT (gw = 0 AND w IS NULL)").fetchone()[0]
    official_checks = {k: {"sum": s, "count": c} for k, s, c in con.execute(CHECK_SQL).fetchall()}
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"peak_mib": peak, "values": n, "load_s": load, "rollup_s": sorted(times)[len(times) // 2], "indicator_values_out": rows, "checksums": checks,
            "official_rollup_s": sorted(official_times)[len(official_times) // 2], "official_values_out": official_rows, "official_checksums": official_checks}


def run_postgres(scale, reps):
    db = "chiso_bench_national"
    def psql(sql, dbname=db):
        return subprocess.run(["psql", f"{PG}/{dbname}", "-v", "ON_ERROR_STOP=1", "-qAt", "-F", "|"], input=sql, check=True, capture_output=True, text=True).stdout
    psql(f"DROP DATABASE IF EXISTS {db}", "postgres")
    psql(f"CREATE DATABASE {db}", "postgres")
    values = "\n".join(f"{i}\t{p}\t{d}\t{w if w else chr(92) + 'N'}" for i, p, d, w in leaves(scale))
    psql("CREATE TABLE leaves (i BIGINT, p TEXT, d TEXT, w TEXT);\nCOPY leaves FROM STDIN;\n" + values + "\n\\.\n")
    t = time.perf_counter()
    psql("SET max_parallel_workers_per_gather = 2; CREATE TABLE vals AS " + VALUES_SQL.format(range_e="generate_series(0, 99)", range_m="generate_series(0, 59)") + "; ANALYZE vals;")
    load = time.perf_counter() - t
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        psql("SET work_mem = '1GB'; SET max_parallel_workers_per_gather = 2; DROP TABLE IF EXISTS out; " + ROLLUP_SQL.format(temp="UNLOGGED"))
        times.append(time.perf_counter() - t)
    out = psql(CHECK_SQL)
    checks = {}
    for line in out.strip().splitlines():
        k, s, c = line.split("|")
        checks[k] = {"sum": float(s), "count": int(c)}
    rows = int(psql("SELECT COUNT(*) FROM out WHERE value IS NOT NULL AND NOT (gw = 0 AND w IS NULL)").strip())
    n = int(psql("SELECT COUNT(*) FROM vals").strip())
    psql(f"DROP DATABASE IF EXISTS {db}", "postgres")
    return {"values": n, "load_s": load, "rollup_s": sorted(times)[len(times) // 2], "indicator_values_out": rows, "checksums": checks}


def agree(a, b, key="checksums"):
    worst = 0.0
    for k, v in a[key].items():
        w = b[key].get(k)
        if w is None or w["count"] != v["count"]:
            return float("inf")
        worst = max(worst, abs(v["sum"] - w["sum"]) / max(abs(v["sum"]), 1e-300))
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--skip-postgres", action="store_true")
    a = ap.parse_args()
    full = run_chiso(1.0, a.reps)
    duck = run_duckdb(1.0, a.reps)
    tenth = run_chiso(0.1, a.reps)
    pg = None if a.skip_postgres else run_postgres(0.1, a.reps)
    print(f"| work | values in | indicator values out | time (s) | peak memory (MiB) | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(f"| chiso full roll-up, national, live view | {full['values']:,} | {full['indicator_values_out']:,} | {full['rollup_s']:.3f} | {full['peak_mib']:,.0f} | chiso / DuckDB = {full['rollup_s'] / duck['rollup_s']:.4f} |")
    print(f"| chiso roll-up, national, official view | {full['values']:,} | {full['official_values_out']:,} | {full['official_rollup_s']:.3f} | (same process) | chiso / DuckDB = {full['official_rollup_s'] / duck['official_rollup_s']:.4f} |")
    print(f"| one pass over {full['values']:,} f64 at memory bandwidth | | | {full['memory_pass_s']:.3f} | | chiso / pass = {full['rollup_s'] / full['memory_pass_s']:.1f} |")
    print(f"| DuckDB (2 threads), national, all values | {duck['values']:,} | {duck['indicator_values_out']:,} | {duck['rollup_s']:.3f} | {duck['peak_mib']:,.0f} | 1 |")
    print(f"| DuckDB (2 threads), national, approved values (joined with the approvals) | {duck['values']:,} | {duck['official_values_out']:,} | {duck['official_rollup_s']:.3f} | (same process) | 1 |")
    print(f"| chiso full roll-up, 1/10 scale | {tenth['values']:,} | {tenth['indicator_values_out']:,} | {tenth['rollup_s']:.3f} | {tenth['peak_mib']:,.0f} | |")
    if pg:
        print(f"| PostgreSQL 15, 1/10 scale | {pg['values']:,} | {pg['indicator_values_out']:,} | {pg['rollup_s']:.3f} | (server) | chiso / PostgreSQL = {tenth['rollup_s'] / pg['rollup_s']:.4f} |")
    print()
    print(f"- dashboard (10 indicators × {full['dashboard_cells'] // 120} communes × 12 months = {full['dashboard_cells']:,} values): {full['dashboard_ms']:.3f} ms median, in process")
    print(f"- a saved value in the next national answer: {full['save_to_answer_ms'] * 1000:.1f} µs median (the unit and its ancestors updated, nothing recomputed)")
    print(f"- an approval at the province in the next official national answer: {full['approval_to_answer_ms'] * 1000:.1f} µs median (the report's 100 values enter the official sums of the unit and its ancestors)")
    print(f"- recording the {full['leaves']:,} leaves' approval steps for 60 months before the values: {full['approvals_s']:.2f} s")
    print(f"- resident memory with the national set and one full roll-up answer: {full['rss_mib']:.0f} MiB")
    print(f"- filling the engine with the generated national values: {full['load_s']:.2f} s (DuckDB generating the same table: {duck['load_s']:.2f} s)")
    d1 = agree(full, duck)
    d0 = agree(full, duck, "official_checksums")
    print(f"- agreement, chiso vs DuckDB (largest relative difference of the checksums): live {d1:.2e}, official {d0:.2e}")
    ok = d1 <= 1e-9 and d0 <= 1e-9
    if pg:
        d2 = agree(tenth, pg)
        print(f"- agreement, chiso vs PostgreSQL at 1/10 scale: {d2:.2e}")
        ok = ok and d2 <= 1e-9
    if not ok:
        print("THE ENGINES DISAGREE", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
