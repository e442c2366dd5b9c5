#!/usr/bin/env python3
"""The yearly review's generation time, from a running demo: starts `chiso demo` on a free
port (the Ninh Thuận 2023 demo, public reading), then downloads the full province report of
KH_CDS_2023 in Vietnamese as PDF and as DOCX (and the XLSX annex) a number of times through
`/reports/yearly/download`, and prints the median and the worst time of each. Aims: PDF under
2 s, DOCX under 1 s.

    python3 bench/report.py [--exe PATH] [--runs 10]

Without --exe it builds and uses the release binary (CARGO_TARGET_DIR is honoured).
"""
import argparse, os, socket, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exe", help="the chiso binary (default: build the release one)")
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    exe = a.exe
    if not exe:
        subprocess.run(["cargo", "build", "--release", "-p", "chiso"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        exe = os.path.join(target, "release", "chiso")
    data = tempfile.mkdtemp(prefix="chiso-bench-report-")
    port = free_port()
    server = subprocess.Popen([exe, "demo", "--data-dir", data, "--listen", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/static/chiso.css", timeout=1).read()
                break
            except Exception:
                time.sleep(0.2)
        else:
            sys.exit("the demo server did not start")
        print(f"chiso report from a running demo ({exe}), {a.runs} runs each")
        for fmt, aim in (("pdf", 2.0), ("docx", 1.0), ("xlsx", 1.0)):
            url = f"{base}/reports/yearly/download?framework=KH_CDS_2023&lang=vi&format={fmt}"
            times, size = [], 0
            for _ in range(a.runs):
                t0 = time.perf_counter()
                body = urllib.request.urlopen(url, timeout=60).read()
                times.append(time.perf_counter() - t0)
                size = len(body)
            med, worst = statistics.median(times), max(times)
            verdict = "ok" if worst < aim else "over the aim"
            print(f"  {fmt:5} median {med * 1000:7.1f} ms, worst {worst * 1000:7.1f} ms, "
                  f"{size / 1024:7.0f} KiB (aim < {aim:.0f} s: {verdict})")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
