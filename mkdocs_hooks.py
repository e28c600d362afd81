"""MkDocs hook: an API reference page per public glassml package, found by walking the package.

Every package (and public subpackage, such as ``glassml.stats.bayesnet``) whose dotted path has
no private part gets ``api/<package>.md`` holding one mkdocstrings directive, and the nav gains
an "API reference" section listing them: a new family appears without editing a list. The
terminal-facing ``tour`` and ``cli`` are documented by their own pages and commands.
"""

from __future__ import annotations

import pkgutil

from mkdocs.structure.files import File

NOT_API = {"tour", "cli"}


def public_packages() -> list[str]:
    import glassml

    names = []
    for info in pkgutil.walk_packages(glassml.__path__, "glassml."):
        parts = info.name.split(".")[1:]
        if info.ispkg and parts[0] not in NOT_API and not any(p.startswith("_") for p in parts):
            names.append(info.name)
    return sorted(names)


def on_config(config):
    pages = [f"api/{name}.md" for name in public_packages()]
    config.nav = [*(config.nav or []), {"API reference": pages}]
    return config


def on_files(files, config):
    for name in public_packages():
        content = f"# `{name}`\n\n::: {name}\n"
        files.append(File.generated(config, f"api/{name}.md", content=content))
    return files
