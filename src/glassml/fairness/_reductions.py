"""In-processing by reductions: fair classification as a game between a learner and the
constraints (Agarwal, Beygelzimer, Dudík, Langford & Wallach 2018, "A reductions approach to
fair classification", ICML).

Constraints are moments γ_j(h) <= c: for demographic parity, for every group a and both signs,
± (E[h | A = a] - E[h]) <= c; for equalized odds the same conditioned on each label Y = y. A
randomised classifier Q (a distribution over base classifiers h) and multipliers λ >= 0 with
||λ||_1 <= B = 1 / eps meet in the Lagrangian

    L(Q, λ) = err(Q) + Σ_j λ_j (γ_j(Q) - c).

The λ-player runs exponentiated gradient, θ <- θ + η (γ(h_t) - c) and
λ = B exp(θ) / (1 + Σ exp(θ)); the Q-player best-responds with one call to the base learner:
minimising L(h, λ) over h is a cost-sensitive classification, the benefit of predicting 1 on
row i being b_i = (2 y_i - 1) + Σ_j λ_j U_ij (U the moments' per-row coefficients), which any
estimator taking ``sample_weight`` solves with labels 1{b_i > 0} and weights |b_i|. The
averages of the play converge to a ν-approximate saddle point: err(Q) <= err(Q*) + 2ν and
γ_j(Q) <= c + (1 + 2ν) / B (Theorem 1). As in the authors' implementation, each step is also
followed by the linear program over the mixtures of the classifiers found so far, and the
better of the two is kept; the duality gap max(L - L_low, L_high - L) decides when to stop.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.optimize import linprog
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._validation import check_seed, fail
from glassml.fairness._groups import (
    Groups,
    check_binary,
    check_groups,
    delegate,
    n_rows,
)

# The numerical constants of the authors' implementation (and fairlearn's), for the same play.
_PRECISION = 1e-8
_ACCURACY_MUL = 0.5
_REGRET_CHECK_START_T = 5
_REGRET_CHECK_INCREASE_T = 1.6
_SHRINK_REGRET = 0.8
_SHRINK_ETA = 0.8
_MIN_ITER = 5

# constraint name -> which rows make the events ("all", "label": one event per label value,
# "positive": Y = 1 only, "negative": Y = 0 only) and the utility (h, or the error |h - y|)
CONSTRAINTS = {
    "demographic_parity": ("all", "prediction"),
    "equalized_odds": ("label", "prediction"),
    "true_positive_rate_parity": ("positive", "prediction"),
    "equal_opportunity": ("positive", "prediction"),
    "false_positive_rate_parity": ("negative", "prediction"),
    "error_rate_parity": ("all", "error"),
}


@dataclass
class _Moments:
    """The constraints γ_j(h) = ± (E[g | E = e, A = a] - E[g | E = e]) as linear maps of h.

    ``U[i, j]`` is row i's coefficient: γ_j(h) = -(1/n) Σ_i U[i, j] g_i(h) with
    g_i(h) = h_i (or |h_i - y_i| = h_i (1 - 2 y_i) + y_i for error-rate parity).
    """

    U: np.ndarray  # (n, m)
    utility_slope: np.ndarray  # dg_i / dh_i
    utility_offset: np.ndarray  # g_i at h_i = 0
    event_codes: np.ndarray  # event of each constraint column (for the projection)
    group_share: np.ndarray  # P(A = a | E = e) of each "+" column
    n_half: int  # columns [0, n_half) are "+", [n_half, 2 n_half) the matching "-"

    def gamma(self, predictions: np.ndarray) -> np.ndarray:
        utility = self.utility_slope * predictions + self.utility_offset
        return -(utility @ self.U) / predictions.shape[0]

    def signed_weights(self, lam: np.ndarray) -> np.ndarray:
        return self.utility_slope * (self.U @ lam)

    def project(self, lam: np.ndarray) -> np.ndarray:
        """The multipliers with the same Lagrangian for every h and the smallest L1 norm.

        Within an event, Σ_a P(a | e) γ_{e,a}(h) = 0 for every h, so shifting the signed
        multipliers by a multiple of P(a | e) changes nothing but the penalty; the weighted
        median of λ / P(a | e) is the shift that minimises ||λ||_1.
        """
        signed = lam[: self.n_half] - lam[self.n_half :]
        for event in np.unique(self.event_codes):
            columns = np.flatnonzero(self.event_codes == event)
            share = self.group_share[columns]
            normalised = signed[columns] / share
            order = np.argsort(normalised, kind="stable")
            position = np.searchsorted(np.cumsum(share[order]), share.sum() / 2)
            signed[columns] = signed[columns] - share * normalised[order[position]]
        return np.concatenate([np.clip(signed, 0, None), np.clip(-signed, 0, None)])


def _moments(kind: str, labels: np.ndarray, groups: Groups) -> _Moments:
    events, utility = CONSTRAINTS[kind]
    n = labels.shape[0]
    if events == "all":
        event_of_row = np.zeros(n, dtype=np.intp)
    elif events == "label":
        event_of_row = labels.astype(np.intp)
    elif events == "positive":
        event_of_row = np.where(labels == 1, 0, -1)
    else:
        event_of_row = np.where(labels == 0, 0, -1)
    columns, event_codes, shares = [], [], []
    for event in np.unique(event_of_row[event_of_row >= 0]):
        in_event = event_of_row == event
        p_event = in_event.mean()
        for code, label in enumerate(groups.index):
            in_both = in_event & (groups.codes == code)
            p_both = in_both.mean()
            if p_both == 0:
                raise ValueError(
                    f"y: group {label!r} has no rows with the event the constraint "
                    f"{kind!r} conditions on (e.g. no positive labels)"
                )
            columns.append(in_event / p_event - in_both / p_both)
            event_codes.append(event)
            shares.append(p_both / p_event)
    plus = np.column_stack(columns)
    if utility == "prediction":
        slope, offset = np.ones(n), np.zeros(n)
    else:
        slope, offset = 1.0 - 2.0 * labels, labels.copy()
    return _Moments(
        U=np.hstack([plus, -plus]),
        utility_slope=slope,
        utility_offset=offset,
        event_codes=np.asarray(event_codes),
        group_share=np.asarray(shares),
        n_half=plus.shape[1],
    )


@dataclass
class _Gap:
    L: float
    L_low: float
    L_high: float

    def gap(self) -> float:
        return max(self.L - self.L_low, self.L_high - self.L)


class _Game:
    """The Lagrangian on the training data and the pool of best responses found so far."""

    def __init__(self, estimator, X, labels, moments: _Moments, bound: float, B: float):
        self.estimator, self.X, self.labels = estimator, X, labels
        self.moments, self.bound, self.B = moments, bound, B
        self.predictors: list[Any] = []
        self.errors: list[float] = []
        self.gammas: list[np.ndarray] = []
        self.n_oracle_calls = 0
        self._linprog_pool_size = -1
        self._linprog_result = None

    def _fit(self, lam: np.ndarray) -> Any:
        benefit = (2.0 * self.labels - 1.0) + self.moments.signed_weights(lam)
        targets = (benefit > 0).astype(int)
        weights = np.abs(benefit)
        weights = self.labels.shape[0] * weights / weights.sum()
        self.n_oracle_calls += 1
        if np.unique(targets).size == 1:
            return _Constant(int(targets[0]))
        return delegate(clone(self.estimator), "fit", self.X, targets, sample_weight=weights)

    def best_h(self, lam: np.ndarray) -> int:
        """One oracle call; the index in the pool of the best classifier for ``lam``."""
        predictor = self._fit(lam)
        predictions = _hard(predictor, self.X)
        error = float(np.mean(np.abs(predictions - self.labels)))
        gamma = self.moments.gamma(predictions)
        value = error + gamma @ lam
        best, best_value = -1, np.inf
        if self.predictors:
            values = np.asarray(self.errors) + np.asarray(self.gammas) @ lam
            best = int(np.argmin(values))
            best_value = float(values[best])
        if value < best_value - _PRECISION:
            self.predictors.append(predictor)
            self.errors.append(error)
            self.gammas.append(gamma)
            best = len(self.predictors) - 1
        return best

    def evaluate(self, Q: np.ndarray, lam: np.ndarray) -> tuple[float, float, float]:
        """(L, L_high, err) of the mixture Q at the (projected) multipliers."""
        error = float(np.asarray(self.errors)[: Q.size] @ Q)
        gamma = np.asarray(self.gammas)[: Q.size].T @ Q
        lam = self.moments.project(lam)
        violation = gamma - self.bound
        L = error + float(lam @ violation)
        L_high = error + (self.B * float(violation.max()) if violation.max() > 0 else 0.0)
        return L, L_high, error

    def gap(self, Q: np.ndarray, lam: np.ndarray, nu: float) -> _Gap:
        L, L_high, _ = self.evaluate(Q, lam)
        result = _Gap(L, L, L_high)
        for multiple in (1.0, 2.0, 5.0, 10.0):
            index = self.best_h(multiple * lam)
            single = np.zeros(len(self.predictors))
            single[index] = 1.0
            result.L_low = min(result.L_low, self.evaluate(single, lam)[0])
            if result.gap() > nu + _PRECISION:
                break
        return result

    def linear_program(self, nu: float) -> tuple[np.ndarray, np.ndarray, _Gap]:
        """The best mixture of the pool against the worst multipliers (primal and dual LP)."""
        size = len(self.predictors)
        if self._linprog_pool_size == size:
            return self._linprog_result
        errors = np.asarray(self.errors)
        gammas = np.asarray(self.gammas).T  # (m, size)
        m = gammas.shape[0]
        cost = np.concatenate([errors, [self.B]])
        A_ub = np.hstack([gammas - self.bound, -np.ones((m, 1))])
        A_eq = np.concatenate([np.ones(size), [0.0]])[None, :]
        primal = linprog(
            cost, A_ub=A_ub, b_ub=np.zeros(m), A_eq=A_eq, b_eq=[1.0], method="highs-ds"
        )
        dual = linprog(
            np.concatenate([np.zeros(m), [-1.0]]),
            A_ub=np.hstack([-A_ub.T, A_eq.T]),
            b_ub=cost,
            bounds=[(0, None)] * m + [(None, None)],
            method="highs-ds",
        )
        Q, lam = primal.x[:-1], dual.x[:-1]
        self._linprog_pool_size = size
        self._linprog_result = (Q, lam, self.gap(Q, lam, nu))
        return self._linprog_result


class _Constant:
    """The base learner's answer when every cost points to the same label."""

    def __init__(self, label: int) -> None:
        self.label = label

    def predict(self, X: Any) -> np.ndarray:
        return np.full(n_rows(X), self.label)


