"""Does a Japanese static word-vector signal help the fusion or the decision?

The vectors: the `ja-ginza` 5.3.0 wheel on PyPI (MIT; its vectors derive from chiVe,
Apache-2.0, Works Applications) ships spaCy vectors in ja_ginza/ja_ginza-5.3.0/vocab/:
`vectors` (numpy, 20,000 x 300 float32, 24 MB), `key2row` (msgpack, 480,443 uint64 keys
-> row: the vocabulary was pruned to 20,000 distinct vectors, every other word points at
its nearest kept one) and `strings.json`. A key is spaCy's hash of the word:
MurmurHash64A of its UTF-8 with seed 1. Loaded here with numpy and msgpack, no spaCy.

Words: SudachiPy (core dictionary, mode C); the content words (nouns, verbs, adjectives,
adjectival nouns, adverbs; not the 非自立可能 ones such as する, ある, こと) looked up by
normalized form, then dictionary form, then surface.

Signals per (question, candidate entry), for the candidates the engine returned:
  soft_q  idf-weighted mean over the question's content words of the best similarity to a
          word of the entry's title + alternatives (+ keywords): 1 for the same word,
          else the vectors' cosine (0 below `CLIP`, env WV_CLIP, default 0), 0 without a
          vector
  soft_a  the same against the words of the entry's answer (body)
  sif_q   cosine of SIF-weighted mean vectors, question vs. title + alternatives (best text)
  sif_a   the same vs. title + body
Ablations without the vectors: exact_q (soft_q with exact words only: the idf-weighted
coverage of the question's content words by the entry's title/alternatives/keywords) and
bow_q (sif_q with one-hot words). Each is tried (1) added to the engine's fused score with a weight chosen on the training
folds (re-ranking the candidates), and (2) as extra features of scripts/fit-decision's
logistic decision. Folds: scripts/refit's (fold-K.signals of the work folder: each
question's signals come from the adapter that did not see it); every weight is fitted on
the other four folds and measured on the held-back one.

    /tmp/peer-venv/bin/pip install msgpack sudachipy sudachidict_core scikit-learn
    pip download --no-deps ja-ginza==5.3.0 -d /tmp/ginza && unzip the wheel into /tmp/ginza/x
    /tmp/peer-venv/bin/python benches/experiments/word_vectors.py /tmp/refit [/tmp/ginza/x]

Calibration only: never eval/heldout or eval/fresh. About 3 minutes.

Result (2026-12-07, refit folds of main at bffe344; baseline out of fold SR@1 0.9089):
no help for the ranking (added to the fusion with out-of-fold weights, SR@1 0.9035-0.9089,
in-sample best 0.9144); as decision features soft_q + sif_q raise in-scope answered at
0.97 precision (pooled out-of-fold curve, OOS <= 2 %, median of 10 fold shuffles) from
0.565 to 0.667, but exact-word coverage without any vectors gets 0.608 of that, and with
the answer threshold chosen on the training folds (as fit-decision) the vectors' variants
(0.538-0.561) are no better than the vector-free exact_q + bow_q (0.566); baseline 0.495.
"""
import collections
import json
import math
import os
import sys
import time

import msgpack
import numpy as np
from sudachipy import dictionary, tokenizer

from common import ROOT, fit_adapter_module, fit_decision_module, fold_signals, work_folder

fd = fit_decision_module()
fa = fit_adapter_module()
ENGINE_W = (0.30, 0.10, 0.05, 0.1, 0.7)  # src/engine/fusion.rs
CLIP = float(os.environ.get("WV_CLIP", "0.0"))
CONTENT = {"名詞", "動詞", "形容詞", "形状詞", "副詞"}


# --- the vectors ------------------------------------------------------------------------

