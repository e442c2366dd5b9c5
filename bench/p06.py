#!/usr/bin/env python3
"""The electronic data store's figures at scale: 1 million dossiers with 3 components each
at 1,000 units over 2023. chiso recomputes, from the records in memory, the counts of every
unit and month and the five rates over them (electronic results, digitisation, reuse,
store-linked, on time) by columns — `chiso_p06::columns`, what the application layer runs
after a write: the records turned into integer columns once (timed apart, as DuckDB's load),
then one pass over them on the machine's threads — and, for comparison, row by row
(`chiso_p06::figures::tally`); and adds one new dossier incrementally. DuckDB runs the same
computation as one query over the same rows (loaded beforehand, not timed). Both give a
checksum (the sum of every rate) that must agree.

    bash bench/setup.sh && python3 bench/p06.py [--dossiers 1000000] [--units 1000] [--reps 7] [--threads N]

What is not measured here: reading the records from the database (chiso reads them as JSON
from SQLite or PostgreSQL before tallying) and writing the figures through the engine.
"""
import argparse, json, os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")

QUERY = """
WITH r AS (
  SELECT unit, recv_month AS m, COUNT(*) AS received, SUM(digitised) AS digitised,
         SUM(components) AS components, SUM(reused) AS reused
  FROM d GROUP BY unit, recv_month),
f AS (
  SELECT unit, fin_month AS m, COUNT(*) AS finished, SUM(on_time) AS on_time,
         SUM(electronic) AS electronic, SUM(linked) AS linked
  FROM d WHERE finished = 1 GROUP BY unit, fin_month),
k AS (
  SELECT COALESCE(r.unit, f.unit) AS unit, COALESCE(r.m, f.m) AS m,
         r.received, r.digitised, r.components, r.reused,
         f.finished, f.on_time, f.electronic, f.linked
  FROM r FULL OUTER JOIN f ON r.unit = f.unit AND r.m = f.m)
SELECT SUM(COALESCE(100.0 * electronic / NULLIF(finished, 0), 0))
     + SUM(COALESCE(100.0 * digitised / NULLIF(received, 0), 0))
     + SUM(COALESCE(100.0 * reused / NULLIF(components, 0), 0))
     + SUM(COALESCE(100.0 * linked / NULLIF(finished, 0), 0))
     + SUM(COALESCE(100.0 * on_time / NULLIF(finished, 0), 0)) AS checksum,
       COUNT(electronic / NULLIF(finished, 0)) + COUNT(digitised / NULLIF(received, 0))
     + COUNT(reused / NULLIF(components, 0)) + COUNT(linked / NULLIF(finished, 0))
     + COUNT(on_time / NULLIF(finished, 0)) AS figures
FROM k
"""


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--dossiers", type=int, default=1_000_000)
    a.add_argument("--units", type=int, default=1_000)
    a.add_argument("--reps", type=int, default=7)
    a.add_argument("--threads", type=int, default=0, help="chiso's threads (0: the machine's)")
    args = a.parse_args()
    subprocess.run(["cargo", "build", "--release", "-p", "chiso-p06", "--example", "p06_bench"],
                   cwd=ROOT, check=True)
    exe = os.path.join(TARGET, "release", "examples", "p06_bench")
    threads = str(args.threads or os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "dossiers.csv")
        run = lambda: json.loads(subprocess.run(
            [exe, str(args.dossiers), str(args.units), csv, threads, str(args.reps)],
            capture_output=True, text=True, check=True).stdout)
        # The first run writes the rows DuckDB loads; then chiso's runs and DuckDB's queries
        # take turns, so both meet the machine's load alike: each chiso run counts once into
        # a new table and `reps` times again into it, DuckDB queries `reps` times.
        runs = [run()]
        import duckdb
        con = duckdb.connect(":memory:")
        con.execute(f"CREATE TABLE d AS SELECT * FROM read_csv_auto('{csv}', nullstr='')")
        times = []
        for i in range(args.reps):
            if i:
                runs.append(run())
            for _ in range(args.reps):
                t = time.perf_counter()
                checksum, figures = con.execute(QUERY).fetchone()
                times.append(time.perf_counter() - t)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    again = [t for r in runs for t in r["again_s"]]
    full, best, first = med(again), min(again), med([r["first_s"] for r in runs])
    build, rows = med([r["build_s"] for r in runs]), med([r["rows_s"] for r in runs])
    inc = med([r["incremental_s"] for r in runs])
    duck, duck_best = med(times), min(times)
    agree = abs(runs[0]["checksum"] - checksum) <= 1e-6 * max(1.0, abs(checksum))
    n = len(again)
    print(f"| work | median (s) | best (s) | ÷ DuckDB (median) | ÷ DuckDB (best) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| chiso: every unit and month, five rates, from {args.dossiers:,} dossiers in columns ({runs[0]['threads']} threads; {n} counts into a held table) | {full:.4f} | {best:.4f} | {full / duck:.3f}× | {best / duck_best:.3f}× |")
    print(f"| chiso: the same, each run's first count (a new table) | {first:.4f} | — | {first / duck:.3f}× | — |")
    print(f"| chiso: the records turned into columns (once; like DuckDB's load, not in the lines above) | {build:.3f} | — | — | — |")
    print(f"| chiso: the same five rates row by row from the records (the reference) | {rows:.3f} | — | {rows / duck:.2f}× | — |")
    print(f"| chiso: one more dossier, incrementally | {inc:.9f} | — | — | — |")
    print(f"| DuckDB (peer): the same, one query over the loaded rows ({len(times)} queries) | {duck:.4f} | {duck_best:.4f} | 1.00× | 1.00× |")
    print(f"\nchecksums: chiso {runs[0]['checksum']:.6f} over {runs[0]['figures']} figures, "
          f"DuckDB {checksum:.6f} over {figures} — {'agree' if agree else 'DIFFER'}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
