#!/usr/bin/env python3
"""Load time of the national set from SQLite at start: writes the 60.24 million values of
bench/national.py into a chiso SQLite database (units by `chiso units import`; elements and
values straight into the tables, as a bulk import would leave them), then times
`chiso engine-load`, which builds the engine exactly as the server does at start.

    python3 bench/national_load.py [--db bench/out/national.db] [--keep]
"""
import argparse, os, sqlite3, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = os.path.join(ROOT, "data", "vn-admin", "units_legacy.csv")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=os.path.join(ROOT, "bench", "out", "national.db"))
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--scale", type=float, default=1.0, help="share of the 10,040 leaves (1.0: national)")
    a = ap.parse_args()
    os.makedirs(os.path.dirname(a.db), exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(a.db + suffix):
            os.remove(a.db + suffix)
    subprocess.run(["cargo", "build", "--release", "-p", "chiso"], cwd=ROOT, check=True, capture_output=True)
    exe = os.path.join(ROOT, "target", "release", "chiso")
    url = f"sqlite://{a.db}"
    subprocess.run([exe, "units", "import", "--database", url], check=True, capture_output=True)

    rows = open(CSV, encoding="utf-8").read().splitlines()[1:]
    leaves = [(f[5] or f[2]) for f in (r.split(",") for r in rows)]
    leaves = leaves[: -(-len(leaves) * int(a.scale * 1000) // 1000)]
    months = [(2019 + m // 12, m % 12 + 1) for m in range(60)]
    con = sqlite3.connect(a.db)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.executemany(
        "INSERT INTO data_elements (code, name_vi, name_en, value_type, aggregation, unit_of_measure, breakdown, description) "
        "VALUES (?, ?, NULL, 'integer', 'sum', NULL, NULL, NULL)",
        [(f"E{e:03}", f"E{e:03}") for e in range(100)],
    )
    t = time.perf_counter()

    def values():
        # In key order (element, unit, period): the table is kept in that order.
        for k in range(50):
            for e in (2 * k, 2 * k + 1):
                for i, leaf in sorted(enumerate(leaves), key=lambda x: x[1]):
                    for m, (y, mo) in enumerate(months):
                        den = 1000 + (i * 7919 + k * 104729 + m * 1299709) % 9000
                        num = den * ((i * 31 + k * 17 + m * 7) % 100) // 100
                        v = num if e == 2 * k else den
                        yield (f"E{e:03}", leaf, f"{y}{mo:02}", str(v), float(v))

    con.executemany(
        "INSERT INTO data_values (element, unit, period, breakdown, value, num, "
        "comment, source, stored_by, stored_at) VALUES (?, ?, ?, '', ?, ?, NULL, 'import:bench', 'bench', '2026-11-29T00:00:00+00:00')",
        values(),
    )
    con.commit()
    n = con.execute("SELECT COUNT(*) FROM data_values").fetchone()[0]
    con.close()
    gen = time.perf_counter() - t
    size = os.path.getsize(a.db) / 2**30
    out = subprocess.run(["/usr/bin/time", "-v", exe, "engine-load", "--database", url], check=True, capture_output=True, text=True)
    peak = [l for l in out.stderr.splitlines() if "Maximum resident set size" in l]
    print(f"- values written to SQLite: {n:,} in {gen:.0f} s (database {size:.1f} GiB)")
    for line in out.stdout.strip().splitlines():
        print(f"- chiso engine-load: {line}")
    if peak:
        print(f"- peak resident memory of the load: {int(peak[0].split()[-1]) / 1024:.0f} MiB")
    if not a.keep:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(a.db + suffix):
                os.remove(a.db + suffix)
    return 0


if __name__ == "__main__":
    sys.exit(main())
