"""The models that exist in glassml: linear and logistic regression with L1/L2 penalties,
k-means and Gaussian mixtures, SVMs, neural networks and convolution. Each exercise is one
step of the model's derivation, graded against the glassml code that implements it."""

from __future__ import annotations

import functools
import warnings

import numpy as np

from glassml import autodiff as ad
from glassml.cluster import KMeans
from glassml.cluster._gaussian_mixture import (
    Mixture,
    expectation,
    maximisation,
    precision_cholesky,
)
from glassml.learn._authoring import (
    Exercise,
    agrees,
    assume,
    grid,
    holds,
    labels,
    matrices,
    near,
    register,
    st,
    vectors,
)
from glassml.linalg import rbf_kernel, squared_euclidean_distances
from glassml.linear import Ridge
from glassml.optim import soft_threshold as glassml_soft_threshold


class _LazyCases(list):
    """Fixed cases built on first use (fitting a model at import would slow every import)."""

    def __init__(self, build) -> None:
        super().__init__()
        self._build = build

    def __iter__(self):
        if not super().__len__():
            self.extend(self._build())
        return super().__iter__()


# ----------------------------------------------------------------------------- regression


@st.composite
def regression_problems(draw, min_extra: int = 2):
    p = draw(st.integers(1, 3))
    n = draw(st.integers(p + min_extra, p + 6))
    X = draw(matrices(n, p, grid(-3, 3)))
    assume(np.linalg.svd(X - X.mean(axis=0), compute_uv=False)[-1] > 0.3)
    return X, draw(vectors(n, grid(-5, 5)))


def _ridge_reference(X, y, alpha):
    model = Ridge(alpha=alpha).fit(X, y)
    return model.coef_, model.intercept_


ridge_fit = Exercise(
    "regression/ridge",
    "Ridge regression with an unpenalised intercept",
    "ridge_fit(X, y, alpha)",
    lesson="regression/regularisation",
    returns=("coef", "intercept"),
    summary="Minimise |y - X w - b|^2 + alpha |w|^2 (b not penalised): centre, solve, recover b.",
    checks=[
        agrees(
            "agrees with glassml.linear.Ridge",
            regression_problems().flatmap(
                lambda t: st.tuples(st.just(t[0]), st.just(t[1]), st.sampled_from([0.1, 1.0, 10.0]))
            ),
            _ridge_reference,
            rtol=1e-6,
            atol=1e-9,
            hint="Centre X and y, solve (X_c^T X_c + alpha I) w = X_c^T y_c, then b = y-bar - "
            "x-bar^T w: the intercept is not shrunk.",
            diagnoses=[
                (
                    lambda e, o, X, y, a: near(o[0], _penalised_intercept(X, y, a)[0]),
                    "the intercept was penalised (a column of ones inside the ridge)",
                ),
            ],
        ),
    ],
)


def _number(value) -> float:
    return float(value.data) if isinstance(value, ad.Tensor) else float(value)


def _penalised_intercept(X, y, alpha):
    A = np.column_stack([X, np.ones(len(y))])
    w = np.linalg.solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ y)
    return w[:-1], w[-1]


def _logistic_reference(w, X, y):
    def loss(w):
        return ad.binary_cross_entropy_with_logits(ad.matmul(X, w), y)

    value, gradient = ad.value_and_grad(loss)(np.asarray(w, float))
    return _number(value), gradient


@st.composite
def classification_problems(draw, scale: float = 1.0):
    p = draw(st.integers(1, 3))
    n = draw(st.integers(2, 8))
    X = draw(matrices(n, p, grid(-3, 3)))
    y = draw(labels(n, 2)).astype(float)
    w = draw(vectors(p, grid(-2, 2))) * scale
    return w, X, y


