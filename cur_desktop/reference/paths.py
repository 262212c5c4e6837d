"""Locate the files of the top-level ``resources/`` folder.

In a wheel (and a bundle) the folder is shipped as ``cur_desktop/_resources`` (see
``[tool.hatch.build.targets.wheel.force-include]`` in pyproject.toml); in a source checkout or an
editable install it is ``resources/`` beside the package. This module is the one place that
knows both, so every reader of reference data calls :func:`resource_path`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # cur_desktop/ (this file: reference/)


@cache
def resources_root() -> Path:
    """Return the folder that holds the project's resources."""
    candidates = (_PACKAGE_DIR / "_resources", _PACKAGE_DIR.parent / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"resources folder not found (searched: {searched})")


def resource_path(*parts: str) -> Path:
    """Return the path of a resource file, e.g. ``resource_path("reference", "regions.csv")``."""
    path = resources_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"resource not found: {path}")
    return path
