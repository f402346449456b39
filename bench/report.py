#!/usr/bin/env python3
"""Turns the raw result lines of scripts/bench.sh into the comparison table.

usage: report.py RAW_FILE MARKDOWN_OUT [HEADER_FILE]

RAW_FILE holds one line per run: `pair=N client=... workload=... key=value ...` as printed by
bench/zkc_bench and bench/zoo_bench (plus `status=failed` for runs that gave no
figures). For every figure the table shows the median over the pairs of each client and the
median of the per-pair ratios zkclient / libzookeeper_mt (pairs ran back to back, so their
ratio cancels most of the machine's drift). Prints a plain-text table to stdout and writes
Markdown to MARKDOWN_OUT (HEADER_FILE, if given, is copied in front of it).
"""
import statistics
import sys

A, B = "zkclient", "libzookeeper_mt"

# workload -> [(key, figure name, better, scale, goal)]
#   better: "higher" or "lower"; scale: divide the raw value by this (kB -> MB)
#   goal: None, ("ratio", op, x) for the zkclient/C ratio, ("abs", op, x) for zkclient's own value
FIGURES = {
    "connect": [
        ("ops_per_s", "sessions/s", "higher", 1, None),
        ("cpu_us_per_op", "client CPU µs/session", "lower", 1, None),
    ],
    "sync_get": [
        ("ops_per_s", "ops/s", "higher", 1, ("ratio", ">=", 1.0)),
        ("p50_us", "p50 latency µs", "lower", 1, None),
        ("p99_us", "p99 latency µs", "lower", 1, None),
        ("cpu_us_per_op", "client CPU µs/op", "lower", 1, None),
    ],
    "sync_set": [
        ("ops_per_s", "ops/s", "higher", 1, ("ratio", ">=", 1.0)),
        ("p50_us", "p50 latency µs", "lower", 1, None),
        ("p99_us", "p99 latency µs", "lower", 1, None),
        ("cpu_us_per_op", "client CPU µs/op", "lower", 1, None),
    ],
    "async_get": [
        ("ops_per_s", "ops/s", "higher", 1, ("ratio", ">=", 1.5)),
        ("cpu_us_per_op", "client CPU µs/op", "lower", 1, ("ratio", "<=", 0.25)),
    ],
    "async_set": [
        ("ops_per_s", "ops/s", "higher", 1, ("ratio", ">=", 1.5)),
        ("cpu_us_per_op", "client CPU µs/op", "lower", 1, ("ratio", "<=", 0.25)),
    ],
    "async_create": [
        ("ops_per_s", "ops/s", "higher", 1, ("ratio", ">=", 1.5)),
        ("cpu_us_per_op", "client CPU µs/op", "lower", 1, ("ratio", "<=", 0.25)),
    ],
    "sessions": [
        ("threads", "threads", "lower", 1, ("abs", "<=", 4)),
        ("rss_kb", "RSS MB", "lower", 1024, ("abs", "<=", 16)),
        ("ops_per_s", "sessions opened/s", "higher", 1, None),
    ],
    "watch_fanout": [
        ("ops_per_s", "events/s", "higher", 1, None),
        ("rss_kb", "watcher RSS MB", "lower", 1024, None),
        ("cpu_us_per_op", "watcher CPU µs/event", "lower", 1, None),
    ],
    "lock": [
        ("ops_per_s", "acquisitions/s, 8 sessions (C column: kazoo 2.11 Lock)", "higher", 1, None),
        ("cpu_us_per_op", "client CPU µs/acquisition (C column: kazoo)", "lower", 1, None),
    ],
    "big_children": [
        ("ms", "ms per listing (median of 3)", "lower", 1, None),
        ("first_ms", "ms, first listing", "lower", 1, None),
        ("hwm_kb", "peak RSS MB", "lower", 1024, None),
    ],
}
ORDER = ["connect", "sync_get", "sync_set", "async_get", "async_set", "async_create",
         "sessions", "watch_fanout", "big_children", "lock"]
SKIPPED = {}
# The reference client of each workload: the C client, except for the lock, which it lacks.
REFERENCE = {"lock": "kazoo"}


def parse(path):
    runs = []  # dicts
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            run = dict(item.split("=", 1) for item in line.split() if "=" in item)
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


def goal_text(goal):
    if goal is None:
        return ""
    kind, op, x = goal
    sign = "≥" if op == ">=" else "≤"
    return f"ratio {sign} {x:g}" if kind == "ratio" else f"{sign} {x:g}"