def murmur64a(data, seed=1):
    m, r, mask = 0xC6A4A7935BD1E995, 47, 0xFFFFFFFFFFFFFFFF
    h = (seed ^ (len(data) * m)) & mask
    nb = len(data) // 8
    for i in range(nb):
        k = int.from_bytes(data[8 * i:8 * i + 8], "little")
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h ^= k
        h = (h * m) & mask
    tail = data[8 * nb:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * m) & mask
    h ^= h >> r
    h = (h * m) & mask
    h ^= h >> r
    return h


class Vectors:
    def __init__(self, unpacked):
        d = os.path.join(unpacked, "ja_ginza", "ja_ginza-5.3.0", "vocab")
        t = time.time()
        self.key2row = msgpack.unpackb(open(os.path.join(d, "key2row"), "rb").read(), strict_map_key=False)
        V = np.load(os.path.join(d, "vectors")).astype(np.float32)
        self.V = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-9)
        self.load_s = time.time() - t
        self.files = {f: os.path.getsize(os.path.join(d, f)) for f in ("vectors", "key2row", "strings.json")}
        self.tok = dictionary.Dictionary(dict="core").create()  # noqa
        self.mode = tokenizer.Tokenizer.SplitMode.C
        self.looked = self.found = 0

    def row(self, word):
        return self.key2row.get(murmur64a(word.encode("utf-8")))

    def words(self, text):
        """(key, row or None) of each content word."""
        out = []
        for m in self.tok.tokenize(text, self.mode):
            pos = m.part_of_speech()
            if pos[0] not in CONTENT or pos[1] == "非自立可能":
                continue
            key, row = m.normalized_form(), None
            for form in (m.normalized_form(), m.dictionary_form(), m.surface()):
                row = self.row(form)
                if row is not None:
                    break
            self.looked += 1
            self.found += row is not None
            out.append((key, row))
        return out


# --- the knowledge base -----------------------------------------------------------------

def keywords(path):
    text = open(path, encoding="utf-8").read()
    for line in text.split("\n"):
        if line.startswith("keywords:"):
            v = line.split(":", 1)[1].strip()
            if v.startswith("[") and v.endswith("]"):
                return [x.strip().strip("'\"") for x in v[1:-1].split(",") if x.strip()]
    return []


class Side:
    """A bag of words (keys, rows, and the unit vectors of those with a row)."""

    def __init__(self, words):
        self.keys = {k for k, _ in words}
        rows = sorted({r for _, r in words if r is not None})
        self.rows = np.array(rows, dtype=np.int64)


def load_entries(vec):
    import glob

    entries = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "knowledge-base", "**", "*.md"), recursive=True)):
        if os.path.basename(path) == "README.md":
            continue
        eid, title, alts, body = fa["parse_entry"](open(path, encoding="utf-8").read())
        entries[eid] = dict(questions=[title] + alts, keywords=keywords(path), body=body, title=title)
    # Words of each text, and idf over entries (an entry = all its texts).
    df = collections.Counter()
    for e in entries.values():
        e["q_words"] = [vec.words(t) for t in e["questions"]]
        e["k_words"] = [w for t in e["keywords"] for w in vec.words(t)]
        e["a_words"] = vec.words(e["body"])
        df.update({k for ws in e["q_words"] for k, _ in ws} | {k for k, _ in e["k_words"]} | {k for k, _ in e["a_words"]})
    n = len(entries)
    idf = lambda k: math.log((n + 1) / (df.get(k, 0) + 0.5))
    # SIF weights a / (a + p(w)), p from the words' frequency in the knowledge base.
    tf = collections.Counter(k for e in entries.values() for ws in e["q_words"] + [e["a_words"]] for k, _ in ws)
    total = sum(tf.values())
    sif = lambda k: 1e-3 / (1e-3 + tf.get(k, 0) / total)
    for e in entries.values():
        e["q_side"] = Side([w for ws in e["q_words"] for w in ws] + e["k_words"])
        e["a_side"] = Side(e["a_words"])
    return entries, idf, sif


def mean_vec(vec, words, weight):
    v = np.zeros(vec.V.shape[1], np.float32)
    for k, r in words:
        if r is not None:
            v += weight(k) * vec.V[r]
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


