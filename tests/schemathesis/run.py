"""Schemathesis, pinned, against a real `chiso demo`: the OpenAPI document the server serves
(`/api/openapi.json`, the same as docs/openapi.json) is the contract, and every answer must keep
it — no server error, every status, content type, header and body as documented.

A fresh `chiso demo` on a free port (the browser walks' Server), an administrator's account and
API token made with `chiso user add` and `chiso token create`, so writes are checked as well as
reads; the run is bounded by SCHEMATHESIS_MAX_TIME seconds (default 240) and
SCHEMATHESIS_MAX_EXAMPLES cases per operation (default 15). Exits non-zero on any failure,
printing schemathesis's own report.
"""

import os
import re
import subprocess
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "browser"))

from chiso_browser import BIN, Server, check  # noqa: E402

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def token(server):
    server.add_user("kiem.thu.hop.dong", "Kiểm thử hợp đồng API", "system_admin")
    out = subprocess.run(
        [BIN, "token", "create", "kiem.thu.hop.dong", "--name", "schemathesis", "--database", server.database],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    m = re.search(r"Authorization: ApiToken (\S+)", out)
    check(m is not None, f"no token in: {out}")
    return m.group(1)


def main():
    exe = os.path.join(sysconfig.get_path("scripts"), "schemathesis")
    if not os.path.exists(exe):
        exe = "schemathesis"
    server = Server()
    try:
        secret = token(server)
        args = [
            exe,
            "run",
            f"{server.url}/api/openapi.json",
            "--url",
            server.url,
            "--checks",
            CHECKS,
            "--header",
            f"Authorization: ApiToken {secret}",
            "--max-examples",
            os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"),
            "--max-time",
            os.environ.get("SCHEMATHESIS_MAX_TIME", "240"),
            "--phases",
            os.environ.get("SCHEMATHESIS_PHASES", "examples,coverage,fuzzing"),
            "--seed",
            os.environ.get("SCHEMATHESIS_SEED", "18"),
            # One worker: the generator's parsing of its own source is not safe across threads
            # on Python 3.11 (a runtime error, not a finding, with two).
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--no-color",
        ]
        extra = os.environ.get("SCHEMATHESIS_ARGS")
        if extra:
            args += extra.split()
        print("schemathesis against", server.url, flush=True)
        env = {
            **os.environ,
            "SCHEMATHESIS_TELEMETRY": "false",
            "SCHEMATHESIS_HOOKS": "hooks",
            "PYTHONPATH": os.pathsep.join([HERE, os.environ.get("PYTHONPATH", "")]),
        }
        code = subprocess.run(args, env=env, cwd=server.dir).returncode
    finally:
        server.stop()
    if code != 0:
        print("schemathesis: the server broke its OpenAPI contract (see above)", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
