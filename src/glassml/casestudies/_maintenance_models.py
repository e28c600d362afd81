"""The computations of the predictive-maintenance study, kept apart from its report.

Everything here works on plain frames and arrays so that each fit is a module-level function
of one self-contained task: the framework can run the tasks serially or on a Dask cluster and
get the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SETTINGS = ("setting_1", "setting_2", "setting_3")
SENSORS = tuple(f"sensor_{i}" for i in range(1, 22))


# -- data quality ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SensorAudit:
    """Which sensors carry information, and why the others were dropped."""

    kept: tuple[str, ...]
    dropped: dict[str, str]  # sensor -> reason
    conditions: int  # number of operating conditions found in the settings


def _condition_keys(frame: pd.DataFrame) -> pd.Series:
    """The settings rounded to the grid the simulator used (altitude, Mach number, throttle
    angle), as one label per row."""
    rounded = frame[list(SETTINGS)].round({"setting_1": 0, "setting_2": 2, "setting_3": 0})
    # Adding 0.0 turns the -0.0 that rounding leaves on tiny negative settings into 0.0.
    return (rounded + 0.0).astype(str).agg("/".join, axis=1)


def operating_condition(frame: pd.DataFrame) -> np.ndarray:
    """Number each row's operating condition (one in FD001/FD003, six in FD002/FD004)."""
    return pd.factorize(_condition_keys(frame))[0]


def audit_sensors(train: pd.DataFrame) -> SensorAudit:
    """A sensor is dropped when it is constant, or takes at most two values within every
    operating condition (a quantised reading that cannot track gradual wear)."""
    condition = operating_condition(train)
    dropped: dict[str, str] = {}
    for sensor in SENSORS:
        values = train[sensor]
        if values.nunique() == 1:
            dropped[sensor] = f"constant ({values.iloc[0]:g})"
            continue
        per_condition = values.groupby(condition).nunique().max()
        if per_condition <= 2:
            dropped[sensor] = f"only {per_condition} distinct values per operating condition"
    kept = tuple(s for s in SENSORS if s not in dropped)
    return SensorAudit(kept, dropped, int(condition.max()) + 1)


