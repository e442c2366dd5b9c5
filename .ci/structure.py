#!/usr/bin/env python3
"""The shape of the code, checked: no source or test file over 800 lines (but the named
generated ones), and no loop of imports between the modules of any crate.

    python3 .ci/structure.py

A module is a file under crates/NAME/src (`a.rs` or `a/mod.rs` is module `a`, `a/b.rs` is
`a::b`). It depends on another module of its crate when it names it: `crate::x::…`,
`super::…`, `self::…` or a child `mod` it declares does not count as a loop (a parent owns its
children). Exits 1 and says what is wrong.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_LINES = 800
# Files allowed to be longer, with the reason.
ALLOWED = {
}


def modules(src):
    """Module path (tuple) -> file path, for one crate's src directory."""
    out = {}
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), src)
            parts = rel[:-3].split(os.sep)
            if parts[-1] in ("mod", "lib", "main"):
                parts = parts[:-1]
            out[tuple(parts)] = os.path.join(dirpath, f)
    return out


def strip_comments(text):
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def dependencies(mods, path, text):
    """The modules of the crate that `path`'s file names (not itself, its ancestors' roots
    or its own children)."""
    deps = set()
    text = strip_comments(text)
    # use crate::{a, b::c} and crate::a::b paths
    for m in re.finditer(r"crate::((?:\{[^}]*\}|[\w:]+))", text):
        body = m.group(1)
        names = re.findall(r"[\w:]+", body) if body.startswith("{") else [body]
        for name in names:
            deps.add(resolve(mods, tuple(p for p in name.split("::") if p)))
    for m in re.finditer(r"\bsuper::([\w:]+)", text):
        parent = path[:-1]
        deps.add(resolve(mods, parent + tuple(p for p in m.group(1).split("::") if p)))
    deps.discard(None)
    deps.discard(path)
    deps.discard(())
    # A module naming its own descendants or its ancestors is not a dependency between peers.
    return {d for d in deps if d[: len(path)] != path and path[: len(d)] != d}


def resolve(mods, parts):
    """The longest module path that `parts` starts with."""
    for n in range(len(parts), 0, -1):
        if parts[:n] in mods:
            return parts[:n]
    return None


def cycles(graph):
    found, state, stack = [], {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                found.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found


def main():
    problems = []
    crates = os.path.join(ROOT, "crates")
    for krate in sorted(os.listdir(crates)):
        base = os.path.join(crates, krate)
        for sub in ("src", "tests", "examples", "benches"):
            d = os.path.join(base, sub)
            for dirpath, _, files in os.walk(d):
                for f in files:
                    if not f.endswith(".rs"):
                        continue
                    p = os.path.join(dirpath, f)
                    rel = os.path.relpath(p, ROOT)
                    with open(p, encoding="utf-8") as fh:
                        n = sum(1 for _ in fh)
                    if n > MAX_LINES and rel not in ALLOWED:
                        problems.append(f"{rel}: {n} lines (at most {MAX_LINES}; split it by subject)")
        src = os.path.join(base, "src")
        if not os.path.isdir(src):
            continue
        mods = modules(src)
        graph = {}
        for path, file in mods.items():
            if not path:
                continue  # the crate root names everything
            with open(file, encoding="utf-8") as fh:
                graph[path] = dependencies(mods, path, fh.read())
        for c in cycles(graph):
            problems.append(f"crates/{krate}: modules import each other: " + " -> ".join("::".join(p) for p in c))
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print("structure: every file within", MAX_LINES, "lines, no import loop between modules")


if __name__ == "__main__":
    main()
