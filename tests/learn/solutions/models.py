"""Models: reference solutions and typical mistakes."""

import numpy as np

from . import mutant, solution

# ----------------------------------------------------------------- regression


@solution("regression/ridge")
def ridge_fit(X, y, alpha):
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    w = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ yc)
    return w, y_mean - x_mean @ w


@mutant("regression/ridge", fails="Ridge", cause="intercept was penalised")
def ridge_penalised_intercept(X, y, alpha):
    A = np.column_stack([X, np.ones(len(y))])
    w = np.linalg.solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ y)
    return w[:-1], w[-1]


@mutant("regression/ridge", fails="Ridge")
def ridge_uncentred_no_intercept(X, y, alpha):
    w = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ y)
    return w, 0.0


@mutant("regression/ridge", fails="Ridge")
def ridge_alpha_times_n(X, y, alpha):
    return ridge_fit(X, y, alpha * len(y))


@solution("regression/logistic-loss")
def logistic_loss_grad(w, X, y):
    z = X @ w
    loss = np.mean(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - y * z)
    p = np.where(
        z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z)))
    )
    return loss, X.T @ (p - y) / len(y)


@mutant("regression/logistic-loss", fails="binary_cross_entropy", cause="wrong sign")
def logistic_loss_grad_sign(w, X, y):
    loss, grad = logistic_loss_grad(w, X, y)
    return loss, -grad


@mutant("regression/logistic-loss", fails="binary_cross_entropy", cause="divide by n")
def logistic_loss_grad_sum(w, X, y):
    z = X @ w
    loss = np.mean(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - y * z)
    p = 1 / (1 + np.exp(-z))
    return loss, X.T @ (p - y)


