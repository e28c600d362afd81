"""Saving and loading without pickle: one ``.npz`` holding the weight arrays and, as a string
entry ``"config.json"``, the JSON architecture, hyper-parameters and fitted metadata.

What an estimator saves is its own business: each estimator class registers itself
(:func:`register_estimator`) and provides ``_saved_state()`` (its network, fitted metadata and
extra arrays), ``_saved_layout(fitted, network)`` (which arrays a file may hold, with their
shapes) and ``_from_saved(...)`` (the estimator rebuilt and checked). This module knows the file
format and never imports the estimators.

Loading trusts nothing in the file. In order: the archive must be a readable zip of ``.npy``
members; ``config.json`` is read first (its size bounded) and checked key by key; the network is
rebuilt from its JSON config (unknown layer types and nesting deeper than
``MAX_NESTING`` refused) and *declared* on the recorded input shape, which gives the shape of
every parameter without allocating one; each array's header (shape and dtype) is compared
with what is expected before its data is read, so a file declaring a layer of 10^12 units, or
an array too big for its claims, is refused before memory is asked for; values must be finite
reals; only known fitted attributes of the expected types are set. Every failure is a
``ValueError`` naming the file.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

import glassml.optim as optim
from glassml._io import atomic_write
from glassml.nn._module import DTYPES, Module, Sequential, layer_from_config

FORMAT = "glassml.nn/1"
# config.json holds an architecture and a few dozen numbers: a million characters is ample.
MAX_CONFIG_CHARS = 1_000_000
# Labels stored as strings: per-label size cap (bytes of the numpy dtype).
MAX_LABEL_BYTES = 4096

SAVED_TYPES: dict[str, type] = {}


def register_estimator(cls: type) -> type:
    """Make an estimator class loadable under its class name (it provides ``_saved_state``,
    ``_saved_layout`` and ``_from_saved``)."""
    SAVED_TYPES[cls.__name__] = cls
    return cls


# --------------------------------------------------------------------------- hyper-parameters
STEP_OPTIMIZERS = {
    name: getattr(optim, name)
    for name in optim.__all__
    if isinstance(getattr(optim, name), type)
    and issubclass(getattr(optim, name), optim.StepOptimizer)
    and getattr(optim, name) is not optim.StepOptimizer
}
SCHEDULES = {cls.__name__: cls for cls in (optim.StepLR, optim.ExponentialLR, optim.CosineLR)}


def _constructor_arguments(obj: Any) -> dict[str, Any]:
    """``obj``'s constructor arguments, read back from the attributes of the same names."""
    names = [name for name in inspect.signature(type(obj).__init__).parameters if name != "self"]
    return {name: getattr(obj, name) for name in names}


