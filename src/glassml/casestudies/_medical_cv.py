"""Choosing the medical CNN's recipe by cross-validation on training + validation images.

The official validation set of BreastMNIST has 78 images (21 malignant): its AUC moves by
about 0.03 between seeds of one recipe, more than the differences between recipes. So the
recipe is chosen here, by stratified k-fold cross-validation over the 624 training and
validation images together; the test split plays no part. Each fold mirrors the study: the
fold's training images are split again into an inner training set and an inner validation set
of the same share as the official one (78 / 624 = 12.5%), a network is trained on the inner
training set for all its epochs with every epoch's weights kept, and each *rule* below turns
that one run into a model whose held-out-fold AUC and accuracy (at p = 0.5) are measured:

- ``best val epoch``: the epoch with the best inner-validation AUC, with the study's early
  stopping (patience) replayed on the recorded history (the study's rule until now);
- ``last epoch``: the weights after the full cosine schedule;
- ``SWA last K``: the average of the last K epochs' weights, batch-norm statistics recomputed
  (:func:`average_weights`);
- ``snapshots last K``: the mean logits of the last K epochs' networks (a snapshot ensemble);

each with the left-right mirror average at prediction (``flip``) or without (``no flip``).
Rules that share a training run are compared on the same networks, so their paired
differences carry no seed noise. Run from the command line:
``python -m glassml.casestudies._medical_cv [--folds K | --fold K] out.json [recipe ...]``
(the first K folds, or fold K alone so that folds can run as separate processes), then
``python -m glassml.casestudies._medical_cv --summarise out.json ...`` for the table.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from glassml._validation import check_option, fail
from glassml.casestudies._medical_cnn import (
    CNNResult,
    CNNTask,
    average_weights,
    member_seed,
    positive_probability,
    predict_logits,
    task_network,
    train_cnn,
)
from glassml.casestudies._study import Option

# Recipes: CNNTask settings beyond the study's defaults.
RECIPES: dict[str, dict] = {
    "24/48/96, smoothing 0.1": {},
    "16/32/64, smoothing 0.1": {"channels": (16, 32, 64)},
    "24/48/96, smoothing 0.1, mixup 0.2": {"mixup": 0.2},
    "24/48/96, smoothing 0.1, 90 epochs": {"epochs": 90},
    "24/48/96, no smoothing": {"label_smoothing": 0.0},
    # Ensembles of 3 initialisations per fold (variance reduction), and recipes compared at
    # that level.
    "24/48/96, 3 members": {"members": 3},
    "24/48/96, 3 members, shift 3 rotation 15": {
        "members": 3,
        "max_shift": 3.0,
        "max_degrees": 15.0,
    },
    "24/48/96, 3 members, mixup 0.2": {"members": 3, "mixup": 0.2},
    "32/64/128, 3 members": {"members": 3, "channels": (32, 64, 128)},
    "24/48/96, 3 members, 90 epochs": {"members": 3, "epochs": 90},
    "24/48/96, 3 members, global average head": {"members": 3, "head": "average"},
    "24/48/96, 3 members, weight decay 5e-3, dropout 0.5": {
        "members": 3,
        "weight_decay": 5e-3,
        "dropout": 0.5,
    },
    "24/48/96, 3 members, 120 epochs": {"members": 3, "epochs": 120},
    "24/48/96, 3 members, 150 epochs": {"members": 3, "epochs": 150},
    "24/48/96, 5 members, 90 epochs": {"members": 5, "epochs": 90},
    "24/48/96, 3 members, 90 epochs, learning rate 2e-3": {
        "members": 3,
        "epochs": 90,
        "learning_rate": 2e-3,
    },
    "24/48/96, 3 members, 90 epochs, batch 16": {"members": 3, "epochs": 90, "batch_size": 16},
    # Session 28: a longer schedule, a deeper block, stronger augmentation, all against 150.
    "24/48/96, 3 members, 250 epochs": {"members": 3, "epochs": 250},
    "24/48/96 double conv, 3 members, 150 epochs": {"members": 3, "epochs": 150, "convs": 2},
    "24/48/96, 3 members, 150 epochs, shift 3 rotation 15": {
        "members": 3,
        "epochs": 150,
        "max_shift": 3.0,
        "max_degrees": 15.0,
    },
    # Session 29: sharpness-aware minimisation around Adam, against 150 epochs.
    "24/48/96, 3 members, 150 epochs, SAM 0.05": {"members": 3, "epochs": 150, "sam_rho": 0.05},
    "24/48/96, 3 members, 150 epochs, SAM 0.2": {"members": 3, "epochs": 150, "sam_rho": 0.2},
    # ... and SGD with Nesterov momentum 0.9 instead of Adam (same schedule and L2), two rates.
    "24/48/96, 3 members, 150 epochs, Nesterov lr 0.05": {
        "members": 3,
        "epochs": 150,
        "optimizer": "nesterov",
        "learning_rate": 0.05,
    },
    "24/48/96, 3 members, 150 epochs, Nesterov lr 0.01": {
        "members": 3,
        "epochs": 150,
        "optimizer": "nesterov",
        "learning_rate": 0.01,
    },
    # Session 30: around Nesterov 0.05, the standard SGD weight decay (5e-4 per step, so
    # alpha = 5e-4 x 32), the standard rate 0.1, and the stronger augmentation.
    "24/48/96, 3 members, 150 epochs, Nesterov lr 0.05, weight decay 1.6e-2": {
        "members": 3,
        "epochs": 150,
        "optimizer": "nesterov",
        "learning_rate": 0.05,
        "weight_decay": 1.6e-2,
    },
    "24/48/96, 3 members, 150 epochs, Nesterov lr 0.1": {
        "members": 3,
        "epochs": 150,
        "optimizer": "nesterov",
        "learning_rate": 0.1,
    },
    "24/48/96, 3 members, 150 epochs, Nesterov lr 0.05, shift 3 rotation 15": {
        "members": 3,
        "epochs": 150,
        "optimizer": "nesterov",
        "learning_rate": 0.05,
        "max_shift": 3.0,
        "max_degrees": 15.0,
    },
    # Two conv-BN-ReLU per block (VGG style) around Nesterov 0.05 (about 4x the multiply-adds).
    "24/48/96 double conv, 3 members, 150 epochs, Nesterov lr 0.05": {
        "members": 3,
        "epochs": 150,
        "convs": 2,
        "optimizer": "nesterov",
        "learning_rate": 0.05,
    },
    # ... and adaptive SAM (ASAM) around it at the paper's CIFAR-10 radius.
    "24/48/96, 3 members, 150 epochs, Nesterov lr 0.05, ASAM 0.5": {
        "members": 3,
        "epochs": 150,
        "optimizer": "nesterov",
        "learning_rate": 0.05,
        "sam_rho": 0.5,
        "sam_adaptive": True,
    },
}
# --folds K scores the first K of the split's 5 folds; --fold K the K-th alone.
FOLDS = Option(5, "folds scored, the first of the 5", low=1, high=5)
SNAPSHOTS = (10, 20)
# Rules averaged over the members of an ensemble (recipes with "members": M > 1).
ENSEMBLE_RULES = (
    "SWA last 10, flip",
    "SWA last 20, flip",
    "SWA last 10, flip + shift 1",
    "last epoch, flip",
)


@dataclass
class FoldRun:
    """One training run of one fold, with what the rules need."""

    task: CNNTask
    result: CNNResult
    y_held: np.ndarray  # 1 = positive class


def fold_tasks(
    images: np.ndarray,
    labels: np.ndarray,
    positive: int,
    settings: dict,
    n_folds: int = 5,
    seed: int = 0,
    val_share: float = 0.125,
) -> list[tuple[CNNTask, np.ndarray]]:
    """One CNNTask per fold (inner train / inner validation / held-out fold), standardised
    with the inner training images' mean and sd, as the study standardises with its training
    set's; and the held-out rows. Folds and inner splits are stratified and seeded."""
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
    seeds = np.random.SeedSequence(seed).generate_state(n_folds)
    tasks = []
    for k, (outer, held) in enumerate(folds.split(images, labels)):
        inner, val = train_test_split(
            outer, test_size=val_share, stratify=labels[outer], random_state=seed + k
        )
        mean, sd = float(images[inner].mean()), float(images[inner].std())

        def scale(rows, mean=mean, sd=sd):
            return ((images[rows] - mean) / sd).astype(np.float32)

        task = CNNTask(
            X_train=scale(inner),
            y_train=labels[inner],
            X_val=scale(val),
            y_val=labels[val],
            X_test=scale(held),
            positive=positive,
            seed=int(seeds[k]),
            **{"record_states": True, **settings},
        )
        task.patience = task.epochs  # train every epoch; early stopping is replayed by a rule
        tasks.append((task, held))
    return tasks