def _hard(predictor: Any, X: Any) -> np.ndarray:
    predictions = np.asarray(delegate(predictor, "predict", X), dtype=np.float64).reshape(-1)
    if predictions.shape[0] != n_rows(X) or not np.all(np.isin(predictions, (0.0, 1.0))):
        raise fail("estimator", "predictions in {0, 1} (a binary classifier)", predictions)
    return predictions


class ExponentiatedGradient(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A randomised classifier, a mixture of base classifiers, meeting a fairness constraint.

    Solves min_Q err(Q) subject to γ_j(Q) <= difference_bound (every constraint moment) by the
    game of Agarwal et al. (2018): exponentiated gradient on the multipliers,
    λ = B exp(θ) / (1 + Σ exp θ), θ += η (γ(h_t) - c), B = 1 / eps, against best responses
    h_t = argmin_h err(h) + λ·γ(h), each one call to ``estimator.fit(X, labels,
    sample_weight=costs)``. The result satisfies γ_j(Q) <= difference_bound + (1 + 2ν) eps and
    err(Q) <= err(Q*) + 2ν on the training data.

    Parameters
    ----------
    estimator : classifier with ``fit(X, y, sample_weight)`` and ``predict``, default=None
        Any glassml or scikit-learn estimator taking sample weights (None:
        ``glassml.linear.LogisticRegression()``).
    constraints : str, default="demographic_parity"
        "demographic_parity", "equalized_odds", "true_positive_rate_parity" (also
        "equal_opportunity"), "false_positive_rate_parity" or "error_rate_parity".
    difference_bound : float, default=0.01
        c: the allowed difference of each group's rate from the overall rate.
    eps : float, default=0.01
        Allowed additional violation; bounds the multipliers by B = 1 / eps.
    max_iter : int, default=50
    nu : float or None, default=None
        Duality-gap tolerance (None: half the standard error of the first classifier's error).
    eta0 : float, default=2.0
        Initial step of the multipliers' updates (η = eta0 / B).
    run_linprog_step : bool, default=True

    Attributes
    ----------
    predictors_ : list of fitted base classifiers
    weights_ : ndarray
        The mixture Q: probability of each predictor.
    n_oracle_calls_ : int
    best_gap_ : float
    last_iter_, best_iter_ : int
    classes_ : ndarray [0, 1]

    References
    ----------
    Agarwal, Beygelzimer, Dudík, Langford & Wallach (2018), "A reductions approach to fair
    classification", ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from glassml.fairness import ExponentiatedGradient, demographic_parity_difference
    >>> rng = np.random.default_rng(0)
    >>> group = rng.integers(0, 2, 500); X = np.column_stack([rng.normal(size=500) + group,
    ...                                                       rng.normal(size=500)])
    >>> y = (X[:, 0] + 0.5 * rng.normal(size=500) > 0.5).astype(int)
    >>> model = ExponentiatedGradient(LogisticRegression(), eps=0.02).fit(
    ...     X, y, sensitive_features=group)
    >>> p = model.predict_proba(X)[:, 1]
    >>> gap = abs(p[group == 0].mean() - p[group == 1].mean())
    >>> bool(gap <= 2 * (0.01 + 0.02 * 1.1))
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "constraints": [StrOptions(set(CONSTRAINTS))],
        "difference_bound": [Interval(numbers.Real, 0, 1, closed="both")],
        "eps": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "nu": [Interval(numbers.Real, 0, None, closed="left"), None],
        "eta0": [Interval(numbers.Real, 0, None, closed="neither")],
        "run_linprog_step": ["boolean"],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        constraints: str = "demographic_parity",
        difference_bound: float = 0.01,
        eps: float = 0.01,
        max_iter: int = 50,
        nu: float | None = None,
        eta0: float = 2.0,
        run_linprog_step: bool = True,
    ) -> None:
        self.estimator = estimator
        self.constraints = constraints
        self.difference_bound = difference_bound
        self.eps = eps
        self.max_iter = max_iter
        self.nu = nu
        self.eta0 = eta0
        self.run_linprog_step = run_linprog_step

    def fit(self, X: Any, y: Any, *, sensitive_features: Any) -> ExponentiatedGradient:
        """Play the game on (X, y); keep the mixture with the smallest duality gap."""
        self._validate_params()
        labels = check_binary(y, "y")
        if n_rows(X) != labels.shape[0]:
            raise ValueError(f"X, y: X has {n_rows(X)} rows but y has {labels.shape[0]} labels")
        if np.unique(labels).size < 2:
            raise fail("y", "both labels 0 and 1", f"only {int(labels[0])}")
        groups = check_groups(sensitive_features, labels.shape[0])
        from glassml.fairness._preprocessing import _default_estimator

        estimator = _default_estimator() if self.estimator is None else self.estimator
        moments = _moments(self.constraints, labels, groups)
        B = 1.0 / float(self.eps)
        game = _Game(estimator, X, labels, moments, float(self.difference_bound), B)
        n = labels.shape[0]
        m = moments.U.shape[1]
        theta = np.zeros(m)
        lambda_sum = np.zeros(m)
        q_sum: dict[int, float] = {}
        gaps_eg: list[float] = []
        gaps: list[float] = []
        mixtures: list[np.ndarray] = []
        nu = self.nu
        eta = float(self.eta0) / B
        last_regret_checked, last_gap = _REGRET_CHECK_START_T, np.inf

        for t in range(int(self.max_iter)):
            lam = B * np.exp(theta) / (1.0 + np.exp(theta).sum())
            lambda_sum += lam
            lambda_eg = lambda_sum / (t + 1)
            h = game.best_h(lam)
            if t == 0 and nu is None:
                first = _hard(game.predictors[h], X)
                nu = _ACCURACY_MUL * float(np.std(np.abs(first - labels), ddof=1)) / np.sqrt(n)
            q_sum[h] = q_sum.get(h, 0.0) + 1.0
            Q_eg = _mixture(q_sum, len(game.predictors))
            gap_eg = game.gap(Q_eg, lambda_eg, nu).gap()
            gaps_eg.append(gap_eg)
            gap_lp = np.inf
            if t > 0 and self.run_linprog_step:
                Q_lp, _, result_lp = game.linear_program(nu)
                gap_lp = result_lp.gap()
            if gap_eg < gap_lp:
                mixtures.append(Q_eg)
                gaps.append(gap_eg)
            else:
                mixtures.append(Q_lp)
                gaps.append(gap_lp)
            if gaps[t] < nu and t >= _MIN_ITER:
                break
            if t >= last_regret_checked * _REGRET_CHECK_INCREASE_T:
                best_gap = min(gaps_eg)
                if best_gap > last_gap * _SHRINK_REGRET:
                    eta *= _SHRINK_ETA
                last_regret_checked, last_gap = t, best_gap
            theta += eta * (game.gammas[h] - float(self.difference_bound))

        gaps_array = np.asarray(gaps)
        best = int(np.flatnonzero(gaps_array <= gaps_array.min() + _PRECISION)[-1])
        weights = np.zeros(len(game.predictors))
        weights[: mixtures[best].size] = mixtures[best]
        self.predictors_ = game.predictors
        self.weights_ = weights
        self.best_iter_ = best
        self.best_gap_ = float(gaps[best])
        self.last_iter_ = len(gaps) - 1
        self.n_oracle_calls_ = game.n_oracle_calls
        self.nu_ = float(nu)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """``[1 - p, p]`` with p = Σ_h Q(h) h(x): the probability the mixture decides 1."""
        check_is_fitted(self, "weights_")
        positive = np.zeros(n_rows(X))
        for weight, predictor in zip(self.weights_, self.predictors_, strict=True):
            if weight > 0:
                positive += weight * _hard(predictor, X)
        positive = np.clip(positive, 0.0, 1.0)
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X: Any, random_state: Any = None) -> np.ndarray:
        """Decisions drawn from the mixture: 1 with probability P(decision = 1 | x)."""
        positive = self.predict_proba(X)[:, 1]
        rng = check_seed(random_state)
        return (rng.random_sample(positive.shape[0]) < positive).astype(int)


def _mixture(counts: dict[int, float], size: int) -> np.ndarray:
    Q = np.zeros(size)
    for index, count in counts.items():
        Q[index] = count
    return Q / Q.sum()