logistic_loss_grad = Exercise(
    "regression/logistic-loss",
    "The logistic loss and its gradient",
    "logistic_loss_grad(w, X, y)",
    lesson="regression/logistic-regression",
    returns=("loss", "grad"),
    summary="Mean of log(1 + e^{z}) - y z with z = X w, and its gradient X^T (sigma(z) - y) / n.",
    checks=[
        agrees(
            "agrees with glassml.autodiff.binary_cross_entropy_with_logits",
            classification_problems(),
            _logistic_reference,
            rtol=1e-8,
            atol=1e-10,
            hint="dL/dz_i = (sigma(z_i) - y_i) / n, then the chain rule through z = X w gives "
            "X^T (sigma(X w) - y) / n.",
            diagnoses=[
                (
                    lambda e, o, w, X, y: near(-np.asarray(o[1]), e[1]),
                    "the gradient has the wrong sign: it is X^T (p - y), not X^T (y - p)",
                ),
                (
                    lambda e, o, w, X, y: len(y) > 1 and near(np.asarray(o[1]) / len(y), e[1]),
                    "a sum over samples, not the mean: divide by n",
                ),
            ],
        ),
        agrees(
            "edge case: margins of 500 stay finite",
            [
                (np.array([100.0]), np.array([[5.0], [-5.0], [5.0]]), np.array([0.0, 1.0, 1.0])),
            ],
            _logistic_reference,
            rtol=1e-8,
            atol=1e-10,
            hint="log(1 + e^{z}) overflows for z = 500: write it as max(z, 0) + log1p(e^{-|z|}); "
            "a probability of exactly 0 or 1 makes log(p) infinite.",
        ),
    ],
)


soft_threshold = Exercise(
    "regression/soft-threshold",
    "The soft-thresholding operator (the proximal map of the L1 norm)",
    "soft_threshold(v, t)",
    lesson="regression/regularisation",
    summary="sign(v) max(|v| - t, 0) elementwise: the argmin of t|x| + (x - v)^2 / 2.",
    checks=[
        agrees(
            "agrees with glassml.optim.soft_threshold",
            st.tuples(
                vectors(st.integers(1, 8), grid(-5, 5)), st.sampled_from([0.0, 0.5, 1.0, 2.5])
            ),
            glassml_soft_threshold,
            rtol=1e-12,
            atol=0,
            hint="Entries with |v| <= t become exactly 0; the others move towards 0 by t, "
            "keeping their sign.",
            diagnoses=[
                (
                    lambda e, o, v, t: near(o, np.where(np.abs(v) > t, v, 0.0)),
                    "hard thresholding: the survivors must also shrink by t",
                ),
            ],
        ),
    ],
)


def _lasso_objective(X, y, w, alpha):
    n = len(y)
    return np.sum((y - X @ w) ** 2) / (2 * n) + alpha * np.sum(np.abs(w))


def _lasso_reference(X, y, w, j, alpha):
    n = len(y)
    w = np.array(w, dtype=float)
    residual = y - X @ w + X[:, j] * w[j]
    rho = X[:, j] @ residual / n
    w[j] = glassml_soft_threshold(np.array([rho]), alpha)[0] / (X[:, j] @ X[:, j] / n)
    return w


@st.composite
def _lasso_inputs(draw):
    X, y = draw(regression_problems(min_extra=1))
    w = draw(vectors(X.shape[1], grid(-2, 2)))
    j = draw(st.integers(0, X.shape[1] - 1))
    assume(np.linalg.norm(X[:, j]) > 0.5)
    return X, y, w, j, draw(st.sampled_from([0.0, 0.1, 0.5, 2.0]))


def _coordinate_minimum(out, X, y, w, j, alpha):
    out = np.asarray(out, float)
    if out.shape != w.shape:
        return f"expected w of shape {w.shape}, got {out.shape}"
    others = np.delete(np.arange(w.size), j)
    if not near(out[others], w[others]):
        return "coordinates other than j changed"
    base = _lasso_objective(X, y, out, alpha)
    for delta in (1e-4, -1e-4):
        moved = out.copy()
        moved[j] += delta
        if _lasso_objective(X, y, moved, alpha) < base - 1e-12:
            return f"moving w_j by {delta:g} lowers the objective: w_j is not its minimiser"
    return None