def _plain(value: Any, where: str) -> Any:
    """A JSON value: NumPy scalars and arrays become Python numbers and lists."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, list):
        return [_plain(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {str(key): _plain(item, f"{where}.{key}") for key, item in value.items()}
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not np.isfinite(value):
            raise ValueError(f"{where}: {value} cannot be saved (JSON has no NaN or infinity)")
        return value
    raise ValueError(f"{where}: a {type(value).__name__} cannot be saved as JSON")


def _encode_schedule(lr: Any, where: str) -> Any:
    if not callable(lr):
        return _plain(lr, where)
    if type(lr).__name__ in SCHEDULES and type(lr) is SCHEDULES[type(lr).__name__]:
        return {"schedule": type(lr).__name__, "params": _plain(_constructor_arguments(lr), where)}
    raise ValueError(
        f"{where}: the schedule {lr!r} cannot be saved; use a number or a glassml.optim "
        f"schedule ({', '.join(sorted(SCHEDULES))})"
    )


# Step optimisers of other glassml packages (glassml.privacy.DPSGD) are saved with the public
# package that exports them; loading imports only such a package and builds only a StepOptimizer
# subclass that the package lists in its __all__.
_PUBLIC_PACKAGE = re.compile(r"glassml(\.[a-z][a-z0-9_]*)+")


def _public_package(cls: type) -> str | None:
    """The public glassml package exporting ``cls`` (``glassml.privacy`` for DPSGD), if any."""
    parts = cls.__module__.split(".")
    package = ".".join(part for part in parts if not part.startswith("_"))
    if package.startswith("glassml.") and _exported_step_optimizer(package, cls.__name__) is cls:
        return package
    return None


def _exported_step_optimizer(package: str, name: str) -> type | None:
    if not _PUBLIC_PACKAGE.fullmatch(package):
        return None
    try:
        module = importlib.import_module(package)
    except ImportError:
        return None
    cls = getattr(module, name, None) if name in getattr(module, "__all__", ()) else None
    if isinstance(cls, type) and issubclass(cls, optim.StepOptimizer):
        return cls
    return None


def encode_optimizer(optimizer: Any) -> Any:
    """A name stays a name; a step optimiser (glassml.optim's, or one another glassml package
    exports, such as glassml.privacy.DPSGD) becomes its class and arguments."""
    if isinstance(optimizer, str):
        return optimizer
    name = type(optimizer).__name__
    package = None
    if STEP_OPTIMIZERS.get(name) is not type(optimizer):
        package = _public_package(type(optimizer))
        if package is None:
            raise ValueError(
                "optimizer: only step optimisers of glassml's packages can be saved, got "
                f"{optimizer!r}"
            )
    arguments = _constructor_arguments(optimizer)
    encoded = {}
    for key, value in arguments.items():
        if key == "lr":
            encoded[key] = _encode_schedule(value, f"optimizer.{key}")
        elif key == "base" and isinstance(optimizer, optim.SAM):
            encoded[key] = encode_optimizer(value)  # the optimiser SAM wraps
        elif isinstance(value, np.random.RandomState | np.random.Generator):
            encoded[key] = None  # as for the estimators: a generator is not saved
        else:
            encoded[key] = _plain(value, key)
    if package is None:
        return {"optimizer": name, "params": encoded}
    return {"optimizer": name, "module": package, "params": encoded}


def decode_optimizer(value: Any) -> Any:
    """Inverse of :func:`encode_optimizer`; only step optimisers exported by glassml packages
    are constructed."""
    if isinstance(value, str):
        return value
    keys = set(value) if isinstance(value, dict) else set()
    if keys not in ({"optimizer", "params"}, {"optimizer", "module", "params"}):
        raise ValueError(f"optimizer: expected a name or {{'optimizer', 'params'}}, got {value!r}")
    name, params = value["optimizer"], value["params"]
    if not isinstance(name, str) or not isinstance(params, dict):
        raise ValueError(f"optimizer: unknown optimiser {name!r}")
    if "module" in value:
        package = value["module"]
        cls = (
            _exported_step_optimizer(package, name)
            if isinstance(package, str) and package != "glassml.optim"
            else None
        )
        if cls is None:
            raise ValueError(f"optimizer: unknown optimiser {name!r} of {package!r}")
    elif name in STEP_OPTIMIZERS:
        cls = STEP_OPTIMIZERS[name]
    else:
        raise ValueError(f"optimizer: unknown optimiser {name!r}")
    params = dict(params)
    if cls is optim.SAM:
        base = params.get("base")
        if not (isinstance(base, dict) and base.get("optimizer") != "SAM"):
            raise ValueError(f"optimizer.base: expected a saved step optimiser, got {base!r}")
        params["base"] = decode_optimizer(base)
    if isinstance(params.get("lr"), dict):
        schedule = params["lr"]
        if not (
            set(schedule) == {"schedule", "params"}
            and schedule["schedule"] in SCHEDULES
            and isinstance(schedule["params"], dict)
        ):
            raise ValueError(f"optimizer.lr: unknown schedule {schedule!r}")
        params["lr"] = _construct(SCHEDULES[schedule["schedule"]], schedule["params"], "lr")
    return _construct(cls, params, "optimizer")


def _construct(cls: type, params: dict[str, Any], where: str) -> Any:
    try:
        return cls(**params)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: cannot rebuild {cls.__name__}: {error}") from None


def encode_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Hyper-parameters as JSON: architectures as layer configs, optimisers as class and
    arguments, NumPy numbers as Python numbers. A random generator is saved as None."""
    encoded = {}
    for name, value in params.items():
        if name == "optimizer":
            encoded[name] = encode_optimizer(value)
            continue
        if isinstance(value, Sequential):
            value = value.layers
        elif isinstance(value, Module):
            value = [value]
        if isinstance(value, list | tuple) and any(isinstance(v, Module) for v in value):
            value = [layer.config() if isinstance(layer, Module) else layer for layer in value]
        elif isinstance(value, np.random.RandomState | np.random.Generator):
            value = None
        encoded[name] = _plain(value, name)
    return encoded


