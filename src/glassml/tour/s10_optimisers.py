"""Tour section: six optimisers fit the same L2-regularised logistic regression on
scikit-learn's breast-cancer data through :func:`glassml.optim.minimize`; a table compares
them and a figure shows how fast each closes the gap to the best loss."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

TITLE = "Optimisers race on a real problem"

L2_PENALTY = 1e-2  # lambda in the loss below


def logistic_loss(params: np.ndarray, X: np.ndarray, y: np.ndarray, lam: float = L2_PENALTY):
    """Mean logistic loss with labels in {-1, +1}, ridge on the weights (not the intercept).

    ``L(w, b) = mean_i log(1 + exp(-y_i (x_i^T w + b))) + lam/2 ||w||^2`` and its gradient
    ``(X^T r / n + lam w, mean(r))`` with ``r_i = -y_i sigmoid(-y_i (x_i^T w + b))``.
    """
    from scipy.special import expit

    weights, intercept = params[:-1], params[-1]
    margins = y * (X @ weights + intercept)
    loss = np.mean(np.logaddexp(0.0, -margins)) + 0.5 * lam * weights @ weights
    residual = -y * expit(-margins) / len(y)
    grad = np.append(X.T @ residual + lam * weights, residual.sum())
    return loss, grad


def logistic_hessian(params: np.ndarray, X: np.ndarray, y: np.ndarray, lam: float = L2_PENALTY):
    """``[X 1]^T diag(p (1 - p)) [X 1] / n`` plus ``lam`` on the weights' diagonal."""
    from scipy.special import expit

    design = np.column_stack([X, np.ones(len(y))])
    p = expit(design @ params)
    hessian = (design.T * (p * (1 - p))) @ design / len(y)
    hessian[np.arange(X.shape[1]), np.arange(X.shape[1])] += lam
    return hessian


# (label, method, options): step sizes a practitioner would try first on standardised data.
RACE = [
    ("GD + Armijo", "gd", {"lr": 1.0, "line_search": "armijo"}),
    ("Newton", "newton", {}),
    ("L-BFGS", "lbfgs", {}),
    ("Adam", "adam", {"lr": 0.05}),
    ("RMSprop", "rmsprop", {"lr": 0.01}),
    ("Adagrad", "adagrad", {"lr": 0.5}),
]


def race(max_iter: int = 3000, tol: float = 1e-6):
    """Fit every optimiser of ``RACE``; return the data split and one row per method."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from glassml.optim import minimize

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    signs = np.where(y_train == 1, 1.0, -1.0)
    x0 = np.zeros(X.shape[1] + 1)

    rows = []
    for label, method, options in RACE:
        hess = (lambda p: logistic_hessian(p, X_train, signs)) if method == "newton" else None
        start = time.perf_counter()
        result = minimize(
            lambda p: logistic_loss(p, X_train, signs),
            x0,
            method=method,
            jac=True,
            hess=hess,
            tol=tol,
            max_iter=max_iter,
            **options,
        )
        seconds = time.perf_counter() - start
        predictions = (X_test @ result.x[:-1] + result.x[-1] > 0).astype(int)
        rows.append(
            {
                "label": label,
                "result": result,
                "seconds": seconds,
                "accuracy": float(np.mean(predictions == y_test)),
            }
        )
    return rows


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from rich.table import Table

    from glassml._io import save_figure

    console.print(
        "L2-regularised logistic regression (lambda = 0.01) on the breast-cancer data "
        "(569 tumours, 30 features, standardised; 75/25 stratified split), minimised by six "
        "optimisers from the same start to gradient norm 1e-6 (at most 3000 iterations)."
    )
    rows = race()
    best = min(float(np.min(row["result"].history["loss"])) for row in rows)

    table = Table(title="Optimisers on the same problem")
    for column in ["method", "iters", "evals", "seconds", "final loss", "test acc", "converged"]:
        table.add_column(column, justify="left" if column == "method" else "right", no_wrap=True)
    for row in rows:
        result = row["result"]
        table.add_row(
            row["label"],
            str(result.nit),
            str(result.nfev),
            f"{row['seconds']:.3f}",
            f"{result.fun:.8f}",
            f"{row['accuracy']:.3f}",
            "yes" if result.success else "no",
        )
    console.print(table)

    figure, axis = plt.subplots(figsize=(7, 4.5))
    for row in rows:
        gap = row["result"].history["loss"] - best
        axis.plot(np.arange(gap.size), np.maximum(gap, 1e-16), label=row["label"])
    axis.set_xscale("symlog", linthresh=10)
    axis.set_yscale("log")
    axis.set_xlabel("iteration")
    axis.set_ylabel("loss - best loss")
    axis.set_title("Breast cancer, L2 logistic regression: distance to the optimum")
    axis.legend(fontsize=8)
    paths = save_figure(figure, out_dir / "optimisers_convergence")
    plt.close(figure)
    converged = [row for row in rows if row["result"].success]
    fewest = min(converged, key=lambda row: row["result"].nit)
    quickest = min(converged, key=lambda row: row["seconds"])
    stalled = [row["label"] for row in rows if not row["result"].success]
    console.print(
        f"Fewest iterations: {fewest['label']} ({fewest['result'].nit}); least time: "
        f"{quickest['label']} ({quickest['seconds']:.3f} s). "
        + (
            f"Not converged within the budget: {', '.join(stalled)} (a constant learning rate "
            "keeps the iterates circling the optimum). "
            if stalled
            else ""
        )
        + f"Figure: {paths[0].name}, {paths[1].name}."
    )