def _early_stopped_epoch(val_auc: list[float], patience: int) -> int:
    """The epoch the study's early stopping would keep, replayed on a full history."""
    best, best_epoch = -np.inf, 0
    for epoch, auc in enumerate(val_auc):
        if auc > best:
            best, best_epoch = auc, epoch
        elif epoch - best_epoch >= patience:
            break
    return best_epoch


def rule_logits(run: FoldRun, patience: int = 20) -> dict[str, np.ndarray]:
    """Held-out logits of every rule from one fold's run (see the module docstring)."""
    task, states = run.task, run.result.states
    network = task_network(task)
    out: dict[str, np.ndarray] = {}
    for flip in (True, False):
        tag = "flip" if flip else "no flip"

        def held(state, flip=flip):
            network.load_state_dict(state)
            return predict_logits(network, task.X_test, flip)

        val_auc = []
        for state in states:  # the epoch choice uses the same prediction rule as the model
            network.load_state_dict(state)
            p = positive_probability(predict_logits(network, task.X_val, flip), task.positive)
            val_auc.append(roc_auc_score(task.y_val == task.positive, p))
        out[f"best val epoch, {tag}"] = held(states[_early_stopped_epoch(val_auc, patience)])
        out[f"last epoch, {tag}"] = held(states[-1])
        for k in SNAPSHOTS:
            out[f"snapshots last {k}, {tag}"] = np.mean([held(s) for s in states[-k:]], axis=0)
            average_weights(network, states[-k:], task.X_train)
            out[f"SWA last {k}, {tag}"] = predict_logits(network, task.X_test, flip)
            if k == SNAPSHOTS[0]:  # test-time shifts, on the same averaged network
                out[f"SWA last {k}, {tag} + shift 1"] = predict_logits(
                    network, task.X_test, flip, tta_shift=1
                )
    return out


