"""The medical image study (MedMNIST BreastMNIST): quick run end to end, input errors, Dask.

References and tolerances: the class-weighted loss equals scikit-learn's ``log_loss`` with
sample weights to 1e-10 (float64) and its gradient passes the finite-difference check; the
augmentation with no rotation or shift is exactly the identity or the mirror image; an integer
shift moves the pixels exactly. Weight averaging: parameters are the snapshots' mean (rel 1e-6)
and the recomputed batch-norm statistics equal a direct convolution's (rel 1e-4, float32). The
cross-validation folds are checked for disjointness, coverage and stratification. Ensembles:
the combined logits are the members' exact mean, and the function the explainers see equals
``predict_batches``' mean logits (rel 1e-5, float32). The
full-mode targets (test AUC >= 0.91, accuracy >= 0.865, mean of 3 seeds) are a ``slow`` test
(``GLASSML_FULL=1``).
"""

from __future__ import annotations

import io
import math
import warnings

import numpy as np
import pytest
from browser import inspect_page
from parity import check_grad
from sklearn.metrics import log_loss

from glassml import autodiff as ad
from glassml import casestudies
from glassml.casestudies._medical import LEARNING_RATES, _cnn_tasks
from glassml.casestudies._medical_cnn import (
    STEP_RULES,
    CNNResult,
    CNNTask,
    augment,
    average_weights,
    build_network,
    class_weights,
    combine_members,
    ensemble_function,
    ensemble_logits,
    make_optimizer,
    member_seed,
    positive_probability,
    predict_logits,
    shift_image,
    soft_targets,
    train_cnn,
    weighted_cross_entropy,
)
from glassml.casestudies._medical_cv import (
    _early_stopped_epoch,
    cross_validate,
    ensemble_gains,
    fold_tasks,
)
from glassml.casestudies._medical_cv import main as cv_main
from glassml.casestudies._medical_data import load
from glassml.optim import Adam, Nesterov

HEADLINE = {"auc", "accuracy", "sensitivity", "specificity", "ece_temperature"}


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("medical")
    return casestudies.run("medical", out=out, quick=True, seed=0), out


def test_quick_run_end_to_end_with_the_browser_check(quick, tmp_path):
    result, _ = quick
    metrics = result.metrics
    assert all(math.isfinite(value) for value in metrics.values())
    assert HEADLINE <= set(metrics)
    assert metrics["n_train"] == 546 and metrics["n_test"] == 156
    # One test image is an exact copy of a training image (found by the data check).
    assert metrics["duplicate_images"] >= 1
    assert metrics["auc_low"] <= metrics["auc"] <= metrics["auc_high"]
    assert metrics["accuracy_low"] <= metrics["accuracy"] <= metrics["accuracy_high"]
    # Even one short quick run must learn something: chance is 0.5.
    assert metrics["auc"] > 0.7 and metrics["logistic_auc"] > 0.7
    # The threshold was chosen for >= 95% sensitivity on validation and reached it there.
    assert metrics["val_sensitivity"] >= 0.95
    # Integrated gradients' completeness holds to the quadrature error (32 steps).
    assert metrics["ig_completeness_gap"] < 0.5
    page = inspect_page(
        result.report_path.as_uri(),
        tmp_path / "medical.png",
        evaluate={
            "metrics": "Array.from(document.querySelectorAll('[data-metric]'))"
            ".map(e => e.dataset.metric)"
        },
    )
    page.assert_clean()
    assert set(page.values["metrics"]) == HEADLINE
    assert f"{metrics['auc']:.3f}" in page.text
    assert page.n_images >= 10  # equations and figures
    for phrase in ("ResNet-18", "temperature", "integrated gradients", "28x28"):
        assert phrase in page.text
    assert "{" not in page.text  # no unformatted template field reached the reader


