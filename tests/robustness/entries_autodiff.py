"""Robustness entries of glassml.autodiff (see framework.py).

Each op's entry returns its value and the gradient of its sum (forward and backward are both
judged). The primitives are NumPy functions with derivatives, and follow NumPy's contract:

* NaN and infinity propagate (IEEE arithmetic): ``exp(nan)`` is NaN, ``exp(inf)`` is inf, as
  in NumPy, JAX and PyTorch. Refusing them would cost a pass over every array in every op of
  every training step; data is checked where it enters (``minimize``'s x0, ``nn.fit``, the
  estimators). The ``nan`` and ``inf`` families are skipped for ops with that reason.
* An empty array is a legal operand (an empty result), not bad input.
* Complex, object and string operands are refused by name (a complex result or an unnamed
  NumPy error otherwise); broadcasting and axis errors name the op's operands.
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equivariant, opt

import glassml.autodiff as ad

IEEE = (
    "IEEE arithmetic, as in NumPy: NaN and inf propagate through a primitive (checking every "
    "array of every op would tax each training step; data is checked where it enters)"
)
EMPTY = "an empty array is a legal operand with an empty result, as in NumPy"
RANK = (
    "rank-polymorphic as in NumPy: an array with one axis more or fewer is a legal operand, "
    "computed on as given (rank errors are probed where a rank is required: conv2d, pooling)"
)
IEEE_SKIPS = {"nan": IEEE, "inf": IEEE, "empty": EMPTY}
ANY_RANK = {**IEEE_SKIPS, "ndim": RANK}

rng = np.random.default_rng(0)
X = rng.uniform(-2.0, 2.0, (3, 4))  # mixed signs
POSITIVE = rng.uniform(0.5, 2.0, (3, 4))
A = rng.uniform(-1.5, 1.5, (3, 2))
B = rng.uniform(0.5, 1.5, (3, 2))


def value_and_gradient(fn):
    """``x -> (fn(x), d sum(fn(x)) / dx)`` as arrays."""

    def call(x, **options):
        value = np.asarray(fn(x, **options))
        gradient = ad.grad(lambda t: ad.sum(fn(t, **options)))(x)
        return value, gradient

    return call


def binary_values_and_gradients(fn):
    def call(a, b, **options):
        value = np.asarray(fn(a, b, **options))
        grad_a, grad_b = ad.grad(lambda s, t: ad.sum(fn(s, t, **options)), argnums=(0, 1))(a, b)
        return value, grad_a, grad_b

    return call


def unary(name, fn, x=X, skip=None, scale=(), options=None, arguments=None, any_rank=True):
    return Entry(
        f"glassml.autodiff.{name}",
        value_and_gradient(fn),
        {"x": x, **(arguments or {})},
        arrays=("x",),
        options=options or {},
        skip={**(ANY_RANK if any_rank else IEEE_SKIPS), **(skip or {})},
        scale=scale,
    )


ROUNDS_TO = "at 1e-300 x the function rounds to its value at 0 for every x: the constant is exact"
OVERFLOWS = "the function of 1e300 x overflows to inf, its IEEE value"

ENTRIES = [
    unary("exp", ad.exp, skip={"huge": OVERFLOWS, "tiny": ROUNDS_TO}),
    unary("log", ad.log, x=POSITIVE),
    unary("log1p", ad.log1p, x=POSITIVE),
    unary("sqrt", ad.sqrt, x=POSITIVE),
    unary("tanh", ad.tanh),
    unary("sigmoid", ad.sigmoid, skip={"tiny": ROUNDS_TO}),
    unary("softplus", ad.softplus, skip={"tiny": ROUNDS_TO}),
    unary("relu", ad.relu),
    unary("abs", ad.abs),
    unary("negative", ad.negative),
    unary(
        "clip",
        lambda x, lo, hi: ad.clip(x, lo, hi),
        options={"lo": opt("0.1", np.nan, 1j, auto=False), "hi": opt("1", np.nan, auto=False)},
        arguments={"lo": -1.0, "hi": 1.0},
    ),
    unary(
        "sum",
        lambda x, axis: ad.sum(x, axis=axis),
        options={"axis": opt(2, -3)},
        arguments={"axis": 1},
    ),
    unary(
        "mean",
        lambda x, axis: ad.mean(x, axis=axis),
        options={"axis": opt(2)},
        arguments={"axis": 0},
    ),
    unary(
        "max", lambda x, axis: ad.max(x, axis=axis), options={"axis": opt(5)}, arguments={"axis": 1}
    ),
    unary(
        "min", lambda x, axis: ad.min(x, axis=axis), options={"axis": opt(5)}, arguments={"axis": 1}
    ),
    unary(
        "var",
        lambda x, axis, ddof: ad.var(x, axis=axis, ddof=ddof),
        options={"axis": opt(5), "ddof": opt(-1, 4)},
        arguments={"axis": 1, "ddof": 1},
        skip={
            "huge": "the variance of values near 1e300 is near 1e600, beyond double precision",
            "tiny": "the variance of values near 1e-300 is near 1e-600: it underflows to 0",
        },
    ),
    unary(
        "logsumexp",
        lambda x, axis: ad.logsumexp(x, axis=axis),
        options={"axis": opt(5)},
        arguments={"axis": 1},
        skip={"tiny": "logsumexp of 1e-300 x is log(n) to double precision for every x"},
    ),
    unary(
        "softmax",
        lambda x, axis: ad.softmax(x, axis=axis),
        options={"axis": opt(5)},
        arguments={"axis": 1},
        skip={"tiny": "softmax of 1e-300 x is uniform to double precision: the constant is exact"},
    ),
    unary(
        "log_softmax",
        lambda x, axis: ad.log_softmax(x, axis=axis),
        options={"axis": opt(5)},
        arguments={"axis": 1},
        skip={"tiny": "log_softmax of 1e-300 x is -log(n) to double precision for every x"},
    ),
    unary(
        "reshape",
        lambda x, shape: ad.reshape(x, shape),
        options={"shape": opt((5, 5), "6")},
        arguments={"shape": (2, 6)},
    ),
    unary(
        "transpose",
        lambda x, axes: ad.transpose(x, axes),
        options={"axes": opt((0, 0), (0, 5))},
        arguments={"axes": None},
        skip={"ndim": "transposing an array of another rank is legal and permutes it differently"},
    ),
    unary(
        "swapaxes",
        lambda x, axis1: ad.swapaxes(x, axis1, -1),
        options={"axis1": opt(5)},
        arguments={"axis1": 0},
        skip={"ndim": "swapping axes of an array of another rank is legal and moves other values"},
    ),
    unary(
        "expand_dims",
        lambda x, axis: ad.expand_dims(x, axis),
        options={"axis": opt(7)},
        arguments={"axis": 0},
    ),
    unary(
        "squeeze",
        lambda x, axis: ad.squeeze(ad.reshape(x, (1, -1)), axis),
        options={"axis": opt(1, 5)},
        arguments={"axis": 0},
    ),
    unary(
        "broadcast_to",
        lambda x, shape: ad.broadcast_to(x, shape),
        x=X[0],
        options={"shape": opt((3, 5), (2,))},
        arguments={"shape": (2, 4)},
        skip={
            "ndim": "a column of 4 broadcasts to (2, 4) by NumPy's rules only as a row; the "
            "error is probed by the shape option"
        },
    ),
    unary(
        "unbroadcast",
        lambda x, shape: ad.unbroadcast(x, shape),
        options={"shape": opt((5,), (2, 4))},
        arguments={"shape": (4,)},
        skip={"ndim": "summing over broadcast axes of an array of another rank is legal"},
    ),
    unary(
        "getitem",
        lambda x, index: ad.getitem(x, index),
        options={"index": opt(1.5, "a", auto=False)},
        arguments={"index": (slice(None), 1)},
        skip={"ndim": "indexing an array of another rank is legal and selects something else"},
    ),
]


def binary(name, fn, a=A, b=B, skip=None, scale=()):
    return Entry(
        f"glassml.autodiff.{name}",
        binary_values_and_gradients(fn),
        {"a": a, "b": b},
        arrays=("a", "b"),
        skip={**ANY_RANK, **(skip or {})},
        scale=scale,
    )


ENTRIES += [
    binary("add", ad.add),
    binary("subtract", ad.subtract),
    binary("multiply", ad.multiply),
    binary(
        "divide",
        ad.divide,
        skip={"tiny": "d(a/b)/db = -a/b^2 at b near 1e-300 is near 1e600: inf, its IEEE value"},
    ),
    binary(
        "power",
        ad.power,
        a=B,
        b=B * 0.5,
        skip={"huge": "a ** (1e300 b) overflows to inf and (1e300 a) ** b far beyond: IEEE values"},
    ),
    binary("maximum", ad.maximum),
    binary("minimum", ad.minimum),
    Entry(
        "glassml.autodiff.matmul",
        binary_values_and_gradients(ad.matmul),
        {"a": A, "b": B.T},
        arrays=("a", "b"),
        skip={
            **ANY_RANK,
            "length": "dropping a row of a is a legal, shorter product; the inner-dimension "
            "mismatch is probed by dropping a row of b",
        },
    ),
    Entry(
        "glassml.autodiff.where",
        lambda a, b: binary_values_and_gradients(lambda s, t: ad.where(A > 0, s, t))(a, b),
        {"a": A, "b": B},
        arrays=("a", "b"),
        skip=IEEE_SKIPS,
    ),
    Entry(
        "glassml.autodiff.concatenate",
        binary_values_and_gradients(lambda a, b, axis: ad.concatenate([a, b], axis=axis)),
        {"a": A, "b": B, "axis": 1},
        arrays=("a", "b"),
        options={"axis": opt(3)},
        aliases={"a": ("arrays",), "b": ("arrays",)},
        skip=IEEE_SKIPS,
    ),
    Entry(
        "glassml.autodiff.stack",
        binary_values_and_gradients(lambda a, b, axis: ad.stack([a, b], axis=axis)),
        {"a": A, "b": B, "axis": 0},
        arrays=("a", "b"),
        options={"axis": opt(4)},
        aliases={"a": ("arrays",), "b": ("arrays",)},
        skip=IEEE_SKIPS,
    ),
]

# ------------------------------------------------------------------ convolution, pooling
IMAGES = rng.standard_normal((2, 2, 5, 5))
KERNELS = rng.standard_normal((3, 2, 3, 3))
BIAS = rng.standard_normal(3)


def conv(x, weight, bias, stride, padding):
    value = ad.conv2d(x, weight, bias, stride=stride, padding=padding)
    gradients = ad.grad(
        lambda s, w, b: ad.sum(ad.conv2d(s, w, b, stride=stride, padding=padding)),
        argnums=(0, 1, 2),
    )(x, weight, bias)
    return (value.numpy(), *gradients)


def conv_1d(x, weight, bias, stride, padding):
    value = ad.conv1d(x, weight, bias, stride=stride, padding=padding)
    gradients = ad.grad(
        lambda s, w, b: ad.sum(ad.conv1d(s, w, b, stride=stride, padding=padding)),
        argnums=(0, 1, 2),
    )(x, weight, bias)
    return (value.numpy(), *gradients)


SEQUENCES = rng.standard_normal((3, 7, 2))  # (N, L, C)
KERNELS_1D = rng.standard_normal((3, 2, 4))  # (K, C, F)
BIAS_1D = rng.standard_normal(4)

ENTRIES += [
    Entry(
        "glassml.autodiff.conv1d",
        conv_1d,
        {"x": SEQUENCES, "weight": KERNELS_1D, "bias": BIAS_1D, "stride": 1, "padding": 1},
        arrays=("x", "weight", "bias"),
        options={"stride": opt(0), "padding": opt(-1)},
        aliases={"weight": ("bias", "x"), "bias": ("weight",), "x": ("weight",)},
        skip={
            **IEEE_SKIPS,
            "length": "x, weight and bias share no sample axis: one sequence or one tap fewer "
            "is a legal, smaller convolution (a channel mismatch is probed by ndim)",
        },
    ),
    Entry(
        "glassml.autodiff.conv2d",
        conv,
        {"x": IMAGES, "weight": KERNELS, "bias": BIAS, "stride": 1, "padding": 1},
        arrays=("x", "weight", "bias"),
        options={"stride": opt(0, (1, 2, 3)), "padding": opt(-1)},
        aliases={"weight": ("bias", "x"), "bias": ("weight",), "x": ("weight",)},
        skip={
            **IEEE_SKIPS,
            "length": "x, weight and bias share no sample axis: one image or one filter fewer is "
            "a legal, smaller convolution (a channel mismatch is probed by ndim)",
        },
    ),
    unary(
        "max_pool2d",
        lambda x, kernel_size: ad.max_pool2d(x, kernel_size),
        x=IMAGES,
        options={"kernel_size": opt(0, 9, (2, 2, 2))},
        arguments={"kernel_size": 2},
        any_rank=False,
    ),
    unary(
        "avg_pool2d",
        lambda x, kernel_size: ad.avg_pool2d(x, kernel_size),
        x=IMAGES,
        options={"kernel_size": opt(0, 9)},
        arguments={"kernel_size": 2},
        any_rank=False,
    ),
]

# ------------------------------------------------------------------ losses
LABELS = np.array([0, 3, 1])


def softmax_ce(logits, labels, axis, reduction):
    value = ad.softmax_cross_entropy(logits, labels, axis=axis, reduction=reduction)
    gradient = ad.grad(
        lambda z: ad.sum(ad.softmax_cross_entropy(z, labels, axis=axis, reduction=reduction))
    )(logits)
    return value.numpy(), gradient


def bce(logits, targets, reduction):
    value = ad.binary_cross_entropy_with_logits(logits, targets, reduction=reduction)
    gradient = ad.grad(
        lambda z: ad.sum(ad.binary_cross_entropy_with_logits(z, targets, reduction=reduction))
    )(logits)
    return value.numpy(), gradient


ENTRIES += [
    Entry(
        "glassml.autodiff.softmax_cross_entropy",
        softmax_ce,
        {"logits": X, "labels": LABELS, "axis": -1, "reduction": "none"},
        arrays=("logits",),
        labels=("labels",),
        options={"axis": opt(5, -3), "reduction": opt()},
        aliases={"logits": ("labels",), "labels": ("logits",)},
        skip={
            **IEEE_SKIPS,
            "one_class": "a cross-entropy of samples all of one class is well defined",
        },
    ),
    Entry(
        "glassml.autodiff.binary_cross_entropy_with_logits",
        bce,
        # Targets that disagree with some logits' signs: at 1e300 x those cost 1e300.
        {"logits": X, "targets": rng.integers(0, 2, X.shape).astype(float), "reduction": "mean"},
        arrays=("logits", "targets"),
        options={"reduction": opt()},
        skip=IEEE_SKIPS,
    ),
]


# ------------------------------------------------------------------ transforms, checker
def smooth(x):
    return ad.sum(ad.tanh(x) * x)


def cubic(x):
    return ad.sum(x * x * x)


def hvp_call(x, v):
    return ad.hvp(cubic, x, v)  # 6 x v


def vanishes(base, scaled, s):
    """At 1e-300 x the gradient of tanh(x) x (0 at 0, smooth) is 0 to differences' accuracy."""
    values = np.concatenate([np.ravel(np.asarray(leaf, dtype=float)) for leaf in [scaled]])
    if not np.all(np.abs(values) < 1e-6):
        raise AssertionError(f"expected the gradient at {s:g} x to vanish, got {values[:6]}")


