#!/usr/bin/env python3
"""Summarise one run of benches/run.sh as a Markdown table: each target, the figure
measured, pass/fail, the peer's figure and the ratio madoguchi/peer.

Usage: summarize.py --engine engine.txt --server server.txt [--peer peer.txt] [--machine machine.txt]

Reads the JSON lines the programs print: the last line of engine.txt ({"bench": "engine"}),
of server.txt ({"bench": "server"}), and every {"peer": ...} line of peer.txt.
Standard library only.
"""

import argparse
import json


def json_lines(path, key):
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        obj = json.loads(line)
                    except ValueError:
                        continue
                    if key in obj:
                        rows.append(obj)
    except FileNotFoundError:
        pass
    return rows


def fmt(x, nd=1):
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    return f"{x:,}"


def robust(st):
    """The noise indicators of an engine set."""
    if not st:
        return ""
    w = st.get("runqueue_wait_share")
    return (f" (p99 of per-query medians {fmt(st.get('query_median_p99_us'))} us; "
            f"waited for a CPU {fmt(None if w is None else 100 * w)}% of the loop)")


def ratio(a, b):
    if a is None or b in (None, 0):
        return "n/a"
    r = a / b
    return f"{r:.3g}x (peer {b / a:.3g}x slower)" if r < 1 else f"{r:.3g}x"