def _npz(path, side=28, channels=1, drop=(), n=(40, 12, 20), seed=0):
    """A small MedMNIST-like archive: bright square = class 1, dark square = class 0."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, count in zip(("train", "val", "test"), n, strict=True):
        labels = np.arange(count) % 2
        images = rng.integers(60, 120, (count, side, side)).astype(np.uint8)
        q = side // 4
        images[:, q : 3 * q, q : 3 * q] = np.where(labels[:, None, None] == 1, 220, 10)
        if channels == 3:
            images = np.repeat(images[..., None], 3, axis=-1)
        arrays[f"{split}_images"] = images
        arrays[f"{split}_labels"] = labels[:, None]  # the official (N, 1) shape
    for key in drop:
        del arrays[key]
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
    return path


def test_npz_without_test_images_is_refused_and_leaves_no_report(tmp_path):
    data = _npz(tmp_path / "pneumoniamnist.npz", drop=("test_images",))
    out = tmp_path / "reports"
    with pytest.raises(ValueError, match="test_images"):
        casestudies.run("medical", data=data, out=out, quick=True)
    assert not (out / "medical").exists()


def test_64x64_images_need_resize_and_then_load_as_28x28(tmp_path):
    data = _npz(tmp_path / "pneumoniamnist_64.npz", side=64)
    out = tmp_path / "reports"
    with pytest.raises(ValueError, match=r"28x28 .*got 64x64.*resize=yes"):
        casestudies.run("medical", data=data, out=out, quick=True)
    assert not (out / "medical").exists()
    with pytest.raises(ValueError, match="resize: expected 'no' or 'yes'"):
        casestudies.run("medical", data=data, out=out, quick=True, options={"resize": "maybe"})
    loaded = load(data, "yes")
    assert loaded.images["train"].shape == (40, 1, 28, 28) and loaded.resized
    # Resampling keeps what the image shows: the class-1 squares stay brighter.
    centre = loaded.images["test"][:, 0, 10:18, 10:18].mean(axis=(1, 2))
    assert np.all((centre > 0.5) == (loaded.labels["test"] == 1))
    assert (loaded.positive, loaded.positive_name) == (1, "pneumonia")


def test_test_time_shift_option_runs_and_out_of_range_shifts_are_refused(tmp_path):
    data = _npz(tmp_path / "pneumoniamnist.npz", n=(32, 16, 16))
    out = tmp_path / "reports"
    for bad in (14, -1, "two", 1e300, float("nan"), 1.5):
        with pytest.raises(ValueError, match="tta_shift"):
            casestudies.run("medical", data=data, out=out, quick=True, options={"tta_shift": bad})
        assert not (out / "medical").exists()
    result = casestudies.run(
        "medical", data=data, out=out, quick=True, options={"quick_epochs": 1, "tta_shift": 1}
    )
    assert all(math.isfinite(value) for value in result.metrics.values())
    assert "moved by 1 pixel up, down, left and right" in result.report_path.read_text()


def test_the_optimizer_option_reaches_the_report_and_unknown_rules_are_refused(tmp_path):
    data = _npz(tmp_path / "pneumoniamnist.npz", n=(32, 16, 16))
    out = tmp_path / "reports"
    for option in ("optimizer", "quick_optimizer"):
        for bad in ("sgd", 3, "Nesterov "):
            with pytest.raises(ValueError, match=f"^{option}: expected (one of|a string)"):
                casestudies.run("medical", data=data, out=out, quick=True, options={option: bad})
            assert not (out / "medical").exists()
    for name, words in (("adam", "; Adam (learning rate 0.001)"), ("nesterov", "momentum 0.9 (")):
        result = casestudies.run(
            "medical", data=data, out=out, quick=True,
            options={"quick_epochs": 1, "quick_optimizer": name},
        )  # fmt: skip
        assert all(math.isfinite(value) for value in result.metrics.values())
        assert words in result.report_path.read_text()


def test_sensitivity_one_finds_every_validation_positive_and_out_of_range_is_refused(tmp_path):
    data = _npz(tmp_path / "pneumoniamnist.npz", n=(32, 16, 16))
    out = tmp_path / "reports"
    for bad in (0.0, 1.01, "high", float("nan")):
        with pytest.raises(ValueError, match="sensitivity"):
            casestudies.run("medical", data=data, out=out, quick=True, options={"sensitivity": bad})
        assert not (out / "medical").exists()
    result = casestudies.run(
        "medical", data=data, out=out, quick=True, options={"quick_epochs": 1, "sensitivity": 1}
    )
    assert result.metrics["val_sensitivity"] == 1.0
    assert "threshold is the highest one that finds all of the" in result.report_path.read_text()


def test_positive_probability_is_the_logistic_of_the_logit_difference_without_overflow():
    logits = np.array([[0.0, 800.0], [800.0, 0.0], [1.0, 2.5], [-3.0, -3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would be an error here
        p = positive_probability(logits, positive=0)
    assert np.array_equal(p[:2], [0.0, 1.0])
    assert np.allclose(p[2:], [1 / (1 + math.exp(1.5)), 0.5], rtol=1e-15)
    assert np.allclose(positive_probability(logits, positive=1), 1 - p, rtol=1e-15)


def test_a_multiclass_collection_is_refused(tmp_path):
    data = _npz(tmp_path / "pathmnist.npz")
    arrays = dict(np.load(data))
    arrays["train_labels"] = np.arange(40)[:, None] % 3
    np.savez(data.with_suffix(""), **arrays)
    with pytest.raises(ValueError, match="binary MedMNIST"):
        load(data, "no")


def test_colour_images_run_and_dask_gives_the_serial_metrics(tmp_path):
    """A reduced run (one epoch) on a 3-channel archive, serially and on Dask."""
    pytest.importorskip("distributed")
    data = _npz(tmp_path / "pneumoniamnist.npz", channels=3, n=(48, 24, 24))
    options = {"quick_epochs": 1}
    serial = casestudies.run(
        "medical", data=data, out=tmp_path / "serial", quick=True, seed=5, options=options
    )
    on_dask = casestudies.run(
        "medical",
        data=data,
        out=tmp_path / "dask",
        quick=True,
        seed=5,
        options=options,
        dask="local",
    )
    assert serial.metrics == on_dask.metrics
    assert serial.metrics["n_train"] == 48


def test_augmentation_without_rotation_or_shift_is_identity_or_mirror():
    rng = np.random.default_rng(0)
    images = rng.random((64, 2, 9, 7)).astype(np.float32)
    out = augment(images, np.random.default_rng(1), max_shift=0.0, max_degrees=0.0)
    same = np.all(out == images, axis=(1, 2, 3))
    mirrored = np.all(out == images[..., ::-1], axis=(1, 2, 3))
    assert np.all(same | mirrored) and 10 < mirrored.sum() < 54


def test_augmentation_gain_scales_each_image_by_one_factor():
    images = np.random.default_rng(0).random((32, 1, 6, 6)) + 0.5
    out = augment(
        images,
        np.random.default_rng(2),
        max_shift=0.0,
        max_degrees=0.0,
        flip=False,
        contrast=0.1,
    )
    ratio = out / images
    assert np.allclose(ratio, ratio[:, :1, :1, :1], rtol=1e-12)
    assert np.all(np.abs(ratio - 1) <= 0.1) and ratio.std() > 0.02


def test_augmentation_shift_moves_pixels():
    image = np.zeros((1, 1, 9, 9))
    image[0, 0, 4, 4] = 1.0

    class Fixed:  # a "random" generator that always shifts by (+2, -1), no flip
        def uniform(self, low, high, size):
            return np.zeros(size) if np.ndim(size) == 0 or size == 1 else np.array([[2.0, -1.0]])

        def random(self, size):
            return np.ones(size)

    out = augment(image, Fixed(), max_shift=3.0, max_degrees=5.0)
    assert out[0, 0, 6, 3] == pytest.approx(1.0) and out.sum() == pytest.approx(1.0)


def test_shift_image_moves_by_whole_pixels_and_repeats_the_edge():
    images = np.random.default_rng(0).random((3, 2, 5, 6))
    height, width = images.shape[-2:]
    for di, dj in [(0, 0), (1, 0), (-1, 0), (0, 2), (-2, -1)]:
        out = shift_image(images, di, dj)
        assert out.shape == images.shape
        for i in range(height):  # output (i, j) reads input (i - di, j - dj), clamped
            for j in range(width):
                src = images[..., min(max(i - di, 0), height - 1), min(max(j - dj, 0), width - 1)]
                assert np.array_equal(out[..., i, j], src)


def test_test_time_shifts_average_the_ten_views_and_keep_the_flip_only_default():
    """tta_shift = 1 is the mean logits over the image moved one pixel in each direction and
    not at all, each with its mirror: checked against the views built by hand; without
    shifts the prediction is the flip average of before, (a + mirror) / 2, bit for bit."""
    from glassml.nn import predict_batches

    images = np.random.default_rng(1).normal(size=(7, 1, 10, 10)).astype(np.float32)
    network = build_network((3, 4), (1, 10, 10), 0.0, seed=3).eval()

    def logits(x):
        return predict_batches(network, np.ascontiguousarray(x), dtype=np.float64)

    plain, mirror = logits(images), logits(images[..., ::-1])
    assert np.array_equal(predict_logits(network, images, True), 0.5 * (plain + mirror))
    assert np.array_equal(predict_logits(network, images, False), plain)
    views = []
    for di, dj in [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]:
        rows = np.clip(np.arange(10) - di, 0, 9)
        cols = np.clip(np.arange(10) - dj, 0, 9)
        moved = images[:, :, rows][:, :, :, cols]
        views += [logits(moved), logits(moved[..., ::-1])]
    expected = np.mean(views, axis=0)
    shifted = predict_logits(network, images, True, tta_shift=1)
    assert np.allclose(shifted, expected, rtol=1e-12, atol=1e-12)
    assert not np.allclose(shifted, predict_logits(network, images, True), atol=1e-6)


def test_global_average_head_feeds_each_channels_spatial_mean_to_the_dense_layer():
    """head="average": the logits are W^T mean_{i,j} a[c, i, j] + b, with a the last block's
    ReLU output (computed here by the first layers alone and averaged in NumPy)."""
    from glassml.nn import Sequential

    images = np.random.default_rng(2).normal(size=(5, 1, 12, 12))
    network = build_network((3, 4), (1, 12, 12), 0.0, seed=4, head="average").eval()
    state = network.state_dict()
    assert state["10.weight"].shape == (4, 2)  # one input per channel of the last block
    trunk = Sequential(network.layers[:7])  # up to the last block's ReLU (6x6 maps)
    activations = trunk(ad.Tensor(images)).numpy()
    assert activations.shape == (5, 4, 6, 6)
    expected = activations.mean(axis=(2, 3)) @ state["10.weight"] + state["10.bias"]
    assert np.allclose(network(ad.Tensor(images)).numpy(), expected, rtol=1e-5, atol=1e-6)
    flat = build_network((3, 4), (1, 12, 12), 0.0, seed=4)
    assert flat.state_dict()["10.weight"].shape == (4 * 3 * 3, 2)
    with pytest.raises(ValueError, match="head: expected 'flatten' or 'average'"):
        build_network((3, 4), (1, 12, 12), 0.0, seed=4, head="mean")


def test_double_conv_blocks_stack_two_conv_bn_relu_before_each_pool():
    """convs=2: block 1 is pool(relu(bn(conv(relu(bn(conv(x))))))), computed here from the
    state dict with SciPy's cross-correlation (zero padding 1) and batch norm in evaluation
    mode, (z - running mean) / sqrt(running var + eps) * gamma + beta."""
    from scipy.signal import correlate

    from glassml.nn import BatchNorm2d

    rng = np.random.default_rng(5)
    images = rng.normal(size=(3, 1, 8, 8))
    network = build_network((3, 4), (1, 8, 8), 0.0, seed=6, convs=2).eval()
    state = network.state_dict()
    eps = next(m for m in network.modules() if isinstance(m, BatchNorm2d)).eps
    for layer in ("1", "4"):  # running statistics other than (0, 1), so they are used
        state[f"{layer}.running_mean"] = rng.normal(size=3)
        state[f"{layer}.running_var"] = rng.uniform(0.5, 2.0, size=3)
    network.load_state_dict(state)

    def conv_bn_relu(x, conv, norm):
        w, b = state[f"{conv}.weight"], state[f"{conv}.bias"]
        padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        z = (
            np.stack(
                [
                    np.stack([correlate(p, w[o], mode="valid")[0] for o in range(len(w))])
                    for p in padded
                ]
            )
            + b[:, None, None]
        )
        mean, var = state[f"{norm}.running_mean"], state[f"{norm}.running_var"]
        z = (z - mean[:, None, None]) / np.sqrt(var[:, None, None] + eps)
        z = z * state[f"{norm}.gamma"][:, None, None] + state[f"{norm}.beta"][:, None, None]
        return np.maximum(z, 0.0)

    a = conv_bn_relu(conv_bn_relu(images, "0", "1"), "3", "4")
    expected = a.reshape(3, 3, 4, 2, 4, 2).max(axis=(3, 5))
    out = ad.Tensor(images)
    for layer in network.layers[:7]:  # up to and including the first pool
        out = layer(out)
    assert np.allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert state["16.weight"].shape == (4 * 2 * 2, 2)  # two blocks, two pools: 8 -> 2
    single = build_network((3, 4), (1, 8, 8), 0.0, seed=6)
    assert sum(type(m).__name__ == "Conv2D" for m in single.layers) == 2
    for bad in (0, 1.5, True, "2"):
        with pytest.raises(ValueError, match=r"convs: expected an integer in \[1, inf\]"):
            build_network((3, 4), (1, 8, 8), 0.0, seed=6, convs=bad)


def test_weighted_cross_entropy_matches_sklearn_and_its_gradient():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(12, 2))
    labels = np.array([0, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1])
    weights = class_weights(labels)[labels]
    assert np.isclose(weights[labels == 0].sum(), weights[labels == 1].sum())
    ours = weighted_cross_entropy(ad.Tensor(logits), labels, weights).item()
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    reference = log_loss(labels, probabilities, sample_weight=weights)
    assert ours == pytest.approx(reference, rel=1e-10)
    check_grad(lambda z: weighted_cross_entropy(z, labels, weights), logits)


def test_mixup_and_smoothing_targets_give_the_mixed_weighted_loss():
    """With mixup, each image's soft-target loss is lambda CE(y) + (1 - lambda) CE(y_pi),
    averaged with the mixed class weights; smoothing mixes in the uniform target."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(10, 2))
    labels = rng.integers(0, 2, 10)
    weights = class_weights(labels)[labels]
    pair, lam, targets, mixed = soft_targets(labels, weights, np.random.default_rng(1), 0.4, 0)
    assert sorted(pair) == list(range(10)) and 0 < lam < 1
    assert np.allclose(targets.sum(axis=1), 1.0)
    losses = -np.log(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True))
    rows = np.arange(10)
    assert np.allclose(mixed, lam * weights + (1 - lam) * weights[pair])
    per_image = lam * losses[rows, labels] + (1 - lam) * losses[rows, labels[pair]]
    expected = np.sum(mixed * per_image) / mixed.sum()
    ours = weighted_cross_entropy(ad.Tensor(logits), targets, mixed).item()
    assert ours == pytest.approx(expected, rel=1e-10)
    check_grad(lambda z: weighted_cross_entropy(z, targets, mixed), logits)
    pair, lam, smooth, same = soft_targets(labels, weights, rng, 0.0, 0.1)
    assert pair is None and lam == 1.0 and np.array_equal(same, weights)
    assert np.allclose(smooth[np.arange(10), labels], 0.95)


