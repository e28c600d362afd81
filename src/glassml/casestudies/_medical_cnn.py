"""The medical study's convolutional network: augmentation, class-weighted loss, training.

Network: blocks of conv 3x3 (padding 1) - batch norm - ReLU - max-pool 2, then dropout and a
dense layer to two logits (``glassml.nn``). Objective, for class weights w_k = n / (2 n_k):

    L(θ) = Σ_i w_{y_i} CE(softmax(f_θ(a(x_i))), y_i) / Σ_i w_{y_i}  +  (α / 2|B|) Σ ||W||²

where a is a random augmentation drawn afresh for every image of every batch (a horizontal
flip with probability 1/2, a rotation of up to ``max_degrees`` and a shift of up to
``max_shift`` pixels, one affine warp with bilinear interpolation; then a gain and offset of
the grey levels). Adam, or SGD with Nesterov momentum (the study's choice, by the same
cross-validation), updates θ, optionally inside sharpness-aware minimisation (``sam_rho``;
relative to each weight, ASAM, with ``sam_adaptive``); after each epoch the validation AUC is
measured. The model is either the average of the last ``swa_epochs`` epochs' weights
(stochastic weight averaging; the study's choice, made by cross-validation in
``_medical_cv.py``) or, with ``swa_epochs = 0``, the weights of the best
validation epoch (early stopping after ``patience`` epochs without improvement).

``train_cnn`` is a module-level function of one :class:`CNNTask` that carries its own seed, so
that ``context.map`` gives the same result serially and on Dask.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.metrics import roc_auc_score

import glassml.autodiff as ad
from glassml._validation import check_count, check_option
from glassml.nn import (
    AvgPool2D,
    BatchNorm2d,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    ReLU,
    Sequential,
    predict_batches,
    train_step,
)
from glassml.optim import SAM, Adam, Nesterov


def augment(
    images: np.ndarray,
    rng: np.random.Generator,
    max_shift: float = 2.0,
    max_degrees: float = 10.0,
    flip: bool = True,
    contrast: float = 0.0,
    brightness: float = 0.0,
) -> np.ndarray:
    """Random flips, rotations and shifts of a batch (n, C, H, W), in one affine warp each,
    then a random gain and offset of the grey levels.

    Output pixel p (centred coordinates) reads the input at R(-θ)(p - t), mirrored left-right
    when flipped, by bilinear interpolation; coordinates outside the image are clamped to its
    edge (ultrasound borders are dark, so the edge is a neutral fill). Then
    x <- (1 + g) x + b with g ~ U(-contrast, contrast), b ~ U(-brightness, brightness) per
    image, as an ultrasound machine's gain setting varies (on standardised images).
    """
    n, _, height, width = images.shape
    theta = np.deg2rad(rng.uniform(-max_degrees, max_degrees, n))[:, None, None]
    shift = rng.uniform(-max_shift, max_shift, (n, 2))
    mirrored = (rng.random(n) < 0.5) if flip else np.zeros(n, dtype=bool)
    ci, cj = (height - 1) / 2.0, (width - 1) / 2.0
    rows, cols = np.meshgrid(np.arange(height) - ci, np.arange(width) - cj, indexing="ij")
    di = rows[None] - shift[:, 0, None, None]
    dj = cols[None] - shift[:, 1, None, None]
    cos, sin = np.cos(theta), np.sin(theta)
    src_i = np.clip(cos * di + sin * dj + ci, 0.0, height - 1.0)
    src_j = np.clip(-sin * di + cos * dj + cj, 0.0, width - 1.0)
    src_j = np.where(mirrored[:, None, None], (width - 1.0) - src_j, src_j)
    i0 = np.minimum(np.floor(src_i).astype(np.intp), height - 2)
    j0 = np.minimum(np.floor(src_j).astype(np.intp), width - 2)
    fi = (src_i - i0)[:, None].astype(images.dtype)
    fj = (src_j - j0)[:, None].astype(images.dtype)
    batch = np.arange(n)[:, None, None]

    def at(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.moveaxis(images[batch, :, i, j], -1, 1)  # (n, H, W, C) -> (n, C, H, W)

    top = at(i0, j0) * (1 - fj) + at(i0, j0 + 1) * fj
    bottom = at(i0 + 1, j0) * (1 - fj) + at(i0 + 1, j0 + 1) * fj
    out = top * (1 - fi) + bottom * fi
    if contrast or brightness:
        gain = 1.0 + rng.uniform(-contrast, contrast, n)[:, None, None, None]
        out = gain * out + rng.uniform(-brightness, brightness, n)[:, None, None, None]
    return out.astype(images.dtype, copy=False)


def build_network(
    channels: tuple[int, ...],
    input_shape: tuple[int, int, int],
    dropout: float,
    seed: int,
    head: str = "flatten",
    convs: int = 1,
) -> Sequential:
    """conv-BN-ReLU-pool blocks, dropout, two logits; built with the seed's initial weights.

    ``head="flatten"`` feeds every position of the last block's pooled map to the dense layer;
    ``head="average"`` replaces the last block's max-pool by the average over its whole map
    (global average pooling, Lin et al., 2014), so the dense layer sees one value per channel
    wherever in the image the pattern was found. ``convs = 2`` stacks two conv-BN-ReLU in each
    block before its pool (Simonyan & Zisserman, 2015): a 5x5 receptive field per block at the
    cost of 3x3 weights twice."""
    if head not in ("flatten", "average"):
        raise ValueError(f"head: expected 'flatten' or 'average', got {head!r}")
    convs = check_count(convs, "convs")
    layers: list[Any] = []
    side = min(input_shape[1:])
    for k, width in enumerate(channels):
        last = k == len(channels) - 1
        pool = AvgPool2D(side) if last and head == "average" else MaxPool2D(2)
        for _ in range(convs):
            layers += [Conv2D(width, 3, padding=1), BatchNorm2d(), ReLU()]
        layers.append(pool)
        side //= 2
    layers += [Flatten(), Dropout(dropout), Dense(2)]
    network = Sequential(layers)
    network.build(input_shape, np.random.default_rng(seed))
    return network


def task_network(task: CNNTask, seed: int = 0) -> Sequential:
    """The task's architecture with the seed's initial weights (0 when a state is loaded)."""
    return build_network(
        task.channels, task.X_train.shape[1:], task.dropout, seed, task.head, task.convs
    )


def class_weights(labels: np.ndarray) -> np.ndarray:
    """w_k = n / (2 n_k): both classes carry equal total weight (scikit-learn's "balanced")."""
    counts = np.bincount(labels, minlength=2).astype(np.float64)
    return len(labels) / (2.0 * np.maximum(counts, 1.0))


def weighted_cross_entropy(logits: ad.Tensor, labels: np.ndarray, weights: np.ndarray):
    """Σ_i w_i CE_i / Σ_i w_i (a weighted mean, so the learning rate keeps its meaning).

    ``labels`` are class indices (n,) or target probabilities (n, 2) (mixup, smoothing)."""
    losses = ad.softmax_cross_entropy(logits, labels, axis=-1, reduction="none")
    return ad.sum(losses * weights) / float(weights.sum())


@dataclass
class CNNTask:
    """Everything one training run needs; images already standardised, (n, C, H, W) float32."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    positive: int  # the class whose probability is scored (AUC, thresholds)
    seed: int
    channels: tuple[int, ...] = (24, 48, 96)
    head: str = "flatten"  # or "average": global average pooling of the last block
    convs: int = 1  # conv-BN-ReLU layers per block
    epochs: int = 60
    patience: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    weight_decay: float = 1e-3
    dropout: float = 0.3
    max_shift: float = 2.0
    max_degrees: float = 10.0
    contrast: float = 0.1
    brightness: float = 0.1
    cosine: bool = True  # learning rate decays as a half cosine to 5% over ``epochs``
    flip_average: bool = True  # predict with the mean logits of the image and its mirror
    # > 0: also average over the image shifted by this many pixels up, down, left and right
    # (test-time augmentation with the training augmentation's own shifts; 0: off)
    tta_shift: int = 0
    mixup: float = 0.0  # Beta(a, a) mixing of image pairs within a batch (0: off)
    label_smoothing: float = 0.1  # targets (1 - eps) onehot + eps / 2
    optimizer: str = "adam"  # or "nesterov": SGD with Nesterov momentum 0.9
    sam_rho: float = 0.0  # > 0: sharpness-aware steps around the optimiser (glassml.optim.SAM)
    sam_adaptive: bool = False  # ... with the ball relative to each weight (ASAM)
    # > 0: no early stopping; the model is the average of the weights of the last
    # ``swa_epochs`` epochs (stochastic weight averaging) with its batch-norm statistics
    # recomputed on the training images.
    swa_epochs: int = 0
    record_states: bool = False  # keep every epoch's weights (for cross-validation)


@dataclass
class CNNResult:
    seed: int
    state: dict[str, np.ndarray]
    val_logits: np.ndarray
    test_logits: np.ndarray
    best_epoch: int
    history: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    states: list[dict[str, np.ndarray]] = field(default_factory=list)  # with record_states
    # An ensemble's members' weights (``combine_members``); empty for a single network.
    member_states: list[dict[str, np.ndarray]] = field(default_factory=list)

    @property
    def members(self) -> list[dict[str, np.ndarray]]:
        """The weights of every network whose mean logits this result reports."""
        return self.member_states or [self.state]


def member_seed(seed: int, member: int) -> int:
    """The seed of an ensemble's member ``member`` >= 1; member 0 keeps ``seed`` itself, so an
    ensemble of one is the single network of that seed."""
    return int(np.random.SeedSequence([seed, member]).generate_state(1)[0])


def combine_members(results: list[CNNResult]) -> CNNResult:
    """An ensemble of networks trained on the same images from different seeds (initial
    weights, batch order, augmentation): its logits are the members' mean logits
    (Lakshminarayanan et al., 2017, average probabilities; on logits the mean is the
    geometric mean of the odds, which keeps the flip average and temperature scaling in one
    space). Member 0's history and kept epoch stand for the ensemble's in the figures."""
    first = results[0]
    if len(results) == 1:
        return first
    return CNNResult(
        seed=first.seed,
        state=first.state,
        val_logits=np.mean([r.val_logits for r in results], axis=0),
        test_logits=np.mean([r.test_logits for r in results], axis=0),
        best_epoch=first.best_epoch,
        history=first.history,
        seconds=sum(r.seconds for r in results),
        member_states=[r.state for r in results],
    )


def ensemble_networks(task: CNNTask, result: CNNResult) -> list[Sequential]:
    """The result's member networks, built and loaded, in evaluation mode."""
    networks = []
    for state in result.members:
        network = task_network(task)
        network.load_state_dict(state)
        networks.append(network.eval())
    return networks


def ensemble_function(networks: list[Sequential]):
    """The ensemble as one differentiable function of a Tensor batch: the members' mean
    logits (members in evaluation mode), for the gradient explainers."""

    def mean_logits(x):
        total = networks[0](x)
        for member in networks[1:]:
            total = total + member(x)
        return total * (1.0 / len(networks))

    return mean_logits


def ensemble_logits(networks: list[Sequential], images: np.ndarray) -> np.ndarray:
    """Mean logits of the networks (evaluation mode, float64), without the mirror average."""
    return np.mean([predict_batches(n, images, dtype=np.float64) for n in networks], axis=0)


def soft_targets(
    labels: np.ndarray,
    weights: np.ndarray,
    rng: np.random.Generator,
    mixup: float,
    smoothing: float,
) -> tuple[np.ndarray | None, float, np.ndarray, np.ndarray]:
    """Mixup (Zhang et al., 2018) and label smoothing (Szegedy et al., 2016) of a batch.

    With lambda ~ Beta(a, a) and a permutation pi of the batch, image i becomes
    lambda x_i + (1 - lambda) x_pi(i), its target lambda e_{y_i} + (1 - lambda) e_{y_pi(i)}
    and its class weight lambda w_i + (1 - lambda) w_pi(i); smoothing then mixes the target
    with the uniform distribution: q <- (1 - eps) q + eps / 2. Returns pi (None without
    mixup), lambda, the targets (n, 2) and the weights (n,); the caller mixes the images.
    """
    onehot = np.eye(2)[labels]
    if mixup > 0:
        lam = float(rng.beta(mixup, mixup))
        pair = rng.permutation(len(labels))
        onehot = lam * onehot + (1 - lam) * onehot[pair]
        weights = lam * weights + (1 - lam) * weights[pair]
    else:
        pair, lam = None, 1.0
    return pair, lam, (1 - smoothing) * onehot + smoothing / 2, weights


def positive_probability(logits: np.ndarray, positive: int) -> np.ndarray:
    """p(positive class) from two logits: the logistic of their difference (stable)."""
    return expit(logits[:, positive] - logits[:, 1 - positive])


def shift_image(images: np.ndarray, di: int, dj: int) -> np.ndarray:
    """The batch (n, C, H, W) moved by di rows and dj columns; pixels that come in from
    outside repeat the edge, as ``augment``'s clamped coordinates do."""
    s = max(abs(di), abs(dj))
    if s == 0:
        return images
    height, width = images.shape[-2:]
    padded = np.pad(images, ((0, 0), (0, 0), (s, s), (s, s)), mode="edge")
    return padded[..., s - di : s - di + height, s - dj : s - dj + width]


def predict_logits(
    network: Sequential, images: np.ndarray, flip_average: bool, tta_shift: int = 0
) -> np.ndarray:
    """Logits in evaluation mode (float64); with ``flip_average`` the mean over the image and
    its left-right mirror, the symmetry the training augmentation taught the network; with
    ``tta_shift`` = s > 0 also over the image moved by s pixels in each of the four directions
    (so 5 positions, times 2 with the mirror)."""
    offsets = [(0, 0)]
    if tta_shift:
        s = int(tta_shift)
        offsets += [(s, 0), (-s, 0), (0, s), (0, -s)]
    views = [shift_image(images, di, dj) for di, dj in offsets]
    if flip_average:
        views += [view[..., ::-1] for view in views]
    return np.mean([predict_batches(network, v, dtype=np.float64) for v in views], axis=0)


def average_weights(
    network: Sequential, states: list[dict[str, np.ndarray]], images: np.ndarray
) -> dict[str, np.ndarray]:
    """Stochastic weight averaging (Izmailov et al., 2018): θ̄ = mean of the snapshots' weights.

    The running batch-norm statistics of the snapshots do not describe the averaged network's
    activations, so they are recomputed: one forward pass over all ``images`` at once with only
    the batch-norm layers in training mode and momentum 1, which sets each running mean and
    variance to the population statistics of θ̄'s own activations. Returns θ̄'s state; the
    network is left holding it, in evaluation mode.
    """
    network.load_state_dict({k: np.mean([s[k] for s in states], axis=0) for k in states[0]})
    norms = [m for m in network.modules() if isinstance(m, BatchNorm2d)]
    momenta = [m.momentum for m in norms]
    network.eval()
    try:
        for m in norms:
            m.momentum = 1.0
            m.train()
        with ad.no_grad():
            network.forward(ad.Tensor(images.astype(network.dtype, copy=False)))
    finally:
        for m, momentum in zip(norms, momenta, strict=True):
            m.momentum = momentum
        network.eval()
    return network.state_dict()


STEP_RULES = ("adam", "nesterov")  # the values of ``CNNTask.optimizer``


def make_optimizer(task: CNNTask) -> Adam | Nesterov:
    """The task's step optimiser at its initial learning rate."""
    name = check_option(task.optimizer, "optimizer", STEP_RULES)
    if name == "nesterov":
        return Nesterov(lr=task.learning_rate, momentum=0.9)
    return Adam(lr=task.learning_rate)


def train_cnn(task: CNNTask) -> CNNResult:
    """Train one network from ``task.seed``; keep the epoch with the best validation AUC."""
    start = time.perf_counter()
    rng = np.random.default_rng(task.seed)
    network = task_network(task, int(rng.integers(2**31)))
    optimizer = make_optimizer(task)
    if task.sam_rho > 0:
        optimizer = SAM(optimizer, rho=task.sam_rho, adaptive=task.sam_adaptive)
    weights = class_weights(task.y_train)[task.y_train].astype(network.dtype)
    positive_val = (task.y_val == task.positive).astype(int)
    history: dict[str, list[float]] = {"loss": [], "val_auc": []}
    best = (-np.inf, 0, network.state_dict())
    states: list[dict[str, np.ndarray]] = []
    n = len(task.y_train)
    for epoch in range(task.epochs):
        if task.cosine:
            progress = epoch / max(task.epochs - 1, 1)
            optimizer.lr = task.learning_rate * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * progress)))
        order = rng.permutation(n)
        total = 0.0
        for begin in range(0, n, task.batch_size):
            rows = order[begin : begin + task.batch_size]
            if len(rows) < 2:  # batch norm needs two images to estimate a variance
                continue
            batch = augment(
                task.X_train[rows],
                rng,
                task.max_shift,
                task.max_degrees,
                contrast=task.contrast,
                brightness=task.brightness,
            )
            targets: np.ndarray = task.y_train[rows]
            w = weights[rows]
            if task.mixup > 0 or task.label_smoothing > 0:
                pair, lam, targets, w = soft_targets(
                    targets, w, rng, task.mixup, task.label_smoothing
                )
                targets, w = targets.astype(network.dtype), w.astype(weights.dtype)
                if pair is not None:
                    batch = (lam * batch + (1 - lam) * batch[pair]).astype(batch.dtype)
            loss, _ = train_step(
                network,
                batch,
                targets,
                lambda out, y, w=w: weighted_cross_entropy(out, y, w),
                optimizer,
                alpha=task.weight_decay,
            )
            total += loss * len(rows)
        logits = predict_logits(network, task.X_val, task.flip_average, task.tta_shift)
        auc = float(roc_auc_score(positive_val, positive_probability(logits, task.positive)))
        history["loss"].append(total / n)
        history["val_auc"].append(auc)
        if task.record_states or epoch >= task.epochs - task.swa_epochs:
            states.append(network.state_dict())
        if auc > best[0]:
            best = (auc, epoch, network.state_dict())
        elif epoch - best[1] >= task.patience and not task.swa_epochs:
            break
    if task.swa_epochs:
        kept = states[-task.swa_epochs :]
        best = (np.nan, task.epochs - 1, average_weights(network, kept, task.X_train))
    network.load_state_dict(best[2])
    return CNNResult(
        seed=task.seed,
        state=best[2],
        val_logits=predict_logits(network, task.X_val, task.flip_average, task.tta_shift),
        test_logits=predict_logits(network, task.X_test, task.flip_average, task.tta_shift),
        best_epoch=best[1],
        history=history,
        seconds=time.perf_counter() - start,
        states=states if task.record_states else [],
    )
