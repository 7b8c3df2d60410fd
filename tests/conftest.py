"""Shared fixtures: the small agencies of tests/helpers.py and a writer of scenario files.
Import from tests/helpers.py directly where a fixture cannot go (module-level constants,
parametrized cases, helper functions) and for ``make_model``, ``scenario_toml`` and
``sweep_toml``.

Long tests carry ``@pytest.mark.slow`` (registered in pyproject.toml): ``make check``
runs the rest, ``make test`` runs everything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import helpers


@pytest.fixture
def tiny_agency() -> dict[str, int]:
    """A model that only has to step: 10 posts, 30 clients, 4 warm-up weeks."""
    return dict(helpers.TINY)


@pytest.fixture
def small_agency() -> dict[str, int]:
    """Commands, scenarios, sweeps, dashboard models: 20 posts, 60 clients, 10 warm-up
    weeks."""
    return dict(helpers.SMALL)


@pytest.fixture
def medium_agency() -> dict[str, int]:
    """Mechanisms and kernels: 40 posts, 120 clients, 52 warm-up weeks."""
    return dict(helpers.MEDIUM)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """``write_scenario(filename="s.toml", **scenario_toml_args)``: a scenario file in
    the test's tmp_path (a ``SMALL`` agency, one jit replication of 52 weeks unless
    told otherwise)."""

    def write(filename: str = "s.toml", **kwargs) -> Path:
        path = tmp_path / filename
        path.write_text(helpers.scenario_toml(**kwargs), encoding="utf-8")
        return path

    return write