@pytest.mark.slow
def test_full_mode_meets_the_targets(tmp_path):
    """Issue 19 targets: mean of 3 seeds, test AUC >= 0.91 and accuracy >= 0.865. The nine
    networks train on a local Dask cluster when ``distributed`` is there (the same metrics as
    a serial run: ``test_colour_images_run_and_dask_gives_the_serial_metrics``)."""
    try:
        import distributed  # noqa: F401

        dask = "local"
    except ImportError:
        dask = None
    result = casestudies.run("medical", out=tmp_path, seed=0, dask=dask)
    metrics = result.metrics
    print({key: round(value, 4) for key, value in metrics.items()})
    assert metrics["n_seeds"] == 3
    assert metrics["auc"] >= 0.91
    assert metrics["accuracy"] >= 0.865


def test_weight_averaging_averages_weights_and_recomputes_batch_norm_statistics():
    """SWA: every parameter is the snapshots' mean; each batch norm's running mean and
    variance become the statistics of the averaged network's own activations on the images
    (checked for the first block by a direct convolution with the averaged weights)."""
    rng = np.random.default_rng(0)
    images = rng.normal(size=(40, 1, 12, 12)).astype(np.float32)
    network = build_network((3, 4), (1, 12, 12), 0.5, seed=1)
    states = []
    for _ in range(3):
        state = network.state_dict()
        states.append(
            {k: v + rng.normal(0, 0.3, v.shape).astype(v.dtype) for k, v in state.items()}
        )
    averaged = average_weights(network, states, images)
    for name in network.named_parameters():
        assert np.allclose(averaged[name], np.mean([s[name] for s in states], axis=0), rtol=1e-6)
    conv = network.children()[0]
    pre = conv.forward(ad.Tensor(images)).numpy().astype(np.float64)
    mean_name = next(k for k in averaged if k.endswith("running_mean"))
    var_name = mean_name.replace("running_mean", "running_var")
    count = pre.size // pre.shape[1]
    assert np.allclose(averaged[mean_name], pre.mean(axis=(0, 2, 3)), rtol=1e-4, atol=1e-5)
    unbiased = pre.var(axis=(0, 2, 3)) * count / (count - 1)
    assert np.allclose(averaged[var_name], unbiased, rtol=1e-4)
    assert all(not m.training for m in network.modules())
    assert all(m.momentum == 0.1 for m in network.modules() if hasattr(m, "momentum"))