lasso_coordinate = Exercise(
    "regression/lasso-coordinate",
    "One coordinate-descent update of the lasso",
    "lasso_coordinate_update(X, y, w, j, alpha)",
    lesson="regression/regularisation",
    summary="Minimise |y - X w|^2 / (2n) + alpha |w|_1 over w_j alone; return the new w.",
    checks=[
        holds(
            "the new w_j minimises the objective along coordinate j (and nothing else moves)",
            _lasso_inputs(),
            _coordinate_minimum,
            hint="Take w_j's own contribution out of the residual, r = y - X w + x_j w_j; then "
            "w_j = S(x_j^T r / n, alpha) / (x_j^T x_j / n) with S the soft threshold.",
        ),
        agrees(
            "agrees with glassml.linear.Lasso's coordinate update",
            _lasso_inputs(),
            _lasso_reference,
            rtol=1e-8,
            atol=1e-10,
            hint="The lasso objective here is |y - X w|^2 / (2n) + alpha |w|_1, as in "
            "glassml.linear.Lasso (and scikit-learn).",
        ),
    ],
)

# ----------------------------------------------------------------------------- clustering


@st.composite
def _kmeans_inputs(draw):
    k = draw(st.integers(1, 3))
    d = draw(st.integers(1, 2))
    n = draw(st.integers(k + 1, 8))
    X = draw(matrices(n, d, grid(-5, 5)))
    centres = draw(matrices(k, d, grid(-5, 5)))
    distances = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    if k > 1:
        ordered = np.sort(distances, axis=1)
        assume(np.all(ordered[:, 1] - ordered[:, 0] > 1e-6))
    assume(np.unique(distances.argmin(axis=1)).size == k)  # no empty cluster
    return X, centres