# --------------------------------------------------------------------------- save
def save(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Save a built ``Module`` or a fitted glassml.nn estimator to ``path`` (.npz).

    ``.npz`` is appended to a path without it. Folders on the path that do not exist are
    created. The file is written under a temporary name and renamed, so an interrupted save
    leaves any earlier file intact; it gets the permissions the user's umask gives a new file.
    No pickle: weights are plain arrays, everything else JSON.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from glassml.nn import Dense, Sequential, load, save
    >>> model = Sequential([Dense(2)])
    >>> model.build((3,), np.random.default_rng(0))
    (2,)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = save(model, folder / "models" / "net")  # the folder "models" is created
    >>> path.name, np.array_equal(load(path)(np.ones((1, 3))).data, model(np.ones((1, 3))).data)
    ('net.npz', True)
    """
    if not isinstance(path, str | os.PathLike):
        raise ValueError(f"path: expected a file path, got {type(path).__name__}")
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if isinstance(obj, Module):
        network, config, extra = obj, {"kind": "Module"}, {}
    elif type(obj).__name__ in SAVED_TYPES and type(obj) is SAVED_TYPES[type(obj).__name__]:
        if not hasattr(obj, "network_"):
            raise ValueError(f"obj: {type(obj).__name__} is not fitted yet; fit it first")
        network, fitted, extra = obj._saved_state()
        config = {
            "kind": type(obj).__name__,
            "hyperparameters": encode_params(obj.get_params(deep=False)),
            "fitted": _plain(fitted, "fitted"),
        }
    else:
        raise ValueError(
            f"obj: expected a built glassml.nn Module or a fitted glassml.nn estimator, "
            f"got {type(obj).__name__}"
        )
    if not network.built:
        raise ValueError("obj: the network is not built yet (fit it or call build first)")
    config.update(
        format=FORMAT,
        architecture=network.config(),
        input_shape=list(network.input_shape),
        dtype=str(network.dtype),
    )
    arrays = {f"state/{name}": value for name, value in network.state_dict().items()}
    arrays.update(extra)
    arrays["config.json"] = np.array(json.dumps(config))
    with atomic_write(path, "wb") as stream:
        np.savez(stream, **arrays)
    return path


# --------------------------------------------------------------------------- load
class _Refused(ValueError):
    """A damaged or tampered file; ``load`` adds the path."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise _Refused(message)


def _header(archive: zipfile.ZipFile, member: str) -> tuple[tuple[int, ...], np.dtype]:
    with archive.open(member) as stream:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise _Refused(f"{member}: unsupported .npy version {version}")
    return tuple(shape), dtype


def _read(archive: zipfile.ZipFile, member: str) -> np.ndarray:
    with archive.open(member) as stream:
        return np.lib.format.read_array(stream, allow_pickle=False)


def _read_config(archive: zipfile.ZipFile) -> dict[str, Any]:
    members = set(archive.namelist())
    _require("config.json.npy" in members, "not a glassml.nn save file (no config.json entry)")
    shape, dtype = _header(archive, "config.json.npy")
    _require(
        shape == () and dtype.kind == "U" and dtype.itemsize <= 4 * MAX_CONFIG_CHARS,
        f"config.json: expected one string of at most {MAX_CONFIG_CHARS:,} characters",
    )
    text = str(_read(archive, "config.json.npy"))
    try:
        config = json.loads(text)
    except RecursionError:
        raise _Refused("config.json: nested too deeply") from None
    except ValueError as error:
        raise _Refused(f"config.json: not valid JSON ({error})") from None
    _require(isinstance(config, dict), "config.json: expected a JSON object")
    _require(
        config.get("format") == FORMAT,
        f"unsupported format {config.get('format')!r}, expected {FORMAT}",
    )
    kind = config.get("kind")
    required = {"format", "kind", "architecture", "input_shape", "dtype"}
    if kind != "Module":
        required |= {"hyperparameters", "fitted"}
    missing, unknown = required - set(config), set(config) - required
    _require(not missing, f"config.json: missing keys {sorted(missing)}")
    _require(not unknown, f"config.json: unknown keys {sorted(unknown)}")
    _require(
        kind == "Module" or (isinstance(kind, str) and kind in SAVED_TYPES),
        f"config.json: unknown kind {kind!r}; known: {['Module', *sorted(SAVED_TYPES)]}",
    )
    _require(config["dtype"] in DTYPES, f"config.json: dtype {config['dtype']!r} not in {DTYPES}")
    for key in ("hyperparameters", "fitted"):
        _require(
            key not in config or isinstance(config[key], dict), f"config.json: {key} not an object"
        )
    return config


def _rebuild_network(config: dict[str, Any]) -> Module:
    network = layer_from_config(config["architecture"], "architecture")
    if not isinstance(network, Sequential):
        network = Sequential([network])
    input_shape = config["input_shape"]
    _require(
        isinstance(input_shape, list)
        and all(isinstance(size, int) and not isinstance(size, bool) for size in input_shape),
        f"input_shape: expected a list of positive integers, got {input_shape!r}",
    )
    network.declare(tuple(input_shape), config["dtype"])  # shapes only: nothing allocated yet
    return network


def _read_arrays(
    archive: zipfile.ZipFile, expected: Mapping[str, tuple[tuple[int, ...], str, bool]]
) -> dict[str, np.ndarray]:
    """Every member but config.json, each checked against ``expected`` (name -> (shape, dtype
    kinds, required)) from its header before its data is read."""
    members = {name.removesuffix(".npy") for name in archive.namelist()} - {"config.json"}
    _require(
        all(name.endswith(".npy") for name in archive.namelist()), "archive holds non-.npy members"
    )
    unexpected = sorted(members - set(expected))
    missing = sorted({name for name, (_, _, needed) in expected.items() if needed} - members)
    _require(not unexpected, f"unexpected arrays {unexpected[:5]}")
    _require(not missing, f"missing arrays {sorted(missing)[:5]}")
    arrays = {}
    for name in sorted(members):
        shape, kinds, _ = expected[name]
        found_shape, dtype = _header(archive, f"{name}.npy")
        _require(found_shape == shape, f"{name}: shape {found_shape}, expected {shape}")
        _require(
            dtype.kind in kinds and not dtype.hasobject and dtype.names is None,
            f"{name}: dtype {dtype} not allowed here",
        )
        _require(
            dtype.kind != "U" or dtype.itemsize <= MAX_LABEL_BYTES,
            f"{name}: labels longer than {MAX_LABEL_BYTES} bytes",
        )
        array = _read(archive, f"{name}.npy")
        _require(
            dtype.kind not in "f" or bool(np.all(np.isfinite(array))),
            f"{name}: NaN or infinite values",
        )
        arrays[name] = array
    return arrays


def load(path: str | os.PathLike[str]) -> Any:
    """Load what ``save`` wrote: a ``Module`` or a fitted estimator. No pickle is involved.

    A missing file raises ``FileNotFoundError``; a damaged or tampered one (not a zip archive,
    truncated, unknown keys or layer types, arrays whose shapes or dtypes differ from what the
    configuration declares, NaN weights, unknown fitted attributes) a ``ValueError`` naming it.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from glassml.nn import MLPRegressor, load
    >>> X = np.random.default_rng(0).standard_normal((40, 3)); y = X @ [1.0, -2.0, 0.5]
    >>> model = MLPRegressor((8,), learning_rate_init=0.01, batch_size=8, tol=1e-3, random_state=0)
    >>> model = model.fit(X, y)
    >>> path = model.save(pathlib.Path(tempfile.mkdtemp()) / "regressor")
    >>> np.array_equal(load(path).predict(X), model.predict(X))
    True
    """
    if not isinstance(path, str | os.PathLike):
        raise ValueError(f"path: expected a file path, got {type(path).__name__}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"path: no saved model at {path}")
    if not path.is_file():
        raise ValueError(f"path: {path} is not a file")
    try:
        with zipfile.ZipFile(path) as archive:
            return _load(archive)
    except _Refused as error:
        raise ValueError(f"{path}: {error}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise ValueError(f"{path}: not a readable glassml.nn save file ({error})") from None
    except (ValueError, TypeError, KeyError, RecursionError, MemoryError) as error:
        # Checks in the layers and estimators name what is wrong; the path says where.
        raise ValueError(f"{path}: {error}") from None


def _load(archive: zipfile.ZipFile) -> Any:
    config = _read_config(archive)
    network = _rebuild_network(config)
    expected = {
        f"state/{name}": (shape, "f", True) for name, shape in network._declared_state().items()
    }
    cls = None
    fitted: dict[str, Any] = {}
    if config["kind"] != "Module":
        cls = SAVED_TYPES[config["kind"]]
        fitted, layout = cls._saved_layout(config["fitted"], network)
        expected.update(layout)
    arrays = _read_arrays(archive, expected)
    network._allocate_from(
        {
            name[len("state/") :]: value
            for name, value in arrays.items()
            if name.startswith("state/")
        }
    )
    network.eval()
    if cls is None:
        return network
    params = _decode_params(cls, config["hyperparameters"])
    extra = {name: value for name, value in arrays.items() if not name.startswith("state/")}
    return cls._from_saved(params, fitted, extra, network)


def _decode_params(cls: type, hyperparameters: dict[str, Any]) -> dict[str, Any]:
    known = set(cls().get_params())
    unknown = sorted(set(hyperparameters) - known)
    _require(not unknown, f"unknown hyper-parameters {unknown} for {cls.__name__}")
    params = dict(hyperparameters)
    if "optimizer" in params:
        params["optimizer"] = decode_optimizer(params["optimizer"])
    return params
