"""Logistic regression whose optimiser is a parameter: Newton (IRLS), L-BFGS, GD, SGD, Adam…

The objective, gradient and Hessian live in :mod:`glassml.linear._logistic_loss`; this module
chooses how to walk downhill on them (``_solve_full_batch`` / ``_solve_mini_batch``) and wraps
the result in scikit-learn's estimator contract.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
import scipy.linalg
from scipy.special import expit, log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import downscale_of, scale_of
from glassml._validation import check_classes, check_fit_data, check_predict_data, check_weights
from glassml.linear._logistic_loss import LogisticObjective
from glassml.optim import Optimizer

PENALTIES = ("l2", "l1", "elasticnet", None)
FULL_BATCH_OPTIMIZERS = ("newton", "lbfgs", "gd", "fista")
STOCHASTIC_OPTIMIZERS = ("sgd", "adam", "rmsprop", "adagrad")
# Newton forms the dense Hessian (one symmetric rank-k update, Cholesky) up to this many
# parameters, and goes Hessian-free (conjugate gradient on H v products) beyond.
DENSE_HESSIAN_MAX_PARAMS = 1000
# Mini-batch size used by the stochastic optimisers when batch_size="auto": small enough that
# an epoch takes several steps on a few hundred samples (a batch as large as the data would be
# full-batch descent), large enough that one step amortises the NumPy call overhead.
AUTO_BATCH_SIZE = 32
# Initial learning rates of the adaptive methods (their steps are ~lr per coordinate).
ADAPTIVE_LEARNING_RATES = {"adam": 0.03, "rmsprop": 0.03, "adagrad": 0.3}


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Penalised logistic regression (binary or multinomial) with a swappable optimiser.

    Objective (scikit-learn's, with sample weights s_i and class weights folded into s_i)::

        minimise over W, b   C * sum_i s_i * l_i(W x_i + b) + penalty(W)

        l_i(z) = log(1 + exp(z)) - y_i z                 binary (y_i in {0, 1}, one logit)
        l_i(z) = logsumexp_k(z_k) - z_{y_i}              multinomial (all K classes)

        penalty: "l2" ||W||²/2,  "l1" ||W||_1,  "elasticnet" r ||W||_1 + (1 - r) ||W||²/2
                 (r = l1_ratio), None: 0. The intercept b is never penalised.

    Internally the objective is divided by ``C * S`` (``S = sum_i s_i``), which keeps the
    gradient's scale independent of n and C; ``tol`` applies to that scaled gradient (as in
    scikit-learn's lbfgs) and ``history_["loss"]`` reports the objective above, unscaled.

    Gradient and Hessian (residual r_i = sigmoid(z_i) - y_i, or softmax(z_i) - onehot(y_i))::

        grad_W = C * sum_i s_i r_i x_i^T + W        H = C * X~^T diag(s_i q_i (1 - q_i)) X~ + I_W

    Updates, by ``optimizer``:

    - ``"newton"``: IRLS, ``theta <- theta - t H^{-1} grad`` with a line search; H is formed
      (one symmetric rank-k update, Cholesky) up to 1000 parameters, else Hessian-free
      (conjugate gradient on H v).
    - ``"lbfgs"``: limited-memory BFGS (two-loop recursion, strong-Wolfe line search).
    - ``"gd"``: full-batch gradient descent with an Armijo backtracking line search.
    - ``"sgd"``: averaged stochastic gradient descent (Polyak & Juditsky, 1992). Each epoch
      reshuffles the samples and walks them in mini-batches B, ``theta <- theta - lr_t g_B``
      with ``lr_t = lr / max(1 + lam lr t, sqrt(1 + t / steps_per_epoch))``: the 1/(lam t)
      step of strongly convex stochastic approximation (Bottou, 2012), and never slower to
      decay than 1/sqrt(epoch), which covers lam = 0. The estimate is the running average of
      the iterates from the second epoch on, which converges at the optimal O(1/t) rate where
      the last iterate only hovers; ``lr`` defaults to ``1 / L``, L the mean per-sample
      curvature bound ``mean_i ||x~_i||² / 4`` (+ lam).
    - ``"adam"``, ``"rmsprop"``, ``"adagrad"``: the same mini-batch loop, the rate decaying as
      ``lr / sqrt(1 + epoch)``, driving :mod:`glassml.optim`'s step optimisers (``lr`` 0.03,
      0.03, 0.3); the last iterate is the estimate.
    - ``"fista"``: accelerated proximal gradient; the L1 part goes through its prox
      (soft-thresholding), the only choice (with ``ISTA``/``FISTA`` instances) for ``"l1"`` and
      ``"elasticnet"``.
    - an optimiser instance from :mod:`glassml.optim`: full-batch methods (``Newton``,
      ``LBFGS``, ``ISTA``, ``FISTA``…) go through :func:`glassml.optim.minimize`; step
      optimisers (``Adam(lr=0.05)``…) run full batch, or in mini-batches when ``batch_size`` is
      an integer; ``SAM(Adam())`` takes its second gradient on the same batch.
    - an optimiser taking per-example gradients (``glassml.privacy.DPSGD``): it draws each
      epoch's batches (Poisson sampling, expected size ``batch_size``, ``"auto"`` meaning 32)
      and receives every example's gradient in closed form, ``n a_i r_i [x_i, 1]`` (an outer
      product kept factored) plus the penalty's ``lam W``. Exactly ``max_iter`` epochs run
      (``tol`` is not consulted: stopping on the training loss would spend privacy the
      accountant does not count), in the units of X (no internal rescaling, so that
      ``max_grad_norm`` means what it says); the optimiser's ``accountant`` records the steps.

    Parameters
    ----------
    penalty : {"l2", "l1", "elasticnet", None}, default="l2"
    C : float, default=1.0
        Inverse regularisation strength (> 0; ``np.inf`` means no penalty).
    l1_ratio : float, default=0.5
        Mixing r in [0, 1] for ``penalty="elasticnet"``; ignored otherwise.
    fit_intercept : bool, default=True
    class_weight : dict, "balanced" or None, default=None
        Multiplies the sample weights, as in scikit-learn (``"balanced"``:
        ``S / (n_classes * S_k)``).
    optimizer : str or glassml.optim optimiser, default="lbfgs"
        One of "newton", "lbfgs", "gd", "sgd", "adam", "rmsprop", "adagrad", "fista", or an
        instance.
    learning_rate : float or None, default=None
        Initial step of the stochastic optimisers (None: 1/L for "sgd", 0.03 for "adam" and
        "rmsprop", 0.3 for "adagrad"). Ignored by the full-batch methods.
    batch_size : int or "auto", default="auto"
        Mini-batch size of the stochastic optimisers ("auto": ``min(32, n_samples)``).
    tol : float, default=1e-4
        Stop when the infinity norm of the scaled gradient (the proximal stationarity measure
        for FISTA) is <= tol; stochastic optimisers check it once per epoch.
    max_iter : int, default=100
        Iterations of the full-batch methods; epochs of the stochastic ones.
    random_state : int, RandomState or None, default=None
        Shuffles the mini-batches.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for two classes, (n_classes, n_features) otherwise
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : int
        Iterations (epochs for the stochastic optimisers).
    history_ : dict of 1-D ndarrays
        ``"loss"`` (the objective above) and ``"grad_norm"`` (scaled gradient's infinity norm),
        one entry per iterate (per epoch for the stochastic optimisers), starting at zero.
    loss_ : float
        The objective above at the fitted coefficients.

    Multinomial fits are reported in the symmetric parametrisation (coefficients and
    intercepts sum to zero over classes where the loss leaves that shift free), as in
    scikit-learn.

    Units: without a penalty the fit is equivariant in the scale of X (coefficients / c for
    X c), so X is divided by a power of two near its largest entry and the coefficients scaled
    back. With a penalty only huge X is shrunk, the penalty rescaled to match (the L2 strength
    / c², the L1 / c: the same problem); at X * 1e300 the penalty then vanishes and the fit is
    the unpenalised one, as the mathematics says.

    References
    ----------
    Hastie, Tibshirani & Friedman (2009), The Elements of Statistical Learning, §4.4 (IRLS).
    Nocedal & Wright (2006), Numerical Optimization, ch. 7 (L-BFGS).
    Beck & Teboulle (2009), A fast iterative shrinkage-thresholding algorithm (FISTA).
    Bottou (2010), Large-scale machine learning with stochastic gradient descent.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.linear import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> model = LogisticRegression(optimizer="newton").fit(X, y)
    >>> model.predict([[0.2], [2.8]]).tolist()
    [0, 1]
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "C": [Interval(numbers.Real, 0, None, closed="neither")],
        "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "optimizer": [StrOptions(set(FULL_BATCH_OPTIMIZERS + STOCHASTIC_OPTIMIZERS)), Optimizer],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        penalty: str | None = "l2",
        *,
        C: float = 1.0,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        class_weight: dict | str | None = None,
        optimizer: Any = "lbfgs",
        learning_rate: float | None = None,
        batch_size: int | str = "auto",
        tol: float = 1e-4,
        max_iter: int = 100,
        random_state: Any = None,
    ) -> None:
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    # ----------------------------------------------------------------------------------------
    # fit
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegression:
        """Fit the coefficients by minimising the objective with ``optimizer``."""
        self._validate_params()
        self._check_penalty_and_optimizer()
        X, y = check_fit_data(self, X, y, dtype=np.float64, order="C")
        self.classes_, y_codes = check_classes(y)
        weights = check_weights(sample_weight, X)
        if self.class_weight is not None:
            weights = (
                weights
                * compute_class_weight(
                    self.class_weight, classes=self.classes_, y=y, sample_weight=weights
                )[y_codes]
            )
        weight_sum = float(weights.sum())
        if not weight_sum > 0:
            raise ValueError("sample_weight: the weights (times class_weight) sum to zero")

        l2_fraction, l1_fraction = self._penalty_fractions()
        # Objective divided by C * S: the penalty strengths become fraction / (C * S).
        penalised = l2_fraction + l1_fraction > 0
        loss_scale = self.C * weight_sum if penalised else weight_sum
        # Units X / c: W = W' / c, so the penalties on W' are lam / c^2 and l1 / c (see the
        # class docstring: any c unpenalised, only c > 1 with a penalty).
        per_example = _optim().wants_per_example(self.optimizer)
        if per_example:
            x_scale = 1.0  # the clipping norm is stated in the units of X
        else:
            x_scale = downscale_of(X) if penalised else scale_of(X)
            l2 = l2_fraction / loss_scale / x_scale / x_scale if penalised else 0.0
            x_scale *= _stiffness_scale(l2, X, x_scale)
        objective = LogisticObjective(
            X / x_scale if x_scale != 1.0 else X,
            y_codes,
            weights / weight_sum,
            n_classes=len(self.classes_),
            fit_intercept=self.fit_intercept,
            l2=l2_fraction / loss_scale / x_scale / x_scale if penalised else 0.0,
        )
        l1_strength = l1_fraction / loss_scale / x_scale if penalised else 0.0

        theta0 = np.zeros(objective.n_params)
        if per_example:
            result = self._solve_per_example(objective, theta0)
        elif self._mini_batch_size(X.shape[0]) is None:
            result = self._solve_full_batch(objective, theta0, l1_strength)
        else:
            result = self._solve_mini_batch(objective, theta0)
        theta, history, n_iter, stop = result

        coef, intercept = objective.split(theta)
        coef, intercept = coef / x_scale, intercept.copy() if intercept is not None else None
        if objective.n_logits > 1:
            # The softmax is unchanged by a common shift of all classes: report the symmetric
            # representative (a no-op where the L2 penalty already fixes it).
            intercept = intercept - intercept.mean() if intercept is not None else None
            if objective.l2 == 0.0 and l1_strength == 0.0:
                coef -= coef.mean(axis=0)
        self.coef_ = coef
        self.intercept_ = intercept if intercept is not None else np.zeros(objective.n_logits)
        self.n_iter_ = int(n_iter)
        self.history_ = {
            "loss": np.asarray(history["loss"], dtype=np.float64) * loss_scale,
            "grad_norm": np.asarray(history["grad_norm"], dtype=np.float64),
        }
        self.loss_ = float(self.history_["loss"][-1])
        if stop is not None:
            warnings.warn(
                f"LogisticRegression: optimizer {self._optimizer_name()!r} {stop}, with "
                f"gradient norm {self.history_['grad_norm'][-1]:.3g} > tol={self.tol}"
                + (
                    "; increase max_iter."
                    if n_iter >= self.max_iter
                    else "; more iterations cannot help: raise tol or use 'newton' or 'lbfgs'."
                ),
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    # ----------------------------------------------------------------------------------------
    # the two ways down: full batch through glassml.optim.minimize, or mini-batch epochs
    def _solve_full_batch(
        self, objective: LogisticObjective, theta0: np.ndarray, l1_strength: float
    ) -> tuple[np.ndarray, dict, int, str | None]:
        from glassml.optim import minimize

        options: dict[str, Any] = {}
        hess = hessp = None
        method = self.optimizer
        if method == "newton" or _is_newton(method):
            if objective.n_params <= DENSE_HESSIAN_MAX_PARAMS and method == "newton":
                hess = objective.hessian
            else:
                hessp = objective.hessp
        elif method == "gd":
            # Armijo backtracking from a generous first step: the first iteration halves it
            # down to ~1/L, later ones start from twice the last accepted step.
            method = _optim().GradientDescent(lr=100.0, line_search="armijo")
        if method == "fista" or _is_proximal(method):
            # L1 on the coefficients only: the intercept column gets a zero weight.
            l1_weights = np.full((objective.n_logits, objective.n_columns), l1_strength)
            if objective.fit_intercept:
                l1_weights[:, -1] = 0.0
            method = _penalised_proximal(method, l1_weights.ravel(), _lipschitz_bound(objective))
        result = minimize(
            objective.value_and_gradient,
            theta0,
            method=method,
            jac=True,
            hess=hess,
            hessp=hessp,
            tol=self.tol,
            max_iter=self.max_iter,
            **options,
        )
        if result.history["grad_norm"][-1] <= self.tol:
            stop = None
        elif result.nit >= self.max_iter:
            stop = f"stopped after max_iter={self.max_iter} iterations"
        else:
            stop = f"stopped at iteration {result.nit}: {result.message}"
        return result.x, result.history, result.nit, stop

    def _solve_mini_batch(
        self, objective: LogisticObjective, theta0: np.ndarray
    ) -> tuple[np.ndarray, dict, int, str | None]:
        """Epochs of reshuffled mini-batch steps; for "sgd" the estimate is the Polyak-Ruppert
        average of the iterates from the second epoch on, else the last iterate."""
        n_samples = objective.X.shape[0]
        batch_size = self._mini_batch_size(n_samples)
        steps_per_epoch = -(-n_samples // batch_size)
        optimizer = self._step_optimizer(objective, steps_per_epoch)
        optimizer.reset()
        regradient = _optim().wants_regradient(optimizer)
        averaging = self.optimizer == "sgd"
        rng = check_random_state(self.random_state)
        theta = theta0.copy()
        estimate, n_averaged = theta, 0
        value, gradient = objective.value_and_gradient(estimate)
        losses, grad_norms = [value], [float(np.max(np.abs(gradient)))]
        epoch = 0
        while epoch < self.max_iter and grad_norms[-1] > self.tol:
            order = rng.permutation(n_samples)
            for start in range(0, n_samples, batch_size):
                rows = order[start : start + batch_size]
                _, batch_gradient = objective.value_and_gradient(theta, rows)
                if regradient:  # SAM: the same batch's gradient at the perturbed theta
                    optimizer.step(
                        [theta],
                        [batch_gradient],
                        gradient=lambda rows=rows: [objective.value_and_gradient(theta, rows)[1]],
                    )
                else:
                    optimizer.step([theta], [batch_gradient])
                if averaging and epoch >= 1:
                    # theta_bar_k = theta_bar_{k-1} + (theta_k - theta_bar_{k-1}) / k
                    n_averaged += 1
                    estimate = estimate + (theta - estimate) / n_averaged
            epoch += 1
            if not averaging or epoch == 1:
                estimate = theta.copy()
            value, gradient = objective.value_and_gradient(estimate)
            losses.append(value)
            grad_norms.append(float(np.max(np.abs(gradient))))
        history = {"loss": np.array(losses), "grad_norm": np.array(grad_norms)}
        stop = (
            None if grad_norms[-1] <= self.tol else f"stopped after max_iter={self.max_iter} epochs"
        )
        return estimate, history, epoch, stop

    def _solve_per_example(
        self, objective: LogisticObjective, theta0: np.ndarray
    ) -> tuple[np.ndarray, dict, int, str | None]:
        """Epochs of the optimiser's own batches, each step given every example's gradient
        (differentially private SGD). A fixed number of epochs: see the class notes."""
        n_samples = objective.X.shape[0]
        batch_size = (
            min(AUTO_BATCH_SIZE, n_samples) if self.batch_size == "auto" else self.batch_size
        )
        optimizer = self.optimizer
        optimizer.reset()
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        rng = np.random.default_rng(seed)
        theta = theta0.copy()
        value, gradient = objective.value_and_gradient(theta)
        losses, grad_norms = [value], [float(np.max(np.abs(gradient)))]
        for _ in range(self.max_iter):
            for rows in optimizer.batches(n_samples, batch_size, rng):
                optimizer.step([theta], objective.per_example_gradients(theta, rows))
            # Monitoring only (not covered by the privacy guarantee, and never used to stop).
            value, gradient = objective.value_and_gradient(theta)
            losses.append(value)
            grad_norms.append(float(np.max(np.abs(gradient))))
        history = {"loss": np.array(losses), "grad_norm": np.array(grad_norms)}
        return theta, history, self.max_iter, None

    def _step_optimizer(self, objective: LogisticObjective, steps_per_epoch: int) -> Any:
        optim = _optim()
        if not isinstance(self.optimizer, str):
            return self.optimizer
        name = self.optimizer
        if self.learning_rate is not None:
            initial = float(self.learning_rate)
        elif name == "sgd":
            initial = 1.0 / _mean_sample_curvature(objective)
        else:
            initial = ADAPTIVE_LEARNING_RATES[name]
        lam = objective.l2

        def averaged_sgd_rate(step: int) -> float:
            # 1/(lam t) for strong convexity (lam > 0), at least as fast as 1/sqrt(epoch).
            return initial / max(1.0 + lam * initial * step, np.sqrt(1.0 + step / steps_per_epoch))

        def decaying(step: int) -> float:
            # The O(1/sqrt(t)) step of convex stochastic approximation, t counted in epochs.
            return initial / np.sqrt(1.0 + step / steps_per_epoch)

        if name == "sgd":
            return optim.GradientDescent(lr=averaged_sgd_rate)
        classes = {"adam": optim.Adam, "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}
        return classes[name](lr=decaying)

    # ----------------------------------------------------------------------------------------
    # prediction
    def decision_function(self, X: Any) -> np.ndarray:
        """Logits ``X W^T + b``: shape (n,) for two classes, (n, n_classes) otherwise."""
        X = self._validate_X(X)
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_log_proba(self, X: Any) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([np.zeros_like(scores), scores])
        return log_softmax(scores, axis=1)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities: ``[1 - sigmoid(z), sigmoid(z)]`` or ``softmax(z)``."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            positive = expit(scores)
            return np.column_stack([1.0 - positive, positive])
        return np.exp(log_softmax(scores, axis=1))

    def predict(self, X: Any) -> np.ndarray:
        scores = self.decision_function(X)
        codes = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[codes]

    # ----------------------------------------------------------------------------------------
    # validation
    def _validate_X(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return check_predict_data(self, X, dtype=np.float64, order="C")

    def _optimizer_name(self) -> str:
        return self.optimizer if isinstance(self.optimizer, str) else type(self.optimizer).__name__

    def _check_penalty_and_optimizer(self) -> None:
        """The one rule _parameter_constraints cannot state: an L1 part needs a prox."""
        if self._penalty_fractions()[1] > 0 and not (
            self.optimizer == "fista" or _is_proximal(self.optimizer)
        ):
            raise ValueError(
                f"optimizer: expected 'fista' or an ISTA/FISTA instance with "
                f"penalty={self.penalty!r} (its non-differentiable L1 part needs a prox), got "
                f"{self._optimizer_name()!r}"
            )

    def _penalty_fractions(self) -> tuple[float, float]:
        """(L2 weight, L1 weight) of the penalty: ``l2 * ||W||²/2 + l1 * ||W||_1``."""
        if self.penalty is None or self.C == np.inf:
            return 0.0, 0.0
        if self.penalty == "l2":
            return 1.0, 0.0
        if self.penalty == "l1":
            return 0.0, 1.0
        return 1.0 - float(self.l1_ratio), float(self.l1_ratio)

    def _mini_batch_size(self, n_samples: int) -> int | None:
        """Rows per step, or None for full-batch optimisation."""
        if isinstance(self.optimizer, str):
            if self.optimizer not in STOCHASTIC_OPTIMIZERS:
                return None
            size = AUTO_BATCH_SIZE if self.batch_size == "auto" else self.batch_size
            return min(size, n_samples)
        if isinstance(self.optimizer, _optim().StepOptimizer) and self.batch_size != "auto":
            return min(self.batch_size, n_samples)
        return None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


# --------------------------------------------------------------------------------------------
# helpers
def _optim():
    import glassml.optim

    return glassml.optim


def _is_newton(optimizer: Any) -> bool:
    return not isinstance(optimizer, str) and isinstance(optimizer, _optim().Newton)


def _is_proximal(optimizer: Any) -> bool:
    optim = _optim()
    return not isinstance(optimizer, str) and isinstance(optimizer, optim.ISTA | optim.FISTA)


def _penalised_proximal(template: Any, l1_weights: np.ndarray, lipschitz: float) -> Any:
    """A fresh ISTA/FISTA with ``l1_weights`` and a fixed step: the template's, else 1/L.

    A fixed step from a proven bound L, because backtracking on L compares objective values
    that differ, near the optimum, by less than their rounding error.
    """
    optim = _optim()
    base = (
        optim.ISTA
        if isinstance(template, optim.ISTA) and not isinstance(template, optim.FISTA)
        else optim.FISTA
    )
    lr = getattr(template, "lr", None) or 1.0 / lipschitz
    return base(l1=l1_weights, lr=lr)


def _lipschitz_bound(objective: LogisticObjective) -> float:
    """L with ``H(theta) <= L I`` everywhere: ``c lambda_max(X~^T diag(a) X~) + lam``.

    ``c = 1/4`` bounds sigmoid'(z); for the softmax ``diag(q) - q q^T <= I / 2`` (Böhning,
    1992, "Multinomial logistic regression algorithm").
    """
    gram = objective._weighted_gram(objective.weights)
    top = scipy.linalg.eigvalsh(gram, subset_by_index=[len(gram) - 1, len(gram) - 1])[0]
    return (0.25 if objective.binary else 0.5) * float(top) + objective.l2


# Penalty curvature beyond this multiple of the data's makes the problem stiff (see below).
_STIFF = 2.0**20


def _stiffness_scale(l2: float, X: np.ndarray, x_scale: float) -> float:
    """A further power-of-two unit for X when the L2 penalty dwarfs the data's curvature.

    With lam >> L (a tiny C, or sample weights summing to 1e-300) the coefficients' curvature
    lam + L and the unpenalised intercept's (at most 1/4) are worlds apart: a first-order
    step sized for the coefficients leaves the intercept where it started. Dividing X by
    c ~ sqrt(lam) more (W = W' / c, penalty lam / c^2 ~ 1) puts both blocks on the same scale;
    the problem, and its minimiser, are unchanged.
    """
    if not l2 > _STIFF:  # the threshold is at least this: only then measure the data
        return 1.0
    largest = float(np.max(np.einsum("ij,ij->i", X, X), initial=0.0)) / x_scale / x_scale
    if not l2 > _STIFF * max(0.25 * largest, 1.0):
        return 1.0
    _, exponent = np.frexp(np.sqrt(l2))
    return float(np.ldexp(1.0, int(exponent)))


def _mean_sample_curvature(objective: LogisticObjective) -> float:
    """Average curvature bound of one sample's term, as the mini-batch estimate scales it.

    ``d²l/dz² <= 1/4`` for the sigmoid (the softmax's is at most 1/2, but rarely near it, and
    1/4 steps faster without diverging), so sample i's term ``n a_i l_i(W x~_i)`` curves at most
    ``n a_i ||x~_i||² / 4``; the mean of that bound over samples, plus the L2 strength lam.
    """
    squared_norms = np.einsum("ij,ij->i", objective.X, objective.X) + objective.fit_intercept
    n_samples = objective.X.shape[0]
    return 0.25 * float(np.mean(n_samples * objective.weights * squared_norms)) + objective.l2