def test_cross_validation_folds_keep_the_study_split_shape():
    """Folds are disjoint and stratified; each inner validation set is 12.5% of its fold's
    training images, as the official validation set is of training + validation."""
    labels = np.r_[np.zeros(21 * 3, int), np.ones(57 * 3, int)]
    images = np.random.default_rng(0).random((len(labels), 1, 4, 4)).astype(np.float32)
    tasks = fold_tasks(images, labels, positive=0, settings={"epochs": 3}, n_folds=3)
    held = np.concatenate([rows for _, rows in tasks])
    assert sorted(held) == list(range(len(labels)))
    for task, rows in tasks:
        n_outer = len(labels) - len(rows)
        assert len(task.y_val) == pytest.approx(0.125 * n_outer, abs=1)
        assert len(task.y_train) + len(task.y_val) == n_outer and len(task.X_test) == len(rows)
        assert abs(np.mean(labels[rows] == 0) - 0.269) < 0.02
        assert task.record_states and task.patience == task.epochs == 3


def test_one_fold_alone_scores_what_the_first_folds_score_for_it():
    """``only_fold`` (``--fold``) runs one fold of the same split, with its own seed, so folds
    can run in separate processes and still pair with a ``first_folds`` run."""
    rng = np.random.default_rng(5)
    labels = np.r_[np.zeros(20, int), np.ones(20, int)]
    images = (rng.random((40, 1, 8, 8)) + 0.3 * labels[:, None, None, None]).astype(np.float32)
    recipe = {"tiny": {"channels": (2, 3), "epochs": 2, "batch_size": 8, "swa_epochs": 1}}

    def scored(**which):
        rows = cross_validate(images, labels, 0, recipe, progress=lambda _: None, **which)
        return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]

    first_two = scored(first_folds=2)
    alone = scored(only_fold=1)
    assert {row["fold"] for row in first_two} == {0, 1} and alone
    assert alone == [row for row in first_two if row["fold"] == 1]


