#!/usr/bin/env python3
"""Turns the raw result lines of scripts/bench.sh into the comparison tables.

usage: report.py [--raw RAW_FILE --out MARKDOWN_OUT [--header HEADER_FILE]]
                 [--instr INSTR_RAW --instr-out INSTR_MARKDOWN [--instr-header HEADER_FILE]]

RAW_FILE holds one line per run: `rot=N client=... workload=... key=value ...` as printed by
bench/zkc_bench, bench/zoo_bench, bench/zookeeper-client (zkrs_bench) and bench/kazoo_bench.py
(plus `status=failed` for runs that gave no figures, and `status=na reason=...` for runs that
cannot be made here: the reason is the rest of the line). For every figure the table shows
the median over the rotations of each client and two ratios: zkclient / zookeeper-client and
zkclient / libzookeeper_mt, each the median of the per-rotation ratios (the clients of one
rotation ran back to back, so their ratio cancels most of the machine's drift), with their
range, and the goals of issue 13 with met yes/NO. Prints plain text to stdout and writes
Markdown to MARKDOWN_OUT (HEADER_FILE, if given, copied in front of it).

INSTR_RAW holds the callgrind counts of `scripts/bench.sh` (BENCH_ONLY=instructions): lines
`client=... workload=... n=N base_ir=I1 ir=I,I,I` (instructions of the whole process for a
run of 1 request and for runs of N requests). Per request: (I - I1) / (N - 1) per run, the
least over the runs (timing noise only adds wake-ups, hence instructions). Written to INSTR_MARKDOWN and, when --out is given too, appended to
MARKDOWN_OUT as a table of its own.
"""
import argparse
import statistics
import sys

A, R, C = "zkclient", "zookeeper-client", "libzookeeper_mt"
CLIENTS = (A, R, C)

# Goals (issue 13), each (kind, op, x): kind "rs" compares the ratio zkclient / zookeeper-client,
# "c" the ratio zkclient / libzookeeper_mt, "best" the ratio zkclient / the better peer of
# the same rotation, "abs" zkclient's own value.
PIPELINED_OPS = [("rs", ">=", 1.2), ("c", ">=", 1.5)]
PIPELINED_CPU = [("rs", "<=", 0.75), ("c", "<=", 0.25)]
CS = ("cs_per_op", "context switches/op", "lower", 1, [])

# workload -> [(key, figure name, better, scale, goals)]
#   better: "higher" or "lower"; scale: divide the raw value by this (kB -> MB)
FIGURES = {
    "connect": [
        ("ops_per_s", "sessions/s", "higher", 1, [("best", ">=", 1.0)]),
        ("cpu_us_per_op", "client CPU µs/session", "lower", 1, []),
        ("cs_per_op", "context switches/session", "lower", 1, []),
    ],
    "sync_get": [
        ("ops_per_s", "ops/s", "higher", 1, [("best", ">=", 1.1)]),
        ("p50_us", "p50 latency µs", "lower", 1, []),
        ("p99_us", "p99 latency µs", "lower", 1, []),
        ("cpu_us_per_op", "client CPU µs/op", "lower", 1, []),
        CS,
    ],
    "sync_set": [
        ("ops_per_s", "ops/s", "higher", 1, [("best", ">=", 1.1)]),
        ("p50_us", "p50 latency µs", "lower", 1, []),
        ("p99_us", "p99 latency µs", "lower", 1, []),
        ("cpu_us_per_op", "client CPU µs/op", "lower", 1, []),
        CS,
    ],
    "async_get": [
        ("ops_per_s", "ops/s", "higher", 1, PIPELINED_OPS),
        ("cpu_us_per_op", "client CPU µs/op", "lower", 1, PIPELINED_CPU),
        CS,
    ],
    "async_get_dispatcher": [
        ("ops_per_s", "ops/s (zkclient: completions on the dispatcher thread)", "higher", 1, []),
        ("cpu_us_per_op", "client CPU µs/op (zkclient: dispatcher thread)", "lower", 1, []),
        CS,
    ],
    "async_set": [
        ("ops_per_s", "ops/s", "higher", 1, PIPELINED_OPS),
        ("cpu_us_per_op", "client CPU µs/op", "lower", 1, PIPELINED_CPU),
        CS,
    ],
    "async_create": [
        ("ops_per_s", "ops/s", "higher", 1, PIPELINED_OPS),
        ("cpu_us_per_op", "client CPU µs/op", "lower", 1, PIPELINED_CPU),
        CS,
    ],
    "sessions": [
        ("threads", "threads", "lower", 1, [("abs", "<=", 4)]),
        ("rss_kb", "RSS MB", "lower", 1024, [("abs", "<=", 16)]),
        ("ops_per_s", "sessions opened/s", "higher", 1, []),
    ],
    "watch_fanout": [
        ("ops_per_s", "events/s", "higher", 1, []),
        ("rss_kb", "watcher RSS MB", "lower", 1024, [("c", "<=", 1.0)]),
        ("cpu_us_per_op", "watcher CPU µs/event", "lower", 1, []),
        ("cs_per_op", "watcher context switches/event", "lower", 1, []),
    ],
    "big_children": [
        ("ms", "ms per listing (median of 3)", "lower", 1, []),
        ("first_ms", "ms, first listing", "lower", 1, []),
        ("hwm_kb", "peak RSS MB", "lower", 1024, [("c", "<=", 1.0)]),
    ],
    "lock": [
        ("ops_per_s", "acquisitions/s, 8 sessions (C column: kazoo 2.11 Lock)", "higher", 1, []),
        ("cpu_us_per_op", "client CPU µs/acquisition (C column: kazoo)", "lower", 1, []),
        ("cs_per_op", "context switches/acquisition (C column: kazoo)", "lower", 1, []),
    ],
    "sessions_10k": [
        ("threads", "threads", "lower", 1, [("abs", "<=", 4)]),
        ("rss_kb", "RSS MB", "lower", 1024, []),
        ("secs", "seconds until all CONNECTED", "lower", 1, []),
    ],
}
ORDER = ["connect", "sync_get", "sync_set", "async_get", "async_get_dispatcher", "async_set",
         "async_create",
         "sessions", "watch_fanout", "big_children", "lock", "sessions_10k"]
