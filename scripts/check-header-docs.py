#!/usr/bin/env python3
"""Checks that every zkclient name a doc comment of the header mentions exists in it.

A doc comment that names a type (`zk_watcher_type`) the header does not declare sends the
reader looking for nothing: cbindgen leaves out an enum no signature uses (plain int32_t
parameters), so such types must be listed in cbindgen.toml. Names written as calls
(`zk_client_new()`) must be functions; other names must be types or functions; a name
followed by `*` is a family (`zk_options_set_*`) and is not checked.

Usage: scripts/check-header-docs.py [HEADER]   (default include/zkclient.h)
"""
import re
import sys


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "include/zkclient.h"
    with open(path, encoding="utf-8") as header:
        text = header.read()
    comments = re.findall(r"/\*.*?\*/", text, re.S)
    code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    code = re.sub(r"//[^\n]*", "", code)

    types = set(re.findall(r"\b(?:struct|enum)\s+(zk_\w+)", code))
    types |= set(re.findall(r"typedef\b[^;{}]*?\b(zk_\w+)\s*;", code, re.S))
    types |= set(re.findall(r"typedef[^;]*?\(\s*\*\s*(zk_\w+)\s*\)", code, re.S))
    functions = set(re.findall(r"\b(zk_\w+)\s*\(", code)) - types
    if not types or not functions:
        print(f"{path}: found no zkclient types or functions: not a zkclient header?",
              file=sys.stderr)
        return 1

    problems = []
    for comment in comments:
        line = text[: text.index(comment)].count("\n") + 1
        for match in re.finditer(r"\b(zk_[a-z0-9_]+)(\s*\(|\*)?", comment):
            name, after = match.group(1), match.group(2)
            if after == "*":
                continue
            if after and after.strip() == "(":
                if name not in functions:
                    problems.append(f"{path}:{line}: `{name}()` is not a function of the header")
            elif name not in types and name not in functions:
                problems.append(f"{path}:{line}: `{name}` is not a type of the header")
    for problem in sorted(set(problems)):
        print(problem, file=sys.stderr)
    if problems:
        print("a doc comment names what the header does not declare (an enum that no "
              "signature uses must be listed in cbindgen.toml's [export] include)",
              file=sys.stderr)
        return 1
    print(f"{path}: every name in its doc comments is declared "
          f"({len(types)} types, {len(functions)} functions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
