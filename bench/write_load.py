#!/usr/bin/env python3
"""Concurrent writes against a real `chiso serve` over HTTP: 200 writers and 50 readers at
once, each on a keep-alive connection of its own, for a fixed time. Every writer sends one
data value per request (`POST /api/data-values`, an API token) to a key nobody else writes
(a unit of province 58 × a day); every reader asks the analytics API for the province's
total of the element being written. Afterwards the server is stopped and the database is
read directly: every acknowledged write (answer 200) must be there with its value.

    python3 bench/write_load.py [--duration 20] [--backends sqlite,sqlite-normal,postgres]
        [--writers 200] [--readers 50] [--port 18795] [--no-build]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres]

`sqlite` is the default (`synchronous=FULL`: an acknowledged write survives a power cut),
`sqlite-normal` the same with `?synchronous=normal`, `postgres` a database
`chiso_write_bench` created afresh on the given server. Prints a Markdown table: writes/s,
write p50/p99, reads/s, read p50/p99, errors, acknowledged writes missing from the database,
and the machine's load average before and after (other work may share its cores).
"""
import argparse, asyncio, json, os, shutil, sqlite3, subprocess, sys, tempfile, time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ELEMENT = "BENCH_WRITE"
# The units that existed on the days written (2020 on): the legacy ones, not the 2025 structure.
UNITS = "SELECT code FROM units WHERE code NOT LIKE '2025-%' ORDER BY code"


def day(n):
    """The n-th day from 1 January 2020 as a period (YYYYMMDD)."""
    t = time.gmtime(1577836800 + 86400 * n)
    return f"{t.tm_year:04d}{t.tm_mon:02d}{t.tm_mday:02d}"


def run(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(args)}: {r.stderr.strip() or r.stdout.strip()}")
    return r.stdout


def psql(url, sql):
    return run(["psql", url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])


class Conn:
    """One keep-alive HTTP/1.1 connection, requests written by hand (the client must cost
    little beside the server on the same cores)."""

    def __init__(self, port):
        self.port = port
        self.r = self.w = None

    async def open(self):
        self.r, self.w = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method, path, headers, body=b""):
        if self.w is None:
            await self.open()
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Content-Length: {len(body)}\r\n\r\n"
        self.w.write(head.encode() + body)
        await self.w.drain()
        status_line = await self.r.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.r.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            k = k.strip().lower()
            if k == "content-length":
                length = int(v.strip())
            elif k == "connection" and v.strip().lower() == "close":
                close = True
        data = await self.r.readexactly(length) if length else b""
        if close:
            self.w.close()
            self.w = None
        return status, data


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))] * 1000


