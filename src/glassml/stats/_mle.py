"""Maximum likelihood with standard errors from the observed Fisher information.

For a log-likelihood l(theta) the estimate maximises it (glassml.optim minimises -l, gradient
by glassml.autodiff). Near theta_hat, l is approximately quadratic and
    theta_hat ≈ N(theta, I(theta_hat)^-1),     I(theta_hat) = -Hessian of l at theta_hat
(the observed Fisher information), so
    SE_j = sqrt([I^-1]_jj),   z_j = theta_hat_j / SE_j,   p_j = 2 (1 - Phi(|z_j|)),
    CI_j = theta_hat_j ± z_{1-a/2} SE_j              (Wald).
The Hessian is exact: column j is the Hessian-vector product H e_j by reverse-over-reverse
autodiff (glassml.autodiff.hvp), then symmetrised against rounding.
Pawitan (2001), "In All Likelihood", chapters 2 and 9.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from glassml._validation import check_callable, check_count, check_positive, check_probability
from glassml.autodiff import hvp
from glassml.stats._result import STANDARD_NORMAL
from glassml.stats._validation import check_finite, real_array


@dataclass(frozen=True)
class MLEResult:
    """Maximum-likelihood estimate with Wald inference from the observed information.

    ``params`` maximise the log-likelihood; ``covariance`` is the inverse of the
    ``observed_information`` (minus the Hessian there), ``standard_errors`` the roots of its
    diagonal, ``z_values = params / standard_errors`` with their two-sided ``pvalues`` and
    Wald ``confidence_intervals`` (one row per parameter) at ``confidence_level``.
    """

    params: np.ndarray
    standard_errors: np.ndarray
    covariance: np.ndarray
    observed_information: np.ndarray
    log_likelihood: float
    z_values: np.ndarray
    pvalues: np.ndarray
    confidence_intervals: np.ndarray  # shape (n_params, 2)
    confidence_level: float
    converged: bool
    n_iter: int
    names: tuple[str, ...]

    def summary(self):
        """A pandas DataFrame laid out like statsmodels' coefficient table.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.array([2.1, 1.9, 3.2, 2.8, 2.5])
        >>> def log_likelihood(theta):  # a normal mean with unit variance
        ...     return -0.5 * ((x - theta[0]) ** 2).sum()
        >>> fit_mle(log_likelihood, np.zeros(1), names=["mean"]).summary().round(4)
              coef  std err       z  P>|z|  [0.025  0.975]
        mean   2.5   0.4472  5.5902    0.0  1.6235  3.3765
        """
        import pandas as pd

        low, high = self.confidence_intervals.T
        percent = f"{(1 - self.confidence_level) / 2:g}"
        return pd.DataFrame(
            {
                "coef": self.params,
                "std err": self.standard_errors,
                "z": self.z_values,
                "P>|z|": self.pvalues,
                f"[{percent}": low,
                f"{1 - float(percent):g}]": high,
            },
            index=list(self.names),
        )


def _parameters(values, argument: str) -> np.ndarray:
    point = real_array(values, argument)
    if point.ndim != 1 or point.size == 0:
        raise ValueError(
            f"{argument}: expected a non-empty 1-D array of parameters, got shape {point.shape}"
        )
    return check_finite(point, argument)


def observed_information(log_likelihood: Callable, params) -> np.ndarray:
    """-Hessian of ``log_likelihood`` at ``params``, one exact Hessian-vector product a column.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([2.1, 1.9, 3.2, 2.8, 2.5])
    >>> def log_likelihood(theta):  # a normal mean with unit variance: information n
    ...     return -0.5 * ((x - theta[0]) ** 2).sum()
    >>> observed_information(log_likelihood, np.array([2.0]))
    array([[5.]])
    """
    check_callable(log_likelihood, "log_likelihood")
    point = _parameters(params, "params")
    negative = lambda theta: -log_likelihood(theta)  # noqa: E731
    columns = [hvp(negative, point, unit) for unit in np.eye(point.size)]
    information = np.column_stack(columns)
    return 0.5 * (information + information.T)


def fit_mle(
    log_likelihood: Callable,
    x0,
    *,
    method: str = "newton",
    names: Sequence[str] | None = None,
    confidence_level: float = 0.95,
    tol: float = 1e-9,
    max_iter: int = 200,
) -> MLEResult:
    """Maximise ``log_likelihood`` from ``x0``; standard errors from the observed information.

    Parameters
    ----------
    log_likelihood : callable
        ``log_likelihood(theta)`` written with glassml.autodiff ops, ``theta`` of shape
        ``(n_params,)``; returns a scalar.
    method : str
        Any glassml.optim.minimize method; "newton" (default) uses the exact autodiff Hessian.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([2.1, 1.9, 3.2, 2.8, 2.5])
    >>> def normal_log_likelihood(theta):  # theta = (mean, log sd)
    ...     import glassml.autodiff as ad
    ...     return (-0.5 * ((x - theta[0]) / ad.exp(theta[1])) ** 2 - theta[1]).sum()
    >>> result = fit_mle(normal_log_likelihood, np.array([0.0, 0.0]))
    >>> # SE of the mean: sigma_hat / sqrt(n), sigma_hat the MLE sqrt(sum (x - xbar)^2 / n)
    >>> round(float(result.params[0]), 6), round(float(result.standard_errors[0]), 6)
    (2.5, 0.209762)
    """
    from glassml.optim import minimize

    check_callable(log_likelihood, "log_likelihood")
    level = check_probability(confidence_level, "confidence_level")
    tol = check_positive(tol, "tol")
    max_iter = check_count(max_iter, "max_iter")
    start = _parameters(x0, "x0")
    if names is None:
        names = tuple(f"x{j}" for j in range(start.size))
    elif isinstance(names, str) or not all(isinstance(name, str) for name in names):
        raise ValueError(f"names: expected a sequence of {start.size} strings, got {names!r:.60}")
    names = tuple(names)
    if len(names) != start.size:
        raise ValueError(f"names: expected {start.size} names, one per parameter, got {len(names)}")

    def negative_log_likelihood(theta):
        return -log_likelihood(theta)

    options = {}
    if method == "newton":
        options["hess"] = lambda theta: observed_information(log_likelihood, theta)
    result = minimize(
        negative_log_likelihood, start, method=method, tol=tol, max_iter=max_iter, **options
    )
    params = np.asarray(result.x, dtype=np.float64)
    information = observed_information(log_likelihood, params)
    try:
        # Cholesky doubles as the check that the estimate is a strict local maximum.
        factor = np.linalg.cholesky(information)
    except np.linalg.LinAlgError as error:
        raise ValueError(
            "log_likelihood: expected a strict local maximum, got an observed information that "
            "is not positive definite at the estimate (non-identifiable parameters, "
            "separation, or no convergence)"
        ) from error
    inverse_factor = np.linalg.inv(factor)
    covariance = inverse_factor.T @ inverse_factor
    standard_errors = np.sqrt(np.diag(covariance))
    z_values = params / standard_errors
    quantile = STANDARD_NORMAL.ppf(0.5 + level / 2)
    return MLEResult(
        params=params,
        standard_errors=standard_errors,
        covariance=covariance,
        observed_information=information,
        log_likelihood=-float(result.fun),
        z_values=z_values,
        pvalues=2.0 * STANDARD_NORMAL.sf(np.abs(z_values)),
        confidence_intervals=np.column_stack(
            [params - quantile * standard_errors, params + quantile * standard_errors]
        ),
        confidence_level=level,
        converged=bool(result.success),
        n_iter=int(result.nit),
        names=names,
    )
