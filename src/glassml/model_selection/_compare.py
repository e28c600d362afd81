"""Comparing models as a statistician would: paired tests that respect how the scores arose.

Cross-validation scores of two models on the same folds are paired, and the folds' training
sets overlap, so the J score differences d_j are positively correlated. The naive paired
t-test, t = mean(d) / sqrt(s^2 / J), treats them as independent: its variance is too small
and it rejects a true null far more often than alpha (Dietterich 1998; Nadeau & Bengio 2003).

* 5x2cv paired t-test (Dietterich 1998): five repetitions of 2-fold CV, d_i^(j) the difference
  on fold j of repetition i, s_i^2 = sum_j (d_i^(j) - mean_i)^2, and
  t = d_1^(1) / sqrt(sum_i s_i^2 / 5) ~ t_5 under H0.
* Corrected resampled t-test (Nadeau & Bengio 2003): J resampled (or repeated k-fold) splits
  with n_1 training and n_2 test points,
  t = mean(d) / sqrt((1/J + n_2/n_1) s^2) ~ t_{J-1}; the n_2/n_1 term is their correction for
  the overlap of the training sets.
* McNemar's test on one test set: b = #(A right, B wrong), c = #(A wrong, B right); under H0
  b ~ Binomial(b + c, 1/2). Exact: p = min(1, 2 P(X <= min(b, c))); chi-squared:
  (|b - c| - 1)^2 / (b + c) with Edwards' continuity correction, (b - c)^2 / (b + c) without.
* Paired bootstrap of a metric difference on one test set, with the BCa interval of
  ``glassml.stats.bootstrap``.
* ``compare_models``: every model on the same CV splits, each compared with the best by the
  corrected t-test, p-values adjusted for the m - 1 comparisons by Holm's step-down method.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats as scipy_stats
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv, train_test_split
from sklearn.utils import _safe_indexing, check_random_state

from glassml._validation import (
    check_bool,
    check_count,
    check_named_array,
    check_option,
    check_probability,
    fail,
)
from glassml.stats import BootstrapResult, TestResult, bootstrap, multipletests


@dataclass(frozen=True)
class PairedTestResult(TestResult):
    """A :class:`glassml.stats.TestResult` plus the paired score differences it was built on."""

    differences: np.ndarray | None = None


def _student_t(estimate, scale, df, alternative, level, method, differences, argument):
    """Student's t test of mean 0 for ``estimate / scale`` with ``df`` degrees of freedom."""
    if not scale > 0:
        raise fail(
            argument, "score differences that are not all equal (zero variance)", differences
        )
    statistic = estimate / scale
    t = scipy_stats.t(df)
    if alternative == "two-sided":
        pvalue = float(min(1.0, 2.0 * t.sf(abs(statistic))))
        half = t.ppf(0.5 + level / 2) * scale
        interval = (estimate - half, estimate + half)
    elif alternative == "greater":
        pvalue = float(t.sf(statistic))
        interval = (estimate - t.ppf(level) * scale, np.inf)
    else:
        pvalue = float(t.cdf(statistic))
        interval = (-np.inf, estimate + t.ppf(level) * scale)
    return PairedTestResult(
        method=method,
        statistic=float(statistic),
        pvalue=pvalue,
        df=float(df),
        estimate=float(estimate),
        confidence_interval=(float(interval[0]), float(interval[1])),
        confidence_level=level,
        effect_size=None,
        effect_size_name=None,
        alternative=alternative,
        null_value=0.0,
        differences=differences,
    )


def _check_alternative(alternative: str) -> str:
    return check_option(alternative, "alternative", ("two-sided", "less", "greater"))


# --------------------------------------------------------------------------- 5x2cv


def _split_scores(est_a, est_b, X, y, train, test, scorer_a, scorer_b):
    X_train, X_test = _safe_indexing(X, train), _safe_indexing(X, test)
    y_train, y_test = _safe_indexing(y, train), _safe_indexing(y, test)
    a = clone(est_a).fit(X_train, y_train)
    b = clone(est_b).fit(X_train, y_train)
    return scorer_a(a, X_test, y_test) - scorer_b(b, X_test, y_test)


