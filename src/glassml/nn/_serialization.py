"""Saving and loading without pickle: one ``.npz`` holding the weight arrays and, as a string
entry ``"config.json"``, the JSON architecture, hyper-parameters and fitted metadata.

Loading rebuilds the network from its JSON config (unknown layer types are refused), builds it
on the recorded input shape (the dry forward of shapes), and checks every stored array against
the shape the rebuilt network expects before copying it in.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from glassml._io import atomic_write
from glassml.nn._module import Module, Sequential, layer_from_config

FORMAT = "glassml.nn/1"


def _estimators() -> dict[str, type]:
    from glassml.nn._estimators import CNNClassifier, MLPClassifier, MLPRegressor

    return {cls.__name__: cls for cls in (MLPClassifier, MLPRegressor, CNNClassifier)}


def _jsonable_params(estimator: Any) -> dict[str, Any]:
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        if isinstance(value, Sequential):
            value = value.layers
        if isinstance(value, list | tuple) and any(isinstance(v, Module) for v in value):
            value = [layer.config() if isinstance(layer, Module) else layer for layer in value]
        elif name == "optimizer" and not isinstance(value, str):
            # Optimiser instances are not serialised; predictions do not need them.
            value = type(value).__name__.lower()
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, np.random.RandomState | np.random.Generator):
            value = None
        params[name] = value
    return params


def save(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Save a built ``Module`` or a fitted glassml.nn estimator to ``path`` (.npz)."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if isinstance(obj, Module):
        network, config = obj, {"kind": "Module"}
    elif type(obj).__name__ in _estimators() and hasattr(obj, "network_"):
        network = obj.network_
        fitted = {"n_iter_": int(obj.n_iter_), "n_features_in_": int(obj.n_features_in_)}
        for name in ("n_outputs_", "_y_ndim", "input_shape_"):
            if hasattr(obj, name):
                fitted[name] = getattr(obj, name)
        config = {
            "kind": type(obj).__name__,
            "hyperparameters": _jsonable_params(obj),
            "fitted": fitted,
        }
    else:
        raise ValueError(f"save expects a built Module or a fitted estimator, got {obj!r}")
    if not network.built:
        raise ValueError("save: the network is not built yet (fit it or call build first)")
    config.update(
        format=FORMAT,
        architecture=network.config(),
        input_shape=list(network.input_shape),
        dtype=str(network.dtype),
    )
    arrays = {f"state/{name}": value for name, value in network.state_dict().items()}
    if not isinstance(obj, Module):
        if hasattr(obj, "classes_"):
            # Object arrays would need pickle: labels are stored as strings then.
            classes = obj.classes_
            arrays["fitted/classes_"] = (
                classes.astype(str) if classes.dtype.kind == "O" else classes
            )
        arrays.update({f"history/{key}": value for key, value in obj.history_.items()})
    arrays["config.json"] = np.array(json.dumps(config))
    with atomic_write(path, "wb") as stream:
        np.savez(stream, **arrays)
    return path


def load(path: str | os.PathLike[str]) -> Any:
    """Load what ``save`` wrote: a ``Module`` or a fitted estimator. No pickle is involved."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {path}")
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    if "config.json" not in arrays:
        raise ValueError(f"{path} is not a glassml.nn save file (no config.json entry)")
    config = json.loads(str(arrays.pop("config.json")))
    if config.get("format") != FORMAT:
        raise ValueError(f"{path}: unsupported format {config.get('format')!r}, expected {FORMAT}")
    network = layer_from_config(config["architecture"], "architecture")
    if not isinstance(network, Sequential):
        network = Sequential([network])
    network.build(tuple(config["input_shape"]), np.random.default_rng(0), config["dtype"])
    state = {
        name[len("state/") :]: value for name, value in arrays.items() if name.startswith("state/")
    }
    network.load_state_dict(state)  # checks names and every shape
    network.eval()
    if config["kind"] == "Module":
        return network

    estimators = _estimators()
    if config["kind"] not in estimators:
        raise ValueError(f"{path}: unknown estimator kind {config['kind']!r}")
    cls = estimators[config["kind"]]
    known = set(cls().get_params())
    unknown = set(config["hyperparameters"]) - known
    if unknown:
        raise ValueError(f"{path}: unknown hyper-parameters {sorted(unknown)} for {cls.__name__}")
    estimator = cls(**config["hyperparameters"])
    for name, value in config["fitted"].items():
        setattr(estimator, name, tuple(value) if name == "input_shape_" else value)
    estimator.network_ = network
    if "fitted/classes_" in arrays:
        estimator.classes_ = arrays["fitted/classes_"]
        if network.output_shape != (estimator.classes_.size,):
            raise ValueError(
                f"{path}: network output shape {network.output_shape} does not match "
                f"{estimator.classes_.size} classes"
            )
    estimator.history_ = {
        name[len("history/") :]: value
        for name, value in arrays.items()
        if name.startswith("history/")
    }
    estimator.loss_curve_ = list(estimator.history_.get("loss", []))
    estimator.optimizer_ = estimator._make_optimizer()
    estimator._rng = np.random.default_rng(estimator.random_state)
    return estimator
