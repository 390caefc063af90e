"""Whether the decision is short of data: the logistic decision of scripts/fit-decision
fitted on 30 %, 50 %, 75 % and 100 % of the training folds; in-scope answered at 0.97
precision over the pooled out-of-fold probabilities (5 folds, 10 shuffles)."""
import numpy as np

from common import fit_decision_module, fold_signals, work_folder

fd = fit_decision_module()
rows = fd["load"](fold_signals(work_folder()))
w = (0.30, 0.10, 0.05, 0.1, 0.7)  # the engine's fusion (src/engine/fusion.rs)
data = [(fd["features"](q, w), fd["right"](q, fd["ranked"](q, w)), fd["best_grade"](q) > 0) for q in rows]
data = [d for d in data if d[0] is not None]
X = np.array([d[0] for d in data])
y = np.array([1.0 if d[1] else 0.0 for d in data])
ins = np.array([d[2] for d in data])


def answered_at_precision(p, target=0.97):
    order = np.argsort(-p)
    ok = np.cumsum(y[order]) / np.arange(1, len(order) + 1) >= target
    return (np.cumsum(ins[order])[ok].max() if ok.any() else 0) / ins.sum()


for share in [0.3, 0.5, 0.75, 1.0]:
    rates = []
    for seed in range(10):
        rng = np.random.default_rng(seed)
        folds, oof = rng.integers(0, 5, len(y)), np.zeros(len(y))
        for k in range(5):
            train = np.flatnonzero(folds != k)
            train = rng.choice(train, int(len(train) * share), replace=False)
            coef, bias = fd["fit_logistic"](X[train], y[train])
            oof[folds == k] = 1 / (1 + np.exp(-(X[folds == k] @ coef + bias)))
        rates.append(answered_at_precision(oof))
    print(f"{share:.0%} of the training folds: answered at 0.97 precision, median {np.median(rates):.3f}")
