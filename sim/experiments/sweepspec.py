"""Sweep specifications: which parameter points to run, read from TOML and checked first.

A sweep spec is a TOML file with these tables (``scenarios/sweep_foundation_length.toml`` and
``scenarios/sensitivity_core.toml`` are commented examples; ``docs/sweeps.md`` is the
reference):

``[sweep]``
    ``name``, ``description``, ``base`` (a scenario file the sweep starts from, relative
    to the spec), ``design`` (``factorial``, ``lhs``, ``sobol`` or ``morris``),
    ``samples``, ``replications``, ``seed``, ``horizon_weeks``, ``second_order``
    (Sobol), ``levels`` (Morris) and ``cross`` (factors run at every one of their values
    for each design point, with common random numbers).
``[parameters]``, ``[regimes.NAME]`` and ``[variants.NAME]``
    The base, exactly as in a scenario file (and checked by :mod:`sim.experiments.scenario`); they
    extend and override the ``base`` file's tables.
``[factors]``
    One entry per factor: ``name = [v1, v2, ...]``, ``name = {values = [...]}`` or
    ``name = {low = a, high = b}`` (``levels = n`` evenly spaced values in a factorial
    design). A factor is ``regime`` or any model parameter.
``[output]``
    What to keep besides the final-year summary: ``timeseries`` (true/false),
    ``every_weeks`` (cadence) and ``metrics`` (which measures).
``[sensitivity]``
    For ``workforce-sim sensitivity``: ``outputs``, ``conf_level``, ``resamples``.

**Training-parameter factors and regimes.** A point's regime (the ``regime`` factor, or
the base's regime) sets every training parameter to its preset; a factor on a training
parameter (``preservice_hours``, ``mentoring_hours`` ...) then overrides that one value,
so ``preservice_hours = 40`` under ``foundation`` means the foundation regime (no
on-demand modules, a yearly refresher) with 40 hours of pre-service training. The
factor always wins, also over a ``[regimes.NAME]`` table.

Every check raises :class:`sim.experiments.scenario.ScenarioError` naming the file, the
key (a dotted path such as ``factors.preservice_hours.high``), the value and what is
allowed. The checking helpers and messages are those of :mod:`sim.experiments.scenario`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.outputs import METRICS
from sim.core.params import (
    PARAMS,
    REGIME_PARAMS,
    REGIMES,
    ParameterError,
    resolve,
    suggest,
    validate_value,
)
from sim.experiments.limits import HARD_MAX_POINTS, check_runs, show
from sim.experiments.scenario import (
    NO_SOURCE,
    SCENARIO_KEYS,
    KeySpec,
    Scenario,
    ScenarioError,
    check_keys,
    check_shock,
    check_value,
    key_error,
    model_kwargs,
    parse_scenario,
    read_toml,
    unknown_key,
)

__all__ = [
    "DESIGNS",
    "FACTOR_KEYS",
    "OUTPUT_KEYS",
    "SENSITIVITY_KEYS",
    "SENSITIVITY_OUTPUTS",
    "SPEC_TABLES",
    "SWEEP_KEYS",
    "Factor",
    "SweepSpec",
    "load_spec",
    "parse_spec",
]

#: The experimental designs, and what ``samples`` means for each.
DESIGNS: dict[str, str] = {
    "factorial": "every combination of the factors' values (samples not used)",
    "lhs": "Latin hypercube (scipy.stats.qmc); samples = number of points",
    "sobol": "Saltelli/Sobol' sequence (SALib); samples = N, a power of 2; "
    "points = N (D + 2), or N (2D + 2) with second_order",
    "morris": "Morris trajectories (SALib); samples = trajectories; points = r (D + 1)",
}

#: Outputs analysed by ``workforce-sim sensitivity`` unless the spec says otherwise.
SENSITIVITY_OUTPUTS: tuple[str, ...] = (
    "turnover_rate",
    "burnout_high_share",
    "coc",
    "cost_per_client_year",
)

#: Top-level tables of a sweep spec.
SPEC_TABLES: dict[str, str] = {
    "sweep": "the design: name, design, samples, replications, seed, horizon (required)",
    "parameters": "overrides of model parameters for every point (optional)",
    "regimes": "your own regimes, one [regimes.NAME] table each (optional)",
    "variants": "a regime plus changes to any parameter, one [variants.NAME] table each "
    "(optional; a point whose regime is a variant takes them, a factor overrides them)",
    "factors": "what varies: one entry per factor (required)",
    "output": "what to keep besides the final-year summary (optional)",
    "sensitivity": "outputs and settings of the sensitivity analysis (optional)",
}


def _keys(*specs: KeySpec) -> dict[str, KeySpec]:
    return {s.name: s for s in specs}


#: Keys of ``[sweep]`` checked by :class:`sim.experiments.scenario.KeySpec` (``design`` and
#: ``second_order`` are checked on their own). Horizon, replications and seed default to
#: the base scenario's when a ``base`` file is given.
SWEEP_KEYS: dict[str, KeySpec] = _keys(
    SCENARIO_KEYS["name"],
    SCENARIO_KEYS["description"],
    KeySpec("base", "text", False, "", None, 4096, "",
            "Scenario file the sweep starts from, relative to this file (optional)."),
    KeySpec("samples", "int", False, None, 1, 10_000_000, "",
            "lhs: points; sobol: N (a power of 2); morris: trajectories."),
    SCENARIO_KEYS["horizon_weeks"],
    SCENARIO_KEYS["replications"],
    SCENARIO_KEYS["seed"],
    KeySpec("levels", "int", False, 4, 2, 100, "", "Grid levels of the Morris design (even)."),
    KeySpec("cross", "names", False, (), 1, None, "",
            "Factors run at every one of their values for each design point."),
)  # fmt: skip
_SWEEP_OTHER = {
    "design": "one of " + ", ".join(f'"{d}"' for d in DESIGNS),
    "second_order": "true or false (Sobol design only; default false)",
}

#: Keys of one ``[factors]`` entry written as a table.
FACTOR_KEYS: dict[str, str] = {
    "values": "a list of the values to run",
    "low": "lowest value of a range",
    "high": "highest value of a range",
    "levels": "evenly spaced values of a range in a factorial design (2 or more)",
}

#: Keys of ``[output]``.
OUTPUT_KEYS: dict[str, KeySpec] = _keys(
    KeySpec("every_weeks", "int", False, 4, 1, 2080, "weeks",
            "Keep every this many weeks of the weekly series."),
    KeySpec("metrics", "names", False, None, 1, None, "", "Measures kept in the time series."),
)  # fmt: skip
_OUTPUT_OTHER = {"timeseries": "true or false (default false)"}

#: Keys of ``[sensitivity]``.
SENSITIVITY_KEYS: dict[str, KeySpec] = _keys(
    KeySpec("outputs", "names", False, SENSITIVITY_OUTPUTS, 1, None, "",
            "Measures (final-year values) to analyse."),
    KeySpec("resamples", "int", False, 1000, 10, 100_000, "", "Bootstrap resamples for CIs."),
)  # fmt: skip
_SENS_OTHER = {"conf_level": "a number from 0.5 to 0.999 (default 0.95)"}

#: Spawn key of the random stream that draws the design (runs use (point, replicate)).
DESIGN_SPAWN_KEY = (0,)


@dataclass(frozen=True)
class Factor:
    """One factor of a sweep.

    ``kind`` is ``"regime"`` or the parameter's kind (``"int"``, ``"float"``,
    ``"bool"``). A factor with ``values`` is discrete: a continuous design maps a
    uniform draw ``u`` to ``values[floor(u k)]``. Otherwise it is the range
    ``low``..``high`` (whole numbers are rounded to the nearest integer).
    """

    name: str
    kind: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    levels: int | None = None

    @property
    def discrete(self) -> bool:
        return self.values is not None

    @property
    def bounds(self) -> tuple[float, float]:
        """Bounds of the factor in the sampled (design) space."""
        return (0.0, 1.0) if self.discrete else (float(self.low), float(self.high))

    def value(self, x: float) -> Any:
        """The parameter value at design coordinate ``x`` (within :attr:`bounds`)."""
        if self.discrete:
            k = len(self.values)
            return self.values[min(max(math.floor(x * k), 0), k - 1)]
        x = min(max(float(x), self.low), self.high)
        return round(x) if self.kind == "int" else x

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.low is not None:
            out.update(low=self.low, high=self.high)
        if self.levels is not None:
            out["levels"] = self.levels
        if self.values is not None:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep, ready to run.

    ``scenario`` is the base as a :class:`sim.experiments.scenario.Scenario` holding every regime
    the sweep uses; ``regime`` is the regime of points when no factor sets it.
    """

    name: str
    description: str
    design: str
    samples: int | None
    replications: int
    seed: int
    horizon_weeks: int
    second_order: bool
    levels: int
    cross: tuple[str, ...]
    factors: tuple[Factor, ...]
    scenario: Scenario
    regime: str
    timeseries: bool = False
    every_weeks: int = 4
    timeseries_metrics: tuple[str, ...] = tuple(METRICS)
    sensitivity_outputs: tuple[str, ...] = SENSITIVITY_OUTPUTS
    conf_level: float = 0.95
    resamples: int = 1000
    source: str | None = None
    text: str | None = None
    base: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    # -- the design ----------------------------------------------------------------------
    @property
    def factor_names(self) -> list[str]:
        return [f.name for f in self.factors]

    @property
    def sampled(self) -> list[Factor]:
        """Factors the design samples (all but the crossed ones)."""
        return [f for f in self.factors if f.name not in self.cross]

    @property
    def crossed(self) -> list[Factor]:
        return [f for f in self.factors if f.name in self.cross]

    def problem(self) -> dict[str, Any]:
        """The SALib problem of the sampled factors (discrete ones on [0, 1])."""
        s = self.sampled
        return {
            "num_vars": len(s),
            "names": [f.name for f in s],
            "bounds": [list(f.bounds) for f in s],
        }

    def design_matrix(self) -> np.ndarray:
        """Design coordinates of the sampled factors, one row per design point.

        Deterministic: drawn from ``SeedSequence(seed, spawn_key=DESIGN_SPAWN_KEY)``.
        For a factorial design the rows are value indices.
        """
        if "X" in self._cache:
            return self._cache["X"]
        s = self.sampled
        seq = np.random.SeedSequence(self.seed, spawn_key=DESIGN_SPAWN_KEY)
        int_seed = int(seq.generate_state(1)[0])
        if self.design == "factorial":
            if not s:  # every factor is crossed: one design point
                X = np.zeros((1, 0))
            else:
                grids = [range(len(f.values)) for f in s]
                X = np.array(list(itertools.product(*grids)), dtype=float).reshape(-1, len(s))
        elif self.design == "lhs":
            from scipy.stats import qmc

            u = qmc.LatinHypercube(d=len(s), rng=np.random.default_rng(seq)).random(self.samples)
            lo = np.array([f.bounds[0] for f in s])
            hi = np.array([f.bounds[1] for f in s])
            X = lo + u * (hi - lo)
        elif self.design == "sobol":
            from SALib.sample import sobol

            X = sobol.sample(
                self.problem(), self.samples, calc_second_order=self.second_order, seed=int_seed
            )
        else:  # morris
            from SALib.sample import morris

            X = morris.sample(self.problem(), self.samples, num_levels=self.levels, seed=int_seed)
        self._cache["X"] = X
        return X

    def _crossed_combos(self) -> list[tuple[Any, ...]]:
        return list(itertools.product(*[f.values for f in self.crossed])) or [()]

    @property
    def n_design_points(self) -> int:
        """Rows of the design, counted without drawing it."""
        d = len(self.sampled)
        if self.design == "factorial":
            return math.prod(len(f.values) for f in self.sampled)
        if self.design == "lhs":
            return int(self.samples)
        if self.design == "sobol":
            return int(self.samples) * ((2 * d + 2) if self.second_order else (d + 2))
        return int(self.samples) * (d + 1)  # morris

    @property
    def n_points(self) -> int:
        return self.n_design_points * math.prod(len(f.values) for f in self.crossed)

    @property
    def n_runs(self) -> int:
        return self.n_points * self.replications

    def iter_points(self) -> Iterator[tuple[int, int, dict[str, Any]]]:
        """(point, design point, factor values) in point order; point = d * C + c."""
        X = self.design_matrix()
        s = self.sampled
        combos = self._crossed_combos()
        crossed = [f.name for f in self.crossed]
        for d, row in enumerate(X):
            if self.design == "factorial":
                vals = {f.name: f.values[int(i)] for f, i in zip(s, row, strict=True)}
            else:
                vals = {f.name: f.value(x) for f, x in zip(s, row, strict=True)}
            for c, combo in enumerate(combos):
                point_vals = {**vals, **dict(zip(crossed, combo, strict=True))}
                yield d * len(combos) + c, d, {n: point_vals[n] for n in self.factor_names}

    def points(self) -> pd.DataFrame:
        """The points table: point, design point, regime, factor values, design coordinates."""
        X = self.design_matrix()
        rows = []
        ncross = len(self._crossed_combos())
        for p, d, vals in self.iter_points():
            row = {"point": p, "design_point": d, "regime": vals.get("regime", self.regime)}
            row.update({k: v for k, v in vals.items() if k != "regime"})
            if self.design != "factorial":
                row.update(
                    {
                        f"design.{f.name}": float(x)
                        for f, x in zip(self.sampled, X[p // ncross], strict=True)
                    }
                )
            rows.append(row)
        return pd.DataFrame(rows)

    def point_kwargs(self, vals: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """(regime, ``WorkforceModel`` keyword arguments) of a point's factor values.

        The base ``[parameters]``, then the regime's training preset, then the factors:
        a factor on a training parameter overrides the regime's value.
        """
        regime = vals.get("regime", self.regime)
        kw = model_kwargs(self.scenario, regime)
        kw.update({k: v for k, v in vals.items() if k != "regime"})
        return regime, kw

    # -- identity ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Everything that determines the runs' results, as plain JSON-able data.

        (The name, description and ``[sensitivity]`` settings are left out: changing
        them changes no run.)
        """
        regimes = sorted(self.scenario.regime_params)
        d = {
            "design": self.design,
            "samples": self.samples,
            "replications": self.replications,
            "seed": self.seed,
            "horizon_weeks": self.horizon_weeks,
            "second_order": self.second_order if self.design == "sobol" else None,
            "levels": self.levels if self.design == "morris" else None,
            "cross": list(self.cross),
            "factors": {f.name: f.to_dict() for f in self.factors},
            "regime": self.regime,
            "base_parameters": dict(self.scenario.params),
            "regimes": {
                r: {**self.scenario.regime_params[r], "base": self.scenario.regime_bases.get(r, r)}
                for r in regimes
            },
            # every value a point starts from (registry defaults included), so that a
            # change of defaults between a sweep and its resumption is caught
            "resolved": {r: _resolved(self.scenario, r) for r in regimes},
            "output": {
                "timeseries": self.timeseries,
                "every_weeks": self.every_weeks,
                "metrics": list(self.timeseries_metrics),
            },
        }
        return json.loads(json.dumps(d))

    def fingerprint(self) -> str:
        """SHA-256 of :meth:`to_dict`: equal fingerprints give equal runs."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()


def _resolved(scenario: Scenario, regime: str) -> dict[str, Any]:
    kw = dict(model_kwargs(scenario, regime))
    return resolve(kw.pop("regime"), **kw)


# --- parsing ----------------------------------------------------------------------------


def _table(source: str, key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise key_error(
            source,
            key,
            f"= {show(value)} must be a table (a section headed [{key}]): "
            f"{SPEC_TABLES.get(key.split('.')[0], '')}",
        )
    return value


def _bool(source: str, key: str, value: Any, allowed: str) -> bool:
    if not isinstance(value, bool):
        raise key_error(source, key, f"= {show(value)} is not allowed; must be {allowed}")
    return value


def _base(source: str, base: str) -> tuple[Scenario, dict[str, Any]]:
    """Load the base scenario file (path relative to the spec) and its raw tables."""
    here = Path(source).parent if source != NO_SOURCE else Path.cwd()
    try:
        path = Path(base).expanduser()
    except RuntimeError:  # "~user/..." of an unknown user
        raise key_error(
            source,
            "sweep.base",
            f"= {show(base)}: the home folder of "
            f"'{base[1:].split('/')[0]}' is unknown; allowed: a path to a scenario "
            "file, relative to this file",
        ) from None
    path = path if path.is_absolute() else here / path
    try:
        found = path.is_file()
    except OSError:  # e.g. a name too long for the file system
        found = False
    if not found:
        raise key_error(
            source,
            "sweep.base",
            f"= {show(base)}: scenario file not found "
            f"({show(str(path), 120)}); give a path relative to this file, or leave "
            "base out and put the values in [parameters]",
        )
    raw, _ = read_toml(path, "scenario file")
    scen = parse_scenario(raw, str(path))  # checks the base file; errors name it
    return scen, raw


def _regime_values(source: str, key: str, values: list[Any], allowed: list[str]) -> tuple:
    for v in values:
        if not isinstance(v, str) or v not in allowed:
            raise key_error(
                source,
                key,
                f"= {show(v)}: unknown regime{suggest(str(v), allowed)}; "
                f"allowed: {', '.join(allowed)} (define your own in [regimes.NAME])",
            )
    return tuple(values)


def _factor(source: str, name: str, raw: Any, design: str, regimes: list[str]) -> Factor:
    key = f"factors.{name}"
    if name == "regime":
        kind = "regime"
    elif name in PARAMS:
        kind = PARAMS[name].kind
    else:
        allowed = ["regime", *PARAMS]
        raise key_error(
            source,
            key,
            f"unknown factor {show(name)}{suggest(name, allowed)}; allowed: "
            "regime or a model parameter listed by `workforce-sim params`",
        )
    if isinstance(raw, list):
        table: Mapping[str, Any] = {"values": raw}
    elif isinstance(raw, Mapping):
        table = raw
    else:
        raise key_error(
            source,
            key,
            f"= {show(raw)} must be a list of values, e.g. [16, 40, 120], "
            "or a range, e.g. {low = 16, high = 120}",
        )
    check_keys(source, key, table, list(FACTOR_KEYS), "key")

    def param(sub: str, v: Any) -> Any:
        try:
            return validate_value(name, v)
        except ParameterError as exc:
            raise key_error(source, f"{key}.{sub}", str(exc)) from None

    if "values" in table:
        extra = [k for k in ("low", "high", "levels") if k in table]
        if extra:
            raise key_error(
                source,
                f"{key}.{extra[0]}",
                "give either values = [...] or a range (low, high), not both",
            )
        values = table["values"]
        if not isinstance(values, list) or not values:
            raise key_error(source, f"{key}.values", f"= {show(values)} must be a non-empty list")
        if kind == "regime":
            vals = _regime_values(source, f"{key}.values", values, regimes)
        else:
            vals = tuple(param("values", v) for v in values)
        dupes = sorted(str(v) for v, n in Counter(vals).items() if n > 1)
        if dupes:
            raise key_error(
                source,
                f"{key}.values",
                f"= {show(values)} lists "
                f"{', '.join(dupes[:5])} more than once; allowed: each value once",
            )
        return Factor(name, kind, values=vals)

    if kind in ("regime", "bool"):
        example = '["jit", "foundation"]' if kind == "regime" else "[true, false]"
        raise key_error(
            source,
            key,
            f"= {show(dict(table))}: a {kind} factor takes a list of values, "
            f"e.g. {name} = {example}",
        )
    for end in ("low", "high"):
        if end not in table:
            raise key_error(
                source,
                f"{key}.{end}",
                "missing; a range needs low and high, "
                "e.g. {low = 16, high = 120} (or give values = [...])",
            )
    low, high = param("low", table["low"]), param("high", table["high"])
    if not low < high:
        raise key_error(source, key, f"low = {show(low)} must be below high = {show(high)}")
    levels = table.get("levels")
    if design == "factorial":
        if levels is None:
            raise key_error(
                source,
                key,
                "a range needs levels = N (evenly spaced values) in a "
                "factorial design, e.g. {low = 16, high = 120, levels = 5}, or give "
                "values = [...]",
            )
        lv = KeySpec("levels", "int", True, None, 2, 1000, "", "")
        levels = check_value(lv, levels, source, f"{key}.levels")
        grid = np.linspace(low, high, levels)
        if kind == "int":
            vals = tuple(int(g) for g in np.rint(grid))
        else:
            vals = tuple(float(g) for g in grid)
        if len(set(vals)) < len(vals):
            raise key_error(
                source,
                f"{key}.levels",
                f"= {levels}: {name} is a whole number and "
                f"{low}..{high} has fewer than {levels} distinct values",
            )
        return Factor(name, kind, values=vals, low=low, high=high, levels=levels)
    if levels is not None:
        raise key_error(
            source,
            f"{key}.levels",
            f"= {show(levels)}: levels is used only by the "
            f"factorial design; the {design} design samples the range itself",
        )
    return Factor(name, kind, low=low, high=high)


def _names(source: str, key: str, spec: KeySpec, value: Any, allowed: list[str], what: str):
    names = check_value(spec, value, source, key)
    for n in names:
        if n not in allowed:
            raise unknown_key(source, key, n, allowed, what)
    return names


def parse_spec(
    data: Mapping[str, Any],
    source: str = NO_SOURCE,
    text: str | None = None,
    allow_large: bool = False,
) -> SweepSpec:
    """Check a sweep spec given as a mapping (e.g. parsed TOML) and return it.

    Besides each value, checks the size of the design (at most
    :data:`sim.experiments.limits.MAX_RUNS` runs unless ``allow_large``; never more than
    :data:`sim.experiments.limits.HARD_MAX_POINTS` points) and every point as a scenario would
    (a shock must start within the horizon), all before anything runs.
    """
    if not isinstance(data, Mapping):
        raise key_error(source, "(top level)", f"= {show(data)} must be a table of tables")
    check_keys(source, "", data, list(SPEC_TABLES), "table")
    for k, v in data.items():
        _table(source, k, v)
    for k in ("sweep", "factors"):
        if k not in data:
            raise key_error(source, k, f"missing table [{k}]; required: {SPEC_TABLES[k]}")

    sw = data["sweep"]
    check_keys(source, "sweep", sw, [*SWEEP_KEYS, *_SWEEP_OTHER], "key")
    meta = {}
    for name, ks in SWEEP_KEYS.items():
        if name == "cross":
            continue  # checked with the factors
        if name in sw:
            meta[name] = check_value(ks, sw[name], source, f"sweep.{name}")
        elif ks.required:
            raise key_error(
                source, f"sweep.{name}", f"missing; required: {ks.description} ({ks.allowed})"
            )
    design = sw.get("design", "factorial")
    if not isinstance(design, str):
        raise key_error(
            source,
            "sweep.design",
            f"= {show(design)} is not allowed; must be {_SWEEP_OTHER['design']}",
        )
    if design not in DESIGNS:
        raise unknown_key(source, "sweep.design", design, list(DESIGNS), "design")
    second_order = _bool(
        source, "sweep.second_order", sw.get("second_order", False), _SWEEP_OTHER["second_order"]
    )

    # the base: a scenario file and/or inline [parameters] and [regimes.NAME]
    base_scen, raw = (None, {})
    if meta.get("base"):
        base_scen, raw = _base(source, meta["base"])
    # a factor overrides the base file's value of its parameter (the spec's own
    # [parameters] may not name a factor: checked below)
    params = {
        **{k: v for k, v in raw.get("parameters", {}).items() if k not in data["factors"]},
        **data.get("parameters", {}),
    }
    for k, v in data.get("parameters", {}).items():
        if k in REGIME_PARAMS:
            raise key_error(
                source,
                f"parameters.{k}",
                f"= {show(v)}: '{k}' is a training parameter, "
                "which each regime sets; make it a factor to override every regime's "
                f"value (e.g. {k} = [{show(v)}] under [factors]), or set it in a "
                "[regimes.NAME] table",
            )
    regime_tables = {**raw.get("regimes", {}), **data.get("regimes", {})}
    variant_tables = {**raw.get("variants", {}), **data.get("variants", {})}
    regimes_allowed = [*REGIMES, *regime_tables, *variant_tables]

    for k, ks in (
        ("horizon_weeks", SCENARIO_KEYS["horizon_weeks"]),
        ("replications", SCENARIO_KEYS["replications"]),
        ("seed", SCENARIO_KEYS["seed"]),
    ):
        if k not in meta:
            meta[k] = getattr(base_scen, k) if base_scen else ks.default

    # samples per design
    samples = meta.get("samples")
    if design == "factorial":
        if samples is not None:
            raise key_error(
                source,
                "sweep.samples",
                f"= {show(samples)}: not used by the factorial "
                "design (it runs every combination); remove it or choose "
                'design = "lhs", "sobol" or "morris"',
            )
    elif samples is None:
        raise key_error(
            source, "sweep.samples", f"missing; the {design} design needs it: {DESIGNS[design]}"
        )
    if design == "sobol" and samples & (samples - 1):
        lo = 1 << (samples.bit_length() - 1)
        raise key_error(
            source,
            "sweep.samples",
            f"= {show(samples)}: the sobol design needs a power of 2 (e.g. {lo} or {2 * lo})",
        )
    if design == "morris" and meta.get("levels", 4) % 2:
        raise key_error(
            source,
            "sweep.levels",
            f"= {show(meta['levels'])}: the Morris grid needs an "
            "even number of levels (e.g. 4 or 6)",
        )
    for k, only in (("second_order", "sobol"), ("levels", "morris")):
        if k in sw and design != only:
            raise key_error(
                source, f"sweep.{k}", f"= {show(sw[k])}: used only by the {only} design"
            )

    # factors
    ftable = data["factors"]
    if not ftable:
        raise key_error(
            source,
            "factors",
            "is empty; give at least one factor, e.g. preservice_hours = [16, 60, 120]",
        )
    factors = [_factor(source, n, v, design, regimes_allowed) for n, v in ftable.items()]
    for f in factors:
        if f.name in params:
            raise key_error(
                source,
                f"parameters.{f.name}",
                f"= {show(params[f.name])}: '{f.name}' is also a factor; set it in one place only",
            )
    cross = (
        _names(
            source,
            "sweep.cross",
            SWEEP_KEYS["cross"],
            sw.get("cross", []),
            [f.name for f in factors],
            "factor",
        )
        if sw.get("cross", []) != []
        else ()
    )
    for f in factors:
        if f.name in cross and not f.discrete:
            raise key_error(
                source,
                "sweep.cross",
                f"'{f.name}' is a range; a crossed factor needs "
                f"values = [...] (every design point runs at each of them)",
            )
    if design != "factorial" and len(cross) == len(factors):
        raise key_error(
            source,
            "sweep.cross",
            f"lists every factor; the {design} design needs at least one factor to sample",
        )

    # the regime of points without a regime factor; a multi-regime base file is crossed
    fixed = "jit"
    if base_scen is not None and "regime" not in ftable:
        if len(base_scen.regimes) == 1:
            fixed = base_scen.regimes[0]
        else:
            factors.append(Factor("regime", "regime", values=tuple(base_scen.regimes)))
            cross = (*cross, "regime")
    used = {fixed}
    for f in factors:
        if f.kind == "regime":
            used.update(f.values)
    # a shock factor's value is checked at every point (_check_points), not the default
    # it replaces: parse with a placeholder that passes the shock check, then drop it
    names = {f.name for f in factors}
    placeholder = (
        {"shock_start": 0}
        if "shock_start" in names
        else {"shock_weeks": 0}
        if "shock_weeks" in names
        else {}
    )
    scen = parse_scenario(
        {
            "scenario": {
                "name": meta["name"],
                "regimes": sorted(used),
                "horizon_weeks": meta["horizon_weeks"],
                "replications": meta["replications"],
                "seed": meta["seed"],
                "setting": (base_scen.setting if base_scen else SCENARIO_KEYS["setting"].default),
            },
            "parameters": {**params, **placeholder},
            "regimes": regime_tables,
            **({"variants": variant_tables} if variant_tables else {}),
        },
        source,
    )
    if placeholder:
        scen = replace(scen, params={k: v for k, v in scen.params.items() if k not in placeholder})

    # output
    out = data.get("output", {})
    check_keys(source, "output", out, [*OUTPUT_KEYS, *_OUTPUT_OTHER], "key")
    keep_ts = _bool(
        source, "output.timeseries", out.get("timeseries", False), _OUTPUT_OTHER["timeseries"]
    )
    every = check_value(
        OUTPUT_KEYS["every_weeks"], out.get("every_weeks", 4), source, "output.every_weeks"
    )
    ts_metrics = tuple(METRICS)
    if "metrics" in out:
        ts_metrics = _names(
            source,
            "output.metrics",
            OUTPUT_KEYS["metrics"],
            out["metrics"],
            list(METRICS),
            "measure",
        )

    # sensitivity
    sens = data.get("sensitivity", {})
    check_keys(source, "sensitivity", sens, [*SENSITIVITY_KEYS, *_SENS_OTHER], "key")
    outputs = SENSITIVITY_OUTPUTS
    if "outputs" in sens:
        outputs = _names(
            source,
            "sensitivity.outputs",
            SENSITIVITY_KEYS["outputs"],
            sens["outputs"],
            list(METRICS),
            "measure",
        )
    resamples = check_value(
        SENSITIVITY_KEYS["resamples"], sens.get("resamples", 1000), source, "sensitivity.resamples"
    )
    conf = sens.get("conf_level", 0.95)
    if isinstance(conf, bool) or not isinstance(conf, int | float) or not 0.5 <= conf <= 0.999:
        raise key_error(
            source,
            "sensitivity.conf_level",
            f"= {show(conf)} is not allowed; must be {_SENS_OTHER['conf_level']}",
        )

    spec = SweepSpec(
        name=meta["name"],
        description=meta.get("description", ""),
        design=design,
        samples=samples,
        replications=meta["replications"],
        seed=meta["seed"],
        horizon_weeks=meta["horizon_weeks"],
        second_order=second_order,
        levels=meta.get("levels", 4),
        cross=tuple(cross),
        factors=tuple(factors),
        scenario=scen,
        regime=fixed,
        timeseries=keep_ts,
        every_weeks=every,
        timeseries_metrics=tuple(ts_metrics),
        sensitivity_outputs=tuple(outputs),
        conf_level=float(conf),
        resamples=resamples,
        source=None if source == NO_SOURCE else source,
        text=text,
        base=meta.get("base") or None,
    )
    if design == "morris" and len(spec.sampled) < 2:
        raise key_error(source, "factors", "the morris design needs at least two sampled factors")
    if design == "sobol" and len(spec.sampled) < 2:
        raise key_error(source, "factors", "the sobol design needs at least two sampled factors")
    _check_size(spec, source, allow_large)
    _check_points(spec, source)
    return spec


def _check_size(spec: SweepSpec, source: str, allow_large: bool) -> None:
    points = spec.n_points
    what = (
        f"{source}: the design has {points:,} points x {spec.replications} replications "
        f"(sweep.replications)"
    )
    if points > HARD_MAX_POINTS:
        raise ScenarioError(
            f"{what}: more than {HARD_MAX_POINTS:,} points, which no flag "
            "allows; allowed: fewer factor values, levels or samples"
        )
    try:
        check_runs(spec.n_runs, what, allow_large)
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None


def _check_points(spec: SweepSpec, source: str) -> None:
    """Check every point's parameters across parameters (as :func:`parse_scenario` does)."""
    if not ({"shock_start", "shock_weeks"} & set(spec.factor_names)):
        return  # the base was checked by parse_scenario; factors are checked one by one
    for p, _d, vals in spec.iter_points():
        _regime, kw = spec.point_kwargs(vals)
        problem = check_shock(kw, spec.horizon_weeks, "sweep.horizon_weeks")
        if problem:
            shown = ", ".join(f"{k} = {show(kw[k])}" for k in ("shock_start", "shock_weeks"))
            factor = "shock_start" if "shock_start" in spec.factor_names else "shock_weeks"
            raise key_error(
                source, f"factors.{factor}", f"at point {p} ({shown}): {problem.split(': ', 1)[1]}"
            )


def load_spec(path: str | Path, allow_large: bool = False) -> SweepSpec:
    """Read and check a TOML sweep spec (see :func:`parse_spec`)."""
    data, text = read_toml(path, "sweep spec")
    return parse_spec(data, str(Path(path)), text, allow_large=allow_large)
