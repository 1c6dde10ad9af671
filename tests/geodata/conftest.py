"""Fixtures of the spatial-core tests: the approximate boundaries, built once per session."""

from __future__ import annotations

import pytest

from geodata.boundaries import BoundarySet, build_approximate_boundaries


@pytest.fixture(scope="session")
def boundaries() -> BoundarySet:
    """The derived boundary set (about 20 s to build, so shared by every test)."""
    return build_approximate_boundaries()