async def load(port, token, units, writers, readers, duration):
    auth = f"Authorization: ApiToken {token}\r\n"
    wh = auth + "Content-Type: application/json\r\n"
    acked, write_lat, read_lat = {}, [], []
    errors = {"write": 0, "read": 0}
    stop = time.monotonic() + duration
    read_path = f"/api/analytics?dimension=dx:{ELEMENT}&dimension=pe:2021&dimension=ou:58"

    async def writer(w):
        c = Conn(port)
        j = 0
        while time.monotonic() < stop:
            k = j * writers + w
            j += 1
            unit, period = units[k % len(units)], day(k // len(units))
            body = json.dumps({"data_values": [{"element": ELEMENT, "unit": unit, "period": period, "value": k}]}).encode()
            t = time.monotonic()
            try:
                status, _ = await c.request("POST", "/api/data-values", wh, body)
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                errors["write"] += 1
                c = Conn(port)
                continue
            write_lat.append(time.monotonic() - t)
            if status == 200:
                acked[(unit, period)] = str(k)
            else:
                errors["write"] += 1

    async def reader():
        c = Conn(port)
        while time.monotonic() < stop:
            t = time.monotonic()
            try:
                status, _ = await c.request("GET", read_path, auth)
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                errors["read"] += 1
                c = Conn(port)
                continue
            read_lat.append(time.monotonic() - t)
            if status != 200:
                errors["read"] += 1

    began = time.monotonic()
    await asyncio.gather(*[writer(w) for w in range(writers)], *[reader() for _ in range(readers)])
    took = time.monotonic() - began
    return acked, write_lat, read_lat, errors, took


def stored_values(backend, url):
    sql = f"SELECT unit, period, value FROM data_values WHERE element = '{ELEMENT}'"
    if backend.startswith("sqlite"):
        path = url.removeprefix("sqlite://").split("?")[0]
        with sqlite3.connect(path) as db:
            return {(u, p): v for u, p, v in db.execute(sql)}
    out = psql(url, sql.replace("SELECT unit, period, value", "SELECT unit || '|' || period || '|' || value"))
    return {tuple(l.split("|")[:2]): l.split("|")[2] for l in out.splitlines() if l}


def one(exe, backend, a):
    data = tempfile.mkdtemp(prefix="chiso-write-load-")
    if backend == "postgres":
        base, _, _ = a.postgres.rpartition("/")
        psql(a.postgres, "DROP DATABASE IF EXISTS chiso_write_bench")
        psql(a.postgres, "CREATE DATABASE chiso_write_bench")
        url = f"{base}/chiso_write_bench"
    else:
        url = f"sqlite://{data}/w.db" + ("?synchronous=normal" if backend == "sqlite-normal" else "")
    run([exe, "units", "import", "--province", "58", "--database", url])
    run([exe, "user", "add", "bench", "--name", "Bench", "--role", "system_admin", "--database", url])
    out = run([exe, "token", "create", "bench", "--name", "bench", "--database", url])
    token = next(l.strip() for l in out.splitlines() if len(l.strip()) == 64)
    server = subprocess.Popen(
        [exe, "serve", "--database", url, "--listen", f"127.0.0.1:{a.port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{a.port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/api/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("the server did not start")
        req = urllib.request.Request(
            base + "/api/data-elements", method="POST",
            headers={"Authorization": f"ApiToken {token}", "Content-Type": "application/json"},
            data=json.dumps({"data_elements": [{"code": ELEMENT, "name_vi": "Ghi thử tải", "value_type": "integer", "aggregation": "sum"}]}).encode(),
        )
        urllib.request.urlopen(req, timeout=30).read()
        if backend.startswith("sqlite"):
            with sqlite3.connect(url.removeprefix("sqlite://").split("?")[0]) as db:
                units = [u for (u,) in db.execute(UNITS)]
        else:
            units = psql(url, UNITS).split()
        before = os.getloadavg()
        acked, wl, rl, errors, took = asyncio.run(load(a.port, token, units, a.writers, a.readers, a.duration))
        after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = stored_values(backend, url)
    lost = sum(1 for k, v in acked.items() if stored.get(k) != v)
    shutil.rmtree(data, ignore_errors=True)
    return {
        "backend": backend, "writes": len(acked) / took, "acked": len(acked),
        "w50": pct(wl, 50), "w99": pct(wl, 99), "reads": len(rl) / took,
        "r50": pct(rl, 50), "r99": pct(rl, 99), "errors": errors, "lost": lost,
        "load": (before, after),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--backends", default="sqlite,sqlite-normal,postgres")
    ap.add_argument("--writers", type=int, default=200)
    ap.add_argument("--readers", type=int, default=50)
    ap.add_argument("--port", type=int, default=18795)
    ap.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--no-build", action="store_true", help="use the release binary as it is")
    a = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    if not a.no_build:
        run(["cargo", "build", "--release", "-p", "chiso"], cwd=ROOT)
    exe = os.path.join(target, "release", "chiso")
    rows = []
    for backend in a.backends.split(","):
        r = one(exe, backend, a)
        print(f"# {r}", file=sys.stderr)
        rows.append(r)
    print(f"{a.writers} writers + {a.readers} readers, {a.duration} s each, one value per write")
    print()
    print("| backend | writes/s | write p50 (ms) | write p99 (ms) | reads/s | read p50 (ms) | read p99 (ms) | errors (w/r) | acknowledged | lost | load avg before → after |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        (b, a_) = r["load"]
        print(
            f"| {r['backend']} | {r['writes']:,.0f} | {r['w50']:.1f} | {r['w99']:.1f} | {r['reads']:,.0f} | "
            f"{r['r50']:.1f} | {r['r99']:.1f} | {r['errors']['write']}/{r['errors']['read']} | {r['acked']:,} | "
            f"{r['lost']} | {b[0]:.1f} → {a_[0]:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