def cross_validate(
    images: np.ndarray,
    labels: np.ndarray,
    positive: int,
    recipes: dict[str, dict],
    n_folds: int = 5,
    seed: int = 0,
    progress: Callable[[str], None] = print,
    rows: list[dict] | None = None,
    save: Callable[[list[dict]], None] | None = None,
    first_folds: int | None = None,
    only_fold: int | None = None,
) -> list[dict]:
    """Rows (recipe, rule, fold, auc, accuracy, seconds) for every recipe x fold x rule,
    appended to ``rows``; ``save(rows)`` after each fold, so a stopped run keeps its folds.
    A recipe's ``"members": M`` trains M networks per fold from different seeds and adds the
    rows of each member alone and of the ensembles of its first 2..M members. ``first_folds``
    scores only the first folds of the same split (a cheaper, still paired comparison);
    ``only_fold`` scores one fold of it (so that folds can run in separate processes)."""
    rows = [] if rows is None else rows
    for name, settings in recipes.items():
        settings = dict(settings)
        members = int(settings.pop("members", 1))
        tasks = fold_tasks(images, labels, positive, settings, n_folds, seed)
        for k, (task, held) in enumerate(tasks[:first_folds]):
            if only_fold is not None and k != only_fold:
                continue
            y_held = (labels[held] == positive).astype(int)
            runs = [FoldRun(task, train_cnn(task), y_held)]
            for j in range(1, members):  # the same fold, other initialisations and batches
                other = dataclasses.replace(task, seed=member_seed(task.seed, j))
                runs.append(FoldRun(other, train_cnn(other), y_held))
            result = runs[0].result
            per_member = [rule_logits(run) for run in runs]
            scored = dict(per_member[0])
            for j in range(1, members):  # the other members alone, for the single-model mean
                for rule in ENSEMBLE_RULES:
                    scored[f"member {j + 1}, {rule}"] = per_member[j][rule]
            for m in range(2, members + 1):  # ensembles of the first m members, mean logits
                for rule in ENSEMBLE_RULES:
                    scored[f"ensemble of {m}, {rule}"] = np.mean(
                        [logits[rule] for logits in per_member[:m]], axis=0
                    )
            for rule, logits in scored.items():
                p = positive_probability(logits, positive)
                rows.append(
                    {
                        "recipe": name,
                        "rule": rule,
                        "fold": k,
                        "auc": float(roc_auc_score(y_held, p)),
                        "accuracy": float(np.mean((p >= 0.5) == y_held)),
                        "seconds": sum(run.result.seconds for run in runs),
                    }
                )
            mine = [r for r in rows if r["recipe"] == name and r["fold"] == k]
            top = max(mine, key=lambda r: r["auc"])
            progress(
                f"{name} fold {k}: {result.seconds:.0f} s, best val epoch "
                f"{mine[0]['auc']:.3f}, best rule {top['rule']} {top['auc']:.3f}"
            )
            if save is not None:
                save(rows)
    return rows


