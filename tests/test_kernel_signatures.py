"""Compiled kernels compile once per argument type, never once per literal.

Numba compiles a separate specialisation of a jitted callee for every integer or boolean
literal it sees at a call site (``add_node(nodes, 0, -1, False, ...)``), including a loop
counter's literal start. Each costs seconds on a cold cache; before the call sites passed
typed values, gradient boosting compiled ``add_node`` three times and ``grown`` six, and the
maintenance case study's first run spent 50 s compiling (now about 30 s). The SVM solver's
helpers (``_shrink``, ``_be_shrunk``, ``_swap``, ``_get_row``, ``_cache_swap``) compiled twice
each the same way, and t-SNE's tree builder shares the array-growing helper.

The check needs a cold cache (a kernel loaded from the cache does not compile its callees),
so it runs in a fresh interpreter with an empty ``NUMBA_CACHE_DIR``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import json
import numpy as np
from glassml.anomaly import IsolationForest
from glassml.anomaly import _isolation
from glassml import _growth
from glassml.decomposition import TSNE, _tsne_kernels
from glassml.ensemble import HistGradientBoostingClassifier, _grower, _histogram
from glassml.svm import SVC, _smo
from glassml.tree import DecisionTreeRegressor, _cart, _nodes

rng = np.random.default_rng(0)
X = rng.normal(size=(400, 4))
X[::7, 1] = np.nan  # the missing-value branches too
y = X[:, 0] + rng.normal(size=400)
HistGradientBoostingClassifier(max_iter=3, max_leaf_nodes=40).fit(X, y > 0)
IsolationForest(n_estimators=3, random_state=0).fit(np.nan_to_num(X))
DecisionTreeRegressor(max_depth=12).fit(np.nan_to_num(X), y)
SVC(C=10.0).fit(np.nan_to_num(X), y > 0)
TSNE(perplexity=10.0, max_iter=250, random_state=0).fit_transform(np.nan_to_num(X[:100]))
kernels = {
    "add_node": _nodes.add_node, "grown": _growth.grown, "new_nodes": _nodes.new_nodes,
    "set_split": _nodes.set_split, "build": _histogram.build, "_features": _histogram._features,
    "_gather": _histogram._gather, "grow_tree": _grower.grow_tree,
    "_partition": _grower._partition, "_grow": _isolation._grow, "rand_int": _cart.rand_int,
    "_smo_loop": _smo._smo_loop, "_shrink": _smo._shrink, "_be_shrunk": _smo._be_shrunk,
    "_swap": _smo._swap, "_get_row": _smo._get_row, "_cache_swap": _smo._cache_swap,
    "tsne build_tree": _tsne_kernels.build_tree,
}
print(json.dumps({name: [str(s) for s in k.signatures] for name, k in kernels.items()}))
"""


def test_tree_svm_and_tsne_kernels_have_no_literal_specialisations(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    signatures = json.loads(result.stdout.strip().splitlines()[-1])
    for name, compiled in signatures.items():
        assert compiled, f"{name} was not compiled: the script no longer exercises it"
        literal = [s for s in compiled if "Literal" in s]
        assert not literal, f"{name} compiled for literal arguments: {literal}"
    # add_node: one tuple type for every builder; grown: one per array dtype/ndim (int64,
    # float64, uint8 vectors, the float64 value matrix and boosting's 4-D histogram pool).
    assert len(signatures["add_node"]) == 1, signatures["add_node"]
    assert len(signatures["grown"]) == 5, signatures["grown"]
    for name in ("_shrink", "_be_shrunk", "_swap", "_get_row", "_cache_swap"):
        assert len(signatures[name]) == 1, (name, signatures[name])
