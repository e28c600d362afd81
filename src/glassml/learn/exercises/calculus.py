"""Calculus: finite differences, derivatives of the functions ML is made of, reverse mode,
Jacobians and Hessians, and gradient checking. The references are glassml.autodiff's."""

from __future__ import annotations

import numpy as np

from glassml import autodiff as ad
from glassml.learn._authoring import (
    Exercise,
    agrees,
    assume,
    described,
    grid,
    holds,
    matrices,
    near,
    register,
    st,
    vectors,
)

# ----------------------------------------------------------------------------- strategies


@st.composite
def cubics(draw):
    """f(x) = a x^3 + b x^2 + c x + d with its exact derivative."""
    a, b, c, d = (draw(grid(-3, 3)) for _ in range(4))
    f = described(lambda x: a * x**3 + b * x**2 + c * x + d, f"x ↦ {a}x³ + {b}x² + {c}x + {d}")
    return f, (lambda x: 3 * a * x**2 + 2 * b * x + c), a


def _central_inputs():
    return st.tuples(cubics(), grid(-3, 3), st.sampled_from([1e-1, 1e-2, 1e-3])).map(
        lambda t: (t[0][0], t[1], t[2])
    )


@st.composite
def quadratics(draw):
    b, c, d = (draw(grid(-3, 3)) for _ in range(3))
    f = described(lambda x: b * x**2 + c * x + d, f"x ↦ {b}x² + {c}x + {d}")
    return f, draw(grid(-3, 3)), draw(st.sampled_from([0.5, 0.1])), 2 * b


@st.composite
def smooth_fields(draw, max_n: int = 4):
    """f(x) = 1/2 x^T A x + b^T x + sum(c * x^3) on R^n, with its exact gradient."""
    n = draw(st.integers(1, max_n))
    A = draw(matrices(n, n, grid(-2, 2)))
    A = (A + A.T) / 2
    b = draw(vectors(n, grid(-2, 2)))
    c = draw(vectors(n, grid(-1, 1)))

    def f(x):
        x = np.asarray(x, dtype=float)
        return float(0.5 * x @ A @ x + b @ x + np.sum(c * x**3))

    def gradient(x):
        return A @ x + b + 3 * c * x**2

    return described(f, "x ↦ ½xᵀAx + bᵀx + Σ cᵢxᵢ³"), gradient, draw(vectors(n, grid(-2, 2)))


def _finite(out) -> str | None:
    return None if np.all(np.isfinite(np.asarray(out, float))) else "the result has inf or nan"


# ----------------------------------------------------------------------------- exercises


def _central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


central_difference = Exercise(
    "calculus/central-difference",
    "The central difference",
    "central_difference(f, x, h)",
    lesson="calculus/derivatives",
    summary="(f(x + h) - f(x - h)) / 2h, the derivative with O(h^2) error.",
    checks=[
        agrees(
            "agrees with the central-difference formula",
            _central_inputs(),
            _central,
            rtol=1e-9,
            atol=1e-9,
            hint="Evaluate f on both sides of x, at x + h and x - h, and divide the difference "
            "by the distance between the two points.",
            diagnoses=[
                (
                    lambda e, o, f, x, h: near(o, (f(x + h) - f(x)) / h),
                    "a forward difference (f(x + h) - f(x)) / h: its error is O(h), not O(h^2)",
                ),
                (lambda e, o, f, x, h: near(o, 2 * e), "divided by h instead of 2h"),
                (
                    lambda e, o, f, x, h: near(o, -e),
                    "the two evaluations are subtracted the wrong way round",
                ),
            ],
        ),
        holds(
            "exact for a quadratic (the h^2 error term vanishes)",
            quadratics().map(lambda t: t[:3]),
            lambda out, f, x, h: (
                None
                if near(out, (f(x + 1e-4) - f(x - 1e-4)) / 2e-4, rtol=1e-6, atol=1e-6)
                else "not the exact derivative of a quadratic"
            ),
            hint="For f(x) = b x^2 + c x + d the central difference is exactly 2 b x + c for "
            "any h: the x^2 terms cancel.",
        ),
    ],
)


def _numerical_reference(f, x, h):
    return ad.numerical_grad(f, np.asarray(x, float), step=1e-7)