def summarise(rows: list[dict], baseline: tuple[str, str]) -> list[dict]:
    """Per recipe x rule: mean AUC and accuracy over folds with their standard errors, and the
    paired AUC difference from ``baseline`` (recipe, rule) over the same folds."""
    keys = sorted({(r["recipe"], r["rule"]) for r in rows})
    by = {key: {r["fold"]: r for r in rows if (r["recipe"], r["rule"]) == key} for key in keys}
    base = by[baseline]
    table = []
    for key, folds in by.items():
        auc = np.array([folds[f]["auc"] for f in sorted(folds)])
        acc = np.array([folds[f]["accuracy"] for f in sorted(folds)])
        diff = np.array([folds[f]["auc"] - base[f]["auc"] for f in sorted(folds)])
        se = np.sqrt(1.0 / len(auc))
        table.append(
            {
                "recipe": key[0],
                "rule": key[1],
                "CV AUC": float(auc.mean()),
                "AUC se": float(auc.std(ddof=1) * se) if len(auc) > 1 else np.nan,
                "CV accuracy": float(acc.mean()),
                "accuracy se": float(acc.std(ddof=1) * se) if len(acc) > 1 else np.nan,
                "AUC - baseline": float(diff.mean()),
                "paired se": float(diff.std(ddof=1) * se) if len(diff) > 1 else np.nan,
            }
        )
    return sorted(table, key=lambda row: -row["CV AUC"])


