"""Sampling a Bayesian network: forward (ancestral) sampling, likelihood weighting, Gibbs.

All three work on integer state codes, one row per sample (or chain), vectorised over rows.

Forward sampling. Visit the variables in topological order and draw x_i ~ P(x_i | pa_i), the
parents being drawn already: an exact draw from the joint.

Likelihood weighting. Forward sampling with the evidence variables clamped to their observed
states; each sample carries the weight
    w = prod_{E in evidence} P(e | pa_E),
and P(Q = q | e) ≈ sum_s w_s [q_s = q] / sum_s w_s (self-normalised importance sampling with
the clamped forward distribution as proposal; Kish's ESS = (sum w)^2 / sum w^2).

Gibbs sampling. Start from a clamped forward sample and repeatedly redraw each unobserved X
from its full conditional, which involves only its Markov blanket:
    P(x | rest) ∝ P(x | pa_X) prod_{C child of X} P(c | pa_C).
Many chains run side by side (one row each); after burn-in every sweep contributes one state
per chain. Gibbs needs the chain to be able to reach every state of positive probability:
deterministic CPDs (zeros, as in "asia"'s either = tub OR lung) can trap it.
Koller & Friedman (2009), sections 12.1-12.3.
"""

from __future__ import annotations

import numpy as np


def _draw(probabilities: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw of one state per row of ``probabilities`` (rows sum to 1)."""
    cumulative = np.cumsum(probabilities, axis=1)
    states = (uniform[:, np.newaxis] * cumulative[:, -1:] >= cumulative).sum(axis=1)
    return np.minimum(states, probabilities.shape[1] - 1)


def _column(network, variable: str, codes: np.ndarray, position: dict[str, int]) -> np.ndarray:
    """P(variable = . | its parents' states in each row): shape (n_rows, n_states)."""
    cpd = network.cpds[variable]
    parent_states = tuple(codes[:, position[p]] for p in cpd.parents)
    return cpd.values[(slice(None), *parent_states)].reshape(cpd.values.shape[0], -1).T


def forward_sample(
    network, n_samples: int, rng: np.random.Generator, evidence: dict[str, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Ancestral samples (codes, shape (n, n_vars) in ``network.variables`` order) and their
    log likelihood weights (zero without evidence)."""
    evidence = evidence or {}
    position = {v: i for i, v in enumerate(network.variables)}
    codes = np.zeros((n_samples, len(network.variables)), dtype=np.intp)
    log_weights = np.zeros(n_samples)
    for variable in network.variables:
        column = _column(network, variable, codes, position)
        if variable in evidence:
            codes[:, position[variable]] = evidence[variable]
            with np.errstate(divide="ignore"):
                log_weights += np.log(column[:, evidence[variable]])
        else:
            codes[:, position[variable]] = _draw(column, rng.random(n_samples))
    return codes, log_weights


def weighted_frequencies(network, codes, weights, query: tuple[str, ...]) -> np.ndarray:
    """sum_s w_s [q_s = q] / sum_s w_s as an array over the query variables."""
    position = {v: i for i, v in enumerate(network.variables)}
    cards = tuple(network.cardinality[v] for v in query)
    flat = np.ravel_multi_index(tuple(codes[:, position[v]] for v in query), cards)
    table = np.bincount(flat, weights=weights, minlength=int(np.prod(cards))).reshape(cards)
    total = table.sum()
    if total <= 0:
        raise ValueError(
            "evidence: expected evidence the samples reproduce, got every sample with zero "
            "weight (evidence of probability zero, or too few samples)"
        )
    return table / total


def likelihood_weighting(network, query, evidence, n_samples: int, rng):
    """P(query | evidence) by likelihood weighting; also returns Kish's ESS of the weights."""
    codes, log_weights = forward_sample(network, n_samples, rng, evidence)
    finite = np.isfinite(log_weights)
    if not np.any(finite):
        raise ValueError(
            "evidence: expected evidence the samples reproduce, got every sample with zero "
            "weight (evidence of probability zero, or too few samples)"
        )
    weights = np.where(finite, np.exp(log_weights - log_weights[finite].max()), 0.0)
    ess = weights.sum() ** 2 / np.sum(weights**2)
    return weighted_frequencies(network, codes, weights, query), float(ess)


def _blanket_log_conditional(network, variable, codes, position) -> np.ndarray:
    """log P(variable = k | Markov blanket) up to a constant, shape (n_chains, n_states)."""
    n_states = network.cardinality[variable]
    with np.errstate(divide="ignore"):
        log_probability = np.log(_column(network, variable, codes, position))
        for child in network.children[variable]:
            cpd = network.cpds[child]
            index = [codes[:, position[child]][:, np.newaxis]]
            for parent in cpd.parents:
                # The candidate state k of ``variable`` runs along the second axis.
                index.append(
                    np.arange(n_states)[np.newaxis, :]
                    if parent == variable
                    else codes[:, position[parent]][:, np.newaxis]
                )
            log_probability = log_probability + np.log(cpd.values[tuple(index)])
    return log_probability


def gibbs(network, query, evidence, n_samples: int, n_burn_in: int, n_chains: int, rng):
    """P(query | evidence) from ``n_samples`` Gibbs states (``n_chains`` chains side by side)."""
    kept = gibbs_states(network, evidence, n_samples, n_burn_in, n_chains, rng)
    return weighted_frequencies(network, kept, np.ones(kept.shape[0]), query)


def gibbs_states(network, evidence, n_samples: int, n_burn_in: int, n_chains: int, rng):
    """The kept Gibbs states (codes): row ``sweep * n_chains + chain``, one sweep after another
    (the chains are independent, so their frequencies give the estimate's standard error)."""
    position = {v: i for i, v in enumerate(network.variables)}
    codes, log_weights = forward_sample(network, n_chains, rng, evidence)
    # Restart the chains whose clamped start is impossible, until every chain starts valid.
    for _ in range(100):
        bad = ~np.isfinite(log_weights)
        if not np.any(bad):
            break
        codes[bad], log_weights[bad] = forward_sample(network, int(bad.sum()), rng, evidence)
    else:
        raise ValueError(
            "evidence: expected evidence a forward sample can start from, got none in 100 tries "
            "(evidence of probability zero, or nearly)"
        )
    unobserved = [v for v in network.variables if v not in evidence]
    n_sweeps = -(-n_samples // n_chains)
    kept = np.empty((n_sweeps * n_chains, codes.shape[1]), dtype=np.intp)
    for sweep in range(n_burn_in + n_sweeps):
        for variable in unobserved:
            log_probability = _blanket_log_conditional(network, variable, codes, position)
            probability = np.exp(log_probability - log_probability.max(axis=1, keepdims=True))
            codes[:, position[variable]] = _draw(probability, rng.random(n_chains))
        if sweep >= n_burn_in:
            start = (sweep - n_burn_in) * n_chains
            kept[start : start + n_chains] = codes
    return kept