def quality_table(train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name, frame in (("training", train), ("test", test)):
        lengths = frame.groupby("unit")["cycle"].max()
        rows.append(
            {
                "set": name,
                "engines": int(frame["unit"].nunique()),
                "rows": len(frame),
                "missing values": int(frame.isna().sum().sum()),
                "duplicate rows": int(frame.duplicated().sum()),
                "cycles per engine (min)": int(lengths.min()),
                "cycles per engine (median)": float(lengths.median()),
                "cycles per engine (max)": int(lengths.max()),
            }
        )
    return pd.DataFrame(rows)


# -- features -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeatureSpec:
    sensors: tuple[str, ...]
    windows: tuple[int, ...]
    stats: tuple[str, ...]


def normalise(frame: pd.DataFrame, reference: pd.DataFrame, sensors) -> pd.DataFrame:
    """Standardise each sensor within its operating condition, with the training engines'
    per-condition mean and standard deviation (the test set never informs the scaling; a
    condition the training engines never ran in falls back to the global scaling)."""
    sensors = list(sensors)
    keys, reference_keys = _condition_keys(frame), _condition_keys(reference)
    grouped = reference[sensors].groupby(reference_keys.to_numpy())
    mean = grouped.mean().reindex(keys.to_numpy())
    std = grouped.std().reindex(keys.to_numpy())
    mean = mean.fillna(reference[sensors].mean()).to_numpy()
    std = std.fillna(reference[sensors].std()).to_numpy()
    out = frame.copy()
    out[sensors] = (frame[sensors].to_numpy() - mean) / np.where(std > 0, std, 1.0)
    return out


def tabular_features(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The current reading, rolling means, slopes and exponentially weighted means of each
    sensor over the last few cycles of its own engine, and the engine's age."""
    from glassml.timeseries import rolling_features

    unit = frame["unit"].to_numpy()
    parts = [frame[list(spec.sensors)].reset_index(drop=True)]
    for window in spec.windows:
        rolled = rolling_features(
            frame, unit, window, stats=spec.stats, columns=list(spec.sensors), time="cycle"
        )
        parts.append(rolled.reset_index(drop=True))
    parts.append(pd.DataFrame({"cycle": frame["cycle"].to_numpy(dtype=float)}))
    return pd.concat(parts, axis=1)


def linear_features(frame: pd.DataFrame, sensors, window: int) -> pd.DataFrame:
    """For the regression analysis: each sensor's mean over the last ``window`` cycles (a
    smoothed level whose coefficient reads as cycles of life per standard deviation)."""
    from glassml.timeseries import rolling_features

    rolled = rolling_features(
        frame, frame["unit"].to_numpy(), window, stats=("mean",), columns=list(sensors)
    )
    rolled.columns = [c.replace(f"_mean{window}", "") for c in rolled.columns]
    return rolled.reset_index(drop=True)


def last_windows(frame: pd.DataFrame, sensors, length: int) -> np.ndarray:
    """The last ``length`` cycles of every engine, (n_engines, length, n_sensors); an engine
    with fewer cycles is padded at the start with its first reading (it was new then)."""
    blocks = []
    for _, engine in frame.groupby("unit", sort=True):
        values = engine[list(sensors)].to_numpy(dtype=np.float32)
        if len(values) < length:
            values = np.concatenate([np.repeat(values[:1], length - len(values), 0), values])
        blocks.append(values[-length:])
    return np.stack(blocks)


def all_windows(frame: pd.DataFrame, sensors, length: int, stride: int):
    """Every window of ``length`` cycles (never crossing engines) and the row it ends at."""
    from glassml.timeseries import windows

    X, index = windows(
        frame[list(sensors)].to_numpy(dtype=np.float32),
        frame["unit"].to_numpy(),
        length,
        stride,
        return_index=True,
    )
    return X, np.asarray(index)


@dataclass(frozen=True)
class HealthIndex:
    """A linear health index h = a + b·x of the sensors, fitted by least squares to the
    capped RUL labels of the training rows (after Wang et al. 2008, "A similarity-based
    prognostics approach for remaining useful life estimation of engineered systems").

    One number per cycle averages the noise of all sensors away, which trees cannot do (they
    split on one column at a time). Rolling means, exponentially weighted means and slopes
    are linear in the readings, so the index's rolling statistics are the same combination
    b of the sensors' rolling statistics: every feature of the index is read off the tabular
    features already built, and the index is refitted inside each fit on its own rows only
    (no validation or test engine informs it).
    """

    intercept: float
    coef: np.ndarray  # one weight per sensor
    groups: tuple[tuple[str, np.ndarray, bool], ...]  # (feature, sensor columns, intercept?)
    age: int | None  # column of the engine's age, kept beside the index

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, columns, sensors) -> HealthIndex:
        from glassml.linear import LinearRegression

        where = {name: j for j, name in enumerate(columns)}
        readings = np.array([where[s] for s in sensors])
        groups = [("health_index", readings, True)]
        suffixes = [c[len(sensors[0]) + 1 :] for c in columns if c.startswith(sensors[0] + "_")]
        for suffix in suffixes:
            index = np.array([where[f"{s}_{suffix}"] for s in sensors])
            groups.append((f"health_index_{suffix}", index, not suffix.startswith("slope")))
        ols = LinearRegression().fit(X[:, readings], y)
        return cls(float(ols.intercept_), np.ravel(ols.coef_), tuple(groups), where.get("cycle"))

    @property
    def names(self) -> list[str]:
        return [g[0] for g in self.groups] + ([] if self.age is None else ["cycle"])

    def transform(self, X: np.ndarray) -> np.ndarray:
        columns = [
            X[:, index] @ self.coef + (self.intercept if shift else 0.0)
            for _, index, shift in self.groups
        ]
        if self.age is not None:
            columns.append(X[:, self.age])
        return np.column_stack(columns)


# -- models ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FitTask:
    """One independent fit: the model, its settings, the data and the seed."""

    model: str  # "linear" | "boosting" | "network"
    params: dict
    X_train: np.ndarray
    y_train: np.ndarray
    X_eval: tuple[np.ndarray, ...]  # each is predicted; predictions come back in order
    seed: int
    # Labels of X_eval[0] for the network's early stopping (validation engines). With them
    # the network returns, after its predictions, the best epoch count as a 1-element array.
    y_monitor: np.ndarray | None = None
    # Boosting on a health index needs the names of X's columns and the sensors among them.
    columns: tuple[str, ...] = ()
    sensors: tuple[str, ...] = ()


def fit_and_predict(task: FitTask) -> tuple[np.ndarray, ...]:
    """Fit one model and predict every evaluation set (clipped to the label range).

    BLAS runs on one thread: a matrix product's rounding depends on how it is split between
    threads, and a network trained in float32 amplifies that into different weights, so a
    task must not depend on how many threads the process it lands in happens to have.
    """
    from glassml._threads import one_blas_thread

    with one_blas_thread():
        return _fit_and_predict(task)


def _fit_and_predict(task: FitTask) -> tuple[np.ndarray, ...]:
    if task.model == "linear":
        from glassml.linear import LinearRegression

        model = LinearRegression().fit(task.X_train, task.y_train)
    elif task.model == "boosting":
        model = fit_boosting(task.X_train, task.y_train, task.params, task.seed, task)
    elif task.model == "network":
        return _fit_network(task)
    else:  # pragma: no cover - the study only builds the three kinds above
        raise ValueError(f"model: expected 'linear', 'boosting' or 'network', got {task.model!r}")
    top = float(np.max(task.y_train))
    return tuple(np.clip(np.ravel(model.predict(X)), 0.0, top) for X in task.X_eval)


def network_layers(params: dict) -> list:
    """The sequence network after Li, Ding & Sun (2018, "DCNN"): ``depth`` Conv1D layers of
    ``filters`` channels over time with tanh, a 1-channel Conv1D (kernel 3) summarising each
    cycle, the (length,) result flattened so the head knows *when* in the window a pattern
    occurred, dropout, a tanh layer of ``hidden`` units and a linear output. The kernel is
    odd so "same" padding keeps the window's length. Weights start from ``init`` (the paper's
    Glorot normal by default: He's variance, meant for ReLU, saturates tanh units early)."""
    from glassml.nn import Conv1D, Dense, Dropout, Flatten, ReLU, Tanh

    kernel, init = int(params["kernel"]), params.get("init", "glorot_normal")
    activation = {"tanh": Tanh, "relu": ReLU}[params.get("activation", "tanh")]
    layers = []
    for _ in range(int(params["depth"])):
        layers += [
            Conv1D(int(params["filters"]), kernel, padding=kernel // 2, init=init),
            activation(),
        ]
    layers += [Conv1D(1, 3, padding=1, init=init), activation(), Flatten()]
    if params.get("dropout", 0.0):
        layers.append(Dropout(float(params["dropout"])))
    return [*layers, Dense(int(params["hidden"]), init=init), Tanh(), Dense(1, init=init)]


def _fit_network(task: FitTask) -> tuple[np.ndarray, ...]:
    """Adam on the mean squared error of standardised labels, learning rate decayed by
    ``decay`` per epoch. With ``task.y_monitor`` the validation engines' loss is watched after
    every epoch and training stops ``patience`` epochs after its best, restoring the best
    weights; the best epoch count is returned so the refit on all engines can train as long.
    Predictions are computed in float64, so they do not depend on batch sizes."""
    from glassml.nn import EarlyStopping, Sequential, fit, predict_batches
    from glassml.optim import Adam

    params = task.params
    rng = np.random.default_rng(task.seed)
    y_mean, y_scale = float(np.mean(task.y_train)), float(np.std(task.y_train))
    model = Sequential(network_layers(params))
    model.build(task.X_train.shape[1:], rng, np.float32)
    rate, decay = float(params["learning_rate"]), float(params.get("decay", 1.0))
    monitored = task.y_monitor is not None
    history = fit(
        model,
        task.X_train,
        ((task.y_train - y_mean) / y_scale).reshape(-1, 1),
        loss="mse",
        optimizer=Adam(lr=rate),
        epochs=int(params["epochs"]),
        batch_size=int(params["batch_size"]),
        validation_data=(
            (task.X_eval[0], ((task.y_monitor - y_mean) / y_scale).reshape(-1, 1))
            if monitored
            else None
        ),
        early_stopping=(
            EarlyStopping(int(params["patience"]), 0.0, True, "val_loss") if monitored else None
        ),
        lr_schedule=lambda epoch: rate * decay**epoch,
        random_state=rng,
        verbose=0,
    )
    top = float(np.max(task.y_train))
    predictions = tuple(
        np.clip(predict_batches(model, X, 1024, np.float64).ravel() * y_scale + y_mean, 0.0, top)
        for X in task.X_eval
    )
    if monitored:
        best = int(np.argmin(history["val_loss"])) + 1
        predictions += (np.array([best, len(history["val_loss"])], dtype=float),)
    return predictions


def fit_boosting(X: np.ndarray, y: np.ndarray, params: dict, seed: int, task: FitTask):
    """The boosting model (also for the explanations), fitted like ``fit_and_predict``.

    ``params["inputs"]``: "features" (the tabular features as they are), "health index" (the
    index's features and the age only) or "both". With a health index the result is a
    pipeline whose first step fits the index on the same rows."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from glassml.ensemble import HistGradientBoostingRegressor

    params = dict(params)
    inputs = params.pop("inputs", "features")
    booster = HistGradientBoostingRegressor(random_state=seed, early_stopping=False, **params)
    if inputs == "features":
        return booster.fit(X, y)
    index = HealthIndex.fit(X, y, task.columns, task.sensors)
    if inputs == "health index":
        step = FunctionTransformer(index.transform)
    else:
        step = FunctionTransformer(lambda Z: np.hstack([Z, index.transform(Z)[:, :-1]]))
    model = make_pipeline(step, booster).fit(X, y)
    model.health_index = index
    return model


# -- reliability ----------------------------------------------------------------------------
def residual_failure_probability(
    predicted: np.ndarray, residuals: np.ndarray, horizon: float
) -> np.ndarray:
    """P(true RUL <= horizon | predicted RUL) from the empirical distribution of held-out
    residuals (true - predicted): the model's own track record, no distributional guess."""
    residuals = np.sort(np.asarray(residuals, dtype=float))
    # true <= horizon  <=>  residual <= horizon - predicted
    counts = np.searchsorted(residuals, horizon - np.asarray(predicted, float), side="right")
    return counts / len(residuals)


# -- the maintenance decision ---------------------------------------------------------------
def rul_policy_cost(
    trajectories: list[tuple[np.ndarray, int]],
    thresholds: np.ndarray,
    failure_cost: float,
    repair_cost: float,
) -> pd.DataFrame:
    """Simulate "repair as soon as predicted RUL <= threshold" on complete engine histories.

    ``trajectories`` holds, per engine, its predicted RUL at cycles 1..T and its life T (the
    engine fails at the end of cycle T). An engine repaired at cycle t < T costs
    ``repair_cost`` and ran t cycles; one never flagged in time fails: ``failure_cost`` after T
    cycles. By the renewal-reward theorem the long-run cost per cycle is the total cost over
    the total cycles run (Ross, Stochastic Processes, §3.6).
    """
    rows = []
    for threshold in thresholds:
        cost = cycles = failures = wasted = 0.0
        for predicted, life in trajectories:
            flagged = np.flatnonzero(predicted <= threshold)
            # A repair scheduled in the last cycle is too late: the engine fails during it.
            if flagged.size and flagged[0] + 1 < life:
                stop = flagged[0] + 1
                cost += repair_cost
                cycles += stop
                wasted += life - stop
            else:
                cost += failure_cost
                cycles += life
                failures += 1
        n = len(trajectories)
        rows.append(
            {
                "threshold": float(threshold),
                "cost_per_1000_cycles": 1000.0 * cost / cycles,
                "unplanned_failures": failures / n,
                "wasted_cycles": wasted / n,
            }
        )
    return pd.DataFrame(rows)


def age_policy_cost(
    survival, ages: np.ndarray, failure_cost: float, repair_cost: float
) -> np.ndarray:
    """Classical age replacement (Barlow & Proschan 1965): repair at age T unless failed
    before. Cost per cycle C(T) = [c_p R(T) + c_f (1 - R(T))] / integral_0^T R(t) dt."""
    grid = np.linspace(0.0, float(np.max(ages)), 4001)
    reliability = survival(grid)
    integral = np.concatenate(
        [[0.0], np.cumsum(0.5 * (reliability[1:] + reliability[:-1]) * np.diff(grid))]
    )
    R = np.interp(ages, grid, reliability)
    expected_life = np.interp(ages, grid, integral)
    return 1000.0 * (repair_cost * R + failure_cost * (1.0 - R)) / expected_life