def ensemble_gains(rows: list[dict], rule: str = "SWA last 10, flip") -> list[dict]:
    """Per recipe with members: per fold, the mean AUC of its members alone and the AUC of the
    ensembles of the first m members; and the paired gain of the largest ensemble over the
    members' mean (mean ± se over folds). The members' mean, not member 1 alone, is the fair
    single-network baseline: one member's AUC moves by about 0.01-0.02 between seeds."""
    out = []
    for recipe in sorted({r["recipe"] for r in rows}):
        mine = [r for r in rows if r["recipe"] == recipe]
        others = {r["rule"] for r in mine if r["rule"].startswith("member ")}
        alone = [rule, *sorted(o for o in others if o.endswith(f", {rule}"))]
        if len(alone) == 1:
            continue
        sizes = sorted(
            int(r["rule"].split()[2].rstrip(","))
            for r in mine
            if r["rule"].startswith("ensemble of ") and r["rule"].endswith(rule)
        )
        by = {(r["rule"], r["fold"]): r["auc"] for r in mine}
        folds = sorted({r["fold"] for r in mine if all((a, r["fold"]) in by for a in alone)})
        single = np.array([np.mean([by[(a, f)] for a in alone]) for f in folds])
        largest = np.array([by[(f"ensemble of {sizes[-1]}, {rule}", f)] for f in folds])
        gain = largest - single
        se = gain.std(ddof=1) / np.sqrt(len(gain)) if len(gain) > 1 else np.nan
        out.append(
            {
                "recipe": recipe,
                "folds": folds,
                "members alone, mean": single.tolist(),
                **{
                    f"ensemble of {m}": [by[(f"ensemble of {m}, {rule}", f)] for f in folds]
                    for m in sizes
                },
                "gain": float(gain.mean()),
                "gain se": float(se),
            }
        )
    return out


def markdown(table: list[dict]) -> str:
    """The summary as a Markdown table (for the docs)."""
    lines = [
        "| recipe | rule | CV AUC | CV accuracy | AUC − current, paired |",
        "|---|---|---|---|---|",
    ]
    for row in table:
        lines.append(
            f"| {row['recipe']} | {row['rule']} | {row['CV AUC']:.3f} ± {row['AUC se']:.3f} "
            f"| {row['CV accuracy']:.3f} ± {row['accuracy se']:.3f} "
            f"| {row['AUC - baseline']:+.3f} ± {row['paired se']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    from glassml.datasets import load_medmnist

    if argv[0] == "--summarise":  # --summarise rows.json ...: one table over saved runs
        rows = [row for path in argv[1:] for row in json.load(open(path))]
        print(markdown(summarise(rows, (rows[0]["recipe"], "best val epoch, flip"))))
        for row in ensemble_gains(rows):
            print(json.dumps(row))
        return
    first_folds = only_fold = None
    if argv[0] == "--folds":  # --folds K out.json [recipe ...]: the first K of the 5 folds
        if len(argv) < 3:
            raise fail("--folds", "a count of folds and then an output path", argv[1:])
        first_folds = int(FOLDS.parse("--folds", argv[1]))
        argv = argv[2:]
    elif argv[0] == "--fold":  # --fold K out.json [recipe ...]: fold K (1 to 5) alone
        if len(argv) < 3:
            raise fail("--fold", "a fold number and then an output path", argv[1:])
        only_fold = int(FOLDS.parse("--fold", argv[1])) - 1
        argv = argv[2:]
    out = argv[0]
    names = [check_option(name, "recipe", RECIPES) for name in argv[1:]] or list(RECIPES)
    data = load_medmnist("breastmnist")
    images = np.concatenate([data.train_images, data.val_images])
    labels = np.concatenate([data.train_labels, data.val_labels]).astype(int)
    start = time.perf_counter()

    def save(rows: list[dict]) -> None:
        with open(out, "w") as f:
            json.dump(rows, f, indent=1)

    rows: list[dict] = []
    for name in names:
        cross_validate(
            images,
            labels,
            0,
            {name: RECIPES[name]},
            rows=rows,
            save=save,
            first_folds=first_folds,
            only_fold=only_fold,
        )
    print(f"{time.perf_counter() - start:.0f} s")
    print(markdown(summarise(rows, (names[0], "best val epoch, flip"))))


if __name__ == "__main__":
    main(sys.argv[1:])
