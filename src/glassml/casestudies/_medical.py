"""Medical image recognition: a small CNN on MedMNIST BreastMNIST breast ultrasound.

Can a small convolutional network tell malignant from normal/benign breast ultrasound at
28x28 pixels, how well calibrated are its probabilities, and what does it look at? The study
checks the data (class balance per split, duplicates, pixel statistics), fits two baselines
on the pixels (logistic regression; PCA + RBF SVM), trains a glassml CNN over several seeds
(augmentation, class weighting, weight averaging chosen by cross-validation), reports test AUC and
accuracy with bootstrap intervals, a high-sensitivity operating point chosen on validation,
calibration before/after temperature scaling, and gradient and LIME explanations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve

from glassml._validation import check_option
from glassml.casestudies import Headline, Option, Study
from glassml.casestudies import _medical_figures as figures
from glassml.casestudies._medical_cnn import (
    STEP_RULES,
    CNNResult,
    CNNTask,
    combine_members,
    ensemble_function,
    ensemble_logits,
    ensemble_networks,
    member_seed,
    positive_probability,
    train_cnn,
)
from glassml.casestudies._medical_data import (
    MedicalData,
    class_balance,
    duplicates,
    load,
    pixel_statistics,
)
from glassml.casestudies.report import interval

STEPS = (
    "Load and check the data",
    "Fit the baselines",
    "Train the CNN",
    "Evaluate on the test set",
    "Calibrate",
    "Explain the predictions",
    "Write the report",
)
# MedMNIST v2 (Yang et al., 2023, Table 3), BreastMNIST test set: (AUC, accuracy).
PUBLISHED = (
    ("ResNet-18 (28x28), MedMNIST v2", 0.901, 0.863),
    ("ResNet-18 (224x224), MedMNIST v2", 0.891, 0.833),
    ("Google AutoML Vision, MedMNIST v2", 0.919, 0.861),
)


@dataclass
class Standardised:
    """Images as the networks see them: (x - mean) / std with the training set's scalars."""

    mean: float
    std: float

    def __call__(self, images: np.ndarray) -> np.ndarray:
        return ((images - self.mean) / self.std).astype(np.float32)