@pytest.mark.parametrize(
    "argv, named",
    [
        (["--folds", "0", "out.json"], "--folds"),
        (["--folds", "6", "out.json"], "--folds"),
        (["--folds", "two", "out.json"], "--folds"),
        (["--folds", "3"], "--folds"),
        (["--fold", "0", "out.json"], "--fold"),
        (["--fold", "6", "out.json"], "--fold"),
        (["--fold", "2"], "--fold"),
        (["out.json", "24/48/96, 3 members, 1000 epochs"], "recipe"),
    ],
)
def test_the_cross_validation_command_refuses_bad_arguments_by_name(tmp_path, argv, named):
    """Refused before any network trains, and no output file is written."""
    argv = [str(tmp_path / a) if a == "out.json" else a for a in argv]
    with pytest.raises(ValueError, match=f"^{named}: expected"):
        cv_main(argv)
    assert not (tmp_path / "out.json").exists()


def _tiny_task(**settings):
    rng = np.random.default_rng(11)
    images = rng.normal(size=(28, 1, 8, 8)).astype(np.float32)
    labels = np.arange(28) % 2
    return CNNTask(
        X_train=images[:16], y_train=labels[:16], X_val=images[16:22], y_val=labels[16:22],
        X_test=images[22:], positive=0, seed=3, channels=(2, 3), epochs=2, batch_size=8,
        dropout=0.0, **settings,
    )  # fmt: skip