def _kmeans_reference(X, centres):
    labels = squared_euclidean_distances(X, centres).argmin(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = KMeans(n_clusters=len(centres), init=centres, n_init=1, max_iter=1).fit(X)
    return labels, model.cluster_centers_


kmeans_step = Exercise(
    "clustering/kmeans-step",
    "One step of Lloyd's k-means",
    "kmeans_step(X, centres)",
    lesson="clustering/kmeans-and-gmm",
    returns=("labels", "new_centres"),
    summary="Assign each point to its nearest centre, then move each centre to its points' mean.",
    checks=[
        agrees(
            "agrees with glassml.cluster.KMeans (one iteration)",
            _kmeans_inputs(),
            _kmeans_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="Assignment: label_i = argmin_k |x_i - c_k|^2. Update: c_k = mean of the points "
            "labelled k. Each step can only lower sum_i |x_i - c_{label_i}|^2.",
        ),
        agrees(
            "edge case: an empty cluster keeps its centre; ties go to the lower index",
            [
                (np.array([[0.0], [1.0], [2.0]]), np.array([[0.5], [10.0], [1.5]])),
                (np.array([[0.0, 0.0], [2.0, 0.0]]), np.array([[1.0, 1.0], [1.0, -1.0]])),
            ],
            lambda X, C: (
                np.array([0, 0, 2]) if len(X) == 3 else np.array([0, 0]),
                np.array([[0.5], [10.0], [2.0]])
                if len(X) == 3
                else np.array([[1.0, 0.0], [1.0, -1.0]]),
            ),
            hint="A centre with no points has no mean: leave it where it is (no 0/0); when two "
            "centres are equally near, np.argmin picks the first.",
        ),
    ],
)


def _mixture(weights, means, covariances):
    return Mixture(
        np.asarray(weights, float),
        np.asarray(means, float),
        np.asarray(covariances, float),
        precision_cholesky(np.asarray(covariances, float), "full"),
    )


def _responsibility_reference(X, weights, means, covariances):
    _, log_resp = expectation(X, _mixture(weights, means, covariances), "full")
    return np.exp(log_resp)


@st.composite
def _mixture_inputs(draw):
    k, d = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    n = draw(st.integers(1, 6))
    X = draw(matrices(n, d, grid(-4, 4)))
    raw = np.array(draw(st.lists(st.integers(1, 5), min_size=k, max_size=k)), float)
    means = draw(matrices(k, d, grid(-3, 3)))
    covariances = []
    for _ in range(k):
        B = draw(matrices(d, d, grid(-1, 1)))
        covariances.append(B @ B.T + draw(st.sampled_from([0.5, 1.0, 2.0])) * np.eye(d))
    return X, raw / raw.sum(), means, np.array(covariances)


gmm_e_step = Exercise(
    "clustering/gmm-e-step",
    "The E-step of a Gaussian mixture",
    "gmm_responsibilities(X, weights, means, covariances)",
    lesson="clustering/kmeans-and-gmm",
    summary="r_ik = pi_k N(x_i; mu_k, Sigma_k) / sum_j pi_j N(x_i; mu_j, Sigma_j), computed in "
    "logs.",
    checks=[
        holds(
            "each row of responsibilities sums to 1",
            _mixture_inputs(),
            lambda r, X, w, m, c: (
                None
                if np.shape(r) == (len(X), len(w)) and near(np.sum(r, axis=1), np.ones(len(X)))
                else f"expected an {len(X)} x {len(w)} array with rows summing to 1"
            ),
            hint="Normalise over the components k for each sample i (rows), not over samples.",
        ),
        agrees(
            "agrees with glassml.cluster's E-step",
            _mixture_inputs(),
            _responsibility_reference,
            rtol=1e-7,
            atol=1e-12,
            hint="log r_ik = log pi_k + log N(x_i; mu_k, Sigma_k) - logsumexp_j(...), with "
            "log N = -(d log 2 pi + log det Sigma + (x - mu)^T Sigma^{-1} (x - mu)) / 2.",
            diagnoses=[
                (
                    lambda e, o, X, w, m, c: near(
                        o, _responsibility_reference(X, np.full(len(w), 1 / len(w)), m, c)
                    ),
                    "the mixing weights pi_k are missing",
                ),
            ],
        ),
        agrees(
            "edge case: a point far from every component",
            [
                (
                    np.array([[60.0]]),
                    np.array([0.5, 0.5]),
                    np.array([[0.0], [1.0]]),
                    np.array([[[1.0]], [[1.0]]]),
                ),
            ],
            _responsibility_reference,
            rtol=1e-7,
            atol=1e-12,
            hint="Both densities underflow to 0 (0/0 = nan): work with log densities and "
            "subtract the row maximum before exponentiating.",
        ),
    ],
)


def _m_step_reference(X, resp):
    mixture = maximisation(X, resp, 0.0, "full")
    return mixture.weights, mixture.means, mixture.covariances


@st.composite
def _m_step_inputs(draw):
    d = draw(st.integers(1, 2))
    n = draw(st.integers(d + 3, 8))
    X = draw(matrices(n, d, grid(-4, 4)))
    assume(np.linalg.svd(X - X.mean(axis=0), compute_uv=False)[-1] > 0.5)
    k = draw(st.integers(1, 3))
    logits = draw(matrices(n, k, grid(-2, 2)))
    resp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return X, resp / resp.sum(axis=1, keepdims=True)


gmm_m_step = Exercise(
    "clustering/gmm-m-step",
    "The M-step of a Gaussian mixture",
    "gmm_m_step(X, resp)",
    lesson="clustering/kmeans-and-gmm",
    returns=("weights", "means", "covariances"),
    summary="n_k = sum_i r_ik; pi_k = n_k / n; mu_k = sum_i r_ik x_i / n_k; Sigma_k weighted.",
    checks=[
        agrees(
            "agrees with glassml.cluster's M-step",
            _m_step_inputs(),
            _m_step_reference,
            rtol=1e-7,
            atol=1e-10,
            hint="Every sum is weighted by r_ik: Sigma_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T "
            "/ n_k (divided by n_k, not n_k - 1), and the weights sum to 1.",
        ),
    ],
)

# ----------------------------------------------------------------------------- SVM


_kernel_inputs = st.integers(1, 3).flatmap(
    lambda d: st.tuples(
        matrices(st.integers(1, 4), d, grid(-2, 2)),
        matrices(st.integers(1, 4), d, grid(-2, 2)),
        st.sampled_from([0.1, 0.5, 1.0]),
    )
)

rbf_exercise = Exercise(
    "svm/rbf-kernel",
    "The Gaussian (RBF) kernel matrix",
    "rbf_kernel(X, Y, gamma)",
    lesson="svm/support-vector-machines",
    summary="K_ij = exp(-gamma |x_i - y_j|^2), an n_X x n_Y matrix.",
    checks=[
        agrees(
            "agrees with glassml.linalg.rbf_kernel",
            _kernel_inputs,
            lambda X, Y, gamma: rbf_kernel(X, Y, gamma=gamma),
            rtol=1e-9,
            atol=1e-12,
            hint="|x - y|^2 = |x|^2 - 2 x^T y + |y|^2 (squared, not the distance itself); one row "
            "per x_i, one column per y_j; a minus sign in the exponent.",
        ),
    ],
)


def _svm_reference(w, b, X, y, C):
    def objective(w, b):
        margins = y * (ad.matmul(X, w) + b)
        return 0.5 * ad.sum(w * w) + C * ad.sum(ad.relu(1.0 - margins))

    value, (grad_w, grad_b) = ad.value_and_grad(objective, argnums=(0, 1))(
        np.asarray(w, float), np.asarray(float(b))
    )
    return _number(value), grad_w, float(grad_b)


@st.composite
def _svm_inputs(draw):
    w, X, y01 = draw(classification_problems())
    y = 2 * y01 - 1
    b = draw(grid(-1, 1))
    margins = y * (X @ w + b)
    assume(np.all(np.abs(margins - 1) > 1e-9))  # the subgradient is ambiguous at the hinge
    return w, b, X, y, draw(st.sampled_from([0.1, 1.0, 10.0]))


hinge_objective = Exercise(
    "svm/hinge-subgradient",
    "The soft-margin objective and its subgradient",
    "svm_objective_grad(w, b, X, y, C)",
    lesson="svm/support-vector-machines",
    returns=("value", "grad_w", "grad_b"),
    summary="1/2 |w|^2 + C sum_i max(0, 1 - y_i (x_i^T w + b)), y in {-1, +1}; value and "
    "subgradient.",
    checks=[
        agrees(
            "agrees with glassml.autodiff on the primal objective",
            _svm_inputs(),
            _svm_reference,
            rtol=1e-9,
            atol=1e-10,
            hint="Only points inside the margin (y_i f(x_i) < 1) contribute -C y_i x_i (and "
            "-C y_i to b); the regulariser adds w.",
        ),
    ],
)


def _decision_reference(X, support_vectors, dual_coef, intercept, gamma):
    return rbf_kernel(X, support_vectors, gamma=gamma) @ dual_coef + intercept


@functools.lru_cache(maxsize=1)
def _fitted_svc_case():
    from sklearn.datasets import load_iris

    from glassml.svm import SVC

    X, y = load_iris(return_X_y=True)
    keep = y > 0  # versicolor vs virginica: not separable, many support vectors
    X, y = X[keep][:, :2], y[keep]
    model = SVC(C=1.0, gamma=0.7).fit(X, y)
    return model, X


def _svc_case_inputs():
    model, X = _fitted_svc_case()
    return [
        (X[:20], model.support_vectors_, model.dual_coef_.ravel(), float(model.intercept_[0]), 0.7)
    ]


def _svc_case_reference(X, support_vectors, dual_coef, intercept, gamma):
    model, _ = _fitted_svc_case()
    return model.decision_function(X)


svc_decision = Exercise(
    "svm/decision-function",
    "The kernel SVM's decision function",
    "svc_decision_function(X, support_vectors, dual_coef, intercept, gamma)",
    lesson="svm/support-vector-machines",
    summary="f(x) = sum_i alpha_i y_i K(x, s_i) + b over the support vectors (dual_coef = "
    "alpha_i y_i).",
    checks=[
        agrees(
            "agrees with the kernel expansion",
            st.integers(1, 2)
            .flatmap(
                lambda d: st.tuples(
                    matrices(st.integers(1, 4), d, grid(-2, 2)),
                    matrices(st.integers(1, 4), d, grid(-2, 2)),
                )
            )
            .flatmap(
                lambda t: st.tuples(
                    st.just(t[0]),
                    st.just(t[1]),
                    vectors(t[1].shape[0], grid(-1, 1)),
                    grid(-1, 1),
                    st.sampled_from([0.5, 1.0]),
                )
            ),
            _decision_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="One value per row of X: the kernel between x and every support vector, "
            "weighted by dual_coef and summed, plus the intercept.",
        ),
        agrees(
            "agrees with glassml.svm.SVC.decision_function on iris",
            _LazyCases(_svc_case_inputs),
            _svc_case_reference,
            rtol=1e-6,
            atol=1e-8,
            hint="A fitted SVC keeps support_vectors_, dual_coef_ (alpha_i y_i) and intercept_: "
            "nothing else is needed to classify a new point.",
        ),
    ],
)


# ----------------------------------------------------------------------------- neural networks


def _mlp_reference(X, y, W1, b1, W2, b2):
    def loss(W1, b1, W2, b2):
        hidden = ad.relu(ad.matmul(X, W1) + b1)
        return ad.softmax_cross_entropy(ad.matmul(hidden, W2) + b2, y)

    return ad.grad(loss, argnums=(0, 1, 2, 3))(W1, b1, W2, b2)


@st.composite
def _mlp_inputs(draw):
    n, d, h, k = (draw(st.integers(1, 4)) for _ in range(4))
    k = max(k, 2)
    X = draw(matrices(n, d, grid(-2, 2)))
    W1 = draw(matrices(d, h, grid(-1, 1)))
    b1 = draw(vectors(h, grid(-1, 1)))
    assume(np.all(np.abs(X @ W1 + b1) > 1e-9))  # relu is not differentiable at 0
    return (
        X,
        draw(labels(n, k)),
        W1,
        b1,
        draw(matrices(h, k, grid(-1, 1))),
        draw(vectors(k, grid(-1, 1))),
    )


mlp_gradients = Exercise(
    "neural-networks/backpropagation",
    "Backpropagation through a two-layer network",
    "mlp_gradients(X, y, W1, b1, W2, b2)",
    lesson="neural-networks/backpropagation",
    returns=("dW1", "db1", "dW2", "db2"),
    summary="Gradients of the mean softmax cross-entropy of relu(X W1 + b1) W2 + b2.",
    checks=[
        agrees(
            "agrees with glassml.autodiff.grad",
            _mlp_inputs(),
            _mlp_reference,
            rtol=1e-8,
            atol=1e-10,
            hint="Backward from the loss: dZ2 = (softmax(Z2) - onehot(y)) / n; dW2 = H^T dZ2, "
            "db2 = column sums; dH = dZ2 W2^T; dZ1 = dH * (Z1 > 0); dW1 = X^T dZ1, db1 = sums.",
            diagnoses=[
                (
                    lambda e, o, X, *args: (
                        len(X) > 1
                        and all(near(np.asarray(a) / len(X), b) for a, b in zip(o, e, strict=True))
                    ),
                    "a sum over samples, not the mean: divide by n",
                ),
            ],
        ),
    ],
)


def _batchnorm_reference(x, gamma, beta, eps):
    x = np.asarray(x, float)
    mean = ad.mean(x, axis=0).data
    variance = ad.var(x, axis=0).data
    return (x - mean) / np.sqrt(variance + eps) * gamma + beta


@st.composite
def _batchnorm_inputs(draw):
    n, d = draw(st.integers(2, 6)), draw(st.integers(1, 3))
    return (
        draw(matrices(n, d, grid(-3, 3))),
        draw(vectors(d, grid(-2, 2))),
        draw(vectors(d, grid(-2, 2))),
        draw(st.sampled_from([1e-5, 0.1, 1.0])),
    )


batchnorm_forward = Exercise(
    "neural-networks/batchnorm-forward",
    "Batch normalisation (training mode)",
    "batchnorm_forward(x, gamma, beta, eps)",
    lesson="neural-networks/backpropagation",
    summary="Normalise each feature over the batch, (x - mean) / sqrt(var + eps), then scale and "
    "shift.",
    checks=[
        agrees(
            "agrees with batch normalisation over the batch axis",
            _batchnorm_inputs(),
            _batchnorm_reference,
            rtol=1e-8,
            atol=1e-10,
            hint="Statistics per feature (axis 0, over the samples), with the biased variance "
            "(divided by n) as Ioffe & Szegedy (2015) and glassml.nn.BatchNorm1d use; eps goes "
            "inside the square root.",
            diagnoses=[
                (
                    lambda e, o, x, g, b, eps: near(
                        o, (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) * g + b
                    ),
                    "the sample variance (n - 1); batch normalisation uses the batch's own (n)",
                ),
            ],
        ),
    ],
)


def _conv_reference(x, w):
    return ad.conv2d(np.asarray(x, float), np.asarray(w, float)).data


@st.composite
def _conv_inputs(draw):
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(kh, 5)), draw(st.integers(kw, 5))
    x = draw(hnp_arrays((n, c, h, w)))
    weights = draw(hnp_arrays((f, c, kh, kw)))
    return x, weights