def five_by_two_differences(
    estimator_a, estimator_b, X, y, *, scoring=None, random_state=None, n_jobs=None
) -> np.ndarray:
    """The 5 x 2 score differences of Dietterich's design, split as ``mlxtend`` splits.

    Repetition i draws ``seed_i = RandomState(random_state).randint(0, 32767)`` and halves the
    data by ``train_test_split(X, y, test_size=0.5, random_state=seed_i)``; column 0 trains on
    the first half and tests on the second, column 1 the reverse.
    """
    X, y = _check_Xy(X, y)
    _check_classes([estimator_a, estimator_b], y)
    scorer_a = _scorer(estimator_a, scoring)
    scorer_b = _scorer(estimator_b, scoring)
    rng = check_random_state(random_state)
    indices = np.arange(len(y))
    jobs = []
    for _ in range(5):
        first, second = train_test_split(
            indices, test_size=0.5, random_state=rng.randint(low=0, high=32767)
        )
        jobs += [(first, second), (second, first)]
    differences = Parallel(n_jobs=n_jobs)(
        delayed(_split_scores)(estimator_a, estimator_b, X, y, train, test, scorer_a, scorer_b)
        for train, test in jobs
    )
    return np.asarray(differences, dtype=np.float64).reshape(5, 2)


def _check_labels(values, name: str) -> np.ndarray:
    """Labels or values of one kind: numbers, or strings; never a mixture."""
    array = check_named_array(values, name, ensure_2d=False, dtype=None)
    if array.dtype.kind == "O":
        kinds = {str if isinstance(v, str) else numbers.Number for v in array.ravel()}
        if len(kinds) > 1 or not all(isinstance(v, str | numbers.Number) for v in array.ravel()):
            raise fail(name, "labels of one kind (all numbers or all strings)", array)
    return array


def _check_Xy(X, y):
    """X (an array, or a DataFrame kept as it is for pipelines) and y of matching length."""
    if not hasattr(X, "iloc"):
        X = check_named_array(X, "X", dtype="numeric", ensure_all_finite="allow-nan")
    y = check_named_array(y, "y", ensure_2d=False, dtype=None)
    if y.ndim != 1:
        raise fail("y", "a 1-D array of targets", y)
    if len(y) != len(X):
        raise fail("y", f"{len(X)} targets, one per row of X", len(y))
    return X, y


def _check_classes(estimators, y) -> None:
    if any(is_classifier(e) for e in estimators) and np.unique(y).size < 2:
        raise fail("y", "at least 2 classes for classifiers", np.unique(y))


def _scorer(estimator, scoring):
    if not hasattr(estimator, "fit"):
        raise fail("estimator", "a scikit-learn estimator with fit", estimator)
    try:
        return check_scoring(estimator, scoring=scoring)
    except (ValueError, TypeError) as error:
        raise ValueError(f"scoring: {error}") from None


