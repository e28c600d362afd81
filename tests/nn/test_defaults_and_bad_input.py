"""Defaults a user relies on and the issue-9 failures of glassml.nn, one test each.

References and tolerances
-------------------------
- Layers build on their first call (Keras's convention): the output equals that of the same
  layer built explicitly on the input's shape with the same generator, exactly.
- ``CNNClassifier()`` trains to convergence: on a small noisy digits problem (150 images, 5
  classes, 20 % of labels replaced at random) the default stops by early stopping (before
  ``max_iter``, ``n_iter_no_change`` epochs after its best validation loss) and not before
  epoch 20, where the validation loss is still more than 0.05 above its best (measured: 0.95
  at epoch 20, best 0.71 at epoch 55).
- Flat rows: a row of 64 values is the 8x8 image it was flattened from (identical predictions);
  a row of d values with ``input_shape=(C, H, W)`` is reshaped exactly; d = 5 without it is a
  3x3 image with 4 zero pixels.
- Bad input gets a ValueError naming the argument (the robustness suite probes the rest).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

import glassml.autodiff as ad
from glassml import nn
from glassml.optim import Adam, GradientDescent

LAYERS = {
    "dense": (lambda: nn.Dense(3), (4, 5)),
    "conv2d": (lambda: nn.Conv2D(2, 3, padding=1), (2, 1, 5, 5)),
    "maxpool2d": (lambda: nn.MaxPool2D(2), (2, 2, 4, 4)),
    "avgpool2d": (lambda: nn.AvgPool2D(2), (2, 2, 4, 4)),
    "flatten": (lambda: nn.Flatten(), (2, 2, 3, 3)),
    "dropout": (lambda: nn.Dropout(0.5), (4, 6)),
    "batchnorm1d": (lambda: nn.BatchNorm1d(), (4, 6)),
    "batchnorm2d": (lambda: nn.BatchNorm2d(), (4, 3, 2, 2)),
    "relu": (lambda: nn.ReLU(), (4, 6)),
    "leaky_relu": (lambda: nn.LeakyReLU(), (4, 6)),
    "tanh": (lambda: nn.Tanh(), (4, 6)),
    "sigmoid": (lambda: nn.Sigmoid(), (4, 6)),
    "gelu": (lambda: nn.GELU(), (4, 6)),
    "sequential": (lambda: nn.Sequential([nn.Dense(4), nn.ReLU(), nn.Dense(2)]), (3, 5)),
    "conv1d": (lambda: nn.Conv1D(3, 3, padding=1), (2, 7, 4)),
    "lstm": (lambda: nn.LSTM(3), (2, 5, 4)),
    "gru": (lambda: nn.GRU(3, return_sequences=True), (2, 5, 4)),
    "global_average_pool1d": (lambda: nn.GlobalAveragePool1D(), (2, 5, 4)),
}


def test_every_layer_type_is_covered():
    assert set(LAYERS) == set(nn.LAYER_TYPES)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_a_layer_builds_on_its_first_call(name):
    make, shape = LAYERS[name]
    x = np.random.default_rng(0).standard_normal(shape)
    lazy, explicit = make(), make()
    assert not lazy.built
    explicit.build(shape[1:], np.random.default_rng(1), np.float64)
    out = lazy(x)  # builds from x.shape[1:] in x's dtype
    assert lazy.built and lazy.input_shape == shape[1:] and lazy.dtype == np.float64
    assert out.shape == (shape[0], *lazy.output_shape) == (shape[0], *explicit.output_shape)
    lazy.load_state_dict(explicit.state_dict())
    lazy.eval(), explicit.eval()
    assert np.array_equal(lazy(x).data, explicit(x).data)
    with pytest.raises(ValueError, match=r"x: expected samples of shape"):
        lazy(np.zeros((2, *(size + 1 for size in shape[1:]))))


def test_a_sequential_of_built_layers_keeps_their_weights():
    """Layers of a trained network reused in a new Sequential (a trunk, or a trunk with a new
    head) keep their weights on the first call; only the unbuilt layers are initialised,
    on the shape the built ones hand on. An explicit build() still re-initialises them all."""
    x = np.random.default_rng(0).standard_normal((3, 1, 6, 6))
    net = nn.Sequential([nn.Conv2D(2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Dense(3)])
    net.build((1, 6, 6), np.random.default_rng(1), np.float64)
    before = {key: value.copy() for key, value in net.state_dict().items()}
    trunk = nn.Sequential(net.layers[:3])
    features = trunk(x).data
    assert np.array_equal(features, np.maximum(net.layers[0](x).data, 0).reshape(3, -1))
    assert trunk.built and trunk.output_shape == (72,) and trunk.dtype == np.float64
    head = nn.Sequential([nn.Sequential(net.layers[:3]), nn.Dense(4)])  # nested, new head
    assert head(x).shape == (3, 4) and head.layers[1].input_shape == (72,)
    assert all(np.array_equal(net.state_dict()[k], v) for k, v in before.items())
    assert np.array_equal(net(x).data, nn.Sequential(net.layers)(x).data)
    with pytest.raises(ValueError, match=r"x: layer 0 \(Conv2D\) is built for samples of shape"):
        nn.Sequential(net.layers[:2])(np.zeros((2, 1, 7, 7)))
    with pytest.raises(ValueError, match=r"x: layer 1 \(Dense\) is built for samples of shape"):
        nn.Sequential([nn.Dense(5), net.layers[3]])(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"layers: the built layers mix dtypes"):
        mixed = nn.Dense(72)
        mixed.build((72,), np.random.default_rng(2), np.float32)
        nn.Sequential([trunk, mixed])(x)
    rebuilt = nn.Sequential(net.layers[:1])
    rebuilt.build((1, 6, 6), np.random.default_rng(3), np.float64)  # explicit: fresh weights
    assert not np.array_equal(net.state_dict()["0.weight"], before["0.weight"])


def test_dense_called_on_its_own():
    out = nn.Dense(3)(np.ones((2, 4), dtype=np.float32))
    assert out.shape == (2, 3) and out.dtype == np.float32


# ------------------------------------------------------------------------ CNN defaults
def noisy_digits(n=150, classes=5, noise=0.2, seed=0):
    X, y = load_digits(return_X_y=True)
    mask = np.isin(y, range(classes))
    images, labels = (X[mask] / 16.0).reshape(-1, 8, 8)[:n], y[mask][:n].copy()
    rng = np.random.default_rng(seed)
    flip = rng.random(n) < noise
    labels[flip] = rng.integers(0, classes, flip.sum())
    return images, labels


def test_cnn_defaults_train_to_convergence_by_early_stopping():
    images, labels = noisy_digits()
    model = nn.CNNClassifier(random_state=0)
    assert model.early_stopping and model.max_iter >= 100
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # the cap must not be what stops it
        model.fit(images, labels)
    # Stopped by patience: n_iter_no_change epochs after the last epoch that improved the
    # best validation loss by more than tol (the documented rule; the argmin itself can be a
    # later epoch that improved by less than tol, as for seed 67).
    best_value, last_improvement = np.inf, -1
    for epoch, value in enumerate(model.history_["val_loss"]):
        if value < best_value - model.tol:
            best_value, last_improvement = value, epoch
    assert model.n_iter_ == last_improvement + 1 + model.n_iter_no_change
    # Longer than the old default of 20 epochs, and not stopped by the cap. Over 112 seeds
    # n_iter_ ranged 32-134 (log n_iter_ 4.13 +- 0.30): a log-normal fit gives 8e-5 below 21
    # and 6e-5 at the cap of 200. (The old check, validation loss at epoch 20 above the best
    # by 0.05, failed for 6 of those 112 seeds: the gap is 0.30 +- 0.15, no bound for one run.)
    assert 20 < model.n_iter_ < model.max_iter


def test_cnn_reads_flat_rows():
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16.0, y[:300]
    common = {"max_iter": 3, "early_stopping": False, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        flat = nn.CNNClassifier(**common).fit(X, y)
        images = nn.CNNClassifier(**common).fit(X.reshape(-1, 8, 8), y)
        shaped = nn.CNNClassifier(input_shape=(1, 8, 8), **common).fit(X, y)
        odd = nn.CNNClassifier(**common).fit(X[:, :5], y)
    assert flat.input_shape_ == images.input_shape_ == shaped.input_shape_ == (1, 8, 8)
    assert np.array_equal(flat.predict_proba(X), images.predict_proba(X.reshape(-1, 8, 8)))
    assert np.array_equal(shaped.predict_proba(X), flat.predict_proba(X))
    assert odd.input_shape_ == (1, 3, 3) and odd.n_features_in_ == 5
    with pytest.raises(ValueError, match=r"input_shape: expected .* C H W = 64"):
        nn.CNNClassifier(input_shape=(2, 8, 8), **common).fit(X, y)
    with pytest.raises(ValueError, match=r"X, architecture: .* rows of 1 feature\(s\) read as"):
        nn.CNNClassifier(**common).fit(X[:, :1], y)


# ------------------------------------------------------------------------ training loop
def blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    return np.array([[2.0, 0.0], [-2.0, 1.0], [0.0, -2.5]])[labels] + rng.normal(
        size=(n, 2)
    ), labels


def model():
    return nn.Sequential([nn.Dense(8), nn.ReLU(), nn.Dense(3)])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_unscaled_data_is_blamed_before_the_learning_rate():
    X, y = blobs()
    net = model()
    net.build((2,), np.random.default_rng(0), np.float64)
    with pytest.raises(ValueError, match=r"X: the largest \|value\| is [\d.]+e\+300.*standardise"):
        nn.fit(net, X * 1e300, y, loss="cross_entropy", optimizer=Adam(), verbose=0)
    with pytest.raises(ValueError, match=r"X: the largest \|value\| is [\d.]+e\+30,.*float32"):
        nn.fit(model(), X * 1e30, y, loss="cross_entropy", optimizer=Adam(), verbose=0)
    # Inside the representable range but unscaled: the loss overflows, and the data is named.
    net = model()
    net.build((2,), np.random.default_rng(0), np.float64)
    overflow = r"X: (training loss|the gradients) became .* values up to [\d.]+e\+150"
    with pytest.raises(ValueError, match=overflow):
        nn.fit(net, X * 1e150, y, loss="cross_entropy", optimizer=GradientDescent(lr=1.0),
               epochs=3, verbose=0, random_state=0)  # fmt: skip
    # Data of ordinary scale: the learning rate is the suspect.
    regression = nn.Sequential([nn.Dense(8), nn.Tanh(), nn.Dense(1)])
    with pytest.raises(FloatingPointError, match=r"became .* lower the learning rate"):
        nn.fit(regression, X, y * 1.0, loss="mse", optimizer=GradientDescent(lr=1e30),
               epochs=30, verbose=0, random_state=0)  # fmt: skip


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: nn.fit(model(), None, blobs()[1], loss="mse", optimizer=Adam()), "^X:"),
        (lambda: nn.fit(model(), blobs()[0], None, loss="mse", optimizer=Adam()), "^y:"),
        (lambda: nn.fit(model(), blobs()[0] + 1j, blobs()[1], loss="mse", optimizer=Adam()), "^X:"),
        (lambda: nn.fit("net", *blobs(), loss="mse", optimizer=Adam()), "^model:"),
        (lambda: nn.train_step(model(), *blobs(), nn.mean_squared_error, 42), "^optimizer:"),
        (lambda: nn.fit(model(), *blobs(), loss="mse", optimizer=Adam(), epochs=2.5), "^epochs:"),
        (
            lambda: nn.fit(model(), *blobs(), loss="mse", optimizer=Adam(), verbose="yes"),
            "^verbose",
        ),
        (lambda: nn.softmax_cross_entropy(np.zeros((2, 3)), [0, 1.5]), "^labels:"),
        (lambda: nn.binary_cross_entropy_with_logits(np.zeros((2, 1)), [0, 2.0]), "^targets:"),
        (lambda: nn.Dense(3, bias="yes"), "^bias:"),
        (lambda: nn.Dropout("0.5"), "^rate:"),
        (lambda: nn.EarlyStopping(restore_best="no"), "^restore_best:"),
        (lambda: nn.Sequential([nn.Dense(2)]).train("yes"), "^mode:"),
    ],
)
def test_bad_input_is_named(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


def test_numpy_scalars_are_legal_in_fit():
    X, y = blobs()
    history = nn.fit(model(), X, y, loss="cross_entropy", optimizer=Adam(lr=np.float32(0.01)),
                     epochs=np.int64(2), batch_size=np.int64(8), alpha=np.float64(1e-3),
                     early_stopping=np.int64(3), verbose=0, random_state=np.int64(0))  # fmt: skip
    assert history["loss"].shape == (2,)


def test_progress_callback_sees_every_batch_and_epoch():
    X, y = blobs(50)
    events = []
    nn.fit(model(), X, y, loss="cross_entropy", optimizer=Adam(), epochs=2, batch_size=20,
           metric="accuracy", progress=events.append, verbose=1, random_state=0)  # fmt: skip
    batches = [event for event in events if not event.end_of_epoch]
    epochs = [event for event in events if event.end_of_epoch]
    assert [event.done for event in batches] == [20, 40, 50] * 2
    assert [event.epoch for event in epochs] == [0, 1]
    assert set(epochs[0].logs) == {"loss", "accuracy", "lr", "samples_per_s"}
    assert str(epochs[1]).startswith("epoch 2/2  loss ")


def test_gradients_through_a_layer_called_lazily_match_finite_differences():
    from parity import check_grad

    layer = nn.Dense(2)
    x = np.random.default_rng(0).standard_normal((3, 4))
    layer(x)  # built in float64
    weight = layer._params["weight"].copy()

    def loss(w):
        layer._leaves = {"weight": w, "bias": ad.Tensor(layer._params["bias"])}
        return ad.sum(ad.tanh(layer.forward(ad.Tensor(x))))

    check_grad(loss, weight, tol=1e-6)
    layer._leaves = None
