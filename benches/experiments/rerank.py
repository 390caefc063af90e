"""A learned re-ranker (gradient-boosted trees over each candidate's signals, their gaps
to the best of the question and their ranks) against the linear fusion: SR@1 out of fold
(5 folds, 3 shuffles) on the calibration questions' out-of-fold signals."""
import json

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from common import fold_signals, work_folder

rows = [json.loads(line) for path in fold_signals(work_folder()) for line in open(path, encoding="utf-8")]
rows = [q for q in rows if q["intent"] == "question" and max(q["relevant"].values(), default=0) > 0 and q["candidates"]]


def features(q):
    c = q["candidates"]
    L, D, P, S = (np.array([x[k] for x in c]) for k in ("lexical", "dense", "passage", "score"))
    return np.array([[L[i], D[i], P[i], S[i], L[i] - L.max(), D[i] - D.max(), P[i] - P.max(), S[i] - S.max(),
                      i, (L > L[i]).sum(), (D > D[i]).sum(), (P > P[i]).sum(), np.log1p(q["text_chars"])]
                     for i in range(len(c))])


X = [features(q) for q in rows]
y = [np.array([q["relevant"].get(c["id"], 0) == max(q["relevant"].values()) for c in q["candidates"]]) for q in rows]
print(f"linear fusion (the engine's order) SR@1 {np.mean([t[0] for t in y]):.4f}")
for seed in range(3):
    folds = np.random.default_rng(seed).integers(0, 5, len(rows))
    hits = 0
    for k in range(5):
        train = [i for i in range(len(rows)) if folds[i] != k]
        model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_depth=3, random_state=0)
        model.fit(np.concatenate([X[i] for i in train]), np.concatenate([y[i] for i in train]))
        hits += sum(y[i][np.argmax(model.predict_proba(X[i])[:, 1])] for i in range(len(rows)) if folds[i] == k)
    print(f"re-ranker, shuffle {seed}: SR@1 {hits / len(rows):.4f}")
