"""What the survival regressions share: scikit-learn's contract with durations as the target.

``fit(X, y, event_observed=None, entry=None)``: ``y`` holds the durations T > 0 (so pipelines,
``clone`` and cross-validation work unchanged; pass the event indicators as a fit parameter,
e.g. ``cross_validate(model, X, T, params={"event_observed": d})``). ``score`` is Harrell's
concordance index, the usual measure of a survival model's ranking (1/2 is chance).

Covariates are standardised inside ``fit`` (each column centred and divided by its standard
deviation) and durations divided by a power of two near their typical size, so Newton's method
sees a well-conditioned problem whatever the units; coefficients, standard errors and the
likelihood are reported in the data's own units. The map between the two parametrisations is
linear, ``theta = A theta_std + c``, so the covariance is ``A Cov_std A^T``.
"""

from __future__ import annotations

import numbers
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from glassml._validation import check_fit_data, check_predict_data
from glassml.survival._concordance import concordance_counts
from glassml.survival._data import check_durations, check_entry, check_events


class SurvivalRegressor(RegressorMixin, BaseEstimator):
    """Base: validation, standardisation, the coefficient table and the concordance score."""

    _parameter_constraints: ClassVar[dict] = {
        "alpha": [Interval(numbers.Real, 0, 1, closed="neither")],
        "tol": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags

    def _survival_data(self, X, y, event_observed, entry):
        """Checked (X, T, d, e) and the column statistics used to standardise X."""
        self._validate_params()
        for name in ("tol",):
            if not np.isfinite(getattr(self, name)):
                raise ValueError(f"{name}: expected a finite number, got {getattr(self, name)!r}")
        X, y = check_fit_data(self, X, y, y_numeric=True, dtype=np.float64)
        if X.shape[0] < 2:
            raise ValueError(
                f"X: got {X.shape[0]} sample (n_samples = 1); a survival regression needs at "
                "least two subjects"
            )
        durations = check_durations(y, "y")
        events = check_events(event_observed, durations.shape[0])
        entry = check_entry(entry, durations)
        if not events.any():
            raise ValueError(
                "event_observed: every observation is censored; with no failure the "
                "likelihood has no maximum"
            )
        center = X.mean(axis=0)
        spread = X.std(axis=0)
        constant = ~(spread > 0)
        if np.any(constant):
            raise ValueError(
                f"X: feature(s) {np.flatnonzero(constant).tolist()} are constant; their effect "
                "cannot be told apart from the baseline (remove them)"
            )
        self.feature_mean_ = center
        self.feature_scale_ = spread
        return X, durations, events, entry

    def _standardised(self, X: np.ndarray) -> np.ndarray:
        # Divide first: (X - m) / s overflows when X is near the largest float.
        return X / self.feature_scale_ - self.feature_mean_ / self.feature_scale_

    def _check_X(self, X) -> np.ndarray:
        check_is_fitted(self)
        return check_predict_data(self, X, dtype=np.float64)

    def _wald_table(self, index: pd.Index, estimates, errors, exponentiate: bool) -> pd.DataFrame:
        z_value = float(norm.isf(self.alpha / 2))
        level = f"{1 - self.alpha:.0%}"
        with np.errstate(divide="ignore", invalid="ignore"):
            z = estimates / errors
        table = {"coef": estimates}
        if exponentiate:
            table["exp(coef)"] = np.exp(estimates)
        table.update(
            {
                "se(coef)": errors,
                f"coef lower {level}": estimates - z_value * errors,
                f"coef upper {level}": estimates + z_value * errors,
                "z": z,
                "p": 2.0 * norm.sf(np.abs(z)),
            }
        )
        return pd.DataFrame(table, index=index)

    def _feature_labels(self) -> list[str]:
        if hasattr(self, "feature_names_in_"):
            return [str(name) for name in self.feature_names_in_]
        return [f"x{j}" for j in range(self.n_features_in_)]

    def score(self, X, y, event_observed=None, sample_weight=None) -> float:
        """Harrell's concordance index of the model's survival ranking on (X, y, events)."""
        if sample_weight is not None:
            raise ValueError("sample_weight: not supported by the concordance index")
        X = self._check_X(X)
        durations = check_durations(y, "y")
        if durations.shape[0] != X.shape[0]:
            raise ValueError(f"X, y: X has {X.shape[0]} samples but y has {durations.shape[0]}")
        events = check_events(event_observed, durations.shape[0])
        return self._concordance(X, durations, events)

    def _concordance(self, X: np.ndarray, durations: np.ndarray, events: np.ndarray) -> float:
        concordant, tied, comparable = concordance_counts(
            durations, self._survival_scores(X), events
        )
        if comparable == 0:
            raise ValueError("event_observed: no pair of subjects is comparable")
        return (concordant + 0.5 * tied) / comparable

    def _survival_scores(self, X: np.ndarray) -> np.ndarray:
        """Scores that grow with predicted survival (for the concordance index)."""
        raise NotImplementedError
