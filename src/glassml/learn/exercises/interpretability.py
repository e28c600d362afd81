"""Interpretability: Shapley values of a small game, the kernel-SHAP weight, LIME's locality
weight. References are glassml.explain's own pieces (the exact explainer's coalition matrix,
the kernel explainer's size weight, the LIME kernel)."""

from __future__ import annotations

from math import comb

import numpy as np

from glassml.explain._exact import all_coalitions, shapley_matrix
from glassml.explain._kernel import size_weight
from glassml.explain._lime import exponential_kernel
from glassml.learn._authoring import Exercise, agrees, grid, holds, matrices, near, register, st

# --------------------------------------------------------------------------- Shapley values


def _shapley_reference(values):
    n_players = int(np.log2(len(values)))
    return shapley_matrix(all_coalitions(n_players)).T @ values


@st.composite
def _games(draw):
    n_players = draw(st.integers(1, 4))
    values = draw(st.lists(grid(-4, 4), min_size=2**n_players, max_size=2**n_players))
    return (np.array(values),)


def _efficiency(phi, values):
    total = np.sum(np.asarray(phi, dtype=float))
    if not near(total, values[-1] - values[0]):
        return (
            f"efficiency fails: sum of phi is {total:.6g}, but v(all) - v(empty) = "
            f"{values[-1] - values[0]:.6g}"
        )
    return None


shapley_values = Exercise(
    "interpretability/shapley-values",
    "Exact Shapley values of a small game",
    "shapley_values(values)",
    lesson="interpretability/shapley-values-and-lime",
    summary="phi_i = sum over S without i of |S|! (M-|S|-1)! / M! (v(S+i) - v(S)); "
    "values[c] is v of the coalition whose players are the bits of c.",
    checks=[
        holds(
            "efficiency: the values add up to v(all players) - v(nobody)",
            _games(),
            _efficiency,
            hint="Each ordering of the players hands out v(all) - v(empty) in marginal "
            "contributions; the Shapley value averages them, so the sum is preserved. A weight "
            "that does not sum to 1 over the coalitions breaks this.",
        ),
        agrees(
            "agrees with glassml.explain's exact Shapley computation",
            _games(),
            _shapley_reference,
            hint="For player i, visit every coalition S not containing i (bit i of c is 0), "
            "add the marginal contribution values[c | 1 << i] - values[c] weighted by "
            "|S|! (M - |S| - 1)! / M!.",
            diagnoses=[
                (
                    lambda e, o, v: near(o, -e),
                    "the sign of the marginal contribution: it is v(S + i) - v(S)",
                ),
            ],
        ),
        agrees(
            "edge case: one player gets everything, v(1) - v(0)",
            [(np.array([1.0, 3.5]),)],
            _shapley_reference,
            hint="With a single player, the only coalition without it is the empty one.",
        ),
    ],
)

# --------------------------------------------------------------------------- kernel SHAP


def _kernel_weight_reference(n_features, size):
    if size in (0, n_features):
        return np.inf
    return size_weight(size, n_features) / comb(n_features, size)


kernel_shap_weight = Exercise(
    "interpretability/kernel-shap-weight",
    "The Shapley kernel weight of a coalition",
    "kernel_shap_weight(n_features, size)",
    lesson="interpretability/shapley-values-and-lime",
    summary="pi(S) = (M - 1) / (C(M, |S|) |S| (M - |S|)), infinite for the empty and full "
    "coalitions.",
    checks=[
        agrees(
            "agrees with glassml.explain's kernel weight",
            st.integers(2, 12).flatmap(lambda m: st.tuples(st.just(m), st.integers(1, m - 1))),
            _kernel_weight_reference,
            rtol=1e-9,
            hint="pi(S) = (M - 1) / (binomial(M, |S|) |S| (M - |S|)): one coalition's weight, "
            "so the binomial coefficient (how many coalitions share the size) divides.",
            diagnoses=[
                (
                    lambda e, o, m, s: near(o, e * comb(m, s)),
                    "the binomial coefficient C(M, |S|) is missing",
                ),
            ],
        ),
        agrees(
            "edge case: the empty and the full coalition have infinite weight",
            [(3, 0), (3, 3), (5, 0)],
            _kernel_weight_reference,
            hint="|S| (M - |S|) = 0: the two constraints phi_0 = v(empty) and "
            "sum phi = v(all) - v(empty) are enforced exactly (return np.inf).",
        ),
    ],
)

# --------------------------------------------------------------------------- LIME


def _lime_reference(Z, x, width):
    return exponential_kernel(np.linalg.norm(Z - x, axis=1), width)


@st.composite
def _lime_inputs(draw):
    d = draw(st.integers(1, 3))
    Z = draw(matrices(st.integers(1, 6), d, grid(-3, 3)))
    x = draw(matrices(1, d, grid(-3, 3)))[0]
    return Z, x, draw(grid(0.5, 3))


def _unsquared(Z, x, width):
    return np.sqrt(np.exp(-np.linalg.norm(Z - x, axis=1) / width**2))


lime_weights = Exercise(
    "interpretability/lime-weights",
    "LIME's locality weights",
    "lime_weights(Z, x, width)",
    lesson="interpretability/shapley-values-and-lime",
    summary="w_k = sqrt(exp(-d_k^2 / width^2)) with d_k the Euclidean distance from sample z_k "
    "to the explained point x.",
    checks=[
        agrees(
            "agrees with glassml.explain's LIME kernel",
            _lime_inputs(),
            _lime_reference,
            hint="d_k = ||z_k - x|| (Euclidean, per row), then sqrt(exp(-d^2 / width^2)), "
            "i.e. exp(-d^2 / (2 width^2)) as lime does.",
            diagnoses=[
                (
                    lambda e, o, Z, x, w: near(o, e**2) and not near(o, _unsquared(Z, x, w)),
                    "the square root is missing (lime's kernel is sqrt(exp(-d^2 / width^2)))",
                ),
                (
                    lambda e, o, Z, x, w: near(o, _unsquared(Z, x, w)) and not near(o, e**2),
                    "the distance is not squared",
                ),
            ],
        ),
        holds(
            "the explained point itself has weight 1",
            _lime_inputs().map(lambda t: (np.vstack([t[1], t[0]]), t[1], t[2])),
            lambda w, Z, x, width: (
                None
                if near(np.asarray(w, dtype=float)[0], 1.0)
                else f"weight of z = x is {np.asarray(w, dtype=float)[0]:.6g}, expected 1"
            ),
            hint="At distance 0 the kernel is exp(0) = 1: the closest sample counts most.",
        ),
    ],
)

register(shapley_values, kernel_shap_weight, lime_weights)
