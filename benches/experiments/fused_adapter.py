"""The query adapter fitted on the fused ranking (the candidates' lexical scores included,
so that the dense side learns where lexical matching fails) against the adapter fitted on
the dense ranking alone (scripts/fit-adapter): fused SR@1 of each held-back fifth of
calibration. `mix` is the share of the calibration questions' loss taken on the fused
ranking (0: today's adapter)."""
import numpy as np

from common import Calibration, work_folder

cal = Calibration(work_folder(), lexical=True)
sp, unit_rows = cal.space, cal.fa["unit"]
WL, WQ, WP, FLOOR, CEIL = 0.30, 0.10, 0.05, 0.1, 0.7  # src/engine/fusion.rs
TOTAL = WL + WQ + WP
TAU, LAM, LR, STEPS = 0.1, 1e-3, 2e-4, 300  # scripts/fit-adapter


def stretch(c):
    return np.clip((c - FLOOR) / (CEIL - FLOOR), 0, 1)


def fused(L, Q, P):
    return (WL * L + WQ * stretch(Q) + WP * stretch(P)) / TOTAL


def softmax_grad(S, pos, tau):
    S = S / tau
    S -= S.max(1, keepdims=True)
    G = np.exp(S)
    G /= G.sum(1, keepdims=True)
    G[np.arange(len(pos)), pos] -= 1
    return G / tau


def fit(Xc, posc, Lc, mix, tau_fused):
    """scripts/fit-adapter's fit on the alternatives and the questions Xc, with `mix` of
    the questions' loss on the fused ranking at temperature `tau_fused`."""
    V = sp.V
    X = np.concatenate([V[sp.alternatives], Xc])
    pos = np.concatenate([sp.owner[sp.alternatives], posc])
    own = np.concatenate([sp.alternatives, np.full(len(Xc), -1)])
    na, A = len(sp.alternatives), len(X)
    rows, has_own = np.arange(A), own >= 0
    W = np.eye(V.shape[1], dtype=np.float32)
    m, v = np.zeros_like(W), np.zeros_like(W)
    weight = np.ones(A)
    weight[na:] = 1 - mix
    for t in range(1, STEPS + 1):
        Z, norms = unit_rows(X @ W.T)
        C = Z @ V.T
        Cq = np.where(sp.question[None, :], C, -np.inf)
        Cq[rows[has_own], own[has_own]] = -np.inf
        sub = Cq[:, sp.pad]
        j = np.argmax(sub, axis=2)
        arg = np.take_along_axis(np.broadcast_to(sp.pad, sub.shape), j[:, :, None], 2)[:, :, 0]
        Q = np.take_along_axis(sub, j[:, :, None], 2)[:, :, 0]
        Q = np.where(np.isfinite(Q), Q, -1.0)
        P = C[:, sp.passages]
        G = softmax_grad(0.5 * Q + 0.5 * P, pos, TAU) / A * weight[:, None]
        GQ, GP = 0.5 * G, 0.5 * G
        if mix > 0:
            Qc, Pc = Q[na:], P[na:]
            G2 = softmax_grad(fused(Lc, Qc, Pc), posc, tau_fused) / A * mix
            GQ[na:] += G2 * (WQ / TOTAL / (CEIL - FLOOR)) * ((Qc > FLOOR) & (Qc < CEIL))
            GP[na:] += G2 * (WP / TOTAL / (CEIL - FLOOR)) * ((Pc > FLOOR) & (Pc < CEIL))
        GC = np.zeros_like(C)
        GC[rows[:, None], arg] += GQ
        GC[:, sp.passages] += GP
        gZ = GC @ V
        gY = (gZ - Z * (Z * gZ).sum(1, keepdims=True)) / norms
        g = gY.T @ X + 2 * LAM * (W - np.eye(W.shape[0], dtype=np.float32))
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        W = (W - LR * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)).astype(np.float32)
    return W


for mix, tau_fused in [(0.0, 0.05), (0.5, 0.05), (1.0, 0.05)]:
    scores = []
    for k in range(5):
        train, test = cal.folds != k, cal.folds == k
        W = fit(cal.X[train], cal.pos[train], cal.L[train], mix, tau_fused)
        Z, _ = unit_rows(cal.X[test] @ W.T)
        Q, P = cal.dense(Z)
        scores.append((fused(cal.L[test], Q, P).argmax(1) == cal.pos[test]).mean())
    print(f"mix {mix:.1f} (fused temperature {tau_fused}): fused SR@1 {np.mean(scores):.4f}  per fifth {np.round(scores, 3)}", flush=True)