def test_the_optimiser_options_build_adam_nesterov_and_sam_around_them():
    """``optimizer`` picks the step rule; ``sam_rho`` wraps it in SAM, whose training tends to
    the plain optimiser's as rho -> 0 (no dropout, so the probe pass draws no masks) and moves
    away from it at a real radius; ``sam_adaptive`` makes it ASAM."""
    assert isinstance(make_optimizer(_tiny_task()), Adam)
    assert set(LEARNING_RATES) == set(STEP_RULES)  # the study has a rate for every rule
    nesterov = make_optimizer(_tiny_task(optimizer="nesterov", learning_rate=0.05))
    assert isinstance(nesterov, Nesterov) and (nesterov.lr, nesterov.momentum) == (0.05, 0.9)
    with pytest.raises(ValueError, match="optimizer: expected one of"):
        make_optimizer(_tiny_task(optimizer="sgd"))
    for name in ("adam", "nesterov"):
        plain = train_cnn(_tiny_task(optimizer=name)).test_logits
        vanishing = train_cnn(_tiny_task(optimizer=name, sam_rho=1e-9)).test_logits
        sharp = train_cnn(_tiny_task(optimizer=name, sam_rho=0.5)).test_logits
        assert np.all(np.isfinite(sharp))
        assert np.allclose(vanishing, plain, rtol=1e-4, atol=1e-5), name
        assert not np.allclose(sharp, plain, rtol=1e-3, atol=1e-3), name
        # sam_adaptive measures the ball relative to each weight (ASAM): another probe point.
        relative = train_cnn(_tiny_task(optimizer=name, sam_rho=0.5, sam_adaptive=True))
        assert np.all(np.isfinite(relative.test_logits))
        assert not np.allclose(relative.test_logits, sharp, rtol=1e-3, atol=1e-3), name
        assert not np.allclose(relative.test_logits, plain, rtol=1e-3, atol=1e-3), name
    adam, nesterov = (train_cnn(_tiny_task(optimizer=n)).test_logits for n in ("adam", "nesterov"))
    assert not np.allclose(adam, nesterov, rtol=1e-3, atol=1e-3)