numerical_gradient = Exercise(
    "calculus/numerical-gradient",
    "The numerical gradient",
    "numerical_gradient(f, x, h)",
    lesson="calculus/gradients",
    summary="Central differences along each coordinate axis, one at a time.",
    checks=[
        agrees(
            "agrees with glassml.autodiff.numerical_grad",
            smooth_fields().map(lambda t: (t[0], t[2], 1e-3)),
            _numerical_reference,
            rtol=1e-4,
            atol=5e-5,
            hint="Partial derivative i moves only x_i: g_i = (f(x + h e_i) - f(x - h e_i)) / 2h "
            "with e_i the i-th unit vector; restore x before moving the next coordinate.",
            diagnoses=[
                (
                    lambda e, o, f, x, h: np.ptp(np.asarray(o)) == 0 and np.ptp(e) > 1e-6,
                    "every entry is the same: all coordinates were moved at once",
                ),
            ],
        ),
        holds(
            "returns an array of x's shape",
            smooth_fields().map(lambda t: (t[0], t[2], 1e-3)),
            lambda out, f, x, h: (
                None
                if np.shape(out) == np.shape(x)
                else f"expected shape {np.shape(x)}, got {np.shape(out)}"
            ),
            hint="One partial derivative per coordinate of x.",
        ),
    ],
)


def _sigmoid_grad_reference(z):
    return ad.grad(lambda t: ad.sum(ad.sigmoid(t)))(np.asarray(z, float))


sigmoid_grad = Exercise(
    "calculus/sigmoid-grad",
    "The derivative of the logistic sigmoid",
    "sigmoid_grad(z)",
    lesson="calculus/derivatives",
    summary="sigma'(z) = sigma(z)(1 - sigma(z)) elementwise, without overflow.",
    checks=[
        agrees(
            "agrees with glassml.autodiff",
            vectors(st.integers(1, 6), grid(-8, 8)).map(lambda z: (z,)),
            _sigmoid_grad_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="With s = 1 / (1 + e^{-z}): s' = e^{-z} / (1 + e^{-z})^2 = s (1 - s).",
        ),
        agrees(
            "edge case: large |z| gives 0, not nan",
            [(np.array([-800.0, -40.0, 0.0, 40.0, 800.0]),)],
            _sigmoid_grad_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="e^{800} overflows to inf and inf/inf is nan: compute s first (stably), then "
            "s (1 - s).",
        ),
    ],
)


def _softmax_reference(z):
    return ad.softmax(np.asarray(z, float), axis=-1).data


_logit_rows = matrices(st.integers(1, 4), st.integers(1, 5), grid(-6, 6)).map(lambda z: (z,))

softmax = Exercise(
    "calculus/softmax",
    "A numerically stable softmax",
    "softmax(z)",
    lesson="calculus/chain-rule",
    summary="exp(z_i) / sum_j exp(z_j) along the last axis, for logits of any size.",
    checks=[
        holds(
            "each row is a probability vector",
            _logit_rows,
            lambda out, z: (
                None
                if np.shape(out) == z.shape
                and np.all(np.asarray(out) >= 0)
                and near(np.sum(out, axis=-1), np.ones(z.shape[0]))
                else "rows are not non-negative with sum 1"
            ),
            hint="Normalise along the last axis (each row of logits), not down the columns.",
        ),
        agrees(
            "agrees with glassml.autodiff.softmax",
            _logit_rows,
            _softmax_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="softmax(z)_i = e^{z_i} / sum_j e^{z_j}: exponentiate before normalising.",
        ),
        agrees(
            "edge case: logits of 1000 do not overflow",
            [(np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]]),)],
            _softmax_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="softmax(z) = softmax(z - c) for any c: subtract each row's maximum before "
            "exponentiating.",
        ),
    ],
)


def _logsumexp_reference(z):
    return ad.logsumexp(np.asarray(z, float), axis=-1).data


