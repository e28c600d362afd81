"""Trees and boosting: Gini impurity, the best regression split, the Newton leaf value of
second-order boosting. glassml's tree family is not on main yet, so the references are plain
definitions, each verified against scikit-learn's trees (impurity, split threshold) or a
numerical minimisation (leaf value) in ``tests/learn/test_references.py``."""

from __future__ import annotations

import numpy as np

from glassml.learn._authoring import (
    Exercise,
    agrees,
    grid,
    holds,
    labels,
    near,
    register,
    st,
    vectors,
)

# --------------------------------------------------------------------------- Gini


def gini_reference(y):
    _, counts = np.unique(y, return_counts=True)
    p = counts / counts.sum()
    return float(1.0 - np.sum(p**2))


gini_impurity = Exercise(
    "trees/gini-impurity",
    "Gini impurity of a node",
    "gini_impurity(y)",
    lesson="trees/trees-and-boosting",
    summary="1 - sum_k p_k^2 with p_k the share of class k among the node's labels.",
    checks=[
        agrees(
            "agrees with the Gini impurity of scikit-learn's tree nodes",
            st.integers(1, 12).flatmap(lambda n: st.tuples(labels(n, 4))),
            gini_reference,
            rtol=1e-12,
            atol=1e-12,
            hint="p_k = (number of labels equal to k) / n; the impurity 1 - sum p_k^2 is the "
            "chance that two labels drawn with replacement differ.",
            diagnoses=[
                (lambda e, o, y: near(o, 1 - e), "sum p_k^2 is the purity; impurity is 1 minus it"),
                (
                    lambda e, o, y: near(
                        o, -np.sum((c := np.unique(y, return_counts=True)[1] / len(y)) * np.log(c))
                    ),
                    "that is the entropy, not the Gini impurity",
                ),
            ],
        ),
        agrees(
            "edge case: a pure node has impurity 0",
            [(np.array([2, 2, 2]),), (np.array([1]),)],
            gini_reference,
            atol=1e-12,
            hint="One class: p = 1 and 1 - 1^2 = 0.",
        ),
    ],
)

# --------------------------------------------------------------------------- best split


def split_sse(x, y, threshold):
    """Within-child sum of squared errors of the split x <= threshold."""
    left = x <= threshold
    total = 0.0
    for part in (y[left], y[~left]):
        if part.size:
            total += float(np.sum((part - part.mean()) ** 2))
    return total


def best_split_reference(x, y):
    values = np.unique(x)
    if values.size < 2:
        return None
    candidates = (values[:-1] + values[1:]) / 2
    costs = [split_sse(x, y, t) for t in candidates]
    return float(candidates[int(np.argmin(costs))])


@st.composite
def _split_inputs(draw):
    n = draw(st.integers(2, 8))
    x = draw(vectors(n, grid(0, 5, 1)))
    if np.unique(x).size < 2:
        x[0] = x[0] + 1.0
    return x, draw(vectors(n, grid(-4, 4)))


def _is_best(threshold, x, y):
    if threshold is None:
        return "no threshold returned, though x takes two or more values"
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        return f"expected a number (the threshold), got {threshold!r}"
    best = best_split_reference(x, y)
    want, got = split_sse(x, y, best), split_sse(x, y, threshold)
    if not got <= want + 1e-9 * (1 + want):
        return (
            f"splitting at x <= {threshold:g} leaves a squared error of {got:.6g}; "
            f"the best split (x <= {best:g}) leaves {want:.6g}"
        )
    values = np.unique(x)
    if threshold in values:
        return (
            f"threshold {threshold:g} is one of the data values; use the midpoint between two "
            "consecutive distinct values (as scikit-learn does)"
        )
    return None


best_split = Exercise(
    "trees/best-split",
    "The best regression split of one feature",
    "best_split(x, y)",
    lesson="trees/trees-and-boosting",
    summary="Among midpoints t between consecutive distinct x values, the one minimising the "
    "children's summed squared error around their means (rule x <= t); None if x is constant.",
    checks=[
        holds(
            "the split x <= t leaves the least squared error (as scikit-learn's stump)",
            _split_inputs(),
            _is_best,
            hint="Sort the distinct values, try each midpoint, and score a split by "
            "SSE(left) + SSE(right), each around its own mean. Minimising that is maximising "
            "the variance reduction; an unweighted average of the two variances is not the same.",
        ),
        holds(
            "edge case: a constant feature cannot be split (return None)",
            [(np.array([2.0, 2.0, 2.0]), np.array([1.0, 2.0, 3.0]))],
            lambda t, x, y: None if t is None else f"expected None, got {t!r}",
            hint="With one distinct value there is no threshold separating anything.",
        ),
    ],
)

# --------------------------------------------------------------------------- Newton leaf


def newton_leaf_reference(g, h, lam):
    return float(-np.sum(g) / (np.sum(h) + lam))


@st.composite
def _leaf_inputs(draw):
    n = draw(st.integers(1, 6))
    return (
        draw(vectors(n, grid(-3, 3))),
        draw(vectors(n, grid(0.5, 2))),
        draw(st.sampled_from([0.0, 1.0, 3.0])),
    )


newton_leaf_value = Exercise(
    "trees/newton-leaf-value",
    "The Newton leaf value of gradient boosting",
    "newton_leaf_value(g, h, lam)",
    lesson="trees/trees-and-boosting",
    summary="The w minimising sum_i (g_i w + h_i w^2 / 2) + lam w^2 / 2: "
    "w = -sum g / (sum h + lam).",
    checks=[
        agrees(
            "minimises the second-order approximation of the loss (XGBoost's leaf weight)",
            _leaf_inputs(),
            newton_leaf_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="Set the derivative of sum (g_i w + h_i w^2 / 2) + lam w^2 / 2 to zero: "
            "G + (H + lam) w = 0 with the sums G and H over the leaf's samples.",
            diagnoses=[
                (lambda e, o, g, h, lam: near(o, -e), "the sign: the step goes against G"),
                (
                    lambda e, o, g, h, lam: near(o, -np.sum(g) / np.sum(h)),
                    "the L2 penalty lam is missing from the denominator",
                ),
                (
                    lambda e, o, g, h, lam: near(o, -np.mean(g / h)),
                    "the average of per-sample Newton steps; sum G and H over the leaf first",
                ),
            ],
        ),
    ],
)

register(gini_impurity, best_split, newton_leaf_value)
