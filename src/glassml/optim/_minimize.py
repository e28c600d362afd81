"""``minimize``: one loop that drives any optimiser and records its history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from glassml._validation import check_callable, check_count, check_non_negative, fail
from glassml.optim._adaptive import Adagrad, Adam, AdamW, RMSprop
from glassml.optim._base import OptimizationStop, Optimizer, OptimizeResult
from glassml.optim._coordinate import CoordinateDescent
from glassml.optim._gradient_descent import GradientDescent, Momentum, Nesterov
from glassml.optim._lbfgs import LBFGS
from glassml.optim._line_search import LineSearchError
from glassml.optim._newton import Newton
from glassml.optim._objective import Objective
from glassml.optim._proximal import FISTA, ISTA

METHODS: dict[str, type[Optimizer]] = {
    "gd": GradientDescent,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
    "newton": Newton,
    "lbfgs": LBFGS,
    "cd": CoordinateDescent,
    "ista": ISTA,
    "fista": FISTA,
}


def _make_optimizer(method: str | Optimizer, options: dict[str, Any]) -> Optimizer:
    if isinstance(method, Optimizer):
        if options:
            raise ValueError(
                f"options: {sorted(options)} only apply when method is a name; set them on the "
                f"optimiser instance {method!r}"
            )
        return method
    if not isinstance(method, str) or method.lower() not in METHODS:
        raise ValueError(
            f"method: expected one of {sorted(METHODS)} or an optimiser instance, got {method!r}"
        )
    name = method.lower()
    if "l1" in options and name not in ("ista", "fista"):
        raise ValueError(
            f"l1: only the proximal methods 'ista' and 'fista' handle it, not {name!r}"
        )
    try:
        return METHODS[name](**options)
    except TypeError as error:
        raise ValueError(f"options: {error} (method {name!r})") from error


def minimize(
    fun: Callable[..., Any],
    x0: ArrayLike,
    method: str | Optimizer = "lbfgs",
    jac: bool | Callable[..., Any] | None = None,
    hess: Callable[..., Any] | None = None,
    hessp: Callable[..., Any] | None = None,
    tol: float = 1e-6,
    max_iter: int = 1000,
    callback: Callable[[np.ndarray], Any] | None = None,
    **options: Any,
) -> OptimizeResult:
    """Minimise ``fun`` from ``x0``; stop when ``||grad||_inf <= tol`` or after ``max_iter``.

    Parameters
    ----------
    fun : callable
        The objective ``fun(x) -> float`` (with ``jac=True``: ``-> (float, grad)``). With
        ``jac=None`` it is written with :mod:`glassml.autodiff` ops and differentiated by
        :func:`glassml.autodiff.value_and_grad`.
    x0 : array_like
        Starting point; ``x`` keeps its shape.
    method : str or Optimizer
        One of "gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw",
        "newton", "lbfgs", "cd", "ista", "fista", or an optimiser instance (reset first).
    jac : None, True or callable
        How the gradient is obtained (see ``fun``); a callable is ``jac(x) -> grad``.
    hess, hessp : callable, optional
        ``hess(x) -> (n, n)`` and ``hessp(x, v) -> H v``, used by Newton and coordinate descent.
    tol : float
        Gradient infinity-norm tolerance (for ISTA/FISTA: of the minimum-norm subgradient).
    max_iter : int
        Maximum number of iterations (coordinate descent: sweeps).
    callback : callable, optional
        ``callback(x)`` after each iteration; returning ``True`` stops.
    **options
        Constructor arguments of the named method (``lr=0.1``, ``memory=5``); for "ista" and
        "fista", ``l1=alpha`` adds ``alpha * ||x||_1`` to the objective.

    Returns
    -------
    OptimizeResult
        ``x``, ``fun``, ``nit``, ``success``, ``message``, ``history`` (``"loss"``,
        ``"grad_norm"`` per iterate, ``x0`` included) and ``nfev``.

    Examples
    --------
    >>> import numpy as np
    >>> def f(x):  # (x0 + 1/2)^2 + (x1 - 1)^2, minimised at (-1/2, 1)
    ...     return (x[0] + 0.5) ** 2 + (x[1] - 1) ** 2, 2 * (x - np.array([-0.5, 1.0]))
    >>> result = minimize(f, np.zeros(2), method="lbfgs", jac=True)
    >>> np.round(result.x, 6).tolist(), result.success
    ([-0.5, 1.0], True)
    """
    x_start = np.asarray(x0)
    # Complex, object and string arrays are refused, never cast (a cast would drop the
    # imaginary part in silence).
    if x_start.dtype.kind not in "fiub" or x_start.size == 0:
        raise fail("x0", "a non-empty array of real numbers", x_start)
    if not np.all(np.isfinite(x_start)):
        raise ValueError("x0: expected finite values, got NaN or inf")
    tol = check_non_negative(tol, "tol")
    max_iter = check_count(max_iter, "max_iter", minimum=0)
    if callback is not None:
        check_callable(callback, "callback", "x -> bool or None")
    optimizer = _make_optimizer(method, options)
    objective = Objective(fun, x_start.shape, jac, hess, hessp)

    x = x_start.astype(np.float64).reshape(-1)
    value, grad = objective(x)
    if not np.isfinite(value):
        raise ValueError("x0: fun(x0) or its gradient is not finite")
    optimizer.start(objective, x)
    loss, stationarity = optimizer.measure(x, value, grad)
    losses, grad_norms = [loss], [stationarity]

    success, message, nit = False, f"reached max_iter={max_iter}", 0
    while True:
        if stationarity <= tol:
            success, message = True, f"gradient norm {stationarity:.3g} <= tol {tol:g}"
            break
        if nit >= max_iter:
            break
        try:
            value, grad = optimizer.iterate(objective, x, value, grad)
        except (OptimizationStop, LineSearchError) as stop:
            message = str(stop)
            break
        nit += 1
        loss, stationarity = optimizer.measure(x, value, grad)
        losses.append(loss)
        grad_norms.append(stationarity)
        if not np.isfinite(loss):
            message = "the objective became non-finite (diverged: try a smaller lr)"
            break
        if callback is not None and callback(x.reshape(x_start.shape)) is True:
            message = "stopped by callback"
            break

    return OptimizeResult(
        x=x.reshape(x_start.shape),
        fun=float(loss),
        nit=nit,
        success=success,
        message=message,
        history={"loss": np.asarray(losses), "grad_norm": np.asarray(grad_norms)},
        nfev=objective.nfev,
    )