def goal_met(goal, ratio, a_value):
    if goal is None:
        return ""
    kind, op, x = goal
    v = ratio if kind == "ratio" else a_value
    if v is None:
        return "?"
    ok = v >= x if op == ">=" else v <= x
    return "yes" if ok else "NO"


def build_rows(runs):
    rows = []
    failures = []
    for wl in ORDER:
        wl_runs = [r for r in runs if r.get("workload") == wl]
        if not wl_runs:
            continue
        pairs = sorted({int(r["pair"]) for r in wl_runs})
        # The reference client's runs stand in the B column.
        ref = REFERENCE.get(wl, B)
        by = {(B if r["client"] == ref else r["client"], int(r["pair"])): r for r in wl_runs}
        for client in (A, B):
            bad = [p for p in pairs if by.get((client, p), {}).get("status") == "failed"]
            if bad:
                failures.append(f"{wl}: {client} failed in pair(s) {', '.join(map(str, bad))}")
        for key, name, better, scale, goal in FIGURES[wl]:
            vals = {A: [], B: []}
            ratios = []
            for p in pairs:
                got = {}
                for client in (A, B):
                    r = by.get((client, p))
                    if r is not None and key in r:
                        got[client] = float(r[key]) / scale
                        vals[client].append(got[client])
                if len(got) == 2 and got[B] != 0:
                    ratios.append(got[A] / got[B])
            a_med = statistics.median(vals[A]) if vals[A] else None
            b_med = statistics.median(vals[B]) if vals[B] else None
            ratio = statistics.median(ratios) if ratios else None
            spread = f"{fmt_ratio(min(ratios))}–{fmt_ratio(max(ratios))}" if len(ratios) > 1 else ""
            rows.append({
                "workload": wl, "figure": name, "a": fmt(a_med), "b": fmt(b_med),
                "ratio": fmt_ratio(ratio), "spread": spread,
                "better": better, "goal": goal_text(goal), "met": goal_met(goal, ratio, a_med),
                "n": f"{len(vals[A])}/{len(vals[B])}",
            })
    for wl, note in SKIPPED.items():
        rows.append({"workload": wl, "figure": "acquisitions/s", "a": "—", "b": "—", "ratio": "—",
                     "spread": "", "better": "higher", "goal": "", "met": "", "n": "0/0",
                     "note": note})
    return rows, failures


COLUMNS = [("workload", "workload"), ("figure", "figure"), ("a", A), ("b", B),
           ("ratio", "ratio zkc/C"), ("spread", "pair ratios"), ("better", "better"),
           ("goal", "goal"), ("met", "met"), ("n", "runs")]


def text_table(rows):
    widths = {k: max(len(h), *(len(r[k]) for r in rows)) for k, h in COLUMNS}
    out = ["  ".join(h.ljust(widths[k]) for k, h in COLUMNS)]
    out.append("  ".join("-" * widths[k] for k, _ in COLUMNS))
    for r in rows:
        line = "  ".join(r[k].ljust(widths[k]) for k, _ in COLUMNS)
        if r.get("note"):
            line = line.rstrip() + "  " + r["note"]
        out.append(line)
    return "\n".join(out)


def md_table(rows):
    out = ["| " + " | ".join(h for _, h in COLUMNS) + " |",
           "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for r in rows:
        cells = [r[k] for k, _ in COLUMNS]
        if r.get("note"):
            cells[1] = f"{cells[1]}: {r['note']}"
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def per_pair(runs):
    lines = ["| workload | pair | client | result |", "|---|---|---|---|"]
    for wl in ORDER:
        for r in sorted((r for r in runs if r.get("workload") == wl),
                        key=lambda r: (int(r["pair"]), r["client"] != A)):
            rest = " ".join(f"{k}={v}" for k, v in r.items()
                            if k not in ("pair", "client", "workload"))
            lines.append(f"| {wl} | {r['pair']} | {r['client']} | `{rest}` |")
    return "\n".join(lines)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    runs = parse(sys.argv[1])
    rows, failures = build_rows(runs)
    print(text_table(rows))
    for f in failures:
        print("FAILED:", f)
    header = ""
    if len(sys.argv) == 4:
        with open(sys.argv[3], encoding="utf-8") as f:
            header = f.read()
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(header)
        f.write(md_table(rows) + "\n\n")
        if failures:
            f.write("**Failed runs** (no figures from them):\n\n")
            f.write("".join(f"- {x}\n" for x in failures) + "\n")
        f.write("<details><summary>Every run (the raw result lines)</summary>\n\n")
        f.write(per_pair(runs) + "\n\n</details>\n")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
