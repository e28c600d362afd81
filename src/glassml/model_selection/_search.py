"""``BayesSearchCV``: scikit-learn's search machinery, driven by Bayesian optimisation.

scikit-learn's ``BaseSearchCV`` owns the cross-validation, the scoring, the parallel fits
(``n_jobs``, so ``joblib.parallel_backend("dask")`` puts them on a cluster), ``cv_results_``,
``best_params_`` and ``refit``; a subclass only says which candidates to evaluate next
(``_run_search``). Here that is :class:`BayesOptimizer`: the GP surrogate of the negated mean
CV score proposes ``n_points`` candidates per round (constant liar), scikit-learn evaluates the
round's candidates x folds in parallel, and the scores go back to the surrogate.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._param_validation import Interval, StrOptions

from glassml._validation import fail
from glassml.model_selection._acquisition import ACQUISITIONS
from glassml.model_selection._bayes import BayesOptimizer
from glassml.model_selection._space import Space


class BayesSearchCV(BaseSearchCV):
    """Hyper-parameter search by Bayesian optimisation, as a scikit-learn search.

    Each round fits a Gaussian process (Matern 5/2, ARD, plus noise) to the standardised mean
    CV scores seen so far and proposes the candidates maximising an acquisition function of
    its posterior (expected improvement by default):

        EI(x) = (y* - xi - mu(x)) Phi(z) + sigma(x) phi(z),   z = (y* - xi - mu(x)) / sigma(x)

    for the negated score (Jones, Schonlau & Welch 1998), maximised by L-BFGS from the best of
    many random candidates; ``n_points > 1`` proposes a batch by the constant liar
    (Ginsbourger et al. 2010) so ``n_jobs`` workers evaluate it together. Everything else —
    ``cv_results_``, ``best_params_``, ``best_score_``, ``refit``, multi-metric scoring — is
    scikit-learn's ``BaseSearchCV`` and behaves as in ``GridSearchCV``.

    Parameters
    ----------
    estimator : estimator
    search_spaces : dict
        Parameter name -> ``Real(low, high, prior)``, ``Integer(low, high)``,
        ``Categorical([...])`` (or the shorthands ``(low, high)`` and a list).
    n_iter : int
        Candidates evaluated in total (``n_initial_points`` random ones first).
    n_initial_points : int
    acquisition : "ei", "pi" or "ucb"
    xi, kappa : float
        Margin of EI/PI and weight of sigma in the confidence bound (standardised units).
    n_points : int
        Candidates proposed and evaluated per round.
    callback : callable, optional
        ``callback(search, results)`` after each round (progress); returning ``True`` stops.
    scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score, return_train_score
        As in ``GridSearchCV``. With several metrics, ``refit`` names the one optimised.
    random_state : int, RandomState or None

    References
    ----------
    Snoek, Larochelle & Adams (2012), Practical Bayesian optimization of machine learning
    algorithms, NeurIPS. Ginsbourger, Le Riche & Carraro (2010), Kriging is well-suited to
    parallelize optimization.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from glassml.model_selection import BayesSearchCV, Real
    >>> X, y = load_iris(return_X_y=True)
    >>> search = BayesSearchCV(
    ...     SVC(), {"C": Real(1e-2, 1e2, prior="log-uniform")},
    ...     n_iter=8, n_initial_points=4, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> len(search.cv_results_["params"]), bool(search.best_score_ > 0.9)
    (8, True)
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseSearchCV._parameter_constraints,
        "search_spaces": [dict],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "n_initial_points": [Interval(Integral, 1, None, closed="left")],
        "acquisition": [StrOptions(set(ACQUISITIONS))],
        "xi": [Interval(Real, 0, None, closed="left")],
        "kappa": [Interval(Real, 0, None, closed="left")],
        "n_points": [Interval(Integral, 1, None, closed="left")],
        "callback": [callable, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        search_spaces: dict[str, Any],
        n_iter: int = 50,
        *,
        n_initial_points: int = 10,
        acquisition: str = "ei",
        xi: float = 0.01,
        kappa: float = 1.96,
        n_points: int = 1,
        scoring=None,
        n_jobs: int | None = None,
        refit=True,
        cv=None,
        verbose: int = 0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score: bool = False,
        callback: Callable | None = None,
    ) -> None:
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.search_spaces = search_spaces
        self.n_iter = n_iter
        self.n_initial_points = n_initial_points
        self.acquisition = acquisition
        self.xi = xi
        self.kappa = kappa
        self.n_points = n_points
        self.random_state = random_state
        self.callback = callback

    def _score_key(self) -> str:
        if callable(self.scoring) or self.scoring is None or isinstance(self.scoring, str):
            return "mean_test_score"
        if isinstance(self.refit, str):
            return f"mean_test_{self.refit}"
        raise fail("refit", "the name of the metric to optimise when scoring has several", None)

    def _run_search(self, evaluate_candidates) -> None:
        space = Space(self.search_spaces, "search_spaces")
        if self.n_iter < self.n_initial_points:
            raise fail("n_iter", f"at least n_initial_points={self.n_initial_points}", self.n_iter)
        key = self._score_key()
        optimizer = BayesOptimizer(
            space,
            n_initial_points=self.n_initial_points,
            acquisition=self.acquisition,
            xi=self.xi,
            kappa=self.kappa,
            random_state=self.random_state,
        )
        done = 0
        while done < self.n_iter:
            batch = optimizer.ask(min(self.n_points, self.n_iter - done))
            results = evaluate_candidates([space.as_params(point) for point in batch])
            scores = np.asarray(results[key][-len(batch) :], dtype=np.float64)
            optimizer.tell(batch, -scores)  # the optimiser minimises
            done += len(batch)
            if self.callback is not None and self.callback(self, results) is True:
                break