def hnp_arrays(shape):
    from glassml.learn._strategies import hnp

    return hnp.arrays(np.float64, shape, elements=grid(-2, 2))


conv2d_forward = Exercise(
    "neural-networks/conv2d-forward",
    "A 2-D convolution layer's forward pass",
    "conv2d_forward(x, w)",
    lesson="neural-networks/convolution",
    summary="out[n, f, i, j] = sum_{c, a, b} x[n, c, i + a, j + b] w[f, c, a, b] (valid, stride "
    "1).",
    checks=[
        holds(
            "the output has shape (N, F, H - kh + 1, W - kw + 1)",
            _conv_inputs(),
            lambda out, x, w: (
                None
                if np.shape(out)
                == (
                    x.shape[0],
                    w.shape[0],
                    x.shape[2] - w.shape[2] + 1,
                    x.shape[3] - w.shape[3] + 1,
                )
                else f"got shape {np.shape(out)}"
            ),
            hint="A kh x kw window fits in H - kh + 1 positions down and W - kw + 1 across.",
        ),
        agrees(
            "agrees with glassml.autodiff.conv2d",
            _conv_inputs(),
            _conv_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="Deep-learning 'convolution' is cross-correlation: the kernel is not flipped, "
            "and each output sums over all input channels as well as the window.",
            diagnoses=[
                (
                    lambda e, o, x, w: near(o, _conv_reference(x, w[:, :, ::-1, ::-1])),
                    "the kernel was flipped (a true convolution)",
                ),
            ],
        ),
    ],
)


