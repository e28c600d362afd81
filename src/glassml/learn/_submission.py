"""What was submitted: the source of a learner's function, self-contained, and its SHA-256.

A graded attempt stores the source that was graded, so that a certificate can be re-checked
later by running that source again (``glassml learn verify``). From a notebook the grader has
only the function object; :func:`function_source` rebuilds a small module from it: the
imports and constants it uses, the learner's helper functions it calls, then the function.
From ``glassml learn check FILE`` the whole file is the submission.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import textwrap
import types
from typing import Any

_LITERALS = (int, float, complex, str, bytes, bool, type(None))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _names(code: types.CodeType) -> set[str]:
    found = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            found |= _names(constant)
    return found


def _is_literal(value: Any) -> bool:
    if isinstance(value, _LITERALS):
        return True
    return isinstance(value, tuple | frozenset) and all(_is_literal(v) for v in value)


def _without_decorators(source: str) -> str:
    """The ``def`` and its body: decorators (a registry's, say) would not run elsewhere."""
    tree = ast.parse(source)
    node = tree.body[0]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.decorator_list:
        return "\n".join(source.splitlines()[node.lineno - 1 :]) + "\n"
    return source


def function_source(function: Any) -> str | None:
    """A self-contained module defining ``function`` as the learner wrote it, or ``None``.

    Decorators are left out; a module-level value that is neither a module, a function nor a
    literal cannot be reproduced and is left out too (a re-grade then reports the NameError).
    """
    if not isinstance(function, types.FunctionType):
        return None
    imports: list[str] = []
    constants: list[str] = []
    bodies: list[str] = []
    seen: set[int] = set()

    def visit(fn: types.FunctionType) -> bool:
        if id(fn) in seen:
            return True
        seen.add(id(fn))
        try:
            source = _without_decorators(textwrap.dedent(inspect.getsource(fn)))
        except (OSError, TypeError, SyntaxError):
            return False
        for name in sorted(_names(fn.__code__)):
            if name not in fn.__globals__ or name == "check":
                continue
            value = fn.__globals__[name]
            if isinstance(value, types.ModuleType):
                line = (
                    f"import {value.__name__}"
                    if name == value.__name__
                    else f"import {value.__name__} as {name}"
                )
                if "." in value.__name__ and name == value.__name__.split(".")[0]:
                    line = f"import {value.__name__}"
                imports.append(line)
            elif isinstance(value, types.FunctionType) and value.__module__ == fn.__module__:
                visit(value)
            elif (
                callable(value)
                and getattr(value, "__module__", None)
                and "<" not in getattr(value, "__qualname__", "<")
                and value.__module__ not in ("__main__", fn.__module__)
            ):
                module, qualname = value.__module__, value.__qualname__
                alias = "" if qualname == name else f" as {name}"
                imports.append(f"from {module} import {qualname}{alias}")
            elif _is_literal(value):
                constants.append(f"{name} = {value!r}")
        bodies.append(source)
        return True

    if not visit(function):
        return None
    parts = [
        "\n".join(sorted(set(imports))),
        "\n".join(sorted(set(constants))),
        "\n\n".join(bodies),
    ]
    return "\n\n".join(part for part in parts if part).strip() + "\n"
