"""Robustness entries of glassml.explain: every explainer, method, plot and function.

Linear model functions are used where an entry scales its data, so the declared scale law is
the mathematics: Shapley values of a linear model scale with the inputs (equivariant), and its
base values too. Plots return Figures (no numbers to check): bad data must be refused by name.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from robustness.framework import Entry, Scale, equivariant, opt

from glassml import autodiff as ad
from glassml import explain

RNG = np.random.default_rng(0)
BACKGROUND = RNG.normal(size=(8, 3))
ROWS = RNG.normal(size=(2, 3))
W = np.array([1.0, -2.0, 0.5])


def linear(Z):
    return Z @ W


def probabilities(Z):
    p = 1 / (1 + np.exp(-np.clip(Z @ W, -30, 30)))
    return np.column_stack([1 - p, p])


def _values(e):
    return (e.values, e.base_values)


def _exact(background, X, n_jobs):
    return _values(explain.ExactExplainer(linear, background, n_jobs=n_jobs)(X))


def _kernel(background, X, n_samples, random_state, n_jobs):
    explainer = explain.KernelExplainer(linear, background, n_samples, random_state, n_jobs=n_jobs)
    return _values(explainer(X))


def _linear_explainer(background, X, feature_perturbation):
    model = SimpleNamespace(coef_=W, intercept_=0.5)
    return _values(explain.LinearExplainer(model, background, feature_perturbation)(X))


def _tree_model():
    from sklearn.tree import DecisionTreeRegressor

    X = RNG.normal(size=(60, 3))
    return DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, X[:, 0] - X[:, 1])


TREE = _tree_model()


def _tree(X):
    return _values(explain.TreeExplainer(TREE)(X))


def _tree_predict(X):
    return explain.TreeExplainer(TREE).predict(X)


TRAIN = RNG.normal(size=(60, 3))


def _lime(training_data, X, kernel_width, discretize_continuous, n_samples, n_jobs):
    lime = explain.LimeTabularExplainer(
        linear,
        training_data,
        mode="regression",
        kernel_width=kernel_width,
        discretize_continuous=discretize_continuous,
        random_state=0,
        n_samples=n_samples,
        n_jobs=n_jobs,
    )
    e = lime(X)
    return (e.values, e.base_values, e.fidelity)


IMAGES = np.linspace(0.0, 1.0, 2 * 8 * 8).reshape(2, 8, 8)


def _image_model(batch):
    return batch[:, :, 4:].mean(axis=(1, 2))


def _lime_image(images, n_segments, n_samples, n_jobs):
    lime = explain.LimeImageExplainer(
        _image_model,
        n_segments=n_segments,
        compactness=0.1,
        n_samples=n_samples,
        random_state=0,
        n_jobs=n_jobs,
    )
    return explain.Explanation.output_sum(lime(images))


def _segments(image, n_segments):
    lime = explain.LimeImageExplainer(_image_model, n_segments=n_segments, compactness=0.1)
    return lime.segments(image).astype(np.float64)


def _explanation(values, base_values, data):
    e = explain.Explanation(values, base_values, data, ["a", "b", "c"])
    return (e.values, e.base_values)


def _output_sum(values, base_values, data):
    return explain.Explanation(values, base_values, data, ["a", "b", "c"]).output_sum()


def _stability_call(X, n_repeats, top_k):
    s = explain.stability(explain.KernelExplainer(linear, BACKGROUND), X, n_repeats, top_k)
    return (s.values, s.jaccard, s.rank_correlation)


def _stability_class(values):
    s = explain.Stability(1.0, 1.0, values, 2)
    return s.values


def differentiable(x):
    return ad.tanh(x @ W)


def _gradient(function):
    def call(X, **options):
        return _values(function(differentiable, X, **options))

    return call


def _plot(function, **fixed):
    def call(values, data, **options):
        e = explain.Explanation(values, np.zeros(len(values)), data, ["a", "b", "c"])
        function(e, **fixed, **options)
        import matplotlib.pyplot as plt

        plt.close("all")
        return values.sum() * 0.0 + 1.0  # the figure itself holds no number to judge

    return call


def _image_plot(values, data):
    e = explain.Explanation(values, np.zeros(len(values)), data, ["p"] * 64, additive=False)
    explain.plot_image_attribution(e)
    import matplotlib.pyplot as plt

    plt.close("all")
    return 1.0


# Valid n_jobs is 1 here (the robustness families call each entry many times; worker processes
# are tested in tests/explain/test_workers.py); 0 is joblib's one invalid integer.
N_JOBS_BAD = opt(0)
LINEAR_SCALE = (Scale(("background", "X"), equivariant(1.0)),)
INDEPENDENT_ROWS = (
    "the background (training data) and the rows explained have independent row counts"
)
TREE_SKIP = {
    "huge": "a fitted tree's thresholds do not scale: every row scaled by 1e300 falls in the "
    "same extreme leaf, so a constant explanation is the correct one (tested in test_tree)",
    "tiny": "rows scaled by 1e-300 all sit at 0 and fall in one leaf: a constant explanation is "
    "the correct one",
}
PLOT_ARRAYS = {"values": RNG.normal(size=(6, 3)), "data": RNG.normal(size=(6, 3))}

ENTRIES = [
    Entry(
        "glassml.explain.ExactExplainer",
        _exact,
        {"background": BACKGROUND, "X": ROWS, "n_jobs": 1},
        arrays=("background", "X"),
        options={"n_jobs": N_JOBS_BAD},
        scale=LINEAR_SCALE,
        skip={"length": INDEPENDENT_ROWS},
    ),
    Entry(
        "glassml.explain.KernelExplainer",
        _kernel,
        {"background": BACKGROUND, "X": ROWS, "n_samples": 8, "random_state": 0, "n_jobs": 1},
        arrays=("background", "X"),
        options={
            "n_samples": opt(3, 0, -1),
            "random_state": opt(-1, "seed"),
            "n_jobs": N_JOBS_BAD,
        },
        scale=LINEAR_SCALE,
        skip={"length": INDEPENDENT_ROWS},
    ),
    Entry(
        "glassml.explain.LinearExplainer",
        _linear_explainer,
        {"background": BACKGROUND, "X": ROWS, "feature_perturbation": "interventional"},
        arrays=("background", "X"),
        options={"feature_perturbation": opt("causal")},
        skip={
            "length": INDEPENDENT_ROWS,
            "huge": "the intercept 0.5 does not scale with the data, so the base value is not "
            "equivariant; values are (checked in test_shapley)",
            "tiny": "the intercept 0.5 dominates at 1e-300; values are checked in test_shapley",
        },
    ),
    Entry(
        "glassml.explain.TreeExplainer",
        _tree,
        {"X": ROWS},
        arrays=("X",),
        allow_nan=("X",),  # scikit-learn's trees route NaN by missing_go_to_left
        skip=TREE_SKIP,
    ),
    Entry(
        "glassml.explain.TreeExplainer.predict",
        _tree_predict,
        {"X": ROWS},
        arrays=("X",),
        allow_nan=("X",),
        skip=TREE_SKIP,
    ),
    Entry(
        "glassml.explain.LimeTabularExplainer",
        _lime,
        {
            "training_data": TRAIN,
            "X": ROWS,
            "kernel_width": 1.0,
            "discretize_continuous": True,
            "n_samples": 50,
            "n_jobs": 1,
        },
        arrays=("training_data", "X"),
        options={"kernel_width": opt(0.0, -1.0), "n_samples": opt(1, 0), "n_jobs": N_JOBS_BAD},
        skip={
            "length": INDEPENDENT_ROWS,
            "huge": "quartile bins move with the data, but the surrogate's ridge penalty "
            "(alpha = 1, lime's) does not scale: not equivariant by design",
            "tiny": "the ridge penalty (alpha = 1) swamps weights of size 1e-300: the surrogate "
            "is then 0 by design, as lime's",
        },
    ),
    Entry(
        "glassml.explain.LimeImageExplainer",
        _lime_image,
        {"images": IMAGES, "n_segments": 4, "n_samples": 40, "n_jobs": 1},
        arrays=("images",),
        options={"n_segments": opt(1, 0), "n_samples": opt(1), "n_jobs": N_JOBS_BAD},
        skip={
            "huge": "superpixels of an image scaled by 1e300 differ (SLIC's colour distance "
            "against a fixed compactness), so no scale law holds",
            "tiny": "an image scaled by 1e-300 is flat to SLIC: one superpixel, a valid answer",
            "ndim": "a 4-D batch is a colour batch, a valid input of another shape",
        },
    ),
    Entry(
        "glassml.explain.LimeImageExplainer.segments",
        _segments,
        {"image": IMAGES[0], "n_segments": 4},
        arrays=("image",),
        options={"n_segments": opt(1, 0)},
        skip={
            "huge": "SLIC's segments depend on colour distances against a fixed compactness",
            "tiny": "an image scaled by 1e-300 is flat to SLIC; any segmentation is valid",
            "ndim": "a 3-D image is a colour image, a valid input of another shape",
        },
    ),
    Entry(
        "glassml.explain.Explanation",
        _explanation,
        {"values": ROWS, "base_values": np.zeros(2), "data": ROWS},
        arrays=("values", "base_values", "data"),
        allow_nan=("data",),
        skip={"ndim": "values and data of any rank (images) are legal; shape is checked"},
    ),
    Entry(
        "glassml.explain.Explanation.output_sum",
        _output_sum,
        {"values": ROWS, "base_values": np.zeros(2), "data": ROWS},
        arrays=("values", "base_values", "data"),
        allow_nan=("data",),
        scale=(Scale(("values", "base_values"), equivariant(1.0)),),
        skip={"ndim": "values and data of any rank (images) are legal; shape is checked"},
    ),
    Entry(
        "glassml.explain.stability",
        _stability_call,
        {"X": ROWS[0], "n_repeats": 2, "top_k": 2},
        arrays=("X",),
        options={"n_repeats": opt(1), "top_k": opt(0, 4)},
        skip={"ndim": "one row given as (1, M) is the same row as (M,)"},
    ),
    Entry(
        "glassml.explain.Stability",
        _stability_class,
        {"values": ROWS},
        skip={"empty": "a plain record of results: it holds what stability() computed"},
    ),
    *[
        Entry(
            f"glassml.explain.{function.__name__}",
            _gradient(function),
            {"X": ROWS},
            arrays=("X",),
            skip={
                "huge": "tanh saturates: at 1e300 every gradient is exactly 0, the correct "
                "answer for this model",
                "ndim": "inputs of any rank (images) are legal",
            },
        )
        for function in (
            explain.saliency,
            explain.gradient_x_input,
            explain.integrated_gradients,
            explain.smoothgrad,
        )
    ],
    *[
        Entry(
            f"glassml.explain.{name}",
            _plot(function, **fixed),
            dict(PLOT_ARRAYS, **options),
            arrays=("values", "data"),
            allow_nan=("data",),
            options={key: opt(-1, 99) for key in options},
            skip={
                "ndim": "a plot of other-rank values is refused by name in test_lime_and_gradients"
            },
        )
        for name, function, fixed, options in (
            ("plot_waterfall", explain.plot_waterfall, {}, {"max_display": 3}),
            ("plot_beeswarm", explain.plot_beeswarm, {}, {"max_display": 3}),
            ("plot_bar", explain.plot_bar, {}, {"max_display": 3}),
            ("plot_dependence", explain.plot_dependence, {}, {"feature": 1}),
        )
    ],
    Entry(
        "glassml.explain.plot_image_attribution",
        _image_plot,
        {"values": RNG.normal(size=(1, 8, 8)), "data": RNG.random(size=(1, 8, 8))},
        arrays=("values", "data"),
        allow_nan=("data",),
        skip={"ndim": "image values of rank 3 or 4 are both legal"},
    ),
]

EXEMPT = {
    "glassml.explain.Explanation.multi_output": "a property; covered through output_sum and "
    "the constructor's entry",
}