# The C column of each workload: the C client, except for the lock, which it lacks.
REFERENCE = {"lock": "kazoo"}
INSTR_ORDER = ["async_get", "async_get_dispatcher", "async_set", "sync_get"]


def parse(path):
    runs = []  # dicts
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            reason = None
            if " reason=" in line:
                line, reason = line.split(" reason=", 1)
            run = dict(item.split("=", 1) for item in line.split() if "=" in item)
            if "pair" in run and "rot" not in run:  # raw files of the two-client script
                run["rot"] = run.pop("pair")
            if reason is not None:
                run["reason"] = reason
            runs.append(run)
    return runs


def fmt(value):
    if value is None:
        return "n/a"
    if value == int(value) and abs(value) < 1000:
        return str(int(value))
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def fmt_ratio(ratio):
    if ratio is None:
        return "n/a"
    return f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.2g}"


def spread(ratios):
    return f"{fmt_ratio(min(ratios))}–{fmt_ratio(max(ratios))}" if len(ratios) > 1 else ""


def goal_text(goals):
    out = []
    for kind, op, x in goals:
        sign = "≥" if op == ">=" else "≤"
        if kind == "abs":
            out.append(f"{sign} {x:g}")
        else:
            peer = {"rs": R, "c": C, "best": "better peer"}[kind]
            out.append(f"{sign} {peer}" if x == 1.0 else f"{sign} {x:g}× {peer}")
    return "; ".join(out)


def goal_met(goals, values):
    out = []
    for kind, op, x in goals:
        v = values.get(kind)
        if v is None:
            out.append("?")
            continue
        ok = v >= x if op == ">=" else v <= x
        word = "yes" if ok else "NO"
        # the ratio to the better peer has no column of its own: show it
        out.append(f"{word} ({fmt_ratio(v)})" if kind == "best" else word)
    return "; ".join(out)