ENTRIES += [
    Entry(
        "glassml.autodiff.grad",
        lambda x, argnums: ad.grad(lambda t: smooth(t), argnums=argnums)(x),
        {"x": X, "argnums": 0},
        arrays=("x",),
        options={"argnums": opt(1, -2, (), True)},
        aliases={"x": ("args",)},
        skip=ANY_RANK,
    ),
    Entry(
        "glassml.autodiff.value_and_grad",
        lambda x, argnums: ad.value_and_grad(lambda t: smooth(t), argnums=argnums)(x),
        {"x": X, "argnums": 0},
        arrays=("x",),
        options={"argnums": opt(1, (), True)},
        aliases={"x": ("args",)},
        skip=ANY_RANK,
    ),
    Entry(
        "glassml.autodiff.jacobian",
        lambda x: ad.jacobian(lambda t: t * t * 2.0)(x),
        {"x": X[0]},
        arrays=("x",),
        aliases={"x": ("args",)},
        skip=ANY_RANK,
    ),
    Entry(
        "glassml.autodiff.hvp",
        hvp_call,
        {"x": X, "v": X[::-1]},
        arrays=("x", "v"),
        skip={
            **IEEE_SKIPS,
            "ndim": "x and v of one axis more or fewer, together, are a legal "
            "point; one alone is a shape mismatch, probed by length",
        },
    ),
    Entry(
        "glassml.autodiff.check_grad",
        lambda x, step: ad.check_grad(smooth, x, step=step),
        {"x": X, "step": 1e-6},
        arrays=("x",),
        options={"step": opt(0.0, -1e-6)},
        aliases={"x": ("args",)},
        skip={
            "ndim": RANK,
            "empty": "an empty point has an empty gradient: the error is 0 by definition",
            "huge": "finite differences of tanh at 1e300 x: the function is flat there and the "
            "error (0) is exact",
            "tiny": "at 1e-300 x the step 1e-6 dwarfs the point; the checker still compares "
            "the gradient with differences and returns a finite error",
        },
    ),
    Entry(
        "glassml.autodiff.numerical_grad",
        lambda x, step: ad.numerical_grad(smooth, x, step=step),
        {"x": X, "step": 1e-6},
        arrays=("x",),
        options={"step": opt(0.0, -1e-6)},
        aliases={"x": ("args",)},
        skip={"empty": EMPTY, "ndim": RANK},
        scale=(Scale(args=("x",), check=vanishes, families=("tiny",)),),
    ),
]