def bow_cos(a, b, weight):
    va, vb = collections.Counter(), collections.Counter()
    for k, _ in a:
        va[k] += weight(k)
    for k, _ in b:
        vb[k] += weight(k)
    num = sum(v * vb.get(k, 0.0) for k, v in va.items())
    den = math.sqrt(sum(v * v for v in va.values()) * sum(v * v for v in vb.values()))
    return num / den if den else 0.0


def soft(vec, qwords, side, idf, clip=None):
    clip = CLIP if clip is None else clip
    if not qwords:
        return 0.0
    num = den = 0.0
    for k, r in qwords:
        w = idf(k)
        if k in side.keys:
            s = 1.0
        elif r is not None and len(side.rows):
            s = float((vec.V[side.rows] @ vec.V[r]).max())
            s = 0.0 if s < clip else s
        else:
            s = 0.0
        num += w * s
        den += w
    return num / den if den else 0.0


# --- evaluation -------------------------------------------------------------------------

def load_rows(work):
    kinds, texts = {}, {}
    for line in fa["read_lines"]([os.path.join(ROOT, "eval", "calibration")]):
        q = json.loads(line)
        kinds[q["id"]], texts[q["id"]] = q.get("kind", "?"), q["text"]
    rows = []
    for k, path in enumerate(fold_signals(work)):
        for q in fd["load"]([path]):
            q["fold"], q["kind"], q["text"] = k, kinds.get(q["id"], "?"), texts[q["id"]]
            rows.append(q)
    return rows


def add_signals(rows, vec, entries, idf, sif):
    t = time.time()
    for q in rows:
        qw = vec.words(q["text"])
        qv = mean_vec(vec, qw, sif)
        for c in q["candidates"]:
            e = entries.get(c["id"])
            if e is None:
                c.update(soft_q=0.0, soft_a=0.0, sif_q=0.0, sif_a=0.0, exact_q=0.0, bow_q=0.0)
                continue
            if "q_vecs" not in e:
                e["q_vecs"] = [mean_vec(vec, ws + e["k_words"], sif) for ws in e["q_words"]]
                e["a_vec"] = mean_vec(vec, e["q_words"][0] + e["a_words"], sif)
            c["soft_q"] = soft(vec, qw, e["q_side"], idf)
            # Ablations without the vectors: the same coverage with exact words only, and a
            # SIF-weighted bag-of-words cosine (best text).
            c["exact_q"] = soft(vec, qw, e["q_side"], idf, clip=2.0)
            c["bow_q"] = max(bow_cos(qw, ws + e["k_words"], sif) for ws in e["q_words"])
            c["soft_a"] = soft(vec, qw, e["a_side"], idf)
            c["sif_q"] = max(float(v @ qv) for v in e["q_vecs"])
            c["sif_a"] = float(e["a_vec"] @ qv)
    return (time.time() - t) / len(rows)


def fused(c, w, extra):
    s = fd["fused"](c, w)
    for name, beta in extra:
        s += beta * c[name]
    return s


def ranked(q, w, extra):
    # Stable: ties keep the engine's order.
    return sorted(q["candidates"], key=lambda c: -fused(c, w, extra))


def hits(q, cands, k):
    b = fd["best_grade"](q)
    return b > 0 and any(q["relevant"].get(c["id"], 0) == b for c in cands[:k])


def sr(rows, w, extra, k=1):
    ins = [q for q in rows if fd["best_grade"](q) > 0]
    return sum(hits(q, ranked(q, w, extra), k) for q in ins) / len(ins)