def verdict(value, limit):
    if value is None:
        return "not measured"
    if value <= limit:
        return f"PASS ({value / limit:.0%} of target)"
    return f"FAIL ({value / limit:.2f}x the target)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--peer")
    ap.add_argument("--machine")
    a = ap.parse_args()

    engine = (json_lines(a.engine, "bench") or [{}])[-1]
    server = (json_lines(a.server, "bench") or [{}])[-1]
    peers = {p["faq"]: p for p in json_lines(a.peer, "peer")} if a.peer else {}
    sets = {s["set"]: s for s in engine.get("sets", [])}

    def syn(n):
        return sets.get(f"synthetic-{n}", {})

    if a.machine:
        with open(a.machine, encoding="utf-8") as f:
            for line in f:
                print(f"    {line.rstrip()}")
        print()

    rows = []
    # 1. analyse + rank over 10,000 entries
    s10, p10 = syn(10000), peers.get(10000, {})
    rows.append((
        "1. ask() in process, 10,000 entries (p99 <= 1 ms)",
        f"p50 {fmt(s10.get('p50_us'))} us, p99 {fmt(s10.get('p99_us'))} us" + robust(s10),
        verdict(s10.get("p99_us"), 1000.0),
        f"p50 {fmt(p10.get('p50_us'))} us, p99 {fmt(p10.get('p99_us'))} us",
        f"p50 {ratio(s10.get('p50_us'), p10.get('p50_us'))}; p99 {ratio(s10.get('p99_us'), p10.get('p99_us'))}",
    ))
    s1, p1 = syn(1000), peers.get(1000, {})
    rows.append((
        "   (same, 1,000 entries; no target)",
        f"p50 {fmt(s1.get('p50_us'))} us, p99 {fmt(s1.get('p99_us'))} us" + robust(s1),
        "-",
        f"p50 {fmt(p1.get('p50_us'))} us, p99 {fmt(p1.get('p99_us'))} us",
        f"p50 {ratio(s1.get('p50_us'), p1.get('p50_us'))}; p99 {ratio(s1.get('p99_us'), p1.get('p99_us'))}",
    ))
    kb = sets.get("bundled-kb", {})
    rows.append((
        f"   (same, bundled KB {fmt(kb.get('faq'))} entries x eval/calibration; no target)",
        f"p50 {fmt(kb.get('p50_us'))} us, p99 {fmt(kb.get('p99_us'))} us" + robust(kb),
        "-", "n/a", "n/a",
    ))
    # 2. HTTP
    load = server.get("load", {})
    lat = load.get("latency", {})
    rows.append((
        f"2. POST /api/v1/ask at {fmt(load.get('target_rate'))} req/s (p99 <= 5 ms)",
        f"p50 {fmt(lat.get('p50_ms'), 2)} ms, p99 {fmt(lat.get('p99_ms'), 2)} ms, max {fmt(lat.get('max_ms'), 1)} ms; "
        f"achieved {fmt(load.get('achieved_rate'))} req/s, errors {fmt(load.get('errors'))}/{fmt(load.get('requests'))}",
        verdict(lat.get("p99_ms"), 5.0) + ("" if load.get("errors", 1) == 0 else ", with errors"),
        "n/a (the peer has no server)", "n/a",
    ))
    # 3. rebuild
    rl = engine.get("reload") or {}
    rows.append((
        "3. rebuild the index, 1,000 entries (<= 1 s)",
        f"median {fmt(rl.get('median_s'), 3)} s of {len(rl.get('runs', []))} (max {fmt(rl.get('max_s'), 3)} s)",
        verdict(rl.get("median_s"), 1.0),
        f"build {fmt(p1.get('build_s'), 2)} s",
        ratio(rl.get("median_s"), p1.get("build_s")),
    ))
    rows.append((
        "   (first build, 10,000 entries; no target)",
        f"{fmt(s10.get('build_s'), 2)} s",
        "-",
        f"build {fmt(p10.get('build_s'), 2)} s",
        ratio(s10.get("build_s"), p10.get("build_s")),
    ))
    # 4. startup
    se, sf = server.get("startup_existing_ms", {}), server.get("startup_fresh_ms", {})
    rows.append((
        "4. start to /healthz 200, existing DB (<= 1 s)",
        f"median {fmt(se.get('median'))} ms of {len(se.get('runs', []))} (max {fmt(se.get('max'))} ms)",
        verdict(None if se.get("median") is None else se["median"] / 1000.0, 1.0),
        "n/a", "n/a",
    ))
    rows.append((
        "   first start, fresh DB (create, migrate, seed)",
        f"first {fmt(sf.get('first'))} ms (median of {len(sf.get('runs', []))} fresh: {fmt(sf.get('median'))} ms)",
        verdict(None if sf.get("first") is None else sf["first"] / 1000.0, 1.0),
        "n/a", "n/a",
    ))
    # 5. memory
    rss = server.get("rss_mb", {})
    rows.append((
        "5. RSS of the server after the load (<= 150 MB)",
        f"VmRSS {fmt(rss.get('after_load'))} MB (idle {fmt(rss.get('idle'))} MB, peak {fmt(rss.get('peak'))} MB)",
        verdict(rss.get("after_load"), 150.0),
        "n/a", "n/a",
    ))

    print("| target | madoguchi (now) | verdict | peer (janome+rank_bm25) | ratio madoguchi/peer |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print("| " + " | ".join(r) + " |")

    print()
    print("Answer quality on the synthetic sets (speed data, not a quality benchmark):")
    for n in sorted(set(peers) | {int(k.split('-')[1]) for k in sets if k.startswith("synthetic-")}):
        s, p = syn(n), peers.get(n, {})
        print(f"- {n:,} entries: SR@1 madoguchi {fmt(s.get('sr_at_1'), 3)}, peer {fmt(p.get('sr_at_1'), 3)}")
    if kb:
        print(f"- bundled KB with eval/calibration: SR@1 madoguchi {fmt(kb.get('sr_at_1'), 3)}")
    if load:
        svc = load.get("service", {})
        print()
        print(f"Load detail: sent {fmt(load.get('sent_rate'))} req/s over {fmt(load.get('connections'))} connections; "
              f"service time (from write) p50 {fmt(svc.get('p50_ms'), 2)} ms, p99 {fmt(svc.get('p99_ms'), 2)} ms; "
              f"latency p99.9 {fmt(lat.get('p999_ms'), 2)} ms; statuses {load.get('statuses')}; "
              f"server CPU {fmt(server.get('server_cpu_s'), 2)} s in {fmt(server.get('load_wall_s'), 1)} s.")
        c = server.get("contention") or {}
        if c:
            print(f"Contention during the load: generator {fmt(c.get('generator_cpu_s'), 1)} s CPU, "
                  f"other processes {fmt(c.get('other_processes_cpu_s'), 1)} s CPU, server threads waited "
                  f"{fmt(c.get('server_runqueue_wait_s'), 2)} s for a CPU; load average before {c.get('loadavg_before')}.")
        cap = server.get("capacity") or {}
        if cap:
            print(f"Capacity (closed loop, {cap.get('connections')} connections, {fmt(cap.get('seconds'), 1)} s): "
                  f"{fmt(cap.get('rate'))} answered req/s, {cap.get('errors')} errors.")


if __name__ == "__main__":
    main()
