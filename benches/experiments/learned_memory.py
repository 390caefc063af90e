"""Resolved questions as extra entry vectors (nearest neighbours) beside the query adapter
fitted on the same questions: dense-only SR@1 of each held-back fifth of calibration, and
SR@1 fused with the lexical score as the engine fuses it (src/engine/fusion.rs)."""
import numpy as np

from common import Calibration, unit, work_folder

WL, WQ, WP, FLOOR, CEIL = 0.30, 0.10, 0.05, 0.1, 0.7  # src/engine/fusion.rs


def stretch(c):
    return np.clip((c - FLOOR) / (CEIL - FLOOR), 0, 1)


cal = Calibration(work_folder(), lexical=True)
X = unit(cal.X)
names = ["encoder", "memory", "adapter", "adapter + memory"]
dense_only, fused = {n: [] for n in names}, {n: [] for n in names}
for k in range(5):
    train, test = cal.folds != k, cal.folds == k
    W = cal.space.fit_with(cal.use, [(cal.questions[i]["text"], cal.pos[i]) for i in np.flatnonzero(train)])
    for name, adapt, memory in [("encoder", False, False), ("memory", False, True),
                                ("adapter", True, False), ("adapter + memory", True, True)]:
        Z = unit(X[test] @ W.T) if adapt else X[test]
        Q, P = cal.dense(Z, (X[train], cal.pos[train]) if memory else None)
        dense_only[name].append(((0.5 * Q + 0.5 * P).argmax(1) == cal.pos[test]).mean())
        F = (WL * cal.L[test] + WQ * stretch(Q) + WP * stretch(P)) / (WL + WQ + WP)
        fused[name].append((F.argmax(1) == cal.pos[test]).mean())
for name in names:
    print(f"{name:18} dense-only SR@1 {np.mean(dense_only[name]):.3f}  fused SR@1 {np.mean(fused[name]):.4f}"
          f"  per fifth {np.round(fused[name], 3)}")
