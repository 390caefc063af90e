#!/usr/bin/env python3
"""Peer baseline for madoguchi's benchmarks: BM25 over janome tokens (janome + rank_bm25).

Usage:
    python3 bm25_janome.py --faq FAQ.jsonl --queries QUERIES.jsonl [--repeat N]

FAQ.jsonl, one object a line:
    {"id": str, "question": str, "answer": str, "category"?: str, "alternatives"?: [str, ...]}
QUERIES.jsonl, one object a line:
    {"id": str, "text": str, "relevant": {"faq-id": grade, ...}}
    grade 2 = answers it, 1 = partly answers it; an empty "relevant" marks an out-of-scope query.

One document per FAQ entry: question + alternatives + answer. Tokens: the text is
NFKC-normalised and lowercased, tokenised with janome, and the base forms of nouns, verbs and
adjectives are kept (dependent "非自立" nouns/verbs such as の・こと・いる are dropped).
Ranking: rank_bm25.BM25Okapi with its defaults (k1=1.5, b=0.75, epsilon=0.25).

Reports
  build_s          seconds to tokenise every FAQ entry and build the BM25Okapi index
                   (loading janome's dictionary is timed separately, as tokenizer_load_s)
  p50_us, p99_us   per-query latency of tokenise + score + top-10, in microseconds, over all
                   queries repeated --repeat times (default 3)
  sr_at_1          share of in-scope queries whose top-1 result has grade >= 1
  sr_at_5          share of in-scope queries with a result of grade >= 1 in the top 5
  mrr              mean reciprocal rank of the first grade >= 1 result in the top 10 (0 if none),
                   over in-scope queries
The last line printed is one JSON object with these fields.
"""

import argparse
import json
import math
import sys
import time
import unicodedata

import numpy as np
from janome.tokenizer import Tokenizer
from rank_bm25 import BM25Okapi

PEER_NAME = "janome+rank_bm25"
TOP_K = 10
KEEP_POS = ("名詞", "動詞", "形容詞")


def read_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{lineno}: invalid JSON: {e}")
    return rows


class JanomeAnalyzer:
    """NFKC + lowercase, janome, base forms of nouns/verbs/adjectives."""

    def __init__(self):
        self.tokenizer = Tokenizer()

    def __call__(self, text):
        text = unicodedata.normalize("NFKC", text).lower()
        out = []
        for tok in self.tokenizer.tokenize(text):
            pos = tok.part_of_speech.split(",")
            if pos[0] not in KEEP_POS or pos[1] == "非自立":
                continue
            base = tok.base_form if tok.base_form and tok.base_form != "*" else tok.surface
            base = base.strip()
            if base:
                out.append(base)
        return out


def faq_document(entry):
    parts = [entry.get("question") or ""]
    parts.extend(entry.get("alternatives") or [])
    parts.append(entry.get("answer") or "")
    return "\n".join(p for p in parts if p)


def top_k(scores, k):
    n = scores.shape[0]
    if n <= k:
        idx = np.arange(n)
    else:
        idx = np.argpartition(-scores, k - 1)[:k]
    # highest score first; ties broken by FAQ order so results are deterministic
    return idx[np.lexsort((idx, -scores[idx]))]


def percentile(sorted_vals, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_vals:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(sorted_vals)))
    return sorted_vals[rank - 1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--faq", required=True, help="FAQ.jsonl")
    ap.add_argument("--queries", required=True, help="QUERIES.jsonl")
    ap.add_argument("--repeat", type=int, default=3, help="times to run all queries (default 3)")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")

    faq = read_jsonl(args.faq)
    queries = read_jsonl(args.queries)
    if not faq:
        sys.exit("no FAQ entries")
    ids = [str(e["id"]) for e in faq]

    t0 = time.perf_counter()
    analyze = JanomeAnalyzer()
    analyze("ウォームアップ")  # make sure the dictionary is really loaded
    tokenizer_load_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    corpus = [analyze(faq_document(e)) for e in faq]
    bm25 = BM25Okapi(corpus)
    build_s = time.perf_counter() - t0

    latencies_ns = []
    results = {}
    for _ in range(args.repeat):
        for q in queries:
            text = q.get("text") or ""
            t0 = time.perf_counter_ns()
            scores = bm25.get_scores(analyze(text))
            top = top_k(scores, TOP_K)
            latencies_ns.append(time.perf_counter_ns() - t0)
            results[str(q["id"])] = [ids[i] for i in top]

    in_scope = [q for q in queries if q.get("relevant")]
    hit1 = hit5 = 0
    rr_sum = 0.0
    for q in in_scope:
        rel = {str(k): v for k, v in q["relevant"].items()}
        ranked = results[str(q["id"])]
        first = next((r for r, fid in enumerate(ranked, 1) if rel.get(fid, 0) >= 1), None)
        if first == 1:
            hit1 += 1
        if first is not None and first <= 5:
            hit5 += 1
        if first is not None:
            rr_sum += 1.0 / first
    n_in = len(in_scope)

    lat_us = sorted(ns / 1000.0 for ns in latencies_ns)
    p50 = percentile(lat_us, 50)
    p99 = percentile(lat_us, 99)

    def rnd(x, nd):
        return None if x is None else round(x, nd)

    summary = {
        "peer": PEER_NAME,
        "faq": len(faq),
        "queries": len(queries),
        "build_s": rnd(build_s, 3),
        "p50_us": rnd(p50, 1),
        "p99_us": rnd(p99, 1),
        "sr_at_1": rnd(hit1 / n_in, 4) if n_in else None,
        "sr_at_5": rnd(hit5 / n_in, 4) if n_in else None,
        "mrr": rnd(rr_sum / n_in, 4) if n_in else None,
    }

    print(f"peer: {PEER_NAME} (janome {janome_version()}, rank_bm25 BM25Okapi, k1=1.5 b=0.75)")
    print(f"faq entries: {len(faq)}, vocabulary: {len(bm25.idf)} terms, "
          f"avg doc length: {bm25.avgdl:.1f} tokens")
    print(f"tokenizer load: {tokenizer_load_s:.3f} s (not part of build)")
    print(f"index build (tokenise + BM25Okapi): {build_s:.3f} s")
    print(f"queries: {len(queries)} ({n_in} in scope, {len(queries) - n_in} out of scope), "
          f"repeat {args.repeat} -> {len(latencies_ns)} timed runs")
    if lat_us:
        print(f"latency tokenise+score+top-{TOP_K}: p50 {p50:.1f} us, p99 {p99:.1f} us, "
              f"mean {sum(lat_us) / len(lat_us):.1f} us, max {lat_us[-1]:.1f} us")
    if n_in:
        print(f"quality over in-scope queries: SR@1 {hit1 / n_in:.4f}, SR@5 {hit5 / n_in:.4f}, "
              f"MRR@{TOP_K} {rr_sum / n_in:.4f}")
    else:
        print("quality: no in-scope queries")
    print(json.dumps(summary, ensure_ascii=False))


def janome_version():
    try:
        from importlib.metadata import version
        return version("janome")
    except Exception:
        return "?"


if __name__ == "__main__":
    main()