def test_replayed_early_stopping_keeps_the_epoch_training_would_have_kept():
    history = [0.5, 0.7, 0.6, 0.65, 0.9, 0.95]
    assert _early_stopped_epoch(history, patience=2) == 1  # stopped at epoch 3
    assert _early_stopped_epoch(history, patience=4) == 5


def test_an_ensemble_reports_its_members_mean_logits_and_is_explained_as_one_function():
    """``combine_members`` averages the members' logits; the function the explainers see
    gives the same mean logits (graph path vs ``predict_batches``, float32, rel 1e-5), so
    integrated gradients start from the ensemble's logit at the baseline and add up to its
    change (trapezoidal error)."""
    from glassml.explain import integrated_gradients

    rng = np.random.default_rng(0)
    images = rng.normal(size=(6, 1, 12, 12))
    networks = [build_network((3, 4), (1, 12, 12), 0.5, seed=s).eval() for s in (1, 2)]
    single = [
        CNNResult(
            seed=s,
            state=n.state_dict(),
            val_logits=rng.normal(size=(4, 2)),
            test_logits=rng.normal(size=(5, 2)),
            best_epoch=3,
            seconds=1.0,
        )
        for s, n in zip((1, 2), networks, strict=True)
    ]
    assert combine_members(single[:1]) is single[0]
    both = combine_members(single)
    assert np.array_equal(both.test_logits, (single[0].test_logits + single[1].test_logits) / 2)
    assert np.array_equal(both.val_logits, (single[0].val_logits + single[1].val_logits) / 2)
    assert len(both.members) == 2 and both.seed == 1 and both.seconds == 2.0
    mean = ensemble_logits(networks, images)
    direct = ensemble_function(networks)(ad.Tensor(images.astype(np.float32))).numpy()
    assert np.allclose(direct, mean, rtol=1e-5, atol=1e-6)
    assert not np.allclose(mean, ensemble_logits(networks[:1], images))
    baseline = np.zeros((1, 12, 12))
    ig = integrated_gradients(ensemble_function(networks), images, baseline, 64, target=0)
    at_baseline = ensemble_logits(networks, baseline[None])[0, 0]
    assert np.allclose(ig.base_values, at_baseline, rtol=1e-5, atol=1e-6)
    gap = ig.values.reshape(6, -1).sum(axis=1) + ig.base_values - mean[:, 0]
    assert np.max(np.abs(gap)) < 0.05 * np.max(np.abs(mean[:, 0] - at_baseline)) + 1e-3


