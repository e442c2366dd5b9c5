#!/usr/bin/env python3
"""Load time of the national set from SQLite at start: writes the 60.24 million values of
bench/national.py into a chiso SQLite database (units by `chiso units import`; elements and
values straight into the tables, as a bulk import would leave them), then times, each with its
peak resident memory (/usr/bin/time -v): `chiso engine-load` from the database,
`chiso engine-snapshot` (writes the engine's snapshot beside the database),
`chiso engine-load --from-snapshot` (the server's start from the snapshot), and `chiso serve`
from its start until `/api/health` answers — with a value written after the snapshot, which
the start applies from the audit log as the follower does.

    python3 bench/national_load.py [--db bench/out/national.db] [--keep] [--reuse] [--scale 0.01]
"""
import argparse, os, signal, sqlite3, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = os.path.join(ROOT, "data", "vn-admin", "units_legacy.csv")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=os.path.join(ROOT, "bench", "out", "national.db"))
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--scale", type=float, default=1.0, help="share of the 10,040 leaves (1.0: national)")
    ap.add_argument("--reuse", action="store_true", help="time a database kept by an earlier --keep run")
    ap.add_argument("--no-build", action="store_true", help="use the release binary as it is")
    a = ap.parse_args()
    os.makedirs(os.path.dirname(a.db), exist_ok=True)
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "chiso"], cwd=ROOT, check=True, capture_output=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    exe = os.path.join(target, "release", "chiso")
    url = f"sqlite://{a.db}"
    if not (a.reuse and os.path.exists(a.db)):
        generate(a, exe, url)
    else:
        print(f"- reusing {a.db} ({os.path.getsize(a.db) / 2**30:.1f} GiB)")
    measure(exe, url, a.db)
    if not a.keep:
        for suffix in ("", "-wal", "-shm", ".engine", "-serve.lock"):
            if os.path.exists(a.db + suffix):
                os.remove(a.db + suffix)
    return 0


def generate(a, exe, url):
    for suffix in ("", "-wal", "-shm", ".engine", "-serve.lock"):
        if os.path.exists(a.db + suffix):
            os.remove(a.db + suffix)
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
    print(f"- values written to SQLite: {n:,} in {gen:.0f} s (database {size:.1f} GiB)")


def timed(args):
    """Run a chiso command under /usr/bin/time -v: its output lines, wall seconds, peak MiB."""
    t = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-v", *args], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout.strip().splitlines(), wall, peak_of(out.stderr)


def peak_of(stderr):
    peak = [l for l in stderr.splitlines() if "Maximum resident set size" in l]
    return int(peak[0].split()[-1]) / 1024 if peak else float("nan")


def field(lines, name):
    return next((l.split(":", 1)[1].strip() for l in lines if l.startswith(name + ":")), "?")


def measure(exe, url, db):
    if os.path.exists(db + ".engine"):
        os.remove(db + ".engine")
    rows = []
    lines, wall, peak = timed([exe, "engine-load", "--database", url])
    for line in lines:
        print(f"- chiso engine-load (database): {line}")
    rows.append(("engine-load from the database", float(field(lines, "load").split()[0]), wall, peak))
    lines, wall, peak = timed([exe, "engine-snapshot", "--database", url])
    for line in lines:
        print(f"- chiso engine-snapshot: {line}")
    rows.append(("engine-snapshot: the write (the command also loads from the database)", float(field(lines, "write").split()[0]), wall, peak))
    # One value written after the snapshot: the start applies it from the audit log.
    con = sqlite3.connect(db)
    leaf = con.execute("SELECT unit FROM data_values WHERE element = 'E000' LIMIT 1").fetchone()[0]
    con.close()
    csv = os.path.join(os.path.dirname(db), "after-snapshot.csv")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("element,unit,period,value\n")
        f.write(f"E000,{leaf},201901,12345\n")
    subprocess.run([exe, "import", csv, "--database", url], check=True, capture_output=True)
    os.remove(csv)
    lines, wall, peak = timed([exe, "engine-load", "--from-snapshot", "--database", url])
    for line in lines:
        print(f"- chiso engine-load --from-snapshot: {line}")
    if not field(lines, "from").startswith("the snapshot"):
        sys.exit("the snapshot was not used")
    rows.append(("engine-load from the snapshot, then the audit rows after it", float(field(lines, "load").split()[0]), wall, peak))
    secs, peak = serve_start(exe, url)
    rows.append(("chiso serve: start until /api/health answers", secs, secs, peak))
    base = rows[0][1]
    print()
    print("| work | load (s) | whole command (s) | peak memory (MiB) | load / database load |")
    print("|---|---:|---:|---:|---:|")
    for name, load, wall, peak in rows:
        print(f"| {name} | {load:.2f} | {wall:.2f} | {peak:,.0f} | {load / base:.3f} |")


def serve_start(exe, url, port=18093):
    """Seconds from `chiso serve`'s start until /api/health answers, and the serve's peak."""
    t = time.perf_counter()
    p = subprocess.Popen(
        ["/usr/bin/time", "-v", exe, "serve", "--database", url, "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    secs = None
    while secs is None and p.poll() is None and time.perf_counter() - t < 600:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                if r.status == 200:
                    secs = time.perf_counter() - t
        except Exception:
            time.sleep(0.05)
    # SIGTERM to chiso (the child of /usr/bin/time): a clean shutdown.
    kids = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
    for k in kids:
        os.kill(int(k), signal.SIGTERM)
    out, err = p.communicate(timeout=600)
    print(f"- chiso serve: {out.strip().splitlines()[-2:] if out.strip() else ''}")
    if secs is None:
        sys.exit(f"chiso serve did not answer:\n{out}\n{err}")
    return secs, peak_of(err)


if __name__ == "__main__":
    sys.exit(main())