logsumexp = Exercise(
    "calculus/logsumexp",
    "log-sum-exp",
    "logsumexp(z)",
    lesson="calculus/chain-rule",
    summary="log sum_j exp(z_j) along the last axis, stable for large |z|.",
    checks=[
        agrees(
            "agrees with glassml.autodiff.logsumexp",
            _logit_rows,
            _logsumexp_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="log sum_j e^{z_j} = m + log sum_j e^{z_j - m} with m = max_j z_j; one value "
            "per row.",
            diagnoses=[
                (
                    lambda e, o, z: near(np.asarray(o) + z.max(axis=-1), e),
                    "the maximum was subtracted but not added back",
                ),
            ],
        ),
        agrees(
            "edge case: logits of +-1000",
            [(np.array([[1000.0, 1000.0], [-1000.0, -1001.0]]),)],
            _logsumexp_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="e^{1000} overflows and e^{-1000} underflows to 0 (log 0 = -inf): shift by "
            "the row maximum first.",
        ),
    ],
)


def _softmax_jacobian_reference(z):
    return ad.jacobian(lambda t: ad.softmax(t))(np.asarray(z, float))


softmax_jacobian = Exercise(
    "calculus/softmax-jacobian",
    "The Jacobian of softmax",
    "softmax_jacobian(z)",
    lesson="calculus/jacobians-and-hessians",
    summary="J_ij = d s_i / d z_j = s_i (delta_ij - s_j) for one vector of logits.",
    checks=[
        holds(
            "each row sums to zero (the outputs always sum to 1)",
            vectors(st.integers(1, 5), grid(-4, 4)).map(lambda z: (z,)),
            lambda J, z: (
                None
                if np.shape(J) == (z.size, z.size) and near(np.sum(J, axis=1), np.zeros(z.size))
                else "rows of J do not sum to 0 (or J is not n x n)"
            ),
            hint="sum_i s_i = 1 for every z, so moving any z_j leaves the sum unchanged: the "
            "off-diagonal terms -s_i s_j matter as much as the diagonal.",
        ),
        agrees(
            "agrees with glassml.autodiff.jacobian(softmax)",
            vectors(st.integers(1, 5), grid(-4, 4)).map(lambda z: (z,)),
            _softmax_jacobian_reference,
            rtol=1e-8,
            atol=1e-12,
            hint="d s_i / d z_j = s_i (delta_ij - s_j): diag(s) - s s^T.",
            diagnoses=[(lambda e, o, z: near(-np.asarray(o), e), "the sign is flipped")],
        ),
    ],
)


def _vjp_reference(x, W, b, g):
    def f(x, W, b):
        return ad.sum(g * ad.tanh(ad.matmul(x, W) + b))

    return ad.grad(f, argnums=(0, 1, 2))(x, W, b)


@st.composite
def _layer_inputs(draw):
    n, d, k = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (
        draw(matrices(n, d, grid(-2, 2))),
        draw(matrices(d, k, grid(-1, 1))),
        draw(vectors(k, grid(-1, 1))),
        draw(matrices(n, k, grid(-2, 2))),
    )


dense_tanh_vjp = Exercise(
    "calculus/reverse-mode",
    "Reverse mode through a tanh layer",
    "dense_tanh_vjp(x, W, b, g)",
    lesson="calculus/chain-rule",
    returns=("dx", "dW", "db"),
    summary="Given g = dL/dy for y = tanh(x W + b), return dL/dx, dL/dW, dL/db.",
    checks=[
        agrees(
            "agrees with glassml.autodiff.grad",
            _layer_inputs(),
            _vjp_reference,
            rtol=1e-8,
            atol=1e-10,
            hint="Chain rule backwards: first through tanh, d = g * (1 - y^2) with y = "
            "tanh(x W + b); then dx = d W^T, dW = x^T d, db = sum of d over the samples.",
            diagnoses=[
                (
                    lambda e, o, x, W, b, g: near(o[2], g.sum(axis=0)),
                    "the derivative of tanh, 1 - y^2, is missing",
                ),
            ],
        ),
    ],
)


def _logistic_loss(w, X):
    # The Hessian of the mean logistic loss does not depend on the labels.
    y = np.zeros(X.shape[0])
    return ad.binary_cross_entropy_with_logits(ad.matmul(X, w), y)


def _hessian_reference(X, w):
    w = np.asarray(w, float)
    columns = [ad.hvp(lambda t: _logistic_loss(t, X), w, e) for e in np.eye(w.size)]
    return np.column_stack(columns)