def _pool_reference(x, k):
    return ad.max_pool2d(np.asarray(x, float), k).data


@st.composite
def _pool_inputs(draw):
    k = draw(st.integers(1, 3))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = k * draw(st.integers(1, 3)), k * draw(st.integers(1, 3))
    return draw(hnp_arrays((n, c, h, w))), k


max_pool = Exercise(
    "neural-networks/max-pool",
    "Max pooling",
    "max_pool2d(x, k)",
    lesson="neural-networks/convolution",
    summary="The maximum of each non-overlapping k x k window (stride k), per sample and channel.",
    checks=[
        agrees(
            "agrees with glassml.autodiff.max_pool2d",
            _pool_inputs(),
            _pool_reference,
            rtol=1e-12,
            atol=0,
            hint="Output (N, C, H / k, W / k); window (i, j) covers rows k i .. k i + k - 1 and "
            "columns k j .. k j + k - 1; the maximum, not the mean.",
        ),
    ],
)


register(
    ridge_fit,
    logistic_loss_grad,
    soft_threshold,
    lasso_coordinate,
    kmeans_step,
    gmm_e_step,
    gmm_m_step,
    rbf_exercise,
    hinge_objective,
    svc_decision,
    mlp_gradients,
    batchnorm_forward,
    conv2d_forward,
    max_pool,
)
