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
    all_peers = json_lines(a.peer, "peer") if a.peer else []
    peers = {p["faq"]: p for p in all_peers if "USE" not in p["peer"]}
    hybrid_peers = {p["faq"]: p for p in all_peers if "USE" in p["peer"]}
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

    cost(engine, server, sets, peers, hybrid_peers)


def cost(engine, server, lexical_sets, peers, hybrid_peers):
    """The issue-10 cost targets, with the sentence encoder, beside the lexical figures."""
    sem, ssem = engine.get("semantic") or {}, server.get("semantic") or {}
    if not sem and not ssem:
        return
    hsets = {s["set"]: s for s in sem.get("sets", [])}
    print()
    print("Cost with the sentence encoder (issue 10), beside lexical only in the same run:")
    print()
    print("| target | with the encoder | verdict | lexical only | peer |")
    print("| --- | --- | --- | --- | --- |")
    for name, n in (("synthetic-10000", 10000), ("synthetic-1000", 1000), ("bundled-kb", None)):
        h, l = hsets.get(name + "+enc", {}), lexical_sets.get(name, {})
        if not h:
            continue
        hp, p = hybrid_peers.get(n, {}), peers.get(n, {})
        target = name == "synthetic-10000"
        enc, scan = h.get("encode_query_us", {}), h.get("dense_scan_us", {})
        print(f"| ask() in process, {fmt(h.get('faq'))} entries{' (p99 <= 30 ms)' if target else ''} "
              f"| p50 {fmt(h.get('p50_us'))} us, p99 {fmt(h.get('p99_us'))} us{robust(h)}; "
              f"alone: encode p50 {fmt(enc.get('p50'))} / p99 {fmt(enc.get('p99'))} us, dense pass + 20 nearest of "
              f"{fmt(h.get('vectors'))} vectors p50 {fmt(scan.get('p50'))} / p99 {fmt(scan.get('p99'))} us "
              f"| {verdict(h.get('p99_us'), 30000.0) if target else '-'} "
              f"| p50 {fmt(l.get('p50_us'))} us, p99 {fmt(l.get('p99_us'))} us "
              f"| {'hybrid peer p50 %s us, p99 %s us; BM25 peer p99 %s us' % (fmt(hp.get('p50_us')), fmt(hp.get('p99_us')), fmt(p.get('p99_us'))) if hp or p else 'n/a'} |")
    rl, lrl = sem.get("reload") or {}, engine.get("reload") or {}
    fs = (rl.get("from_stored_file") or {})
    print(f"| index of {fmt(rl.get('faq'))} entries rebuilt from stored vectors (<= 1 s) "
          f"| read + rebuild median {fmt(fs.get('median_s'), 3)} s (rebuild alone {fmt((rl.get('with_vectors') or {}).get('median_s'), 3)} s) "
          f"| {verdict(fs.get('median_s'), 1.0)} | rebuild median {fmt(lrl.get('median_s'), 3)} s | n/a |")
    ef = sem.get("encode_from_scratch") or {}
    print(f"| all vectors of {fmt(ef.get('faq'))} entries encoded from scratch (<= 10 min), in process "
          f"| {fmt(ef.get('seconds'), 1)} s for {fmt(ef.get('texts'))} texts ({fmt(ef.get('texts_per_s'))} texts/s) "
          f"| {verdict(ef.get('seconds'), 600.0)} | - | {fmt(hybrid_peers.get(ef.get('faq'), {}).get('encode_s'), 1)} s (numpy, when not cached) |")
    kb = ssem.get("kb") or {}
    if kb:
        e, l = kb.get("encoder", {}), kb.get("lexical", {})
        print(f"| the same through the server: first start on {fmt(kb.get('faq'))} entries (seed + encode, progress lines in the log) "
              f"| {fmt(e.get('fresh_s'), 1)} s, {fmt(e.get('progress_lines'))} progress lines "
              f"| {verdict(e.get('fresh_s'), 600.0)} | {fmt(l.get('fresh_s'), 2)} s | n/a |")
        er, lr = e.get("restart_ms", {}), l.get("restart_ms", {})
        print(f"| restart on those {fmt(kb.get('faq'))} entries (stored vectors read, index rebuilt, model loaded) "
              f"| median {fmt(er.get('median'))} ms | - (the model load included; the rebuild is the row above) "
              f"| median {fmt(lr.get('median'))} ms | n/a |")
    if ssem:
        load = ssem.get("load", {})
        lat = load.get("latency", {})
        lex = server.get("load", {})
        cap, lcap = ssem.get("capacity") or {}, server.get("capacity") or {}
        ok = load.get("errors", 1) == 0 and (load.get("achieved_rate") or 0) >= 0.99 * load.get("target_rate", 0)
        print(f"| POST /api/v1/ask at {fmt(load.get('target_rate'))} req/s open loop (>= 100 q/s sustained) "
              f"| achieved {fmt(load.get('achieved_rate'))} req/s, errors {fmt(load.get('errors'))}, p50 {fmt(lat.get('p50_ms'), 2)} ms, "
              f"p99 {fmt(lat.get('p99_ms'), 2)} ms; closed-loop capacity {fmt(cap.get('rate'))} req/s "
              f"| {'PASS' if ok and load.get('target_rate', 0) >= 100 else 'FAIL'} "
              f"| at {fmt(lex.get('target_rate'))} req/s: p99 {fmt((lex.get('latency') or {}).get('p99_ms'), 2)} ms; capacity {fmt(lcap.get('rate'))} req/s | n/a |")
        ed, led = ssem.get("edit_answerable") or {}, ssem.get("edit_answerable_lexical") or {}
        print(f"| edited entry answerable (console save, then ask) (<= 2 s) "
              f"| median {fmt(ed.get('median_ms'))} ms, max {fmt(ed.get('max_ms'))} ms "
              f"| {verdict(None if ed.get('max_ms') is None else ed['max_ms'] / 1000, 2.0)} "
              f"| median {fmt(led.get('median_ms'))} ms, max {fmt(led.get('max_ms'))} ms | n/a |")
        rss, lrss = ssem.get("rss_mb", {}), server.get("rss_mb", {})
        print(f"| RSS of the server after the load (<= 400 MB) "
              f"| VmRSS {fmt(rss.get('after_load'))} MB (idle {fmt(rss.get('idle'))}, peak {fmt(rss.get('peak_after_capacity'))} MB) "
              f"| {verdict(rss.get('after_load'), 400.0)} | {fmt(lrss.get('after_load'))} MB | n/a |")
        se = ssem.get("startup_existing_ms", {})
        print(f"| start to /healthz 200, existing DB (bundled KB) | median {fmt(se.get('median'))} ms "
              f"(fresh, encoding every text: {fmt(ssem.get('startup_fresh_ms'))} ms) | - "
              f"| median {fmt((server.get('startup_existing_ms') or {}).get('median'))} ms | n/a |")


if __name__ == "__main__":
    main()
