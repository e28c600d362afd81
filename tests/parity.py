"""One parity helper per kind of check, so each oracle test reads as a single line.

``assert_close(mine, theirs, rtol=..., atol=..., what=...)`` compares glassml's value with the
reference library's and, on failure, prints a "mine vs theirs" table of the worst entries.
"""

from __future__ import annotations

import numpy as np


def assert_close(mine, theirs, *, rtol: float, atol: float = 0.0, what: str = "value") -> None:
    mine = np.asarray(mine, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    if mine.shape != theirs.shape:
        raise AssertionError(f"{what}: shape mine {mine.shape} vs theirs {theirs.shape}")
    with np.errstate(invalid="ignore"):
        # Equal values (including equal infinities) agree; NaN never does.
        error = np.where(mine == theirs, 0.0, np.abs(mine - theirs))
        allowed = atol + rtol * np.where(np.isfinite(theirs), np.abs(theirs), 0.0)
    failing = ~(error <= allowed)
    if not np.any(failing):
        return
    excess = np.where(failing, np.nan_to_num(error - allowed, nan=np.inf), -np.inf).ravel()
    worst = [i for i in np.argsort(-excess)[:5] if failing.ravel()[i]]
    rows = "\n".join(
        f"  at {tuple(int(k) for k in np.unravel_index(i, mine.shape))}: "
        f"mine {float(mine.ravel()[i])!r} vs theirs {float(theirs.ravel()[i])!r} "
        f"(|diff| {error.ravel()[i]:.3e}, allowed {allowed.ravel()[i]:.3e})"
        for i in worst
    )
    raise AssertionError(f"{what} differs beyond rtol={rtol}, atol={atol}:\n{rows}")


def assert_close_up_to_sign(
    mine, theirs, *, rtol: float, atol: float = 0.0, what: str = ""
) -> None:
    """Compare row vectors (e.g. principal axes) that are defined only up to sign."""
    mine = np.atleast_2d(np.asarray(mine, dtype=np.float64))
    theirs = np.atleast_2d(np.asarray(theirs, dtype=np.float64))
    signs = np.sign(np.sum(mine * theirs, axis=1, keepdims=True))
    signs[signs == 0] = 1.0
    assert_close(mine * signs, theirs, rtol=rtol, atol=atol, what=what or "rows up to sign")


def assert_same_estimator(
    mine,
    theirs,
    X,
    *,
    attributes=(),
    methods=("predict",),
    rtol: float,
    atol: float = 0.0,
    up_to_sign=(),
) -> None:
    """Fitted ``mine`` and ``theirs`` agree on fitted attributes and on method outputs at ``X``.

    ``attributes`` names fitted attributes present on both (``"coef_"``); ``methods`` names
    methods called on ``X`` (``"predict"``, ``"predict_proba"``, ``"transform"``);
    ``up_to_sign`` lists attributes/methods whose rows are defined only up to sign.
    """
    for name in attributes:
        compare = assert_close_up_to_sign if name in up_to_sign else assert_close
        compare(getattr(mine, name), getattr(theirs, name), rtol=rtol, atol=atol, what=name)
    for name in methods:
        ours, reference = getattr(mine, name)(X), getattr(theirs, name)(X)
        if name in up_to_sign:
            assert_close_up_to_sign(
                np.asarray(ours).T, np.asarray(reference).T, rtol=rtol, atol=atol, what=name
            )
        elif np.asarray(reference).dtype.kind in "OUSb":
            assert np.array_equal(ours, reference), f"{name}: outputs differ"
        else:
            assert_close(ours, reference, rtol=rtol, atol=atol, what=f"{name}(X)")


def _central_differences(fun, x: np.ndarray, step: float | None) -> np.ndarray:
    """d fun / d x by central differences; shape ``fun(x).shape + x.shape``."""
    x = np.asarray(x, dtype=np.float64)
    relative = np.finfo(np.float64).eps ** (1 / 3) if step is None else step
    value = np.asarray(fun(x), dtype=np.float64)
    jacobian = np.zeros(value.shape + x.shape)
    for index in np.ndindex(x.shape):
        h = relative * max(1.0, abs(float(x[index])))
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        h_taken = float(plus[index]) - float(minus[index])
        jacobian[(..., *index)] = (np.asarray(fun(plus)) - np.asarray(fun(minus))) / h_taken
    return jacobian


def check_grad(fun, x, *, jac=None, tol: float = 1e-6, step: float | None = None) -> float:
    """Assert that a gradient (or Jacobian) is right; return the largest relative error.

    With ``jac`` given (a hand-written derivative: ``jac(x)`` of shape
    ``fun(x).shape + x.shape``), it is compared with central finite differences of ``fun``,
    a plain NumPy function. Without ``jac``, ``fun`` is written with autodiff ops and its
    reverse-mode gradient is checked by :func:`glassml.autodiff.check_grad`. The relative
    error uses the same floor as the public checker: 1e-3 of the derivative's largest entry.
    """
    if jac is None:
        from glassml.autodiff import check_grad as autodiff_check_grad

        error = autodiff_check_grad(fun, np.asarray(x, dtype=np.float64), step=step)
    else:
        analytic = np.asarray(jac(np.asarray(x, dtype=np.float64)), dtype=np.float64)
        numeric = _central_differences(fun, x, step)
        if analytic.shape != numeric.shape:
            raise AssertionError(
                f"jac(x) has shape {analytic.shape}; finite differences give {numeric.shape}"
            )
        scale = max(
            float(np.max(np.abs(analytic), initial=0)), float(np.max(np.abs(numeric), initial=0))
        )
        floor = max(1e-3 * scale, np.finfo(np.float64).tiny)
        denominator = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
        error = float(np.max(np.abs(analytic - numeric) / denominator, initial=0.0))
    assert error <= tol, f"gradient check: max relative error {error:.3e} > {tol:.1e}"
    return error


def assert_within_se(
    estimate, truth, se, *, p_fail: float = 1e-4, dof: float | None = None, what: str = "estimate"
) -> None:
    """A stochastic estimate agrees with the truth within its sampling error.

    Asserts ``|estimate - truth| <= z * se`` for every element, where ``z`` is chosen so
    that an unbiased, approximately normal estimator with standard error ``se`` fails with
    probability below ``p_fail`` over all elements together (two-sided, Bonferroni over the
    elements). ``p_fail=1e-4`` gives ``z = 3.89`` for one element. The test therefore
    states how often a correct implementation would fail it, on any machine and any seed.

    When ``se`` is itself estimated from few replicates (a sample standard deviation over R
    seeds), pass its degrees of freedom ``dof`` (R - 1; for a difference of two such means,
    the smaller of the two is conservative): the quantile is then Student's t, not the
    normal's, which would understate the failure probability (4.4 normal standard errors
    with 10 elements is p = 1e-4; with R = 30 it is p = 1e-3).
    """
    from scipy.stats import norm, t

    estimate = np.asarray(estimate, dtype=np.float64)
    truth = np.broadcast_to(np.asarray(truth, dtype=np.float64), estimate.shape)
    se = np.broadcast_to(np.asarray(se, dtype=np.float64), estimate.shape)
    if np.any(~np.isfinite(se)) or np.any(se < 0):
        raise AssertionError(f"{what}: standard errors must be finite and non-negative")
    tail = p_fail / (2 * max(estimate.size, 1))
    z = float(norm.isf(tail) if dof is None else t.isf(tail, dof))
    deviation = np.abs(estimate - truth)
    failing = ~(deviation <= z * se)
    if np.any(failing):
        in_se = np.divide(deviation, se, out=np.full_like(deviation, np.inf), where=se > 0)
        worst = int(np.argmax(np.where(failing, in_se, -1.0)))
        index = tuple(int(k) for k in np.unravel_index(worst, estimate.shape))
        raise AssertionError(
            f"{what}: {int(failing.sum())} of {estimate.size} element(s) beyond {z:.2f} standard "
            f"errors (p_fail={p_fail:g}); worst at {index}: estimate "
            f"{float(estimate[index])!r} vs truth {float(truth[index])!r}, "
            f"se {float(se[index]):.3e}"
        )


def rhat_bound(draws, *, p_fail: float = 1e-4) -> float:
    """The split R-hat that chains sampling one distribution exceed with probability ``p_fail``.

    Split R-hat (rank-normalised and folded, Vehtari et al. 2021) cuts M chains into m = 2M
    halves of n draws and computes R^2 = (n - 1)/n + B/(n W) on the z-scores and on the folded
    z-scores, keeping the larger. When the halves sample one distribution, their means are
    about independent N(mu, sigma^2 tau / n), tau the integrated autocorrelation time, so
    B/(n W) ~ (tau / n) chi2_{m-1} / (m - 1). Hence, for each of the two parts,
        P(R > sqrt((n - 1)/n + tau q / n)) = p_fail / 2,   q = chi2_{m-1}.isf(p_fail / 2) / (m - 1),
    with tau estimated from each half's own autocorrelation (Geyer's initial monotone sequence,
    no between-chain term: chains that disagree cannot loosen their own bound). The bound
    shrinks with more and longer chains, as R-hat's sampling distribution does.
    """
    from scipy.stats import chi2

    from glassml.stats._diagnostics import _geyer_ess, _split, _z_scale

    halves = _split(np.atleast_2d(np.asarray(draws, dtype=np.float64)))
    m, n = halves.shape
    q = float(chi2.isf(p_fail / 2, m - 1)) / (m - 1)
    bounds = []
    for values in (_z_scale(halves), _z_scale(np.abs(halves - np.median(halves)))):
        tau = float(np.mean([n / _geyer_ess(half[np.newaxis, :]) for half in values]))
        bounds.append(np.sqrt((n - 1) / n + tau * q / n))
    return float(max(bounds))


def assert_chains_agree(draws, *, p_fail: float = 1e-4, what: str = "chains") -> None:
    """Split R-hat of ``draws`` (n_chains, n_draws) within its sampling distribution for chains
    that agree: a correct sampler fails this with probability below ``p_fail`` (see
    :func:`rhat_bound`). Use it instead of a fixed cut such as 1.01, whose failure probability
    depends on the number and length of the chains and on the sampler's autocorrelation."""
    from glassml.stats import split_rhat

    rhat, bound = split_rhat(draws), rhat_bound(draws, p_fail=p_fail)
    if not rhat <= bound:
        raise AssertionError(
            f"{what}: split R-hat {rhat:.5f} exceeds {bound:.5f}, which chains sampling one "
            f"distribution exceed with probability {p_fail:g}"
        )
