"""Test problems and the Bayesian-optimisation study (BO vs random search vs Optuna's TPE).

Branin (2-D, minimum 0.397887) and Hartmann-6 (6-D, minimum -3.32237), as in Jones,
Schonlau & Welch (1998); and tuning an RBF SVC's (C, gamma) on the Wisconsin breast-cancer
data (569 real patients, 30 features; bundled with scikit-learn, so the study runs offline on
any machine, and an SVC fit takes milliseconds, so 10 seeds x 3 methods fit in minutes): the
objective is the 5-fold CV error of a standardised SVC.

``python tests/model_selection/_problems.py`` prints the study's markdown table (the one in
docs/model-selection.md).
"""

from __future__ import annotations

import numpy as np

BRANIN_MIN = 0.397887357729738
HARTMANN6_MIN = -3.32236801141551

_A = np.array(
    [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
     [17, 8, 0.05, 10, 0.1, 14]]
)  # fmt: skip
_P = 1e-4 * np.array(
    [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
)  # fmt: skip
_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def branin(x) -> float:
    x1, x2 = float(x[0]), float(x[1])
    b, c, t = 5.1 / (4 * np.pi**2), 5 / np.pi, 1 / (8 * np.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * np.cos(x1) + 10


def hartmann6(x) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(-_ALPHA @ np.exp(-np.sum(_A * (x - _P) ** 2, axis=1)))


def svc_objective():
    """(C, gamma) -> 5-fold CV error of StandardScaler + SVC on breast cancer."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    X, y = load_breast_cancer(return_X_y=True)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)

    def error(x) -> float:
        model = make_pipeline(StandardScaler(), SVC(C=float(x[0]), gamma=float(x[1])))
        return 1.0 - float(cross_val_score(model, X, y, cv=cv).mean())

    return error


def problems():
    from glassml.model_selection import Real

    return {
        "branin": (branin, [Real(-5.0, 10.0), Real(0.0, 15.0)], 30),
        "hartmann6": (hartmann6, [Real(0.0, 1.0) for _ in range(6)], 50),
        "svc_breast_cancer": (
            svc_objective(),
            [Real(1e-2, 1e3, prior="log-uniform"), Real(1e-5, 1e1, prior="log-uniform")],
            30,
        ),
    }


def run_bayes(fun, space, n_calls, seed) -> float:
    from glassml.model_selection import minimize_bayes

    return minimize_bayes(fun, space, n_calls, n_initial_points=10, random_state=seed).fun


def run_random(fun, space, n_calls, seed) -> float:
    from sklearn.utils import check_random_state

    from glassml.model_selection._space import Space

    full = Space(space, "space")
    points = full.from_unit(full.sample(n_calls, check_random_state(10_000 + seed)))
    return min(fun(point) for point in points)


def run_tpe(fun, space, n_calls, seed) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial):
        x = [
            trial.suggest_float(f"x{k}", d.low, d.high, log=d.prior == "log-uniform")
            for k, d in enumerate(space)
        ]
        return fun(x)

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n_calls)
    return study.best_value


def study(names=None, seeds=range(10), methods=("bayes", "random", "tpe")):
    """Median (and quartiles) of the best value after n calls, per problem and method."""
    runners = {"bayes": run_bayes, "random": run_random, "tpe": run_tpe}
    table = {}
    for name, (fun, space, n_calls) in problems().items():
        if names is not None and name not in names:
            continue
        for method in methods:
            bests = np.array([runners[method](fun, space, n_calls, seed) for seed in seeds])
            table[name, method] = bests
    return table


def markdown(table) -> str:
    lines = [
        "| problem | calls | method | median best | quartiles |",
        "|---|---|---|---|---|",
    ]
    calls = {name: spec[2] for name, spec in problems().items()}
    for (name, method), bests in table.items():
        q1, median, q3 = np.percentile(bests, [25, 50, 75])
        lines.append(f"| {name} | {calls[name]} | {method} | {median:.4f} | {q1:.4f} - {q3:.4f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(study()))