@mutant("regression/logistic-loss", fails="margins of 500")
def logistic_loss_grad_naive(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return loss, X.T @ (p - y) / len(y)


@solution("regression/soft-threshold")
def soft_threshold(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


@mutant("regression/soft-threshold", fails="soft_threshold", cause="hard thresholding")
def hard_threshold(v, t):
    return np.where(np.abs(v) > t, v, 0.0)


@mutant("regression/soft-threshold", fails="soft_threshold")
def soft_threshold_lost_sign(v, t):
    return np.maximum(np.abs(v) - t, 0.0)


@mutant("regression/soft-threshold", fails="soft_threshold")
def soft_threshold_no_clip(v, t):
    return v - t * np.sign(v)


@solution("regression/lasso-coordinate")
def lasso_coordinate_update(X, y, w, j, alpha):
    n = len(y)
    w = np.array(w, dtype=float)
    r = y - X @ w + X[:, j] * w[j]
    rho = X[:, j] @ r / n
    w[j] = np.sign(rho) * max(abs(rho) - alpha, 0.0) / (X[:, j] @ X[:, j] / n)
    return w


@mutant("regression/lasso-coordinate", fails="minimises the objective")
def lasso_keeps_own_contribution(X, y, w, j, alpha):
    n = len(y)
    w = np.array(w, dtype=float)
    r = y - X @ w  # forgot to add x_j w_j back
    rho = X[:, j] @ r / n
    w[j] = np.sign(rho) * max(abs(rho) - alpha, 0.0) / (X[:, j] @ X[:, j] / n)
    return w


@mutant("regression/lasso-coordinate", fails="minimises the objective")
def lasso_no_threshold(X, y, w, j, alpha):
    n = len(y)
    w = np.array(w, dtype=float)
    r = y - X @ w + X[:, j] * w[j]
    w[j] = (X[:, j] @ r / n) / (X[:, j] @ X[:, j] / n)
    return w


@mutant("regression/lasso-coordinate", fails="minimises the objective")
def lasso_unnormalised(X, y, w, j, alpha):
    n = len(y)
    w = np.array(w, dtype=float)
    r = y - X @ w + X[:, j] * w[j]
    rho = X[:, j] @ r / n
    w[j] = np.sign(rho) * max(abs(rho) - alpha, 0.0)  # forgot / (x_j^T x_j / n)
    return w


# ----------------------------------------------------------------- clustering


@solution("clustering/kmeans-step")
def kmeans_step(X, centres):
    distances = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    labels = distances.argmin(axis=1)
    new = centres.astype(float).copy()
    for k in range(len(centres)):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return labels, new


@mutant("clustering/kmeans-step", fails="one iteration")
def kmeans_step_argmax(X, centres):
    distances = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    labels = distances.argmax(axis=1)
    new = centres.astype(float).copy()
    for k in range(len(centres)):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return labels, new


@mutant("clustering/kmeans-step", fails="empty cluster")
def kmeans_step_nan_for_empty(X, centres):
    distances = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    labels = distances.argmin(axis=1)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = np.array([X[labels == k].mean(axis=0) for k in range(len(centres))])
    return labels, new


@mutant("clustering/kmeans-step", fails="one iteration")
def kmeans_step_median(X, centres):
    distances = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    labels = distances.argmin(axis=1)
    new = centres.astype(float).copy()
    for k in range(len(centres)):
        if np.any(labels == k):
            new[k] = np.median(X[labels == k], axis=0)
    return labels, new


def _log_gaussian(X, mean, cov):
    d = X.shape[1]
    L = np.linalg.cholesky(cov)
    z = np.linalg.solve(L, (X - mean).T)
    return -0.5 * (d * np.log(2 * np.pi) + 2 * np.log(np.diag(L)).sum() + (z**2).sum(axis=0))


@solution("clustering/gmm-e-step")
def gmm_responsibilities(X, weights, means, covariances):
    log_r = np.column_stack(
        [
            np.log(weights[k]) + _log_gaussian(X, means[k], covariances[k])
            for k in range(len(weights))
        ]
    )
    log_r -= log_r.max(axis=1, keepdims=True)
    r = np.exp(log_r)
    return r / r.sum(axis=1, keepdims=True)


@mutant("clustering/gmm-e-step", fails="E-step", cause="mixing weights")
def gmm_responsibilities_no_weights(X, weights, means, covariances):
    return gmm_responsibilities(X, np.full(len(weights), 1 / len(weights)), means, covariances)


@mutant("clustering/gmm-e-step", fails="each row of responsibilities")
def gmm_responsibilities_wrong_axis(X, weights, means, covariances):
    log_r = np.column_stack(
        [
            np.log(weights[k]) + _log_gaussian(X, means[k], covariances[k])
            for k in range(len(weights))
        ]
    )
    r = np.exp(log_r - log_r.max())
    return r / r.sum(axis=0, keepdims=True)


@mutant("clustering/gmm-e-step", fails="far from every component")
def gmm_responsibilities_densities(X, weights, means, covariances):
    import warnings

    dens = np.column_stack(
        [
            weights[k] * np.exp(_log_gaussian(X, means[k], covariances[k]))
            for k in range(len(weights))
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dens / dens.sum(axis=1, keepdims=True)


@solution("clustering/gmm-m-step")
def gmm_m_step(X, resp):
    counts = resp.sum(axis=0)
    means = resp.T @ X / counts[:, None]
    covariances = np.array(
        [
            (resp[:, k, None] * (X - means[k])).T @ (X - means[k]) / counts[k]
            for k in range(len(counts))
        ]
    )
    return counts / len(X), means, covariances


@mutant("clustering/gmm-m-step", fails="M-step")
def gmm_m_step_unweighted_cov(X, resp):
    counts = resp.sum(axis=0)
    means = resp.T @ X / counts[:, None]
    covariances = np.array(
        [np.cov((X - means[k]).T, bias=True).reshape(X.shape[1], -1) for k in range(len(counts))]
    )
    return counts / len(X), means, covariances


@mutant("clustering/gmm-m-step", fails="M-step")
def gmm_m_step_counts_as_weights(X, resp):
    _weights, means, covariances = gmm_m_step(X, resp)
    return resp.sum(axis=0), means, covariances


@mutant("clustering/gmm-m-step", fails="M-step")
def gmm_m_step_means_over_n(X, resp):
    weights, _, covariances = gmm_m_step(X, resp)
    return weights, resp.T @ X / len(X), covariances


# ----------------------------------------------------------------- svm


@solution("svm/rbf-kernel")
def rbf_kernel(X, Y, gamma):
    d2 = (X**2).sum(1)[:, None] - 2 * X @ Y.T + (Y**2).sum(1)[None, :]
    return np.exp(-gamma * np.maximum(d2, 0))


@mutant("svm/rbf-kernel", fails="rbf_kernel")
def rbf_kernel_unsquared(X, Y, gamma):
    d2 = (X**2).sum(1)[:, None] - 2 * X @ Y.T + (Y**2).sum(1)[None, :]
    return np.exp(-gamma * np.sqrt(np.maximum(d2, 0)))


@mutant("svm/rbf-kernel", fails="rbf_kernel")
def rbf_kernel_transposed(X, Y, gamma):
    return rbf_kernel(Y, X, gamma)


@mutant("svm/rbf-kernel", fails="rbf_kernel")
def rbf_kernel_plus(X, Y, gamma):
    d2 = (X**2).sum(1)[:, None] - 2 * X @ Y.T + (Y**2).sum(1)[None, :]
    return np.exp(gamma * np.maximum(d2, 0))


@solution("svm/hinge-subgradient")
def svm_objective_grad(w, b, X, y, C):
    margins = y * (X @ w + b)
    inside = margins < 1
    value = 0.5 * w @ w + C * np.sum(np.maximum(0.0, 1 - margins))
    grad_w = w - C * (y[inside] @ X[inside])
    grad_b = -C * np.sum(y[inside])
    return value, grad_w, grad_b


@mutant("svm/hinge-subgradient", fails="primal objective")
def svm_all_points(w, b, X, y, C):
    margins = y * (X @ w + b)
    value = 0.5 * w @ w + C * np.sum(np.maximum(0.0, 1 - margins))
    return value, w - C * (y @ X), -C * np.sum(y)


@mutant("svm/hinge-subgradient", fails="primal objective")
def svm_no_regulariser_gradient(w, b, X, y, C):
    value, grad_w, grad_b = svm_objective_grad(w, b, X, y, C)
    return value, grad_w - w, grad_b


@mutant("svm/hinge-subgradient", fails="primal objective")
def svm_zero_one_labels(w, b, X, y, C):
    return svm_objective_grad(w, b, X, (y + 1) / 2, C)


@solution("svm/decision-function")
def svc_decision_function(X, support_vectors, dual_coef, intercept, gamma):
    return rbf_kernel(X, support_vectors, gamma) @ dual_coef + intercept


@mutant("svm/decision-function", fails="kernel expansion")
def svc_decision_no_intercept(X, support_vectors, dual_coef, intercept, gamma):
    return rbf_kernel(X, support_vectors, gamma) @ dual_coef


@mutant("svm/decision-function", fails="kernel expansion")
def svc_decision_unweighted(X, support_vectors, dual_coef, intercept, gamma):
    return rbf_kernel(X, support_vectors, gamma).sum(axis=1) + intercept


@mutant("svm/decision-function", fails="kernel expansion")
def svc_decision_linear(X, support_vectors, dual_coef, intercept, gamma):
    return X @ support_vectors.T @ dual_coef + intercept


# ----------------------------------------------------------------- neural networks


@solution("neural-networks/backpropagation")
def mlp_gradients(X, y, W1, b1, W2, b2):
    n = len(y)
    Z1 = X @ W1 + b1
    H = np.maximum(Z1, 0)
    Z2 = H @ W2 + b2
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(n), y] -= 1
    dZ2 = P / n
    dH = dZ2 @ W2.T
    dZ1 = dH * (Z1 > 0)
    return X.T @ dZ1, dZ1.sum(axis=0), H.T @ dZ2, dZ2.sum(axis=0)


@mutant("neural-networks/backpropagation", fails="autodiff.grad", cause="divide by n")
def mlp_gradients_sum(X, y, W1, b1, W2, b2):
    return tuple(g * len(y) for g in mlp_gradients(X, y, W1, b1, W2, b2))


@mutant("neural-networks/backpropagation", fails="autodiff.grad")
def mlp_gradients_no_relu_mask(X, y, W1, b1, W2, b2):
    n = len(y)
    H = np.maximum(X @ W1 + b1, 0)
    Z2 = H @ W2 + b2
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(n), y] -= 1
    dZ2 = P / n
    dZ1 = dZ2 @ W2.T  # the relu's derivative is missing
    return X.T @ dZ1, dZ1.sum(axis=0), H.T @ dZ2, dZ2.sum(axis=0)


@mutant("neural-networks/backpropagation", fails="autodiff.grad")
def mlp_gradients_sign(X, y, W1, b1, W2, b2):
    return tuple(-g for g in mlp_gradients(X, y, W1, b1, W2, b2))


@solution("neural-networks/batchnorm-forward")
def batchnorm_forward(x, gamma, beta, eps):
    mean = x.mean(axis=0)
    var = ((x - mean) ** 2).mean(axis=0)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


@mutant("neural-networks/batchnorm-forward", fails="batch axis", cause="sample variance")
def batchnorm_sample_variance(x, gamma, beta, eps):
    return gamma * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + beta


@mutant("neural-networks/batchnorm-forward", fails="batch axis")
def batchnorm_feature_axis(x, gamma, beta, eps):
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


@mutant("neural-networks/batchnorm-forward", fails="batch axis")
def batchnorm_eps_outside(x, gamma, beta, eps):
    return gamma * (x - x.mean(0)) / (np.sqrt(x.var(0)) + eps) + beta


@solution("neural-networks/conv2d-forward")
def conv2d_forward(x, w):
    N, _C, H, W = x.shape
    F, _, kh, kw = w.shape
    out = np.zeros((N, F, H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            patch = x[:, :, i : i + kh, j : j + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out


@mutant("neural-networks/conv2d-forward", fails="conv2d", cause="flipped")
def conv2d_flipped(x, w):
    return conv2d_forward(x, w[:, :, ::-1, ::-1])


@mutant("neural-networks/conv2d-forward", fails="output has shape")
def conv2d_off_by_one(x, w):
    N, _C, H, W = x.shape
    F, _, kh, kw = w.shape
    out = np.zeros((N, F, H - kh, W - kw))
    for i in range(H - kh):
        for j in range(W - kw):
            patch = x[:, :, i : i + kh, j : j + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out


@mutant("neural-networks/conv2d-forward", fails="conv2d")
def conv2d_first_channel_only(x, w):
    return conv2d_forward(x[:, :1], w[:, :1])


@solution("neural-networks/max-pool")
def max_pool2d(x, k):
    N, C, H, W = x.shape
    return x.reshape(N, C, H // k, k, W // k, k).max(axis=(3, 5))


@mutant("neural-networks/max-pool", fails="max_pool2d")
def avg_pool2d(x, k):
    N, C, H, W = x.shape
    return x.reshape(N, C, H // k, k, W // k, k).mean(axis=(3, 5))


@mutant("neural-networks/max-pool", fails="max_pool2d")
def max_pool2d_stride_one(x, k):
    N, C, H, W = x.shape
    out = np.empty((N, C, H - k + 1, W - k + 1))
    for i in range(H - k + 1):
        for j in range(W - k + 1):
            out[:, :, i, j] = x[:, :, i : i + k, j : j + k].max(axis=(2, 3))
    return out


@mutant("neural-networks/max-pool", fails="max_pool2d")
def max_pool2d_wrong_reshape(x, k):
    N, C, H, W = x.shape
    return x.reshape(N, C, k, H // k, k, W // k).max(axis=(2, 4))
