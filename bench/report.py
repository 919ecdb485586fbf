"""Prints the comparison table of one `bench/compare.sh` run.

Reads criterion's estimates (median of the sample means) from the criterion
directory and the JSON printed by the Python and Node scripts, prints a
Markdown table of the figures and ratios, then the speed targets and
whether each is met. Standard library only.
"""

import argparse
import json
import os
import sys


def criterion_results(root):
    """{full_id: median ns per iteration} for every benchmark under root."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        out[bench["full_id"]] = est["median"]["point_estimate"]
    return out


def load_json(path):
    if not path or not os.path.exists(path) or os.path.getsize(path) == 0:
        return {}
    with open(path) as f:
        return json.load(f)


def fmt_us(v):
    if v is None:
        return "–"
    return f"{v:.2f} µs" if v < 10 else f"{v:.1f} µs" if v < 100 else f"{v:.0f} µs"


def fmt_rate(v):
    return "–" if v is None else f"{v:,.0f}/s"


def ratio(a, b, suffix="×"):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}{suffix}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--criterion", required=True)
    ap.add_argument("--python")
    ap.add_argument("--node")
    ap.add_argument("--paired")
    ap.add_argument("--in-flight", type=int, default=64)
    args = ap.parse_args()

    c = criterion_results(args.criterion)
    py = load_json(args.python)
    node = load_json(args.node)
    paired = load_json(args.paired)
    pseq = paired.get("sequential_us", {})
    pfl = paired.get("in_flight_64_per_s", {})

    def us(full_id):
        v = c.get(full_id)
        return None if v is None else v / 1000.0

    def rate(full_id):
        v = c.get(full_id)
        return None if v is None else args.in_flight * 1e9 / v

    def ext(d, key, field="median_us"):
        return d.get(key, {}).get(field)

    prep_floor, prep_ours = us("prepare/floor"), us("prepare/sdk")
    rt_raw, rt_ours = us("roundtrip/canned/raw_reqwest"), us("roundtrip/canned/sdk")
    rt_emu = us("roundtrip/emulator/sdk")
    rt_bare, rt_emu_bare = us("roundtrip/canned/bare"), us("roundtrip/emulator/bare")
    fl_bare = rate("in_flight_64/canned/bare")
    fl_raw, fl_ours = rate("in_flight_64/canned/raw_reqwest"), rate("in_flight_64/canned/sdk")
    fl_emu = rate("in_flight_64/emulator/sdk")
    py_prep, node_prep = ext(py, "prepare"), ext(node, "prepare")
    py_rt, node_rt = ext(py, "roundtrip_canned"), ext(node, "roundtrip_canned")
    py_emu = ext(py, "roundtrip_emulator")
    node_fl = ext(node, "in_flight_64_canned", "calls_per_s")

    dec_floor, dec_ours = us("decode/success/floor"), us("decode/success/sdk")
    # Columns: floor, bare, ours, Python, Node; ratios: ours ÷ floor,
    # ours ÷ bare, Python ÷ ours, Node ÷ ours. Rates: ratios inverted.
    rows = [
        ("prepare one request (build, validate, serialize, sign)",
         fmt_us(prep_floor), "= floor", fmt_us(prep_ours), fmt_us(py_prep), fmt_us(node_prep),
         ratio(prep_ours, prep_floor), "–", ratio(py_prep, prep_ours), ratio(node_prep, prep_ours)),
        ("decode a success answer",
         fmt_us(dec_floor), "= floor", fmt_us(dec_ours), "–", "–",
         ratio(dec_ours, dec_floor), "–", "–", "–"),
        ("decode an error answer (typed)",
         "–", "–", fmt_us(us("decode/error/sdk")), "–", "–", "–", "–", "–", "–"),
        ("round trip, canned server, sequential",
         fmt_us(rt_raw), fmt_us(rt_bare), fmt_us(rt_ours), fmt_us(py_rt), fmt_us(node_rt),
         ratio(rt_ours, rt_raw), ratio(rt_ours, rt_bare), ratio(py_rt, rt_ours), ratio(node_rt, rt_ours)),
        ("round trip, emulator, sequential",
         "–", fmt_us(rt_emu_bare), fmt_us(rt_emu), fmt_us(py_emu), "–",
         "–", ratio(rt_emu, rt_emu_bare), ratio(py_emu, rt_emu), "–"),
        (f"{args.in_flight} in flight, canned server",
         fmt_rate(fl_raw), fmt_rate(fl_bare), fmt_rate(fl_ours), "–", fmt_rate(node_fl),
         ratio(fl_raw, fl_ours), ratio(fl_bare, fl_ours), "–", ratio(fl_ours, node_fl)),
        (f"{args.in_flight} in flight, emulator",
         "–", "–", fmt_rate(fl_emu), "–", "–", "–", "–", "–", "–"),
    ]
    header = ("what", "floor", "bare client", "ours (Rust SDK)", "Python SDK", "Node SDK",
              "ours ÷ floor", "ours ÷ bare", "Python ÷ ours", "Node ÷ ours")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print("Times are criterion medians per call; rates are calls per second. For "
          "rates the ratios are inverted (floor ÷ ours, bare ÷ ours, ours ÷ Node), so "
          "above 1× always means the named one is slower. Floor: for prepare and decode "
          "the hand-written minimum, for round trips the raw POST of pre-signed bytes.")
    if py:
        print(f"Python {py.get('python')} with {py.get('sdk')}; ", end="")
    if node:
        print(f"Node {node.get('node')} with tencentcloud-sdk-nodejs {node.get('sdk')}.", end="")
    print()
    print()

    if paired:
        print(f"Interleaved on the canned server ({paired.get('blocks')} rounds; each round runs a "
              "block of calls of each client in rotating order; medians over rounds; CPU is the "
              "client thread's own time per call):")
        print()
        print(f"| client | sequential | fastest block | CPU per call | {args.in_flight} in flight "
              "| CPU per call |")
        print("|---|---:|---:|---:|---:|---:|")
        for key, name in (("sdk", "ours (`Client::send`)"),
                          ("bare", "bare hand-written client"),
                          ("raw", "raw POST of pre-signed bytes")):
            q, f = pseq.get(key, {}), pfl.get(key, {})
            print(f"| {name} | {fmt_us(q.get('median'))} | {fmt_us(q.get('best'))} "
                  f"| {fmt_us(q.get('cpu_us'))} | {fmt_rate(f.get('median'))} | {fmt_us(f.get('cpu_us'))} |")
        print()
        print("| ours against | sequential ratio | wall difference | CPU difference "
              f"| {args.in_flight} in flight ratio (rate) | CPU difference |")
        print("|---|---:|---:|---:|---:|---:|")
        for key, name in (("raw", "raw POST (floor client)"), ("bare", "bare hand-written client")):
            q, f = pseq.get(f"sdk_vs_{key}", {}), pfl.get(f"sdk_vs_{key}", {})
            print(f"| {name} | {q.get('ratio', 0):.2f}× | {fmt_us(q.get('diff_us'))} "
                  f"| {fmt_us(q.get('cpu_diff_us'))} | {f.get('ratio', 0):.2f}× | {fmt_us(f.get('cpu_diff_us'))} |")
        print()

    # The round-trip targets use the interleaved figures when there are
    # some: they are the ones that background load does not skew.
    vs_raw = pseq.get("sdk_vs_raw", {})
    rt_ratio = vs_raw.get("ratio") if vs_raw else (
        None if rt_ours is None or not rt_raw else rt_ours / rt_raw)
    overhead = vs_raw.get("diff_us") if vs_raw else (
        None if rt_ours is None or rt_raw is None else rt_ours - rt_raw)
    codegen = us("codegen/load+check+emit (whole spec)")
    targets = [
        ("prepare ≤ 1.5× the floor", ratio(prep_ours, prep_floor),
         prep_ours is not None and prep_floor and prep_ours / prep_floor <= 1.5),
        ("sequential round trip ≤ 1.3× the floor client (raw reqwest)",
         "–" if rt_ratio is None else f"{rt_ratio:.2f}×",
         rt_ratio is not None and rt_ratio <= 1.3),
        ("client overhead per call (ours − raw reqwest) < 20 µs",
         fmt_us(overhead) + (f" (CPU {fmt_us(vs_raw.get('cpu_diff_us'))})" if vs_raw else ""),
         overhead is not None and overhead < 20),
        (f"{args.in_flight} in flight (report)", f"{fmt_rate(fl_ours)} (floor {fmt_rate(fl_raw)})",
         None),
        ("codegen of the whole spec < 1 s",
         "–" if codegen is None else f"{codegen / 1000:.0f} ms",
         codegen is not None and codegen < 1e6),
    ]
    print("| target | measured | met |")
    print("|---|---:|:---:|")
    for name, value, met in targets:
        mark = "–" if met is None else ("yes" if met else "**no**")
        print(f"| {name} | {value} | {mark} |")

    parts = [k for k in sorted(c) if k.startswith("prepare_parts/")]
    if parts:
        print()
        print("Steps of `prepare` (ours): " + ", ".join(
            f"{k.split('/', 1)[1]} {fmt_us(us(k))}" for k in parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