# ------------------------------------------------------------------ Tensor and the tape
def tensor_call(data, requires_grad):
    tensor = ad.Tensor(data, requires_grad=requires_grad)
    return tensor.numpy(), tensor.requires_grad


def backward_call(gradient):
    leaf = ad.Tensor(X, requires_grad=True)
    output = leaf * leaf
    output.backward(gradient)
    return leaf.grad


def backward_function(seed):
    leaf = ad.Tensor(X, requires_grad=True)
    (cotangent,) = ad.backward(ad.tanh(leaf), [leaf], seed=seed)
    return cotangent


def item_call(data):
    return ad.Tensor(data).item()


ENTRIES += [
    Entry(
        "glassml.autodiff.Tensor",
        tensor_call,
        {"data": X, "requires_grad": True},
        arrays=("data",),
        options={"requires_grad": opt()},
        skip=ANY_RANK,
        scale=(Scale(args=("data",), check=equivariant()),),
    ),
    Entry(
        "glassml.autodiff.as_tensor",
        lambda value: ad.as_tensor(value).numpy(),
        {"value": X},
        arrays=("value",),
        aliases={"value": ("data",)},
        skip=ANY_RANK,
        scale=(Scale(args=("value",), check=equivariant()),),
    ),
    Entry(
        "glassml.autodiff.Tensor.backward",
        backward_call,
        {"gradient": X[::-1]},
        arrays=("gradient",),
        skip=IEEE_SKIPS,
        scale=(Scale(args=("gradient",), check=equivariant()),),
    ),
    Entry(
        "glassml.autodiff.backward",
        backward_function,
        {"seed": X[::-1]},
        arrays=("seed",),
        skip=IEEE_SKIPS,
        scale=(Scale(args=("seed",), check=equivariant()),),
    ),
    Entry(
        "glassml.autodiff.Tensor.item",
        item_call,
        {"data": np.array([2.5])},
        arrays=("data",),
        aliases={"data": ("item",)},
        skip={"nan": IEEE, "inf": IEEE},
        scale=(Scale(args=("data",), check=equivariant()),),
    ),
]