def test_ensemble_members_keep_the_single_network_seed_first(tmp_path):
    """Member 0 of each seed is the network the study trained alone (so members = 1 is the
    previous study exactly); every other member has its own seed."""
    from types import SimpleNamespace

    from glassml.casestudies._medical import Standardised

    data = load(_npz(tmp_path / "breastmnist.npz"), "no")
    context = SimpleNamespace(
        seed=0,
        quick=False,
        options={
            "epochs": 5,
            "quick_epochs": 2,
            "members": 3,
            "quick_members": 1,
            "tta_shift": 1,
            "optimizer": "nesterov",
            "quick_optimizer": "adam",
        },
    )
    grouped = _cnn_tasks(context, data, Standardised(0.3, 0.2))
    seeds = np.random.SeedSequence(0).generate_state(3)
    assert [len(group) for group in grouped] == [3, 3, 3]
    assert [group[0].seed for group in grouped] == [int(s) for s in seeds]
    assert [g[2].seed for g in grouped] == [member_seed(int(s), 2) for s in seeds]
    assert len({task.seed for group in grouped for task in group}) == 9
    assert all(task.swa_epochs == 5 and task.epochs == 5 for g in grouped for task in g)
    assert all(task.tta_shift == 1 for g in grouped for task in g)
    assert all((t.optimizer, t.learning_rate) == ("nesterov", 0.05) for g in grouped for t in g)
    quick = _cnn_tasks(
        SimpleNamespace(**{**vars(context), "quick": True}), data, Standardised(0, 1)
    )
    assert len(quick) == 1 and len(quick[0]) == 1 and quick[0][0].channels == (8, 16, 32)
    assert (quick[0][0].optimizer, quick[0][0].learning_rate) == ("adam", 1e-3)


def test_an_ensemble_per_seed_runs_end_to_end_and_its_mean_logit_is_explained(tmp_path):
    """A reduced run (1 epoch, 2 networks per seed) on a small archive: finite metrics, the
    report names the ensemble, and integrated gradients are complete for its mean logit."""
    data = _npz(tmp_path / "breastmnist.npz", n=(48, 24, 24))
    options = {"quick_epochs": 1, "quick_members": 2}
    result = casestudies.run(
        "medical", data=data, out=tmp_path / "out", quick=True, seed=1, options=options
    )
    metrics = result.metrics
    assert metrics["n_seeds"] == 1 and metrics["n_members"] == 2
    assert all(math.isfinite(value) for value in metrics.values())
    assert metrics["ig_completeness_gap"] < 0.5
    assert "ensemble of 2 such networks" in result.report_path.read_text()


def test_ensemble_gain_is_paired_against_the_members_mean():
    """Per fold: gain = ensemble AUC - mean of the members alone; mean and se over folds."""
    rule = "SWA last 10, flip"
    table = {0: (0.80, 0.84, 0.82, 0.85), 1: (0.90, 0.86, 0.88, 0.91)}  # m1, m2, m3, ens3
    rows = [
        {"recipe": "r", "rule": name, "fold": fold, "auc": auc}
        for fold, aucs in table.items()
        for name, auc in zip(
            (rule, f"member 2, {rule}", f"member 3, {rule}", f"ensemble of 3, {rule}"),
            aucs,
            strict=True,
        )
    ]
    rows.append({"recipe": "single", "rule": rule, "fold": 0, "auc": 0.5})
    (row,) = ensemble_gains(rows)
    assert row["folds"] == [0, 1]
    assert np.allclose(row["members alone, mean"], [0.82, 0.88])
    assert np.isclose(row["gain"], 0.03) and np.isclose(row["gain se"], 0.0)
