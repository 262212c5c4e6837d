"""The resources helper finds the top-level resources folder in a checkout."""

from __future__ import annotations

import pytest

from cur_desktop.reference.paths import resource_path, resources_root


def test_resources_root_is_a_folder() -> None:
    assert resources_root().is_dir()


def test_missing_resource_is_reported_with_its_path() -> None:
    with pytest.raises(FileNotFoundError, match=r"no-such-file\.txt"):
        resource_path("no-such-file.txt")
