"""Small agencies and input files shared by the tests (tests/conftest.py wraps them in
fixtures; import from here where a fixture cannot go: module-level constants, TOML text
written into parametrized cases, scripts for a subprocess).

Three sizes, each for a reason. Changing one changes every test that uses it, and some
tests' statistical contrasts were calibrated on a size: pick a size by what the test
needs, and pass an explicit ``agency(...)`` where a test needs something else.

* ``TINY``: a model that only has to step (horizons, Mesa's batch_run, parameter
  resolution). 10 posts, 30 clients, 4 warm-up weeks.
* ``SMALL``: whole commands, scenarios and sweeps, dashboard models. 20 posts,
  60 clients, 10 warm-up weeks.
* ``MEDIUM``: the model's mechanisms and kernels, where a year of warm-up and enough
  clients give a settled agency and statistics with room to show an effect
  (test_model.py's two-standard-error contrasts are calibrated on it). 40 posts,
  120 clients, 52 warm-up weeks.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType

CLIENTS_PER_POST = 3


def agency(n_workers: int, warmup_weeks: int, n_clients: int | None = None) -> dict[str, int]:
    """Size parameters of an agency: ``n_workers`` posts, three clients per post unless
    ``n_clients`` says otherwise, and ``warmup_weeks`` of unreported warm-up."""
    clients = CLIENTS_PER_POST * n_workers if n_clients is None else n_clients
    return {"n_workers": n_workers, "n_clients": clients, "warmup_weeks": warmup_weeks}


# read-only: a test that needs a variant writes {**SMALL, ...} or calls agency()
TINY = MappingProxyType(agency(10, warmup_weeks=4))
SMALL = MappingProxyType(agency(20, warmup_weeks=10))
MEDIUM = MappingProxyType(agency(40, warmup_weeks=52))


def make_model(
    regime: str = "jit",
    *,
    rng: int = 1,
    weeks: int = 0,
    size: Mapping[str, int] = SMALL,
    **overrides,
):
    """A ``WorkforceModel`` of ``size`` (overridden by ``overrides``), stepped ``weeks``
    times."""
    from sim import WorkforceModel

    m = WorkforceModel(regime, rng=rng, **{**size, **overrides})
    for _ in range(weeks):
        m.step()
    return m


# -- input files ---------------------------------------------------------------------------
def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"no TOML literal written for {value!r} here")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML literal for {type(value).__name__}")


def toml(tables: Mapping[str, Mapping] | None = None, /, **more: Mapping) -> str:
    """TOML text of flat tables, in the order given (a dotted name such as
    ``"regimes.mine"`` goes in the positional mapping). Values: booleans, numbers,
    strings, lists, and dicts written as inline tables."""
    out = []
    for name, table in {**(tables or {}), **more}.items():
        out.append(f"[{name}]\n")
        out.extend(f"{key} = {_toml_value(v)}\n" for key, v in table.items())
    return "".join(out)


def scenario_toml(
    *,
    name: str = "t",
    regimes: Sequence[str] = ("jit",),
    horizon_weeks: int = 52,
    replications: int = 1,
    seed: int = 9,
    size: Mapping[str, int] = SMALL,
    **tables: Mapping,
) -> str:
    """A scenario file's text: a ``SMALL`` agency in ``[parameters]`` unless ``size``
    says otherwise, then any further ``tables`` (a dotted name such as ``regimes.mine``
    cannot be a keyword: append ``toml({...})`` for it)."""
    return toml(
        scenario={
            "name": name,
            "regimes": list(regimes),
            "horizon_weeks": horizon_weeks,
            "replications": replications,
            "seed": seed,
        },
        parameters=dict(size),
        **tables,
    )


def sweep_toml(
    *,
    name: str = "tiny",
    design: str = "factorial",
    replications: int = 1,
    seed: int = 7,
    horizon_weeks: int = 52,
    size: Mapping[str, int] = SMALL,
    factors: Mapping | None = None,
    output: Mapping | None = None,
    **sweep_keys,
) -> str:
    """A sweep spec's text: ``[sweep]`` (with ``sweep_keys`` such as ``samples`` or
    ``cross``), a ``SMALL`` agency in ``[parameters]``, then ``[factors]`` and
    ``[output]`` when given."""
    tables = {
        "sweep": {
            "name": name,
            "design": design,
            "replications": replications,
            "seed": seed,
            "horizon_weeks": horizon_weeks,
            **sweep_keys,
        },
        "parameters": dict(size),
    }
    if factors is not None:
        tables["factors"] = factors
    if output is not None:
        tables["output"] = output
    return toml(tables)