def decision_features(q, w, extra, names):
    cands = ranked(q, w, extra)
    if not cands:
        return None
    # scripts/fit-decision's features on this order (its own `ranked` re-sorts by the
    # linear fusion, so they are recomputed here on `cands`).
    s = [fused(c, w, extra) for c in cands]
    top, others = cands[0], cands[1:]
    bo = lambda key: max((c[key] for c in others), default=0.0)
    f = [s[0], s[0] - (s[1] if len(s) > 1 else 0.0), top["lexical"], top["dense"], top["dense"] - bo("dense"),
         math.log(1 + q["text_chars"]), float(top["lexical"] >= bo("lexical")), float(top["dense"] >= bo("dense")),
         float(top["passage"] >= bo("passage")), top["lexical"] - bo("lexical"), top["passage"] - bo("passage")]
    for n in names:
        f += [top[n], top[n] - bo(n), float(top[n] >= bo(n))]
    return f


def answered_curve(p, y, ins, target=0.97, max_oos=None):
    """Pooled: the most in-scope questions answered by a threshold whose answers reach
    the target precision (as benches/experiments/decision_curve.py); with `max_oos`, also
    at most that share of the out-of-scope questions answered."""
    order = np.argsort(-p)
    ok = np.cumsum(y[order]) / np.arange(1, len(order) + 1) >= target
    if max_oos is not None:
        ok &= np.cumsum(~ins[order]) <= max_oos * (~ins).sum()
    return (np.cumsum(ins[order])[ok].max() if ok.any() else 0) / ins.sum()


def decision_oof(rows, w_of_fold, extra_of_fold, names):
    """Out-of-fold probabilities: the logistic fitted on the other folds (their order and
    features from that fold's fusion), applied to the held-back fold; and the answers at
    a threshold chosen on the training folds' own out-of-fold probabilities."""
    folds = np.array([q["fold"] for q in rows])
    p = np.full(len(rows), np.nan)
    y = np.zeros(len(rows))
    ins = np.array([fd["best_grade"](q) > 0 for q in rows])
    answered_thr = np.zeros(len(rows), bool)
    for k in range(5):
        w, extra = w_of_fold[k], extra_of_fold[k]
        F = [decision_features(q, w, extra, names) for q in rows]
        ok = np.array([f is not None for f in F])
        X = np.array([f if f is not None else [0.0] * len(F[np.flatnonzero(ok)[0]]) for f in F])
        yk = np.array([1.0 if hits(q, ranked(q, w, extra), 1) else 0.0 for q in rows])
        tr = (folds != k) & ok
        coef, bias = fd["fit_logistic"](X[tr], yk[tr])
        te = (folds == k) & ok
        p[te] = 1 / (1 + np.exp(-(X[te] @ coef + bias)))
        y[folds == k] = yk[folds == k]
        # Threshold on the training folds: inner out-of-fold probabilities.
        inner = np.full(len(rows), np.nan)
        for j in range(5):
            if j == k:
                continue
            tj = tr & (folds != j)
            c2, b2 = fd["fit_logistic"](X[tj], yk[tj])
            sel = (folds == j) & ok
            inner[sel] = 1 / (1 + np.exp(-(X[sel] @ c2 + b2)))
        m = (folds != k) & ok
        t = threshold(inner[m], yk[m], ~ins[m])
        answered_thr[te] = p[te] >= t
    p = np.nan_to_num(p, nan=0.0)
    return p, y, ins, answered_thr


def threshold(p, y, oos, target=0.97, max_oos=0.02):
    """As scripts/fit-decision: the most answers at the target precision with at most
    2 % of the out-of-scope questions answered."""
    best = (0.995, 0)
    for t in np.arange(0.30, 0.995, 0.005):
        a = p >= t
        if (a & oos).sum() > max_oos * oos.sum():
            continue
        if a.sum() and y[a].mean() >= target and a.sum() > best[1]:
            best = (t, a.sum())
    return best[0]


def fit_beta(train, w, names):
    """One weight per added signal (coordinate search, two passes) for SR@1 on `train`."""
    grid = [0.0, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3]
    betas = {n: 0.0 for n in names}
    for _ in range(2):
        for n in names:
            best = None
            for b in grid:
                trial = dict(betas, **{n: b})
                s = sr(train, w, list(trial.items()))
                if best is None or s > best[0] + 1e-9:
                    best = (s, b)
            betas[n] = best[1]
    return list(betas.items())


