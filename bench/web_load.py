#!/usr/bin/env python3
"""Load on the web server over loopback: the steering dashboard (`/`), the analytics API
(public reads, no token) and a static file served by the same server (`/static/chiso.css`,
the ceiling), each with 50 and 200 concurrent clients, by `wrk` (Debian's; `bench/setup.sh`
installs it). The server is `chiso demo` from a release build, on a fresh data directory.

    python3 bench/web_load.py [--duration 15] [--clients 50,200] [--port 18790] [--no-build]

Prints a Markdown table (p50, p99, requests per second, non-2xx answers) and the load
average of the machine before and after, since other work may share its two cores.
"""
import argparse, os, re, shutil, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What a leader's page and an explorer's query ask: two indicators, two years, every commune
# of the province (62 units) and the three tiers of agencies.
ANALYTICS = (
    "/api/analytics?dimension=dx:VB_DT_TY_LE;CKS_TY_LE&dimension=pe:2022;2023"
    "&dimension=ou:LEVEL-3;58;GROUP-58_CO_QUAN_TINH;GROUP-58_CAP_HUYEN;GROUP-58_CAP_XA"
)
# A dashboard tile's question: one indicator, one unit, one year.
ONE_VALUE = "/api/analytics?dimension=dx:CKS_TY_LE&dimension=pe:2023&dimension=ou:58"
TARGETS = [
    ("static file `/static/chiso.css` (ceiling)", "/static/chiso.css"),
    ("dashboard `/`", "/"),
    ("analytics API (2 indicators × 2 years × 72 units: 280 rows)", ANALYTICS),
    ("analytics API (one value: CKS_TY_LE, 58, 2023)", ONE_VALUE),
]


def ms(text):
    """wrk's latency ("812.00us", "1.20ms", "2.01s") in milliseconds."""
    m = re.match(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        return float("nan")
    v, u = float(m.group(1)), m.group(2)
    return v * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[u]


def wrk(url, clients, duration, threads):
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{duration}s", "--latency", "--timeout", "10s", url],
        check=True, capture_output=True, text=True,
    ).stdout
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:(.*)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "p50": ms(lat.get("50", "")),
        "p99": ms(lat.get("99", "")),
        "rps": float(rps.group(1)) if rps else float("nan"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1).strip() if errors else "",
        "total": int(total.group(1)) if total else 0,
    }


def loadavg():
    return open("/proc/loadavg").read().split()[:3]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    ap.add_argument("--clients", default="50,200", help="concurrent connections, comma-separated")
    ap.add_argument("--threads", type=int, default=2, help="wrk's threads")
    ap.add_argument("--port", type=int, default=18790)
    ap.add_argument("--no-build", action="store_true", help="use the release binary as it is")
    ap.add_argument("--exe", help="the chiso binary to load (default: the release build)")
    a = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: run bash bench/setup.sh")
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    if not a.no_build and not a.exe:
        subprocess.run(["cargo", "build", "--release", "-p", "chiso"], cwd=ROOT, check=True, capture_output=True)
    exe = a.exe or os.path.join(target, "release", "chiso")
    data = tempfile.mkdtemp(prefix="chiso-web-load-")
    base = f"http://127.0.0.1:{a.port}"
    server = subprocess.Popen(
        [exe, "demo", "--data-dir", data, "--listen", f"127.0.0.1:{a.port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/static/chiso.css", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("the server did not start")
        sizes = {}
        for _, path in TARGETS:
            with urllib.request.urlopen(base + path, timeout=10) as r:
                if r.status != 200:
                    sys.exit(f"{path}: {r.status}")
                sizes[path] = len(r.read())
        # One client, one request at a time: the dashboard answered from memory (the same
        # address again) and rendered afresh (a different "as of" day each time — what every
        # request pays once after a write).
        def one(path):
            t = time.perf_counter()
            with urllib.request.urlopen(base + path, timeout=30) as r:
                r.read()
            return (time.perf_counter() - t) * 1000

        days = [f"2024-{m:02d}-{d:02d}" for m in range(1, 13) for d in (1, 10, 20)]
        fresh = sorted(one(f"/?as_of={d}") for d in days)
        kept = sorted(one(f"/?as_of={days[0]}") for _ in days)
        single = (fresh[len(fresh) // 2], kept[len(kept) // 2], len(days))
        before = loadavg()
        results = []
        for clients in [int(c) for c in a.clients.split(",")]:
            for label, path in TARGETS:
                wrk(base + path, clients, 2, a.threads)  # warm-up
                r = wrk(base + path, clients, a.duration, a.threads)
                results.append((label, path, clients, r))
                print(f"# {label} c={clients}: {r}", file=sys.stderr)
        after = loadavg()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)
    print(f"load average before: {' '.join(before)}; after: {' '.join(after)}")
    print(
        f"dashboard, one client, median of {single[2]}: rendered afresh {single[0]:.2f} ms, "
        f"answered from memory {single[1]:.2f} ms"
    )
    print()
    print("| what | bytes | clients | p50 (ms) | p99 (ms) | requests/s | ÷ static | non-2xx |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    ceiling = {c: r["rps"] for (_, p, c, r) in results if p == "/static/chiso.css"}
    for label, path, clients, r in results:
        share = r["rps"] / ceiling[clients] if ceiling.get(clients) else float("nan")
        print(
            f"| {label} | {sizes[path]:,} | {clients} | {r['p50']:.2f} | {r['p99']:.2f} | "
            f"{r['rps']:,.0f} | {share:.2f} | {r['non2xx']}{' ' + r['errors'] if r['errors'] else ''} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