def build_rows(runs):
    rows, failures, notes = [], [], []
    for wl in ORDER:
        wl_runs = [r for r in runs if r.get("workload") == wl]
        if not wl_runs:
            continue
        rots = sorted({int(r["rot"]) for r in wl_runs})
        ref = REFERENCE.get(wl, C)
        # The reference client's runs stand in the C column.
        by = {(C if r["client"] == ref else r["client"], int(r["rot"])): r for r in wl_runs}
        na = {}
        for client in CLIENTS:
            bad = [p for p in rots if by.get((client, p), {}).get("status") == "failed"]
            if bad:
                failures.append(f"{wl}: {client if client != C else ref} failed in rotation(s) "
                                f"{', '.join(map(str, bad))}")
            reasons = {by[(client, p)].get("reason", "")
                       for p in rots if by.get((client, p), {}).get("status") == "na"}
            if reasons:
                na[client] = "; ".join(sorted(reasons))
                notes.append(f"{wl}, {client if client != C else ref}: {na[client]}")
        for fig_i, (key, name, better, scale, goals) in enumerate(FIGURES[wl]):
            vals = {c: [] for c in CLIENTS}
            ratios = {"rs": [], "c": [], "best": []}
            for p in rots:
                got = {}
                for client in CLIENTS:
                    r = by.get((client, p))
                    if r is not None and key in r:
                        got[client] = float(r[key]) / scale
                        vals[client].append(got[client])
                if A not in got:
                    continue
                for kind, peer in (("rs", R), ("c", C)):
                    if peer in got and got[peer] != 0:
                        ratios[kind].append(got[A] / got[peer])
                peers = [got[c] for c in (R, C) if c in got]
                if peers:
                    best = max(peers) if better == "higher" else min(peers)
                    if best != 0:
                        ratios["best"].append(got[A] / best)
            med = {c: statistics.median(v) if v else None for c, v in vals.items()}
            rmed = {k: statistics.median(v) if v else None for k, v in ratios.items()}
            values = dict(rmed, abs=med[A])
            cell = {c: ("n/a" if med[c] is None and c in na else fmt(med[c])) for c in CLIENTS}
            # Markdown: the first row of the workload says why (the text table lists it below)
            md_cell = {c: (f"n/a: {na[c]}" if fig_i == 0 and cell[c] == "n/a" and c in na else cell[c])
                       for c in CLIENTS}
            rows.append({
                "workload": wl, "figure": name, "a": cell[A], "r": cell[R], "c": cell[C],
                "md_a": md_cell[A], "md_r": md_cell[R], "md_c": md_cell[C],
                "ratio_r": fmt_ratio(rmed["rs"]), "spread_r": spread(ratios["rs"]),
                "ratio_c": fmt_ratio(rmed["c"]), "spread_c": spread(ratios["c"]),
                "better": better, "goal": goal_text(goals), "met": goal_met(goals, values),
                "n": "/".join(str(len(vals[c])) for c in CLIENTS),
            })
    return rows, failures, notes


COLUMNS = [("workload", "workload"), ("figure", "figure"), ("a", A), ("r", R), ("c", C),
           ("ratio_r", f"{A} ÷ {R}"), ("spread_r", "range"),
           ("ratio_c", f"{A} ÷ {C}"), ("spread_c", "range"),
           ("better", "better"), ("goal", "goal (issue 13)"), ("met", "met"),
           ("n", "runs")]


def text_table(rows, columns):
    widths = {k: max(len(h), *(len(r[k]) for r in rows)) for k, h in columns}
    out = ["  ".join(h.ljust(widths[k]) for k, h in columns).rstrip()]
    out.append("  ".join("-" * widths[k] for k, _ in columns))
    for r in rows:
        out.append("  ".join(r[k].ljust(widths[k]) for k, _ in columns).rstrip())
    return "\n".join(out)


def md_table(rows, columns):
    out = ["| " + " | ".join(h for _, h in columns) + " |",
           "|" + "|".join("---" for _ in columns) + "|"]
    for r in rows:
        out.append("| " + " | ".join(r.get("md_" + k, r[k]) for k, _ in columns) + " |")
    return "\n".join(out)


def per_run(runs):
    order = {A: 0, C: 1, "kazoo": 1, R: 2}
    lines = ["| workload | rotation | client | result |", "|---|---|---|---|"]
    for wl in ORDER:
        for r in sorted((r for r in runs if r.get("workload") == wl),
                        key=lambda r: (int(r["rot"]), order.get(r["client"], 3))):
            rest = " ".join(f"{k}={v}" for k, v in r.items()
                            if k not in ("rot", "client", "workload"))
            lines.append(f"| {wl} | {r['rot']} | {r['client']} | `{rest}` |")
    return "\n".join(lines)


# ---- instructions per request (callgrind) ----

INSTR_COLUMNS = [("workload", "workload"), ("a", A), ("r", R), ("c", C),
                 ("ratio_r", f"{A} ÷ {R}"), ("ratio_c", f"{A} ÷ {C}"), ("n", "requests per run")]


