"""Parameter learning: CPDs from a table of observed states.

With N_ijk the number of rows where X_i is in state k and its parents in configuration j
(N_ij = sum_k N_ijk, r_i states of X_i, q_i parent configurations):
    maximum likelihood   theta_ijk = N_ijk / N_ij
    Dirichlet(alpha)     theta_ijk = (N_ijk + alpha) / (N_ij + r_i alpha)     (posterior mean;
                                                                               alpha = 1: K2)
    BDeu(ess)            the same with alpha = ess / (r_i q_i)
BDeu spreads one "equivalent sample" of size ess uniformly over the joint states, so that
equivalent structures get the same score (Heckerman, Geiger & Chickering 1995). A parent
configuration never observed has N_ij = 0: maximum likelihood leaves it undefined and we use
the uniform distribution there; the smoothed estimators give it their prior mean, also uniform.
"""

from __future__ import annotations

import numpy as np

LEARNING_METHODS = ("mle", "bdeu", "dirichlet")


def encode_column(values, states: tuple, name: str) -> np.ndarray:
    """Integer codes of a column's values in ``states``; unknown values raise, naming them."""
    import pandas as pd

    column = pd.Series(values)
    if column.isna().any():
        raise ValueError(f"data: expected no missing values, got NaN in column {name!r}")
    position = {state: code for code, state in enumerate(states)}
    codes = column.map(position)
    if codes.isna().any():
        unknown = sorted({str(v) for v in column[codes.isna()]})[:5]
        raise ValueError(
            f"data: expected states of {name!r} among {list(states)} in its column, got "
            f"value(s) {unknown}"
        )
    codes = codes.to_numpy()
    return codes.astype(np.intp)


def family_counts(codes: dict[str, np.ndarray], variable: str, parents, cardinality) -> np.ndarray:
    """N_ijk as an array with axes (variable, *parents)."""
    family = (variable, *parents)
    shape = tuple(cardinality[v] for v in family)
    flat = np.ravel_multi_index(tuple(codes[v] for v in family), shape)
    return np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape).astype(np.float64)


def estimate_cpd(counts: np.ndarray, method: str, equivalent_sample_size: float,
                 pseudo_count: float) -> np.ndarray:  # fmt: skip
    """theta_ijk from N_ijk (axis 0 = the child's states), by the chosen estimator."""
    n_states = counts.shape[0]
    n_configurations = counts[0].size
    if method == "mle":
        alpha = 0.0
    elif method == "bdeu":
        alpha = equivalent_sample_size / (n_states * n_configurations)
    elif method == "dirichlet":
        alpha = pseudo_count
    else:
        raise ValueError(f"method must be one of {LEARNING_METHODS}; got {method!r}")
    smoothed = counts + alpha
    totals = smoothed.sum(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        theta = smoothed / totals
    return np.where(totals > 0, theta, 1.0 / n_states)