def paired_ttest_5x2cv(
    estimator_a=None,
    estimator_b=None,
    X=None,
    y=None,
    *,
    differences=None,
    scoring=None,
    random_state=None,
    n_jobs: int | None = None,
) -> PairedTestResult:
    """Dietterich's 5x2cv paired t-test of "A and B score the same".

    t = d_1^(1) / sqrt(sum_i s_i^2 / 5) on 5 x 2 score differences (A minus B), compared with
    Student's t with 5 degrees of freedom, two-sided. Either give two estimators with X and y
    (split as :func:`five_by_two_differences`; ``scoring`` as in scikit-learn, default the
    estimator's ``score``), or a precomputed (5, 2) array of ``differences``.

    Returns a :class:`PairedTestResult`; ``estimate`` is the mean of the ten differences.

    Reference: Dietterich (1998), Approximate statistical tests for comparing supervised
    classification learning algorithms, Neural Computation 10(7).

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0.02, 0.01], [0.03, 0.0], [0.01, 0.02], [0.02, 0.02], [0.0, 0.01]])
    >>> round(paired_ttest_5x2cv(differences=d).statistic, 4)
    1.8257
    """
    if differences is None:
        if estimator_a is None or estimator_b is None or X is None or y is None:
            raise fail("differences", "a (5, 2) array, or two estimators with X and y", differences)
        differences = five_by_two_differences(
            estimator_a, estimator_b, X, y, scoring=scoring, random_state=random_state,
            n_jobs=n_jobs,
        )  # fmt: skip
    else:
        differences = check_named_array(differences, "differences", dtype=np.float64)
        if differences.shape != (5, 2):
            raise fail("differences", "an array of shape (5, 2)", differences)
    # t is scale-free: compute it on d / max|d|, so 1e300 and 1e-300 neither overflow nor
    # underflow in the squares.
    size = float(np.max(np.abs(differences)))
    d = differences / size if size > 0 else differences
    means = d.mean(axis=1, keepdims=True)
    scale = np.sqrt(float(np.sum((d - means) ** 2)) / 5.0)
    # The numerator is the first fold's difference (Dietterich's choice), not the mean.
    result = _student_t(
        float(d[0, 0]), scale, 5, "two-sided", 0.95, "5x2cv paired t-test", differences,
        "differences",
    )  # fmt: skip
    return dataclasses.replace(result, estimate=float(differences.mean()), confidence_interval=None)


# --------------------------------------------------------------------------- corrected t