def report(label, rows, w_of_fold, extra_of_fold, names):
    by_fold = [[q for q in rows if q["fold"] == k] for k in range(5)]
    ins_rows = [q for q in rows if fd["best_grade"](q) > 0]
    r1 = sum(hits(q, ranked(q, w_of_fold[q["fold"]], extra_of_fold[q["fold"]]), 1) for q in ins_rows) / len(ins_rows)
    r5 = sum(hits(q, ranked(q, w_of_fold[q["fold"]], extra_of_fold[q["fold"]]), 5) for q in ins_rows) / len(ins_rows)
    p, y, ins, ans_thr = decision_oof(rows, w_of_fold, extra_of_fold, names)
    curve = answered_curve(p, y, ins)
    capped = answered_curve(p, y, ins, max_oos=0.02)
    n_thr = ans_thr.sum()
    prec_thr = y[ans_thr].mean() if n_thr else 1.0
    ins_thr = (ans_thr & ins).sum() / ins.sum()
    oos_thr = (ans_thr & ~ins).sum()
    print(f"{label:58s} SR@1 {r1:.4f}  SR@5 {r5:.4f}  answered@0.97 (pooled curve) {curve:.3f}, OOS<=2% {capped:.3f}  "
          f"| threshold from training folds: in scope {ins_thr:.3f} at precision {prec_thr:.4f}, OOS answered {oos_thr}")
    return dict(r1=r1, r5=r5, curve=curve, p=p, y=y, ins=ins, ans=ans_thr)


def by_kind(rows, res, w_of_fold, extra_of_fold):
    kinds = sorted({q["kind"] for q in rows})
    out = {}
    for kd in kinds:
        idx = [i for i, q in enumerate(rows) if q["kind"] == kd]
        ins_idx = [i for i in idx if fd["best_grade"](rows[i]) > 0]
        if ins_idx:
            r1 = np.mean([hits(rows[i], ranked(rows[i], w_of_fold[rows[i]["fold"]], extra_of_fold[rows[i]["fold"]]), 1) for i in ins_idx])
            a = np.mean([res["ans"][i] for i in ins_idx])
        else:
            r1, a = float("nan"), float("nan")
        oos_ans = sum(res["ans"][i] for i in idx if fd["best_grade"](rows[i]) == 0)
        out[kd] = (len(ins_idx), r1, a, oos_ans, len(idx) - len(ins_idx))
    return out


def shuffles(rows, variants, n=10):
    """The decision's folds reshuffled (the signals stay those of scripts/refit's folds):
    median and range of in-scope answered at a threshold from the training folds."""
    fold0 = [q["fold"] for q in rows]
    out = {v: [] for v in variants}
    for seed in range(n):
        f = np.random.default_rng(seed).integers(0, 5, len(rows))
        for q, k in zip(rows, f):
            q["fold"] = int(k)
        for v in variants:
            names = v.split("+") if v else []
            p, y, ins, ans = decision_oof(rows, [ENGINE_W] * 5, [[]] * 5, names)
            out[v].append(((ans & ins).sum() / ins.sum(), y[ans].mean() if ans.any() else 1.0,
                           answered_curve(p, y, ins), (ans & ~ins).sum(), answered_curve(p, y, ins, max_oos=0.02)))
    for q, k in zip(rows, fold0):
        q["fold"] = k
    print(f"decision folds reshuffled ({n} seeds; order unchanged): in scope answered [threshold from training folds] "
          f"median (min-max), precision median, pooled-curve median (and with OOS <= 2 %), OOS answered max")
    for v, r in out.items():
        a = np.array(r)
        print(f"  {v or 'baseline':24s} {np.median(a[:, 0]):.3f} ({a[:, 0].min():.3f}-{a[:, 0].max():.3f})  "
              f"precision {np.median(a[:, 1]):.4f}  curve {np.median(a[:, 2]):.3f} (OOS<=2% {np.median(a[:, 4]):.3f})  "
              f"OOS max {int(a[:, 3].max())}")