def _bootstrap(
    y: np.ndarray, probabilities: np.ndarray, threshold: float, n_boot: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap over test images of the seed-mean AUC and accuracy; (n_boot,) each."""
    rng = np.random.default_rng(seed)
    aucs, accuracies = np.empty(n_boot), np.empty(n_boot)
    for b in range(n_boot):
        rows = rng.integers(0, len(y), len(y))
        while y[rows].min() == y[rows].max():  # both classes needed for an AUC
            rows = rng.integers(0, len(y), len(y))
        aucs[b] = np.mean([roc_auc_score(y[rows], p[rows]) for p in probabilities])
        accuracies[b] = np.mean((probabilities[:, rows] >= threshold) == y[rows])
    return aucs, accuracies


def _baselines(data: MedicalData, scale: Standardised, seed: int) -> list[dict]:
    """Logistic regression and PCA + RBF SVM on the pixels, each tuned on validation AUC."""
    from sklearn.pipeline import make_pipeline

    from glassml.decomposition import PCA
    from glassml.linear import LogisticRegression
    from glassml.svm import SVC

    flat = {s: scale(x).reshape(len(x), -1).astype(np.float64) for s, x in data.images.items()}
    y = {s: data.is_positive(s) for s in data.images}

    def score(model, split):
        return model.decision_function(flat[split])  # larger = more likely the positive class

    candidates = {
        "logistic regression on pixels": [
            (f"C = {c:g}", LogisticRegression(C=c, max_iter=500)) for c in (1e-3, 1e-2, 1e-1)
        ],
        "PCA + RBF SVM": [
            (
                f"{k} components, C = {c:g}",
                make_pipeline(PCA(n_components=k, random_state=seed), SVC(C=c)),
            )
            for k in sorted({min(k, len(flat["train"]) - 1) for k in (20, 50)})
            for c in (1.0, 10.0)
        ],
    }
    rows = []
    for name, options in candidates.items():
        fitted = [(label, model.fit(flat["train"], y["train"])) for label, model in options]
        val = [roc_auc_score(y["val"], score(model, "val")) for _, model in fitted]
        label, model = fitted[int(np.argmax(val))]
        test = score(model, "test")
        rows.append(
            {
                "model": name,
                "chosen on validation": label,
                "validation AUC": float(max(val)),
                "test AUC": float(roc_auc_score(y["test"], test)),
                "test accuracy": float(np.mean((test > 0) == y["test"])),
                "scores": test,
            }
        )
    return rows


# The model is the average of the last SWA_EPOCHS epochs' weights: chosen over the best
# validation epoch, the last epoch and snapshot ensembles by 5-fold cross-validation on the
# training + validation images (``_medical_cv.py``; table in docs/case-study-medical.md).
SWA_EPOCHS = 10
# Each seed's model is the mean logits of MEMBERS such networks from different seeds: chosen
# by the same cross-validation (3 folds; the ensemble of 3 beat its members' mean AUC by
# 0.011 ± 0.003, in every fold; docs/casestudies.md).
MEMBERS = 3
# Training epochs (full mode), chosen by the same cross-validation: 90 beat 60 by 0.007 ± 0.003
# CV AUC for the ensemble of 3 (session 25), and 150 beat 90 by 0.011 ± 0.006, ahead of 120
# epochs, batch 16, learning rate 2e-3 and 5 members (session 26; docs/casestudies.md).
EPOCHS = 150
# Test-time shifts (pixels; 0 = off): predictions average the image moved by this much in each
# of the four directions as well as in place, each with its mirror (``predict_logits``). Off:
# in the same cross-validation a one-pixel shift average did not beat the mirror average
# (60 epochs -0.003 ± 0.003, 90 epochs -0.001 ± 0.002 AUC).
TTA_SHIFT = 0
# The step rule and its initial rate, chosen by the same cross-validation (session 29): SGD
# with Nesterov momentum 0.9 at 0.05 beat Adam at 1e-3 by 0.009 ± 0.005 CV AUC, in every fold
# (ahead of Nesterov at 0.01 and of sharpness-aware minimisation around Adam), and neither
# rate 0.1, SGD's usual weight decay, stronger augmentation, two conv layers per block nor
# ASAM around it beat it (session 30). Scored once on test: AUC 0.90998, accuracy 0.891
# (docs/casestudies.md).
# Quick mode keeps Adam: its 8 epochs of a smaller network are not what that comparison
# measured, and an adaptive rate gets further in a few epochs.
OPTIMIZER, QUICK_OPTIMIZER = "nesterov", "adam"
LEARNING_RATES = {"nesterov": 0.05, "adam": 1e-3}  # one per STEP_RULES


def _optimizer(context, quick: bool) -> str:
    name = "quick_optimizer" if quick else "optimizer"
    return check_option(str(context.options[name]), name, STEP_RULES)


def _cnn_tasks(context, data: MedicalData, scale: Standardised) -> list[list[CNNTask]]:
    """Per seed, the tasks of its ensemble's members."""
    seeds = np.random.SeedSequence(context.seed).generate_state(1 if context.quick else 3)
    members = int(context.options["quick_members" if context.quick else "members"])
    epochs = int(context.options["quick_epochs" if context.quick else "epochs"])
    # Quick mode averages the second half of its few epochs.
    swa = min(SWA_EPOCHS, max(1, epochs // 2)) if context.quick else min(SWA_EPOCHS, epochs)
    tta = int(context.options["tta_shift"])
    optimizer = _optimizer(context, context.quick)
    settings = {
        "epochs": epochs,
        "swa_epochs": swa,
        "tta_shift": tta,
        "optimizer": optimizer,
        "learning_rate": LEARNING_RATES[optimizer],
    }
    if context.quick:
        settings["channels"] = (8, 16, 32)
    images = {split: scale(data.images[split]) for split in ("train", "val", "test")}
    return [
        [
            CNNTask(
                X_train=images["train"],
                y_train=data.labels["train"],
                X_val=images["val"],
                y_val=data.labels["val"],
                X_test=images["test"],
                positive=data.positive,
                seed=member_seed(int(seed), j) if j else int(seed),
                **settings,
            )
            for j in range(members)
        ]
        for seed in seeds
    ]


def _select_explained(y: np.ndarray, p: np.ndarray, threshold: float, per_kind: int):
    """Test images to explain: the most confident of each outcome (TP, FN, TN, FP)."""
    called = p >= threshold
    kinds = (
        ("found", (y == 1) & called, -p),
        ("missed", (y == 1) & ~called, p),
        ("cleared", (y == 0) & ~called, p),
        ("false alarm", (y == 0) & called, -p),
    )
    chosen = []
    for kind, mask, order in kinds:
        rows = np.flatnonzero(mask)
        rows = rows[np.argsort(order[rows], kind="stable")][:per_kind]
        chosen += [(int(r), kind) for r in rows]
    return chosen


def run(context) -> None:
    import matplotlib

    matplotlib.use("Agg")
    resize = str(context.options["resize"])
    for quick in (False, True):  # an unknown step rule is refused before any work
        _optimizer(context, quick)
    target_sensitivity = float(context.options["sensitivity"])
    n_boot = 500 if context.quick else 2000

    with context.step("Load and check the data"):
        data = load(context.data, resize)
        for path in data.files:
            context.record_data(f"MedMNIST {data.name} (.npz)", path)
        pos, neg = data.positive_name, data.negative_name
        scale = Standardised(float(data.images["train"].mean()), float(data.images["train"].std()))
        balance = class_balance(data)
        dup_rows, conflicts = duplicates(data)
        pixels = pixel_statistics(data)
        n_dup = sum(row["duplicate images"] for row in dup_rows)
        context.metric("n_train", len(data.labels["train"]))
        context.metric("n_test", len(data.labels["test"]))
        context.metric("duplicate_images", n_dup)

    with context.step("Fit the baselines"):
        baselines = _baselines(data, scale, context.seed)
        for row, key in zip(baselines, ("logistic", "pca_svm"), strict=True):
            context.metric(f"{key}_auc", row["test AUC"])
            context.metric(f"{key}_accuracy", row["test accuracy"])

    with context.step("Train the CNN"):
        grouped = _cnn_tasks(context, data, scale)
        tasks = [group[0] for group in grouped]
        trained = iter(context.map(train_cnn, [task for group in grouped for task in group]))
        results: list[CNNResult] = [
            combine_members([next(trained) for _ in group]) for group in grouped
        ]
        context.metric("n_members", len(grouped[0]))

    y_val, y_test = data.is_positive("val"), data.is_positive("test")
    with context.step("Evaluate on the test set"):
        probs = np.array([positive_probability(r.test_logits, data.positive) for r in results])
        val_probs = np.array([positive_probability(r.val_logits, data.positive) for r in results])
        aucs = np.array([roc_auc_score(y_test, p) for p in probs])
        accs = np.array([np.mean((p >= 0.5) == y_test) for p in probs])
        boot_auc, boot_acc = _bootstrap(y_test, probs, 0.5, n_boot, context.seed)
        context.metric("auc", aucs.mean())
        context.metric("auc_std", aucs.std(ddof=1) if len(aucs) > 1 else 0.0)
        context.metric("auc_low", np.quantile(boot_auc, 0.025))
        context.metric("auc_high", np.quantile(boot_auc, 0.975))
        context.metric("accuracy", accs.mean())
        context.metric("accuracy_std", accs.std(ddof=1) if len(accs) > 1 else 0.0)
        context.metric("accuracy_low", np.quantile(boot_acc, 0.025))
        context.metric("accuracy_high", np.quantile(boot_acc, 0.975))
        context.metric("n_seeds", len(results))
        for index, (auc, acc) in enumerate(zip(aucs, accs, strict=True)):
            context.metric(f"auc_seed_{index + 1}", auc)
            context.metric(f"accuracy_seed_{index + 1}", acc)
        # The seeds' average probability, a common cheap ensemble (reported beside the mean).
        ensemble = probs.mean(axis=0)
        context.metric("ensemble_auc", roc_auc_score(y_test, ensemble))
        context.metric("ensemble_accuracy", np.mean((ensemble >= 0.5) == y_test))
        # The model carried forward (operating point, calibration, explanations): the seed
        # with the best validation AUC; the test set plays no part in choosing it.
        val_aucs = np.array([roc_auc_score(y_val, p) for p in val_probs])
        chosen = int(np.argmax(val_aucs))
        best = results[chosen]
        from glassml.model_selection import threshold_for_recall

        threshold = threshold_for_recall(y_val, val_probs[chosen], recall=target_sensitivity)
        called = probs[chosen] >= threshold
        matrix = confusion_matrix(1 - y_test, 1 - called.astype(int), labels=[0, 1])
        sensitivity = float(called[y_test == 1].mean())
        specificity = float(1 - called[y_test == 0].mean())
        context.metric("threshold", threshold)
        context.metric("sensitivity", sensitivity)
        context.metric("specificity", specificity)
        val_called = val_probs[chosen] >= threshold
        context.metric("val_sensitivity", float(val_called[y_val == 1].mean()))

    with context.step("Calibrate"):
        from glassml.model_selection import (
            TemperatureScaling,
            expected_calibration_error,
        )

        scaler = TemperatureScaling().fit(best.val_logits, data.labels["val"])
        temperature = float(scaler.temperature_)
        before = probs[chosen]
        after = positive_probability(best.test_logits / temperature, data.positive)
        ece_before = expected_calibration_error(y_test, before, n_bins=10)
        ece_after = expected_calibration_error(y_test, after, n_bins=10)
        context.metric("temperature", temperature)
        context.metric("ece", ece_before)
        context.metric("ece_temperature", ece_after)
        nll = {
            name: float(-np.mean(np.log(np.where(y_test == 1, p, 1 - p).clip(1e-12))))
            for name, p in (("before", before), ("after", after))
        }

    with context.step("Explain the predictions"):
        from glassml.explain import LimeImageExplainer, integrated_gradients, saliency

        networks = ensemble_networks(tasks[chosen], best)
        network = ensemble_function(networks)  # the explained model: the mean logits
        explained = _select_explained(y_test, before, threshold, 1 if context.quick else 2)
        rows = np.array([r for r, _ in explained])
        raw = data.images["test"][rows]
        inputs = scale(raw).astype(np.float64)
        # Baseline: the mean training image. A black baseline would credit nothing to black
        # pixels (IG is proportional to x - x'), and in ultrasound the lesions are the dark part.
        average = scale(data.images["train"].mean(axis=0, keepdims=True))[0].astype(np.float64)
        n_steps = 32 if context.quick else 64
        sal = saliency(network, inputs, target=data.positive)
        ig = integrated_gradients(
            network, inputs, baseline=average, n_steps=n_steps, target=data.positive
        )
        logits = ensemble_logits(networks, inputs)[:, data.positive]
        gap = np.abs(ig.values.reshape(len(rows), -1).sum(axis=1) + ig.base_values - logits)
        context.metric("ig_completeness_gap", float(gap.max()))
        # Where the model is sensitive: the saliency's share on each image's darkest 30% of
        # pixels, where a hypoechoic (dark) lesion is; 0.30 would mean no preference.
        grey = raw.mean(axis=1).reshape(len(rows), -1)
        dark = grey <= np.quantile(grey, 0.3, axis=1, keepdims=True)
        mass = sal.values.sum(axis=1).reshape(len(rows), -1)
        context.metric("saliency_share_dark", float(np.mean((mass * dark).sum(1) / mass.sum(1))))
        titles = [
            f"{kind}\ntruly {pos if y_test[r] else neg}\np({pos}) = {before[r]:.2f}"
            for r, kind in explained
        ]

        def log_odds(images: np.ndarray) -> np.ndarray:
            # The log-odds, not the probability: near p = 0 or 1 the probability hardly moves
            # and LIME's weights would vanish for the most confident (and most wrong) images.
            batch = images[:, None] if images.ndim == 3 else np.moveaxis(images, -1, 1)
            out = ensemble_logits(networks, scale(batch))
            return out[:, data.positive] - out[:, 1 - data.positive]

        lime = LimeImageExplainer(
            log_odds,
            n_segments=25,
            compactness=0.3,
            n_samples=300 if context.quick else 1000,
            random_state=context.seed,
        )
        errors = [e for e in explained if e[1] in ("missed", "false alarm")]
        lime_rows = [explained[0], *errors[:1]]
        if len(lime_rows) == 1 and len(explained) > 1:
            lime_rows.append(explained[-1])
        lime_images = [
            data.images["test"][r][0]
            if data.images["test"].shape[1] == 1
            else np.moveaxis(data.images["test"][r], 0, -1)
            for r, _ in lime_rows
        ]
        lime_exp = lime(np.array(lime_images))
        lime_panels = [
            (
                data.images["test"][r],
                lime_exp.extras["segments"][i],
                lime_exp.values[i] if lime_exp.values[i].ndim == 2 else lime_exp.values[i].sum(-1),
                f"{kind}: p({pos}) = {before[r]:.2f}",
            )
            for i, (r, kind) in enumerate(lime_rows)
        ]

    with context.step("Write the report"):
        found = {
            "accs": accs,
            "after": after,
            "aucs": aucs,
            "balance": balance,
            "baselines": baselines,
            "before": before,
            "chosen": chosen,
            "conflicts": conflicts,
            "data": data,
            "dup_rows": dup_rows,
            "explained": explained,
            "ig": ig,
            "lime_panels": lime_panels,
            "matrix": matrix,
            "pixels": pixels,
            "probs": probs,
            "raw": raw,
            "results": results,
            "sal": sal,
            "tasks": tasks,
            "titles": titles,
            "val_probs": val_probs,
            "y_test": y_test,
            "y_val": y_val,
            "n_dup": n_dup,
            "target_sensitivity": target_sensitivity,
            "n_boot": n_boot,
            "nll": nll,
            "n_steps": n_steps,
            "lime": lime,
        }
        _write_report(context, found)


def _write_report(context, v: dict) -> None:
    """Every section of the report, from the values ``run`` found (``v``, by name)."""
    from glassml.model_selection import reliability_curve

    data: MedicalData = v["data"]
    pos, neg = data.positive_name, data.negative_name
    m = context.metrics
    report = context.report
    results = v["results"]
    n_seeds = len(results)
    n_members = len(results[0].members)
    collection = "BreastMNIST" if data.name == "breastmnist" else data.name

    report.section("question").text(
        f"Can a small convolutional network tell **{pos}** from **{neg}** images in "
        f"MedMNIST {collection}, how well calibrated are its probabilities, and what does it "
        "look at? The reader we have in mind is a clinician deciding whether such a model "
        "could sort images for review: what matters is how many cancers it misses, how many "
        "healthy women it sends for a second look, and whether its probabilities mean what "
        "they say."
    )

    # ------------------------------------------------------------------ data
    section = report.section("data")
    side = data.original_side
    section.text(
        f"MedMNIST v2 {collection} (Yang et al., 2023; CC BY 4.0): "
        + (
            "780 breast ultrasound images from Al-Dhabyani et al. (2020), down-sampled to "
            "28x28 grey levels. "
            if data.name == "breastmnist"
            else ""
        )
        + (
            f"The images given are {side[0]}x{side[1]}, resampled to 28x28 for this study "
            "(resize=yes)."
            if data.resized
            else ""
        )
        + f" Label {data.positive} is **{pos}**, the class the model must find; the "
        "official training / validation / test split is kept as published, so the figures "
        "compare with the literature."
    )
    section.table(
        v["balance"],
        caption=f"Class balance per split. {pos.capitalize()} images are the minority, so the "
        "CNN's loss weights each class equally and accuracy alone would flatter a model that "
        f"calls everything {neg}.",
        formats={f"share {pos}": ".1%"},
    )
    dup_note = (
        f"{v['n_dup']} exact duplicate{'s' if v['n_dup'] != 1 else ''} in all"
        + (
            f"; {v['conflicts']} image{'s' if v['conflicts'] != 1 else ''} carries both labels "
            f"(the same pixels labelled {pos} in one split and {neg} in another): kept, as "
            "the official split keeps it, though one of its two labels must be wrong"
            if v["conflicts"]
            else ""
        )
        + "."
    )
    section.table(
        v["dup_rows"],
        caption="Exact duplicates (identical grey levels). Duplicates across splits would leak "
        "test images into training. " + dup_note,
    )
    section.table(
        v["pixels"],
        caption="Pixel statistics per split (grey levels scaled to [0, 1]). The splits share "
        "one distribution; the networks see (x - mean) / std with the training set's two "
        "scalars.",
        formats={c: ".3f" for c in v["pixels"][0] if c != "split"},
    )
    context.figure(
        figures.examples(data),
        "examples",
        f"Training images: first row {pos}, second row {neg}; the right column is each class's "
        "mean image.",
        "data",
    )

    # ------------------------------------------------------------------ mathematics
    section = report.section("mathematics")
    section.text(
        "Each block of the network is a 3x3 convolution, batch normalisation, a ReLU and 2x2 "
        "max-pooling; after the blocks, dropout and a dense layer give two logits z."
    )
    section.equation(
        r"h = \mathrm{maxpool}\left(\mathrm{ReLU}\left(\gamma \dfrac{W \ast x - \mu_B}"
        r"{\sqrt{\sigma_B^2 + \epsilon}} + \beta\right)\right)",
        caption="One block: convolution, batch normalisation with batch statistics, ReLU, pool.",
    )
    section.equation(
        r"L(\theta) = \dfrac{\sum_i w_{y_i}\,[\log \sum_k e^{z_{ik}} - z_{i y_i}]}"
        r"{\sum_i w_{y_i}} + \dfrac{\alpha}{2|B|}\sum \|W\|^2, \quad w_k = \dfrac{n}{2 n_k}",
        caption="Class-weighted cross-entropy on augmented images (both classes weigh the same); "
        "with label smoothing eps the term in brackets becomes the cross-entropy against the "
        "target (1 - eps) e_y + eps / 2.",
    )
    section.equation(
        r"\mathrm{IG}_j(x) = (x_j - x'_j)\int_0^1 \dfrac{\partial z_{pos}(x' + a(x - x'))}"
        r"{\partial x_j}\,da, \quad \sum_j \mathrm{IG}_j = z_{pos}(x) - z_{pos}(x')",
        caption="Integrated gradients from the mean training image x' (completeness: they "
        "add up to the change in the logit).",
    )
    section.equation(
        r"p_T = \dfrac{1}{1 + e^{-(z_{pos} - z_{neg})/T}}, \quad "
        r"\mathrm{ECE} = \sum_b \dfrac{n_b}{n}\,|\bar{y}_b - \bar{p}_b|",
        caption="Temperature scaling (T fitted on validation log-likelihood) and the expected "
        "calibration error over 10 equal-width bins.",
    )

    # ------------------------------------------------------------------ method
    task: CNNTask = v["tasks"][0]
    section = report.section("method")
    section.text(
        "**Baselines.** Logistic regression on the 784 standardised pixels (`glassml.linear`) "
        "and PCA followed by an RBF support-vector machine (`glassml.decomposition`, "
        "`glassml.svm`); each one's regularisation chosen on validation AUC."
    )
    section.text(
        f"**CNN** (`glassml.nn`): {len(task.channels)} conv-BN-ReLU-pool blocks with "
        f"{', '.join(map(str, task.channels))} channels, dropout {task.dropout}, two logits; "
        + ("SGD with Nesterov momentum 0.9" if task.optimizer == "nesterov" else "Adam")
        + f" (learning rate {task.learning_rate:g}), batches of {task.batch_size}, weight decay "
        f"{task.weight_decay:g}"
        + (
            f", targets smoothed by {task.label_smoothing:g} towards 1/2 (a softer target "
            "for labels that are not all certain)"
            if task.label_smoothing
            else ""
        )
        + (f", mixup with Beta({task.mixup:g}, {task.mixup:g})" if task.mixup else "")
        + ". Every batch is augmented afresh in NumPy: a left-right flip "
        f"with probability 1/2, a rotation of up to {task.max_degrees:g} degrees and a shift of "
        f"up to {task.max_shift:g} pixels, then a gain of ±{task.contrast:.0%} and an offset "
        f"of ±{task.brightness:g} standard deviations in the grey levels, as machines' gain "
        "settings differ (no up-down flip: in ultrasound the skin is at the "
        "top, and an upside-down image is not a plausible scan). "
        + (
            f"The network trains for {task.epochs} epochs with a half-cosine learning rate, "
            f"and the model is the average of the weights of its last {task.swa_epochs} "
            "epochs (stochastic weight averaging, Izmailov et al., 2018), with the batch-norm "
            "statistics recomputed on the training images; it predicts with the mean logits "
            "of the image and its mirror"
            + (
                f", each also moved by {task.tta_shift} pixel{'s' if task.tta_shift > 1 else ''} "
                "up, down, left and right (10 views)"
                if task.tta_shift
                else ""
            )
            + ". This recipe (the weight averaging, the ensemble, the number of epochs) was "
            "chosen by stratified cross-validation on the training and validation images "
            "together (the 78 validation images alone are too few to rank recipes); the "
            "validation set sets the threshold and the temperature."
            if task.swa_epochs
            else "After each epoch the "
            f"validation AUC is measured and the best epoch's weights are kept (at most "
            f"{task.epochs} epochs"
            + (
                f", stopping after {task.patience} without improvement)."
                if task.patience < task.epochs
                else ")."
            )
        )
        + f" {n_seeds} seed{'s' if n_seeds > 1 else ''}"
        + (" (quick mode: one seed and a smaller network)." if context.quick else ".")
        + (
            f" Each seed's model is an ensemble of {n_members} such networks, trained on the "
            "same images from different initial weights, batch orders and augmentations; it "
            "reports their mean logits (variance reduction: one network's AUC moves by about "
            "0.01 between seeds). Chosen by the same cross-validation; the explanations "
            "below explain the ensemble's mean logit."
            if n_members > 1
            else ""
        )
    )
    share = "all" if v["target_sensitivity"] >= 1.0 else f"at least {v['target_sensitivity']:.0%}"
    section.text(
        f"**Operating point.** A screening aid must above all not miss {pos} cases, so the "
        f"threshold is the highest one that finds {share} of the "
        f"{pos} images of the *validation* set with the seed of best validation AUC; the test "
        "set is used once, to report. **Calibration**: one temperature fitted on the validation "
        "logits. **Intervals**: 95% percentile bootstrap over test images "
        f"({v['n_boot']} resamples) of the seed-mean AUC and accuracy."
    )

    # ------------------------------------------------------------------ results
    section = report.section("results")
    section.note(
        f"Test AUC {interval(m['auc'], m['auc_low'], m['auc_high'])}, accuracy "
        f"{interval(m['accuracy'], m['accuracy_low'], m['accuracy_high'])} (mean of {n_seeds} "
        f"seed{'s' if n_seeds > 1 else ''}, 95% bootstrap interval). At the high-sensitivity "
        f"threshold the model finds {m['sensitivity']:.0%} of {pos} test images and clears "
        f"{m['specificity']:.0%} of {neg} ones.",
        tone="success" if m["auc"] >= 0.9 else "info",
    )
    seed_rows = [
        {
            "run": f"seed {index + 1} of {n_seeds}",
            "epoch kept": (
                f"mean of {r.best_epoch + 2 - task.swa_epochs}-{r.best_epoch + 1}"
                if task.swa_epochs
                else r.best_epoch + 1
            ),
            "validation AUC": float(roc_auc_score(v["y_val"], p_val)),
            "test AUC": float(a),
            "test accuracy": float(acc),
            "training time (s)": r.seconds,
        }
        for index, (r, p_val, a, acc) in enumerate(
            zip(results, v["val_probs"], v["aucs"], v["accs"], strict=True)
        )
    ]
    if n_seeds > 1:
        seed_rows.append(
            {
                "run": "mean ± std",
                "epoch kept": "",
                "validation AUC": "",
                "test AUC": f"{m['auc']:.3f} ± {m['auc_std']:.3f}",
                "test accuracy": f"{m['accuracy']:.3f} ± {m['accuracy_std']:.3f}",
                "training time (s)": "",
            }
        )
    section.table(
        seed_rows,
        caption="The CNN per seed (accuracy at p = 0.5"
        + (f"; the time is its {n_members} networks' together)." if n_members > 1 else ")."),
        formats={
            "validation AUC": ".3f",
            "test AUC": ".3f",
            "test accuracy": ".3f",
            "training time (s)": ".1f",
        },
    )
    y_test = v["y_test"]
    curves = [
        (
            f"CNN (seed {v['chosen'] + 1}, best on validation)",
            *roc_curve(y_test, v["probs"][v["chosen"]])[:2],
            float(v["aucs"][v["chosen"]]),
        )
    ]
    for row in v["baselines"]:
        curves.append((row["model"], *roc_curve(y_test, row["scores"])[:2], row["test AUC"]))
    context.figure(
        figures.roc_curves(curves, pos),
        "roc",
        "ROC curves on the test set: the CNN carried forward (best validation AUC) and the "
        "baselines.",
        "results",
    )
    context.figure(
        figures.training_curves(
            [(i + 1, r.history, r.best_epoch) for i, r in enumerate(results)], task.swa_epochs
        ),
        "training",
        "Training loss and validation AUC per epoch"
        + (f" (member 1 of each seed's {n_members} networks); " if n_members > 1 else "; ")
        + (
            f"the shaded band is the last {task.swa_epochs} epochs, whose weights are averaged."
            if task.swa_epochs
            else "the dot marks the epoch kept."
        ),
        "results",
    )
    matrix = v["matrix"]
    section.text(
        f"**At the high-sensitivity threshold** p({pos}) >= {m['threshold']:.3f} (it found "
        f"{m['val_sensitivity']:.0%} of validation {pos} images): on the test set the model "
        f"finds {matrix[0, 0]} of {matrix[0].sum()} {pos} images (sensitivity "
        f"{m['sensitivity']:.1%}) and misses {matrix[0, 1]}; it clears {matrix[1, 1]} of "
        f"{matrix[1].sum()} {neg} images (specificity {m['specificity']:.1%}) and flags "
        f"{matrix[1, 0]} for a second look."
    )
    context.figure(
        figures.confusion(matrix, pos, neg, m["threshold"]),
        "confusion",
        "Confusion matrix on the test set at the threshold chosen on validation.",
        "results",
    )
    section.text(
        f"**Calibration.** Before scaling the expected calibration error on the test set is "
        f"{m['ece']:.3f}; the fitted temperature T = {m['temperature']:.2f} "
        + ("softens" if m["temperature"] > 1 else "sharpens")
        + f" the probabilities and the ECE becomes {m['ece_temperature']:.3f} (test "
        f"log-loss {v['nll']['before']:.3f} -> {v['nll']['after']:.3f})"
        + (
            ": worse on the test set; a temperature fitted on "
            f"{len(v['y_val'])} validation images is itself uncertain. "
            if m["ece_temperature"] > m["ece"]
            else ". "
        )
        + "Scaling never changes "
        "the ranking (AUC) or which side of p = 0.5 an image falls. With "
        f"{len(y_test)} test images the ECE itself is uncertain by a few hundredths."
    )
    context.figure(
        figures.reliability(
            [
                ("before", reliability_curve(y_test, v["before"], n_bins=10), m["ece"]),
                (
                    f"after (T = {m['temperature']:.2f})",
                    reliability_curve(y_test, v["after"], n_bins=10),
                    m["ece_temperature"],
                ),
            ],
            v["after"],
            pos,
        ),
        "reliability",
        "Reliability diagram on the test set before and after temperature scaling; below, "
        "how the calibrated probabilities are spread.",
        "results",
    )

    # ------------------------------------------------------------------ comparison
    rows = [
        {
            "model": f"glassml CNN, mean of {n_seeds} seed{'s' if n_seeds > 1 else ''} (ours)",
            "test AUC": m["auc"],
            "test accuracy": m["accuracy"],
        }
    ]
    if n_seeds > 1:
        rows.append(
            {
                "model": f"glassml CNN, average of the {n_seeds} seeds' probabilities (ours)",
                "test AUC": m["ensemble_auc"],
                "test accuracy": m["ensemble_accuracy"],
            }
        )
    rows += [
        {
            "model": f"{row['model']} (ours)",
            "test AUC": row["test AUC"],
            "test accuracy": row["test accuracy"],
        }
        for row in v["baselines"]
    ]
    if data.name == "breastmnist":
        rows += [{"model": name, "test AUC": a, "test accuracy": acc} for name, a, acc in PUBLISHED]
    section = report.section("comparison")
    section.table(
        rows,
        caption="Test-set figures on the official split. Published rows: MedMNIST v2 "
        "(Yang et al., 2023, Scientific Data 10:41), BreastMNIST benchmark table.",
        formats={"test AUC": ".3f", "test accuracy": ".3f"},
    )
    if data.name == "breastmnist":
        section.text(
            f"The test set has {len(y_test)} images, so one image is "
            f"{1 / len(y_test):.1%} of accuracy and the bootstrap interval of our AUC "
            f"({m['auc_low']:.3f}-{m['auc_high']:.3f}) covers most published rows: differences "
            "of one or two hundredths between these models are within the noise of this test "
            "set."
        )
    else:
        section.text(
            f"No published figures are tabulated here for {collection}; see the MedMNIST v2 "
            "benchmark table for its rows."
        )

    # ------------------------------------------------------------------ interpretation
    section = report.section("interpretation")
    context.figure(
        figures.attribution_grid(
            v["raw"],
            [
                ("saliency |dz/dx|", v["sal"].values.sum(axis=1)),
                ("integrated gradients", v["ig"].values.sum(axis=1)),
            ],
            v["titles"],
        ),
        "attributions",
        f"Test images the model found, missed, cleared and falsely flagged (its most confident "
        f"of each), with the gradient of the {pos} logit (saliency) and integrated gradients "
        f"from the mean training image (red raises p({pos}), blue lowers it).",
        "interpretation",
    )
    section.text(
        f"Integrated gradients add up to the change in the {pos} logit from the mean "
        f"training image to each input to within {m['ig_completeness_gap']:.3f} (trapezoidal rule, "
        f"{v['n_steps']} steps), so the maps are a complete account of that logit. "
        "Saliency only says where a small change would move the output most."
    )
    context.figure(
        figures.lime_panels(v["lime_panels"], pos),
        "lime",
        "LIME on superpixels (scikit-image SLIC; each superpixel switched to the image mean "
        f"in {v['lime'].n_samples} perturbed copies, a weighted ridge surrogate fitted to the "
        f"log-odds of {pos}; a weight is the superpixel's share of the log-odds per pixel).",
        "interpretation",
    )
    section.text(
        f"On the {len(v['titles'])} images above, {m['saliency_share_dark']:.0%} of the "
        "saliency lies on each image's darkest 30% of pixels (30% would mean no preference "
        "for them)"
        + (
            ": the model leans on the dark, lesion-like regions."
            if m["saliency_share_dark"] > 0.4
            else ": the model does not single out the dark, lesion-like regions."
        )
    )
    section.text(
        "**What a 28x28 model can and cannot see.** At this size a breast ultrasound keeps "
        "the outline of a lesion (round and sharp against irregular), its darkness against the "
        "surrounding tissue and the shadow beneath it: coarse features of a few pixels. It "
        "cannot see what a radiologist reads at full resolution: micro-lobulation, the fine "
        "texture of the margin, calcifications, the echo pattern inside the lesion, Doppler "
        "flow, or anything outside the cropped frame. The maps explain the model, not the "
        "disease: they show which pixels moved this network's output, and a plausible map "
        "does not make a prediction right, as the missed and falsely flagged images show."
    )

    # ------------------------------------------------------------------ decision
    matrix = v["matrix"]
    per_100 = 100 * matrix[1, 0] / max(matrix[1].sum(), 1)
    report.section("decision").note(
        f"As a **second reader** that flags images for review, at p({pos}) >= "
        f"{m['threshold']:.3f} (a low bar on purpose: a missed cancer costs far more than a "
        f"second look): it would have found {matrix[0, 0]} of {matrix[0].sum()} {pos} "
        f"test images and missed {matrix[0, 1]}, and sent about {per_100:.0f} of every 100 "
        f"{neg} images for a second look. Not as a stand-alone diagnosis: a missed cancer is "
        "the costly error, the validation set that set the threshold holds only "
        f"{int(v['y_val'].sum())} {pos} images, and the model has not been tested on images "
        "from another hospital or machine.",
        tone="warning" if matrix[0, 1] else "success",
    )

    # ------------------------------------------------------------------ limitations
    report.section("limitations").note(
        f"{len(data.labels['train']) + len(data.labels['val']) + len(y_test)} images from one "
        "public collection (one hospital, one period) and one test set of "
        f"{len(y_test)} images: every figure here has an interval of several hundredths. "
        "Images are down-sampled to 28x28, which discards the fine detail radiologists use. "
        "Labels are per image, without biopsy details or patient grouping, so images of the "
        "same patient may sit in different splits. The threshold rests on the few validation "
        f"{pos} images; its test sensitivity may differ from the target. Calibration holds for "
        "this collection's prevalence of "
        f"{v['balance'][2][f'share {pos}']:.0%} {pos}: in a screening population, where "
        "cancers are far rarer, the probabilities would have to be re-calibrated.",
        tone="warning",
    )


STUDY = Study(
    name="medical",
    title="Medical image recognition: breast ultrasound at 28x28",
    question="Can a small CNN tell malignant from benign/normal breast ultrasound, how well "
    "calibrated is it, and what does it look at?",
    steps=STEPS,
    headline=(
        Headline("auc", "test ROC-AUC", ".3f", low="auc_low", high="auc_high"),
        Headline("accuracy", "test accuracy", ".3f", low="accuracy_low", high="accuracy_high"),
        Headline("sensitivity", "sensitivity at the chosen threshold", ".3f"),
        Headline("specificity", "specificity at the chosen threshold", ".3f"),
        Headline("ece_temperature", "calibration error after scaling", ".3f", better="lower"),
    ),
    run=run,
    options={
        "resize": Option("no", "'yes' resamples images that are not 28x28 (else refused)"),
        "sensitivity": Option(
            0.95,
            "sensitivity the operating threshold must reach on validation (1: all positives)",
            low=0.01,
            high=1.0,
        ),
        "epochs": Option(EPOCHS, "CNN training epochs (full mode)", low=1),
        "members": Option(
            MEMBERS,
            "networks averaged per seed in full mode (an ensemble of initialisations)",
            low=1,
        ),
        "quick_members": Option(1, "networks averaged per seed in quick mode", low=1),
        "tta_shift": Option(
            TTA_SHIFT,
            "test-time shift in pixels: predictions also average the image moved this far "
            "in each of the four directions (0: mirror average only; at most 13, under half "
            "the 28-pixel image)",
            low=0,
            high=13,
        ),
        "quick_epochs": Option(8, "CNN training epochs in quick mode", low=1),
        "optimizer": Option(
            OPTIMIZER,
            "the CNN's step rule in full mode: 'nesterov' (SGD, Nesterov momentum 0.9, "
            "learning rate 0.05) or 'adam' (learning rate 1e-3), each with the half-cosine decay",
        ),
        "quick_optimizer": Option(QUICK_OPTIMIZER, "the CNN's step rule in quick mode"),
    },
    data_help="a binary MedMNIST 2-D .npz (BreastMNIST bundled; e.g. pneumoniamnist.npz)",
)
