#!/usr/bin/env python3
"""Fail when a crate's modules import each other in a circle.

For each crate source folder given (default: every src/ of the workspace),
reads each module file's `crate::` and `super::` paths (use lists
expanded, comments and the test module left out), resolves each to the
deepest module it names, and prints every group of modules that reach
each other. Exits 1 when there is one. Coarse, by design: it reads text,
not the compiler's resolution, so a path through a re-export counts as an
edge to the module that re-exports.
"""
import os
import re
import sys


def expand(path):
    """`a::{b, c::{d}}` -> ['a::b', 'a::c::d']."""
    i = path.find("{")
    if i < 0:
        return [path]
    prefix, inner, depth, parts, cur = path[:i], path[i + 1 : -1], 0, [], ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    parts.append(cur)
    return [x for p in parts if p.strip() for x in expand(prefix + p.strip())]


def paths_in(text):
    text = text.split("#[cfg(test)]")[0]
    text = re.sub(r"//[^\n]*", "", text)
    out = []
    for m in re.finditer(r"\b(crate|super)((?:::(?:\w+|\{[^;]*?\}(?=\s*[;,}])))+)", text):
        out += expand(m.group(1) + m.group(2))
    return out


def modules(root):
    mods = {}
    for folder, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(folder, f)
            rel = os.path.relpath(path, root)[:-3].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel in (["lib"], ["main"]):
                rel = []
            with open(path, encoding="utf-8") as fh:
                mods["::".join(rel)] = paths_in(fh.read())
    return mods


def edges(mods):
    graph = {}
    for m, paths in mods.items():
        here = m.split("::") if m else []
        out = set()
        for p in paths:
            parts = p.split("::")
            if parts[0] == "super":
                base = here[:-1]
                parts = parts[1:]
                while parts and parts[0] == "super":
                    base, parts = base[:-1], parts[1:]
                cand = base + parts
            else:
                cand = parts[1:]
            for k in range(len(cand), 0, -1):
                name = "::".join(cand[:k])
                if name in mods:
                    if name != m and not m.startswith(name + "::"):
                        out.add(name)
                    break
        graph[m] = out
    return graph


def cycles(graph):
    index, low, stack, on, found, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    roots = sys.argv[1:] or sorted(
        os.path.join(d, "src")
        for d, subdirs, files in os.walk(repo)
        if "Cargo.toml" in files and "src" in subdirs and "/target" not in d and "/fuzz" not in d
    )
    bad = 0
    for root in roots:
        for group in cycles(edges(modules(root))):
            bad += 1
            names = ", ".join(g or "crate" for g in group)
            print(f"{os.path.relpath(root, repo)}: modules import each other in a circle: {names}")
    if bad:
        print("check-module-cycles: move what both sides need into a module below them")
        return 1
    print(f"check-module-cycles: no import circle in {len(roots)} crates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
