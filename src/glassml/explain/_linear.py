"""Shapley values of a linear model in closed form (interventional and correlation-dependent)."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassml._validation import check_count, check_option, fail
from glassml.explain._common import check_background, check_rows, check_seed, package
from glassml.explain._exact import MAX_EXACT_FEATURES, all_coalitions, shapley_matrix
from glassml.explain._explanation import Explanation


def linear_parameters(model: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """(W of shape (K, M), b of shape (K,), whether the output is a vector) from coef_/intercept_.

    A binary classifier's single row of ``coef_`` is its log-odds margin, explained as one
    output, as shap does.
    """
    coef = getattr(model, "coef_", None)
    if coef is None:
        raise fail("model", "a fitted linear model with coef_ and intercept_", model)
    W = np.asarray(coef, dtype=np.float64)
    vector = W.ndim == 1 or W.shape[0] == 1
    W = np.atleast_2d(W)
    b = np.broadcast_to(
        np.asarray(getattr(model, "intercept_", 0.0), dtype=np.float64), (W.shape[0],)
    ).copy()
    if W.ndim != 2 or not np.all(np.isfinite(W)) or not np.all(np.isfinite(b)):
        raise fail("model", "finite coef_ of shape (n_features,) or (n_outputs, n_features)", W)
    return W, b, vector


def conditional_transform(
    w: np.ndarray, covariance: np.ndarray, n_permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """T (M x M) with phi = T (x - mu) for the game v(S) = w . E[x | x_S] under a Gaussian.

    E[x | x_S] = mu + Sigma_{:,S} Sigma_SS^+ (x_S - mu_S), so v(S) - v(0) = a_S . (x - mu) with
    a_S supported on S, a_S[S] = Sigma_SS^+ Sigma_{S,:} w. The Shapley value is linear in v, so
    phi = (sum_S C[S, :] a_S)(x - mu): exact over all 2^M coalitions up to 16 features; above,
    averaged over random permutations and their reverses (phi_i += a_{pre(i)+i} - a_{pre(i)}).
    """
    M = len(w)
    Sw = covariance @ w

    def a_of(masks: np.ndarray) -> np.ndarray:
        out = np.zeros(masks.shape, dtype=np.float64)
        sizes = masks.sum(axis=1)
        for size in np.unique(sizes):
            if size == 0:
                continue
            group = np.flatnonzero(sizes == size)
            index = np.nonzero(masks[group])[1].reshape(len(group), size)
            block = covariance[index[:, :, None], index[:, None, :]]
            rhs = Sw[index]
            out[group[:, None], index] = np.einsum(
                "gij,gj->gi", np.linalg.pinv(block, hermitian=True), rhs
            )
        return out

    if M <= MAX_EXACT_FEATURES:
        masks = all_coalitions(M)
        return shapley_matrix(masks).T @ a_of(masks)
    T = np.zeros((M, M))
    for _ in range(n_permutations):
        order = rng.permutation(M)
        for perm in (order, order[::-1]):
            prefix = np.zeros((M + 1, M), dtype=bool)
            for position, feature in enumerate(perm):
                prefix[position + 1] = prefix[position]
                prefix[position + 1, feature] = True
            a = a_of(prefix)
            T[perm] += a[1:] - a[:-1]
    return T / (2 * n_permutations)


class LinearExplainer:
    """Exact Shapley values of a linear model f(x) = W x + b.

    ``feature_perturbation="interventional"`` (features independent of one another): the
    game v(S) = E_b f(x_S, b_{not S}) is additive, so

        phi_j = w_j (x_j - E[x_j]),    base value = w . E[x] + b.

    ``"correlation_dependent"``: v(S) = f(E[x | x_S]) under a Gaussian with the background's
    mean and covariance; phi = T (x - mu) with T from :func:`conditional_transform` (exact by
    enumeration up to 16 features, permutation-sampled above).

    The model is read through ``coef_`` and ``intercept_`` only (glassml's and scikit-learn's
    linear models); classifiers are explained on their margin (log-odds).

    Parameters
    ----------
    model : fitted linear model
    background : array-like of shape (n_background, n_features)
    feature_perturbation : {"interventional", "correlation_dependent"}
    n_permutations : int, default=1000
        Permutations (each with its reverse) when correlation-dependent with > 16 features.
    random_state : int, Generator or None
    feature_names, output_names : list of str, optional

    References
    ----------
    Lundberg & Lee (2017), Section 4 (Linear SHAP); Aas, Jullum & Loland (2021), Explaining
    individual predictions when features are dependent.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> model = SimpleNamespace(coef_=np.array([2.0, -1.0]), intercept_=0.5)
    >>> e = LinearExplainer(model, np.array([[0.0, 0.0], [2.0, 2.0]]))(np.array([[3.0, 1.0]]))
    >>> e.values, e.base_values
    (array([[ 4., -0.]]), array([1.5]))
    """

    def __init__(
        self,
        model: Any,
        background: Any,
        feature_perturbation: str = "interventional",
        *,
        n_permutations: int = 1000,
        random_state: Any = None,
        feature_names: Any = None,
        output_names: Any = None,
    ) -> None:
        self.W, self.b, self.vector = linear_parameters(model)
        data, weights, names = check_background(background, None)
        if data.shape[1] != self.W.shape[1]:
            raise fail("background", f"{self.W.shape[1]} features (as the model's coef_)", data)
        self.feature_perturbation = check_option(
            feature_perturbation,
            "feature_perturbation",
            ("interventional", "correlation_dependent"),
        )
        self.n_permutations = check_count(n_permutations, "n_permutations")
        self.random_state = check_seed(random_state)
        self.feature_names = names if feature_names is None else [str(n) for n in feature_names]
        self.output_names = output_names
        self.mean = weights @ data
        self.expected_value = self.W @ self.mean + self.b
        if self.feature_perturbation == "correlation_dependent":
            centred = data - self.mean
            covariance = (centred * weights[:, None]).T @ centred
            rng = np.random.default_rng(self.random_state)
            self.transforms = np.stack(
                [conditional_transform(w, covariance, self.n_permutations, rng) for w in self.W]
            )

    def __call__(self, X: Any) -> Explanation:
        """Shapley values of the model's (margin) output for each row of ``X``."""
        rows = check_rows(X, "X", self.W.shape[1])
        centred = rows - self.mean
        if self.feature_perturbation == "interventional":
            values = centred[:, :, None] * self.W.T[None]
        else:
            values = np.einsum("kij,nj->nik", self.transforms, centred)
        base = np.broadcast_to(self.expected_value, (rows.shape[0], self.W.shape[0])).copy()
        return package(values, base, rows, self.feature_names, self.vector, self.output_names)