def instr_rows(runs):
    rows, details = [], []
    for wl in INSTR_ORDER:
        per = {}
        for r in runs:
            if r.get("workload") != wl:
                continue
            if r.get("status") == "failed":
                details.append(f"{wl}, {r['client']}: FAILED")
                continue
            n, base = int(r["n"]), int(r["base_ir"])
            each = [(int(x) - base) / (n - 1) for x in r["ir"].split(",")]
            per[r["client"]] = (min(each), each, n)
            details.append(f"{wl}, {r['client']}: 1 request {base:,} instructions; {n:,} requests "
                           f"{', '.join(f'{int(x):,}' for x in r['ir'].split(','))}; per request "
                           f"{', '.join(f'{x:,.0f}' for x in each)}")
        if not per:
            continue

        def cell(c):
            if c not in per:
                return "n/a"
            least, each, _ = per[c]
            most = f" (max {max(each):,.0f})" if len(each) > 1 else ""
            return f"{least:,.0f}{most}"

        def ratio(c):
            return fmt_ratio(per[A][0] / per[c][0]) if A in per and c in per and per[c][0] else "n/a"

        rows.append({"workload": wl, "a": cell(A), "r": cell(R), "c": cell(C),
                     "ratio_r": ratio(R), "ratio_c": ratio(C),
                     "n": ", ".join(sorted({f"{v[2]:,}" for v in per.values()}))})
    return rows, details


INSTR_METHOD = (
    "User-space instructions of the whole process (every thread; `valgrind --tool=callgrind`, "
    "its `summary:` total) per request: each program runs once with 1 request (connect, one "
    "request, close: the set-up) and BENCH_INSTR_RUNS times with N requests; per run "
    "(I(N) − I(1)) / (N − 1), which cancels start-up, connect and close. The cell is the "
    "least of the runs (the most in brackets): how many requests share a write, a read and a "
    "wake-up depends on the threads' timing under callgrind, and unlucky timing only adds "
    "wake-ups, so the least count is the steadiest (bench/README.md). "
    "Lower is better; the ratios are zkclient ÷ peer.")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw")
    ap.add_argument("--out")
    ap.add_argument("--header")
    ap.add_argument("--instr")
    ap.add_argument("--instr-out")
    ap.add_argument("--instr-header")
    args = ap.parse_args()
    if not args.raw and not args.instr:
        sys.exit(__doc__)
    failures = []
    sections = []
    if args.raw:
        runs = parse(args.raw)
        rows, failures, notes = build_rows(runs)
        print(text_table(rows, COLUMNS))
        for f in failures:
            print("FAILED:", f)
        for n in notes:
            print("n/a:", n)
        md = md_table(rows, COLUMNS) + "\n\n"
        if notes:
            md += "Not measured here (n/a):\n\n" + "".join(f"- {x}\n" for x in notes) + "\n"
        if failures:
            md += "**Failed runs** (no figures from them):\n\n" + "".join(f"- {x}\n" for x in failures) + "\n"
        sections.append(("main", md, per_run(runs)))
    instr_md = None
    if args.instr:
        irows, details = instr_rows(parse(args.instr))
        if irows:
            print()
            print("instructions per request (callgrind):")
            print(text_table(irows, INSTR_COLUMNS))
        failures += [d for d in details if d.endswith("FAILED")]
        instr_md = (INSTR_METHOD + "\n\n" + md_table(irows, INSTR_COLUMNS) + "\n\n" +
                    "<details><summary>The counts (instructions of whole runs)</summary>\n\n" +
                    "".join(f"- {d}\n" for d in details) + "\n</details>\n")
        if args.instr_out:
            header = ""
            if args.instr_header:
                with open(args.instr_header, encoding="utf-8") as f:
                    header = f.read()
            with open(args.instr_out, "w", encoding="utf-8") as f:
                f.write(header + instr_md)
    if args.out:
        header = ""
        if args.header:
            with open(args.header, encoding="utf-8") as f:
                header = f.read()
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(header)
            for _, md, raw in sections:
                f.write(md)
            f.write("## Client instructions per request (callgrind)\n\n")
            f.write(instr_md if instr_md else "Not measured in this run (BENCH_ONLY left it out).\n")
            f.write("\n")
            for _, md, raw in sections:
                f.write("<details><summary>Every run (the raw result lines)</summary>\n\n")
                f.write(raw + "\n\n</details>\n")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
