"""Does the coverage feature (the share of the question the top entry's own questions
hold, `coverage` in the signals files) improve the answer/suggest/escalate decision?

Out of fold on CALIBRATION only, with scripts/refit's five folds (each fold's signals come
from the adapter that did not see it): for each fold, the decision is fitted on the other
four exactly as scripts/fit-decision fits it (logistic model, then the answer threshold
chosen on inner out-of-fold probabilities, median of five shuffles, at most 2 % of the
out-of-scope questions answered), and applied to the fold. The fusion weights are the
engine's (fitted once by fit-decision on all folds: ranking is not what is compared).
Prints in-scope answered, precision and out-of-scope answered, with and without the
feature, by query kind.

    /tmp/peer-venv/bin/python benches/experiments/coverage_decision.py /tmp/refit
"""
import os
import sys
from collections import defaultdict

import numpy as np

from common import fit_decision_module, fold_signals, work_folder

fd = fit_decision_module()


def fusion_of(rows):
    table = fd["Table"](rows)
    best = None
    for floor in [0.1, 0.2, 0.3]:
        for ceiling in [0.7, 0.8, 0.9]:
            for wl in [x / 20 for x in range(4, 17)]:
                for wq in [x / 20 for x in range(0, 13)]:
                    for wp in [x / 20 for x in range(0, 7)]:
                        if wq + wp == 0:
                            continue
                        w = (wl, wq, wp, floor, ceiling)
                        score = table.sr1(w)
                        if best is None or score > best[0] + 1e-9:
                            best = (score, w)
    return best[1]


def prepared(rows, w, features):
    data = []
    for q in rows:
        x = fd["features"](q, w)
        data.append((None if x is None else x[:features], fd["right"](q, fd["ranked"](q, w)),
                     fd["best_grade"](q) > 0, q.get("kind", "")))
    return data


def fit_rule(data):
    """fit-decision's model and threshold, fitted on `data`."""
    have = [d for d in data if d[0] is not None]
    X = np.array([d[0] for d in have])
    y = np.array([1.0 if d[1] else 0.0 for d in have])
    oos = np.array([not d[2] for d in have])
    oos_total = sum(1 for d in data if not d[2])
    coef, bias = fd["fit_logistic"](X, y)
    thresholds = []
    for seed in range(5):
        folds = np.random.default_rng(seed).integers(0, 5, len(y))
        oof = np.zeros(len(y))
        for k in range(5):
            train = folds != k
            c, b = fd["fit_logistic"](X[train], y[train])
            oof[~train] = 1 / (1 + np.exp(-(X[~train] @ c + b)))
        t = fd["threshold_for"](oof, y, oos, oos_total)
        if t is not None:
            thresholds.append(t)
    return coef, bias, float(np.median(thresholds)) if thresholds else 1.0


def main():
    work = work_folder()
    paths = fold_signals(work)
    folds = [fd["load"]([p]) for p in paths]
    w = fusion_of([q for f in folds for q in f])
    print(f"fusion {w}")
    n_features = len(fd["features"](next(q for q in folds[0] if q["candidates"]), w))
    for label, features in [("without coverage", n_features - 1), ("with coverage", n_features)]:
        totals = defaultdict(lambda: [0, 0, 0, 0])  # in scope, answered in scope, answered, right
        oos = [0, 0]
        for k, test in enumerate(folds):
            train = [q for j, f in enumerate(folds) if j != k for q in f]
            coef, bias, t = fit_rule(prepared(train, w, features))
            for x, right, ins, kind in prepared(test, w, features):
                answered = x is not None and 1 / (1 + np.exp(-(np.array(x) @ coef + bias))) >= t
                if ins:
                    for key in ("all", kind):
                        totals[key][0] += 1
                        totals[key][1] += answered
                        totals[key][2] += answered
                        totals[key][3] += answered and right
                else:
                    oos[0] += 1
                    oos[1] += answered
        a = totals["all"]
        print(f"{label}: in scope answered {a[1]}/{a[0]} = {a[1]/a[0]:.3f}, precision "
              f"{a[3]/max(a[2] + oos[1], 1):.3f}, out of scope answered {oos[1]}/{oos[0]}")
        for kind in sorted(k for k in totals if k != "all"):
            t = totals[kind]
            print(f"    {kind:12s} {t[1]:3d}/{t[0]:3d} = {t[1]/t[0]:.3f}")


if __name__ == "__main__":
    main()