TENSOR_METHODS = (
    "abs clip exp log logsumexp max mean min relu reshape sigmoid sqrt squeeze sum swapaxes "
    "tanh transpose var"
).split()

EXEMPT = {
    **{
        f"glassml.autodiff.Tensor.{method}": f"calls glassml.autodiff.{method} on the tensor "
        "(that function's entry probes it)"
        for method in TENSOR_METHODS
    },
    "glassml.autodiff.Tensor.numpy": "returns the array the Tensor holds (no computation); "
    "judged in the glassml.autodiff.Tensor entry",
    "glassml.autodiff.Tensor.detach": "a constant Tensor sharing the same array (no "
    "computation); the Tensor constructor's entry probes the array",
    "glassml.autodiff.Primitive": "the registry's constructor: every op above is a Primitive, "
    "so their entries exercise it (tests/autodiff/test_tensor.py registers a custom one)",
    "glassml.autodiff.Primitive.vjp": "called by the backward pass with the tape's own "
    "arguments; run by every op entry's gradient",
    "glassml.autodiff.primitive": "the decorator making a Primitive (see Primitive); every op "
    "entry is made by it",
    "glassml.autodiff.defvjp": "registers a VJP; every op entry's gradient runs one",
    "glassml.autodiff.defvjp_variadic": "registers concatenate's VJP; run by the "
    "glassml.autodiff.concatenate and stack entries",
    "glassml.autodiff.no_grad": "takes no argument (a context manager); grad, value_and_grad "
    "and nn.predict_batches run inside and outside it",
    "glassml.autodiff.enable_grad": "takes no argument (a context manager); the transforms "
    "use it in every grad entry",
    "glassml.autodiff.is_grad_enabled": "takes no argument; reads a flag",
}