def corrected_resampled_ttest(
    scores_a,
    scores_b,
    n_train,
    n_test,
    *,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> PairedTestResult:
    """Nadeau & Bengio's corrected resampled t-test on paired scores from J splits.

    t = mean(d) / sqrt((1/J + n_test/n_train) s^2),  d_j = a_j - b_j,  s^2 the sample variance
    (ddof 1), compared with Student's t_{J-1}; the interval is mean(d) -/+ t quantile x that
    standard error. Use it for repeated k-fold (n_test/n_train = 1/(k-1)) or random splits.

    Reference: Nadeau & Bengio (2003), Inference for the generalization error, Machine
    Learning 52; Bouckaert & Frank (2004) for repeated k-fold.

    Examples
    --------
    >>> a = [0.81, 0.84, 0.79, 0.83, 0.82]; b = [0.78, 0.80, 0.79, 0.80, 0.77]
    >>> result = corrected_resampled_ttest(a, b, n_train=80, n_test=20)
    >>> round(result.statistic, 3), round(result.pvalue, 3)
    (2.39, 0.075)
    """
    a = check_named_array(scores_a, "scores_a", ensure_2d=False, dtype=np.float64)
    b = check_named_array(scores_b, "scores_b", ensure_2d=False, dtype=np.float64)
    if a.ndim != 1 or b.ndim != 1:
        raise fail("scores_a, scores_b", "1-D arrays of scores", (a.shape, b.shape))
    if a.shape != b.shape:
        raise fail("scores_b", f"{a.size} scores, paired with scores_a", b.shape)
    if a.size < 2:
        raise fail("scores_a", "scores from at least 2 splits", a.size)
    n_train = check_count(n_train, "n_train")
    n_test = check_count(n_test, "n_test")
    alternative = _check_alternative(alternative)
    level = check_probability(confidence_level, "confidence_level")
    d = a - b
    J = d.size
    # Scale-free: the test runs on d / max|d| and the interval is scaled back.
    size = float(np.max(np.abs(d)))
    unit = d / size if size > 0 else d
    scale = np.sqrt((1.0 / J + n_test / n_train) * np.var(unit, ddof=1))
    result = _student_t(
        float(unit.mean()), scale, J - 1, alternative, level, "corrected resampled t-test", d,
        "scores_a, scores_b",
    )  # fmt: skip
    low, high = result.confidence_interval
    return dataclasses.replace(
        result, estimate=float(d.mean()), confidence_interval=(low * size, high * size)
    )


# --------------------------------------------------------------------------- McNemar


def mcnemar(
    y_true, y_pred_a, y_pred_b, *, exact: bool = False, correction: bool = True
) -> TestResult:
    """McNemar's test of equal accuracy of two classifiers on the same test set.

    b = #(A right, B wrong), c = #(A wrong, B right). ``exact=True``: the binomial test
    p = min(1, 2 P(Binomial(b + c, 1/2) <= min(b, c))), statistic min(b, c). Otherwise the
    chi-squared statistic (|b - c| - 1)^2 / (b + c) (``correction=False``: (b - c)^2 / (b + c))
    on 1 degree of freedom. ``estimate`` is the accuracy difference (b - c) / n.

    Reference: McNemar (1947), Psychometrika 12; Edwards (1948) for the correction.

    Examples
    --------
    >>> y = [1, 1, 0, 0, 1, 0, 1, 1, 0, 1]
    >>> a = [1, 1, 0, 0, 1, 0, 1, 1, 0, 1]; b = [0, 1, 1, 0, 0, 0, 1, 0, 0, 1]
    >>> round(mcnemar(y, a, b, exact=True).pvalue, 4)
    0.125
    """
    y_true = _check_labels(y_true, "y_true")
    y_pred_a = _check_labels(y_pred_a, "y_pred_a")
    y_pred_b = _check_labels(y_pred_b, "y_pred_b")
    for name, array in (("y_true", y_true), ("y_pred_a", y_pred_a), ("y_pred_b", y_pred_b)):
        if array.ndim != 1:
            raise fail(name, "a 1-D array of labels", array)
    if not (y_true.shape == y_pred_a.shape == y_pred_b.shape):
        raise fail(
            "y_pred_a, y_pred_b",
            f"{y_true.size} predictions each, as many as y_true",
            (y_pred_a.shape, y_pred_b.shape),
        )
    exact, correction = check_bool(exact, "exact"), check_bool(correction, "correction")
    right_a, right_b = y_pred_a == y_true, y_pred_b == y_true
    b = int(np.sum(right_a & ~right_b))
    c = int(np.sum(~right_a & right_b))
    n = y_true.size
    if exact:
        statistic = float(min(b, c))
        pvalue = min(1.0, 2.0 * float(scipy_stats.binom.cdf(min(b, c), b + c, 0.5)))
        df = None
    else:
        if b + c == 0:
            raise fail(
                "y_pred_a, y_pred_b",
                "at least one test point where the two classifiers disagree on correctness "
                "(use exact=True)",
                0,
            )
        statistic = (abs(b - c) - (1.0 if correction else 0.0)) ** 2 / (b + c)
        pvalue = float(scipy_stats.chi2.sf(statistic, 1))
        df = 1.0
    return TestResult(
        method="McNemar's test" + (" (exact)" if exact else ""),
        statistic=float(statistic),
        pvalue=pvalue,
        df=df,
        estimate=(b - c) / n,
        confidence_interval=None,
        confidence_level=0.95,
        effect_size=None,
        effect_size_name=None,
        alternative="two-sided",
        null_value=0.0,
    )


# --------------------------------------------------------------------------- bootstrap

# Metrics that are means of a per-sample quantity: the paired difference is then a mean of
# per-sample differences and the bootstrap runs vectorised.
PER_SAMPLE = {
    "accuracy": lambda y, p: (y == p).astype(np.float64),
    "squared_error": lambda y, p: (np.asarray(y, float) - np.asarray(p, float)) ** 2,
    "absolute_error": lambda y, p: np.abs(np.asarray(y, float) - np.asarray(p, float)),
    "brier": lambda y, p: (np.asarray(y, float) - np.asarray(p, float)) ** 2,
}


def bootstrap_metric_difference(
    y_true,
    y_pred_a,
    y_pred_b,
    metric: str | Callable = "accuracy",
    *,
    n_resamples: int = 9999,
    confidence_level: float = 0.95,
    method: str = "bca",
    random_state=None,
) -> BootstrapResult:
    """Paired bootstrap of metric(y, A) - metric(y, B) on one test set, with a BCa interval.

    The test points are resampled with replacement (the same points for both models, so the
    pairing is kept) and the difference recomputed; the interval is
    ``glassml.stats.bootstrap``'s (BCa by default, Efron 1987). ``metric`` is a callable
    ``metric(y_true, y_pred)`` (AUC, F1, ...; evaluated once per resample) or one of
    "accuracy", "squared_error", "absolute_error", "brier" (means of a per-sample quantity,
    resampled vectorised).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> a = np.where(rng.random(400) < 0.9, y, 1 - y); b = np.where(rng.random(400) < 0.8, y, 1 - y)
    >>> result = bootstrap_metric_difference(y, a, b, n_resamples=2000, random_state=0)
    >>> low, high = result.confidence_interval
    >>> bool(low > 0)
    True
    """
    y_true = _check_labels(y_true, "y_true")
    y_pred_a = _check_labels(y_pred_a, "y_pred_a")
    y_pred_b = _check_labels(y_pred_b, "y_pred_b")
    for name, array in (("y_true", y_true), ("y_pred_a", y_pred_a), ("y_pred_b", y_pred_b)):
        if array.ndim != 1:
            raise fail(name, "a 1-D array", array)
    if not (len(y_true) == len(y_pred_a) == len(y_pred_b)):
        raise fail(
            "y_pred_a, y_pred_b",
            f"{len(y_true)} predictions each, as many as y_true",
            (len(y_pred_a), len(y_pred_b)),
        )
    if len(y_true) < 2:
        raise fail("y_true", "at least 2 test points", len(y_true))
    options = {
        "n_resamples": check_count(n_resamples, "n_resamples", minimum=2),
        "confidence_level": check_probability(confidence_level, "confidence_level"),
        "method": check_option(method, "method", ("percentile", "basic", "bca")),
        "random_state": random_state,
    }
    if isinstance(metric, str):
        per_sample = PER_SAMPLE[check_option(metric, "metric", tuple(PER_SAMPLE))]
        difference = per_sample(y_true, y_pred_a) - per_sample(y_true, y_pred_b)
        return bootstrap((difference,), np.mean, vectorized=True, **options)
    if not callable(metric):
        expected = f"a callable metric(y_true, y_pred) or one of {list(PER_SAMPLE)}"
        raise fail("metric", expected, metric)

    def statistic(rows):
        index = rows.astype(np.intp)
        return float(metric(y_true[index], y_pred_a[index])) - float(
            metric(y_true[index], y_pred_b[index])
        )

    return bootstrap(
        (np.arange(len(y_true), dtype=np.float64),), statistic, vectorized=False, **options
    )


# --------------------------------------------------------------------------- compare_models


def _fit_score(estimator, X, y, train, test, scorer):
    fitted = clone(estimator).fit(_safe_indexing(X, train), _safe_indexing(y, train))
    return float(scorer(fitted, _safe_indexing(X, test), _safe_indexing(y, test)))


def cross_val_scores(models, X, y, *, cv=None, scoring=None, n_jobs=None):
    """Scores of every model on the same CV splits: (n_models, n_splits), and the split sizes.

    All model x split fits go to one ``joblib.Parallel`` (``n_jobs``), so under
    ``joblib.parallel_backend("dask")`` they run on the cluster.
    """
    names, estimators = list(models), list(models.values())
    scorers = [_scorer(estimator, scoring) for estimator in estimators]
    _check_classes(estimators, y)
    try:
        splits = list(check_cv(cv, y, classifier=is_classifier(estimators[0])).split(X, y))
    except (ValueError, TypeError) as error:
        raise ValueError(f"cv: {error}") from None
    jobs = [
        (m, train, test) for m in range(len(estimators)) for train, test in splits
    ]  # fmt: skip
    scores = Parallel(n_jobs=n_jobs)(
        delayed(_fit_score)(estimators[m], X, y, train, test, scorers[m]) for m, train, test in jobs
    )
    table = np.asarray(scores, dtype=np.float64).reshape(len(names), len(splits))
    n_train = np.array([len(train) for train, _ in splits])
    n_test = np.array([len(test) for _, test in splits])
    return table, n_train, n_test


def compare_models(
    models: Mapping[str, Any],
    X,
    y,
    *,
    cv=None,
    scoring=None,
    n_jobs: int | None = None,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Cross-validate several models on the same splits and compare each with the best.

    For each model: the mean CV score, its standard deviation over splits and a corrected
    interval mean -/+ t_{J-1} sqrt((1/J + n_test/n_train) s^2) (Nadeau & Bengio 2003). Each
    model is compared with the model of the best mean score by the corrected resampled
    t-test on the paired differences; the m - 1 p-values are Holm-adjusted.

    Parameters
    ----------
    models : dict
        Name -> unfitted estimator (each is cloned per split).
    cv : int, splitter or None
        As in scikit-learn (default 5-fold, stratified for classifiers). Repeated splitters
        (``RepeatedStratifiedKFold``) give the tests more splits to work with.
    scoring : str, callable or None
        One scikit-learn metric (higher is better), default each estimator's ``score``.
    n_jobs : int or None
        joblib workers for the model x split fits.

    Returns
    -------
    pandas.DataFrame
        One row per model, best first: ``mean``, ``std``, ``ci_low``, ``ci_high``,
        ``difference`` (model minus best), ``pvalue``, ``pvalue_holm`` (NaN for the best).
        ``table.attrs["scores"]`` holds the (n_models, n_splits) scores.

    Notes
    -----
    The best model is chosen from the same data the tests use, so its advantage is slightly
    optimistic; a small p-value says the gap is unlikely to be fold noise, not that it will
    hold on new data.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.naive_bayes import GaussianNB
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> table = compare_models({"nb": GaussianNB(), "dummy": DummyClassifier()}, X, y, cv=5)
    >>> table.index.tolist(), bool(table.loc["dummy", "pvalue_holm"] < 0.01)
    (['nb', 'dummy'], True)
    """
    if not isinstance(models, Mapping) or len(models) < 2:
        raise fail("models", "a dict of at least 2 named estimators", models)
    for name, estimator in models.items():
        if not isinstance(name, str):
            raise fail("models", "string names", name)
        if not hasattr(estimator, "fit"):
            raise fail("models", "scikit-learn estimators", estimator)
    X, y = _check_Xy(X, y)
    level = check_probability(confidence_level, "confidence_level")
    scores, n_train, n_test = cross_val_scores(models, X, y, cv=cv, scoring=scoring, n_jobs=n_jobs)
    if not np.all(np.isfinite(scores)):
        raise fail("scoring", "finite scores on every split", scores)
    ratio = float(np.mean(n_test / n_train))
    J = scores.shape[1]
    if J < 2:
        raise fail("cv", "at least 2 splits", J)
    names = list(models)
    order = np.argsort(-scores.mean(axis=1), kind="stable")
    best = order[0]
    quantile = scipy_stats.t(J - 1).ppf(0.5 + level / 2)
    rows, pvalues = [], []
    for index in order:
        s = scores[index]
        half = quantile * np.sqrt((1 / J + ratio) * np.var(s, ddof=1))
        row = {
            "model": names[index],
            "mean": s.mean(),
            "std": np.std(s, ddof=1),
            "ci_low": s.mean() - half,
            "ci_high": s.mean() + half,
            "difference": s.mean() - scores[best].mean(),
            "pvalue": np.nan,
        }
        if index != best:
            d = s - scores[best]
            scale = np.sqrt((1 / J + ratio) * np.var(d, ddof=1))
            statistic = d.mean() / scale if scale > 0 else (0.0 if d.mean() == 0 else -np.inf)
            row["pvalue"] = float(2 * scipy_stats.t(J - 1).sf(abs(statistic)))
            pvalues.append(row["pvalue"])
        rows.append(row)
    table = pd.DataFrame(rows).set_index("model")
    table["pvalue_holm"] = np.nan
    table.loc[table.index[1:], "pvalue_holm"] = multipletests(pvalues, method="holm")[1]
    table.attrs["scores"] = {names[i]: scores[i] for i in range(len(names))}
    table.attrs["test"] = (
        f"corrected resampled t-test vs the best over {J} splits (n_test/n_train = {ratio:.3g}),"
        " Holm-adjusted"
    )
    return table
