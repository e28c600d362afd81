"""Time-series workloads: Holt–Winters vs statsmodels, one LSTM training epoch vs PyTorch.

The LSTM workload's check also runs the forward comparison the issue asks for: glassml's LSTM
and GRU with their weights copied into ``torch.nn.LSTM``/``GRU`` (float64) give the same
outputs to 1e-6 (torch is not a dependency, so this lives here and not in the test suite).
"""

from __future__ import annotations

import numpy as np

from benchmarks._harness import Workload, register


def _holt_winters_data():
    rng = np.random.default_rng(0)
    months = np.arange(240)
    return (
        100.0
        + 0.4 * months
        + 12.0 * np.sin(2 * np.pi * months / 12)
        + 5.0 * np.cos(4 * np.pi * months / 12)
        + rng.normal(0.0, 3.0, 240)
    )


def _holt_winters_ours(y):
    from glassml.timeseries import ExponentialSmoothing

    return ExponentialSmoothing(trend="add", seasonal="add", seasonal_periods=12).fit(y)


def _holt_winters_reference(y):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    return ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=12).fit()


def _holt_winters_check(y, ours, reference) -> str:
    forecast_gap = np.max(
        np.abs(ours.forecast(12, n_paths=10, random_state=0)["mean"].to_numpy()
               - reference.forecast(12))
    )  # fmt: skip
    return (
        f"SSE ours {ours.sse_:.4f} vs statsmodels {reference.sse:.4f} (lower is better); "
        f"max |12-month forecast diff| {forecast_gap:.2e}"
    )


register(
    Workload(
        name="holt_winters",
        description="Holt-Winters fit, 240 monthly points, additive trend and seasonality, "
        "estimated initial states, L-BFGS",
        setup=_holt_winters_data,
        ours=_holt_winters_ours,
        reference=_holt_winters_reference,
        reference_label="statsmodels",
        target=1.0,
        requires=("statsmodels",),
        check=_holt_winters_check,
    )
)

N_WINDOWS, LENGTH, FEATURES, HIDDEN, BATCH = 17_000, 30, 14, 64, 256


def _lstm_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_WINDOWS, LENGTH, FEATURES)).astype(np.float32)
    y = (X[:, -5:, :3].mean(axis=(1, 2)) + 0.1 * X[:, :, 3].mean(axis=1)).astype(np.float32)
    return X, y[:, None]


def _lstm_ours(data):
    from glassml import nn
    from glassml.optim import Adam

    X, y = data
    model = nn.Sequential([nn.LSTM(HIDDEN), nn.Dense(1)])
    history = nn.fit(
        model, X, y, loss="mse", optimizer=Adam(lr=1e-3), epochs=1, batch_size=BATCH,
        random_state=0, verbose=0,
    )  # fmt: skip
    return float(history["loss"][-1])


def _lstm_reference(data):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    X, y = (torch.from_numpy(array) for array in data)
    lstm = torch.nn.LSTM(FEATURES, HIDDEN, batch_first=True)
    head = torch.nn.Linear(HIDDEN, 1)
    optimizer = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=1e-3)
    order = torch.randperm(N_WINDOWS)
    total = 0.0
    for start in range(0, N_WINDOWS, BATCH):
        rows = order[start : start + BATCH]
        optimizer.zero_grad()
        output = head(lstm(X[rows])[0][:, -1])
        loss = torch.nn.functional.mse_loss(output, y[rows])
        loss.backward()
        optimizer.step()
        total += float(loss) * rows.numel()
    return total / N_WINDOWS


def torch_forward_agreement() -> dict[str, float]:
    """max |glassml - torch| of LSTM and GRU outputs (every step) with copied weights."""
    import torch

    from glassml import nn

    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, LENGTH, FEATURES))
    gaps = {}
    for name in ("lstm", "gru"):
        layer = (nn.LSTM if name == "lstm" else nn.GRU)(HIDDEN, return_sequences=True)
        layer.build((LENGTH, FEATURES), np.random.default_rng(2), np.float64)
        for value in layer._params.values():  # random biases too, so their copy is tested
            value[...] = rng.normal(scale=0.3, size=value.shape)
        p = layer._params
        module = (torch.nn.LSTM if name == "lstm" else torch.nn.GRU)(
            FEATURES, HIDDEN, batch_first=True, dtype=torch.float64
        )
        with torch.no_grad():
            if name == "lstm":
                module.weight_ih_l0.copy_(torch.from_numpy(p["weight"][:FEATURES].T.copy()))
                module.weight_hh_l0.copy_(torch.from_numpy(p["weight"][FEATURES:].T.copy()))
                module.bias_ih_l0.copy_(torch.from_numpy(p["bias"]))
                module.bias_hh_l0.zero_()
            else:
                module.weight_ih_l0.copy_(torch.from_numpy(p["weight_ih"].T.copy()))
                module.weight_hh_l0.copy_(torch.from_numpy(p["weight_hh"].T.copy()))
                module.bias_ih_l0.copy_(torch.from_numpy(p["bias_ih"]))
                module.bias_hh_l0.copy_(torch.from_numpy(p["bias_hh"]))
            theirs = module(torch.from_numpy(x))[0].numpy()
        gaps[name] = float(np.max(np.abs(layer(x).numpy() - theirs)))
    return gaps


def _lstm_check(data, ours, reference) -> str:
    gaps = torch_forward_agreement()
    verdict = "ok" if max(gaps.values()) <= 1e-6 else "FAILS 1e-6"
    return (
        f"epoch loss ours {ours:.4f} vs torch {reference:.4f}; forward vs torch with copied "
        f"weights: LSTM {gaps['lstm']:.1e}, GRU {gaps['gru']:.1e} ({verdict})"
    )


register(
    Workload(
        name="lstm_epoch",
        description="one training epoch, LSTM(64) + Dense(1), 17,000 windows of 30 x 14, "
        "batch 256, Adam, float32; torch on one thread",
        setup=_lstm_data,
        ours=_lstm_ours,
        reference=_lstm_reference,
        reference_label="torch",
        target=2.0,
        requires=("torch",),
        check=_lstm_check,
        repeats=3,
    )
)