@st.composite
def _design_and_weights(draw):
    n, p = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    return draw(matrices(n, p, grid(-2, 2))), draw(vectors(p, grid(-1, 1)))


logistic_hessian = Exercise(
    "calculus/logistic-hessian",
    "The Hessian of the logistic loss",
    "logistic_hessian(X, w)",
    lesson="calculus/jacobians-and-hessians",
    summary="H = X^T diag(p (1 - p)) X / n for the mean logistic loss, p = sigma(X w).",
    checks=[
        holds(
            "H is a symmetric p x p matrix",
            _design_and_weights(),
            lambda H, X, w: (
                None
                if np.shape(H) == (w.size, w.size) and near(H, np.asarray(H).T)
                else f"expected a symmetric {(w.size, w.size)} matrix, got shape {np.shape(H)}"
            ),
            hint="Second derivatives d^2 L / dw_j dw_k: one row and column per weight.",
        ),
        agrees(
            "agrees with glassml.autodiff.hvp",
            _design_and_weights(),
            _hessian_reference,
            rtol=1e-8,
            atol=1e-12,
            hint="The gradient is X^T (p - y) / n; differentiate p = sigma(X w) once more: "
            "dp_i/dw = p_i (1 - p_i) x_i.",
            diagnoses=[
                (
                    lambda e, o, X, w: X.shape[0] > 1 and near(np.asarray(o) / X.shape[0], e),
                    "the sum over samples, not the mean: divide by n",
                ),
            ],
        ),
    ],
)


@st.composite
def _checked_gradients(draw, wrong: bool):
    f, gradient, x = draw(smooth_fields())
    assume(np.abs(gradient(x)).max() > 1e-3)  # at a critical point relative errors are 0/0
    scale = 10.0 ** draw(st.integers(-6, 3))
    g_scaled = described(lambda v: scale * f(v), f"x ↦ {scale:g} · f(x)")

    def analytic(v):
        return scale * gradient(np.asarray(v, float))

    if wrong:
        j = draw(st.integers(0, x.size - 1))
        delta = draw(st.sampled_from([2.0, -2.0, 1.0]))

        def broken(v, j=j, delta=delta):
            out = analytic(v)
            out[j] += scale * delta  # |gradient| <= 31 here, so the relative error is > 3 %
            return out

        return (
            g_scaled,
            described(broken, f"the gradient with {delta:g}·{scale:g} added to entry {j}"),
            x,
            1e-5,
        )
    return g_scaled, described(analytic, "the exact gradient"), x, 1e-5


def _small(out, f, grad_f, x, h):
    value = float(out)
    return None if value < 1e-6 else f"reported error {value:.3g} for a correct gradient"


def _large(out, f, grad_f, x, h):
    value = float(out)
    return None if value > 1e-2 else f"reported error {value:.3g} for a wrong gradient"


gradient_check = Exercise(
    "calculus/gradient-check",
    "Gradient checking",
    "gradient_check(f, grad_f, x, h)",
    lesson="calculus/gradient-checking",
    summary="max_i |a_i - n_i| / max(|a_i|, |n_i|, 1e-3 max_j |a_j|): analytic a vs central "
    "differences n.",
    checks=[
        holds(
            "close to 0 for a correct gradient, at any scale of f",
            _checked_gradients(wrong=False),
            _small,
            hint="Use central differences (error O(h^2)), and the relative error "
            "|a_i - n_i| / max(|a_i|, |n_i|, 1e-3 max_j |a_j|): scale-free, and an entry that "
            "is exactly 0 is not divided by ~0.",
        ),
        holds(
            "large when any one entry of the gradient is wrong, at any scale of f",
            _checked_gradients(wrong=True),
            _large,
            hint="Compare every coordinate, the last one included, and relative to the size "
            "of the gradient: an absolute error is tiny for a tiny f even when it is 100 % off.",
        ),
    ],
)


register(
    central_difference,
    numerical_gradient,
    sigmoid_grad,
    softmax,
    logsumexp,
    softmax_jacobian,
    dense_tanh_vjp,
    logistic_hessian,
    gradient_check,
)