def main():
    work = work_folder()
    unpacked = sys.argv[2] if len(sys.argv) > 2 else "/tmp/ginza/x"
    vec = Vectors(unpacked)
    print(f"vectors: {vec.V.shape[0]} rows x {vec.V.shape[1]} dims, {len(vec.key2row)} keys; files "
          + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in vec.files.items()) + f"; loaded in {vec.load_s:.2f} s")
    t = time.time()
    entries, idf, sif = load_entries(vec)
    print(f"knowledge base: {len(entries)} entries, words looked up in {time.time() - t:.2f} s")
    rows = load_rows(work)
    vec.looked = vec.found = 0
    per_q = add_signals(rows, vec, entries, idf, sif)
    print(f"questions {len(rows)} (in scope {sum(fd['best_grade'](q) > 0 for q in rows)}); "
          f"question content words with a vector {vec.found}/{vec.looked} = {vec.found / max(vec.looked, 1):.3f}; "
          f"signals for all candidates {per_q * 1000:.2f} ms per question (Python)")
    ncand = np.mean([len(q["candidates"]) for q in rows if q["candidates"]])
    print(f"candidates per question (with any): {ncand:.1f}")

    W = [ENGINE_W] * 5
    none = [[]] * 5
    results = {}
    results["engine"] = report("engine fusion, engine decision features (baseline)", rows, W, none, [])
    # Each signal alone as a decision feature (order unchanged); exact_q and bow_q are the
    # ablations without the vectors.
    dec = {}
    for names in (["soft_q"], ["soft_a"], ["sif_q"], ["sif_a"], ["soft_q", "sif_q"], ["exact_q"], ["bow_q"],
                  ["exact_q", "bow_q"], ["exact_q", "bow_q", "soft_q", "sif_q"]):
        lab = "+".join(names)
        dec[lab] = report(f"  + decision features of {lab} (order unchanged)", rows, W, none, names)
    shuffles(rows, ["", "soft_q", "sif_q", "soft_q+sif_q", "exact_q", "bow_q", "exact_q+bow_q"])
    bestd = max(dec, key=lambda k: dec[k]["ans"][dec[k]["ins"]].mean())
    print(f"\nby kind (out of fold; answered = threshold from training folds): baseline vs decision + {bestd}")
    kb, kv = by_kind(rows, results["engine"], W, none), by_kind(rows, dec[bestd], W, none)
    for kd in kb:
        n, r1, a, oa, no = kb[kd]
        _, r1v, av, oav, _ = kv[kd]
        print(f"  {kd:12s} in scope {n:3d}: SR@1 {r1:.3f} -> {r1v:.3f}, answered {a:.3f} -> {av:.3f}; "
              f"out of scope {no:3d}: answered {oa} -> {oav}")
    print()
    # Each signal added to the fusion with a weight fitted on the training folds.
    sets = [["soft_q"], ["soft_a"], ["sif_q"], ["sif_a"], ["soft_q", "soft_a"], ["soft_q", "soft_a", "sif_q", "sif_a"]]
    for names in sets:
        extra = [fit_beta([q for q in rows if q["fold"] != k], ENGINE_W, names) for k in range(5)]
        lab = "+".join(names)
        print(f"  fitted weights per fold for {lab}: " + "; ".join(",".join(f"{b:g}" for _, b in e) for e in extra))
        results[lab] = report(f"  fusion + {lab} (weights from training folds), decision +", rows, W, extra, names)
    # The training folds' SR@1 with the best weight, against in-fold: how much is there at all?
    print("\nin-sample upper bound (weights fitted on all five folds, SR@1):")
    for names in sets:
        extra = fit_beta(rows, ENGINE_W, names)
        print(f"  {'+'.join(names):40s} {sr(rows, ENGINE_W, extra):.4f}  weights {extra}")


if __name__ == "__main__":
    main()
