"""Scenario files: what to simulate, read from TOML and checked before anything runs.

A scenario names the setting (the kind of service: ``dsp`` or ``home_care``), the
training regimes to compare, the reporting horizon, the number of replications and the
root seed (table ``[scenario]``), overrides any model parameter
that is *not* a training parameter (table ``[parameters]``), may define its own
regimes (tables ``[regimes.NAME]``) as a built-in preset plus training-parameter
overrides, and may define *variants* (tables ``[variants.NAME]``): a regime (built-in
or its own) plus changes to any parameter, training or not, so that one scenario can
compare, say, a pay rise or an in-service programme with the status quo. See
``scenarios/*.toml`` for commented examples.

Every check happens in :func:`parse_scenario`, before a model is built. Each problem
raises :class:`ScenarioError` whose message names the file, the key (a dotted path such
as ``parameters.n_workers``), the bad value and what is allowed.

The scenario-level keys are specified once, in :data:`SCENARIO_KEYS` (and the extra keys
of a regime table in :data:`REGIME_KEYS`, of a variant table in :data:`VARIANT_KEYS`);
the checks, defaults and messages are derived from those tables. Model parameters are
checked against :data:`sim.core.params.PARAMS`.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.core.errors import ScenarioError
from sim.core.params import (
    PARAMS,
    REGIME_LABELS,
    REGIME_PARAMS,
    REGIMES,
    SETTINGS,
    ParameterError,
    as_python,
    suggest,
    validate_value,
)
from sim.experiments.limits import MAX_CHARS, MAX_FILE_BYTES, MAX_NESTING, show

__all__ = [
    "REGIME_KEYS",
    "SCENARIO_KEYS",
    "TABLES",
    "VARIANT_KEYS",
    "KeySpec",
    "Scenario",
    "ScenarioError",
    "check_keys",
    "check_shock",
    "check_value",
    "default_compare_scenario",
    "key_error",
    "load_scenario",
    "model_kwargs",
    "parse_scenario",
    "read_toml",
    "unknown_key",
    "value_problem",
]

#: ``source`` used when a scenario does not come from a file.
NO_SOURCE = "<scenario>"

#: What a user-defined regime's name may look like (it ends up in file names and tables).
REGIME_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
REGIME_NAME_TEXT = "a letter followed by letters, digits, '_' or '-'"


@dataclass(frozen=True)
class KeySpec:
    """One non-parameter key of a scenario file.

    ``kind`` is ``"text"`` (a string of at most ``high`` characters), ``"int"`` (a whole
    number in ``low``..``high``), ``"names"`` (a list of ``low`` to ``high`` distinct
    strings), ``"builtin"`` (the name of a built-in regime) or ``"setting"`` (the name of
    a setting preset). A key with ``required=False`` takes ``default`` when absent.
    """

    name: str
    kind: str
    required: bool
    default: Any
    low: int | None
    high: int | None
    unit: str
    description: str

    @property
    def allowed(self) -> str:
        """What the key accepts, in words (used in error messages and docs)."""
        if self.kind == "text":
            most = f" of at most {self.high} characters" if self.high else ""
            return (
                "a non-empty text in double quotes" if self.required else "text in quotes"
            ) + most
        if self.kind == "names":
            count = f"at least {self.low}" if self.high is None else f"{self.low} to {self.high}"
            return f'a list of {count} name(s) in quotes, e.g. ["jit", "hybrid"]'
        if self.kind == "builtin":
            return "one of " + ", ".join(f'"{n}"' for n in REGIMES)
        if self.kind == "setting":
            return "one of " + ", ".join(f'"{n}"' for n in SETTINGS)
        unit = f" {self.unit}" if self.unit else ""
        if self.high is None:
            return f"a whole number of at least {self.low}{unit}"
        high = "2**63 - 1" if self.high == SEED_MAX else self.high
        return f"a whole number from {self.low} to {high}{unit}"


#: Largest seed: a signed 64-bit integer, so that every tool reading a manifest or a
#: table holds it exactly (NumPy's SeedSequence would take any size).
SEED_MAX = 2**63 - 1


def _specs(*specs: KeySpec) -> dict[str, KeySpec]:
    return {s.name: s for s in specs}


#: Keys of the ``[scenario]`` table: the single place their types, ranges and defaults live.
SCENARIO_KEYS: dict[str, KeySpec] = _specs(
    KeySpec("name", "text", True, None, None, MAX_CHARS["name"], "",
            "Short title shown in reports and charts."),
    KeySpec("description", "text", False, "", None, MAX_CHARS["description"], "",
            "A longer explanation of what the scenario tests."),
    KeySpec("setting", "setting", False, "dsp", None, None, "",
            "Kind of service, a preset of parameter values: dsp (disability support, the "
            "default) or home_care; [parameters] override it."),
    KeySpec("regimes", "names", True, None, 1, 20, "",
            "Training regimes to compare, in this order: built-in (jit, foundation, hybrid), "
            "defined in this file under [regimes.NAME], or variants under [variants.NAME]."),
    KeySpec("horizon_weeks", "int", False, 156, 52, 2080, "weeks",
            "Weeks reported after the warm-up."),
    KeySpec("replications", "int", False, 20, 1, 10_000, "runs",
            "Independent runs per regime, each with its own random draws."),
    KeySpec("seed", "int", False, 20261126, 0, SEED_MAX, "",
            "Root random seed; the same seed gives the same results."),
)  # fmt: skip

#: Keys of a ``[regimes.NAME]`` table besides the training parameters.
REGIME_KEYS: dict[str, KeySpec] = _specs(
    KeySpec("base", "builtin", False, "jit", None, None, "",
            "Built-in regime whose training values the new regime starts from."),
    KeySpec("label", "text", False, None, None, MAX_CHARS["label"], "",
            "Display label in reports (defaults to the regime's name)."),
)  # fmt: skip

#: Keys of a ``[variants.NAME]`` table besides the model parameters (any of which may
#: appear in it). ``regime`` may also name a ``[regimes.NAME]`` of the file, so it is
#: checked on its own (kind ``"text"`` here only documents it).
VARIANT_KEYS: dict[str, KeySpec] = _specs(
    KeySpec("regime", "text", False, "jit", None, None, "",
            "Regime the variant starts from: built-in (jit, foundation, hybrid) or one "
            "defined in this file under [regimes.NAME]."),
    KeySpec("label", "text", False, None, None, MAX_CHARS["label"], "",
            "Display label in reports (defaults to the variant's name)."),
)  # fmt: skip

#: Top-level tables of a scenario file.
TABLES: dict[str, str] = {
    "scenario": "what to run: name, setting, regimes, horizon, replications, seed (required)",
    "parameters": "overrides of model parameters, applied to every regime (optional)",
    "regimes": "your own regimes, one [regimes.NAME] table each (optional)",
    "variants": "a regime plus changes to any parameter (pay, in-service programme ...), "
    "one [variants.NAME] table each (optional)",
}


@dataclass(frozen=True)
class Scenario:
    """A checked scenario, ready to run.

    ``regime_params`` maps each regime in ``regimes`` to its full set of training
    parameters (registry defaults, then the built-in preset, then any overrides).
    ``regime_bases`` maps each regime to the built-in regime it starts from (itself for
    a built-in). ``params`` holds only the ``[parameters]`` overrides, which apply on top
    of the ``setting`` preset (:data:`sim.core.params.SETTINGS`). ``variant_params`` maps
    each variant (``[variants.NAME]``) listed in ``regimes`` to its overrides of
    non-training parameters, applied on top of ``params`` (its training values are in
    ``regime_params``); a regime that is not a variant has no entry.
    """

    name: str
    description: str
    regimes: tuple[str, ...]
    regime_params: dict[str, dict[str, Any]]
    regime_labels: dict[str, str]
    params: dict[str, Any]
    horizon_weeks: int
    replications: int
    seed: int
    source: str | None
    regime_bases: dict[str, str] = field(default_factory=dict)
    setting: str = "dsp"
    variant_params: dict[str, dict[str, Any]] = field(default_factory=dict)


# --- checks -----------------------------------------------------------------------------


def _shown_key(key: str) -> str:
    """A key path as it can be printed: control characters escaped, long parts cut."""
    if not key.isprintable():
        key = repr(key)[1:-1]
    return key if len(key) <= 120 else f"{key[:100]}...({len(key)} characters)"


def key_error(source: str, key: str, message: str) -> ScenarioError:
    return ScenarioError(f"{source}: {_shown_key(key)}: {message}")


def unknown_key(source: str, key: str, name: str, allowed: list[str], what: str) -> ScenarioError:
    return key_error(
        source,
        key,
        f"unknown {what} {show(name)}{suggest(name, allowed)}; allowed: {', '.join(allowed)}",
    )


def _table(source: str, key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        what = TABLES.get(key, "a regime's training values")
        raise key_error(
            source, key, f"= {show(value)} must be a table (a section headed [{key}]): {what}"
        )
    return value


def value_problem(spec: KeySpec, value: Any) -> tuple[Any, str | None]:
    """``(converted value, None)``, or ``(None, what is wrong)`` as a message that starts
    with ``= VALUE`` and says what is allowed (the key is added by the caller)."""
    value = as_python(value)
    bad = f"= {show(value)} is not allowed; must be {spec.allowed}"
    if spec.kind == "text":
        if not isinstance(value, str) or (spec.required and not value.strip()):
            return None, bad
        if spec.high is not None and len(value.strip()) > spec.high:
            return None, (f"= {show(value)} is too long; must be {spec.allowed}")
        control = next(
            (
                c
                for c in value
                if c not in "\t\n\r" and not c.isprintable() and unicodedata.category(c) == "Cc"
            ),
            None,
        )
        if control is not None:  # ends up in terminals, charts, CSV and report titles
            return None, (
                f"= {show(value)} contains the control character {control!r}; "
                f"must be {spec.allowed}, without control characters"
            )
        return value.strip(), None
    if spec.kind == "setting":
        if not isinstance(value, str) or value not in SETTINGS:
            return None, (
                f"= {show(value)} is not a setting{suggest(str(value), SETTINGS)}; "
                f"must be {spec.allowed}"
            )
        return value, None
    if spec.kind == "builtin":
        if not isinstance(value, str) or value not in REGIMES:
            return None, (
                f"= {show(value)} is not a built-in regime"
                f"{suggest(str(value), REGIMES)}; must be {spec.allowed}"
            )
        return value, None
    if spec.kind == "names":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, bad
        if len(value) < (spec.low or 0) or (spec.high is not None and len(value) > spec.high):
            return None, (
                f"= {show(value)} ({len(value)} names) is not allowed; must be {spec.allowed}"
            )
        dupes = sorted(v for v, n in Counter(value).items() if n > 1)
        if dupes:
            return None, (
                f"= {show(value)} lists {', '.join(show(d) for d in dupes[:5])} "
                "more than once; allowed: each name once"
            )
        return tuple(value), None
    # int: a float only when it is exactly a whole number within 2**53 (the seed, whose
    # range goes beyond, must be written as a whole number)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, bad
    if isinstance(value, float) and (
        not value.is_integer() or abs(value) > 2**53 or (spec.high or 0) > 2**53
    ):
        return None, (
            f"= {show(value)} is not allowed; must be {spec.allowed}, written "
            "without a decimal point"
        )
    value = int(value)
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        return None, f"= {show(value)} is out of range; must be {spec.allowed}"
    return value, None


def check_value(spec: KeySpec, value: Any, source: str, key: str) -> Any:
    """Check one value against its :class:`KeySpec`; return it converted."""
    value, problem = value_problem(spec, value)
    if problem is not None:
        raise key_error(source, key, problem)
    return value


def check_keys(
    source: str, prefix: str, table: Mapping[str, Any], allowed: list[str], what: str
) -> None:
    for k in table:
        if k not in allowed:
            raise unknown_key(source, f"{prefix}.{k}" if prefix else k, k, allowed, what)


def _check_specs(
    source: str, prefix: str, table: Mapping[str, Any], specs: Mapping[str, KeySpec]
) -> dict[str, Any]:
    out = {}
    for name, spec in specs.items():
        key = f"{prefix}.{name}"
        if name in table:
            out[name] = check_value(spec, table[name], source, key)
        elif spec.required:
            raise key_error(source, key, f"missing; required: {spec.description} ({spec.allowed})")
        else:
            out[name] = spec.default
    return out


def _param(source: str, key: str, name: str, value: Any) -> Any:
    try:
        return validate_value(name, value)
    except ParameterError as exc:
        raise key_error(source, key, str(exc)) from None


_GENERAL_PARAMS = [n for n in PARAMS if n not in REGIME_PARAMS]


def _parameters(source: str, table: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in table.items():
        key = f"parameters.{name}"
        if name in REGIME_PARAMS:
            raise key_error(
                source,
                key,
                f"= {show(value)}: '{name}' is a training parameter, which defines a regime; "
                "setting it in [parameters] would give every regime the same value and erase "
                "the difference between them. Put it in a [regimes.NAME] table instead "
                "(see scenarios/custom_regime_example.toml).",
            )
        if name not in PARAMS:
            raise key_error(
                source,
                key,
                f"= {show(value)}: unknown parameter {show(name)}{suggest(name, _GENERAL_PARAMS)}; "
                "allowed: the model parameters listed by `workforce-sim params` "
                "(training parameters go in [regimes.NAME] tables)",
            )
        out[name] = _param(source, key, name, value)
    return out


def _training_defaults() -> dict[str, Any]:
    return {n: PARAMS[n].default for n in REGIME_PARAMS}


def _check_name(source: str, prefix: str, name: str) -> None:
    if len(name) > MAX_CHARS["regime"] or not REGIME_NAME.fullmatch(name):
        raise key_error(
            source,
            prefix,
            f"{prefix.split('.')[0][:-1]} name {show(name)} is not allowed; must be "
            f"{REGIME_NAME_TEXT}, at most {MAX_CHARS['regime']} characters",
        )


def _custom_regime(source: str, name: str, table: Any) -> tuple[dict[str, Any], str, str]:
    """Check one ``[regimes.NAME]`` table; return (training params, base, label)."""
    prefix = f"regimes.{name}"
    if name in REGIMES:
        raise key_error(
            source,
            prefix,
            f"'{name}' is a built-in regime and cannot be redefined; give your regime another "
            f'name (built-in names: {", ".join(REGIMES)}), and set base = "{name}" '
            "to start from it",
        )
    _check_name(source, prefix, name)
    table = _table(source, prefix, table)
    allowed = [*REGIME_KEYS, *REGIME_PARAMS]
    for k, v in table.items():
        if k in PARAMS and k not in REGIME_PARAMS:
            raise key_error(
                source,
                f"{prefix}.{k}",
                f"= {show(v)}: '{k}' is not a training parameter, so a regime cannot set it; "
                "set it in [parameters] for every regime, or compare values of it with "
                f"[variants.NAME] tables (see scenarios/raise_pay.toml). Allowed here: "
                f"{', '.join(allowed)}",
            )
    check_keys(source, prefix, table, allowed, "key")
    meta = _check_specs(source, prefix, table, REGIME_KEYS)
    values = _training_defaults() | REGIMES[meta["base"]]
    for k in REGIME_PARAMS:
        if k in table:
            values[k] = _param(source, f"{prefix}.{k}", k, table[k])
    return values, meta["base"], meta["label"] or name


def _variant(
    source: str,
    name: str,
    table: Any,
    custom: Mapping[str, tuple[dict[str, Any], str, str]],
) -> tuple[dict[str, Any], str, str, dict[str, Any]]:
    """Check one ``[variants.NAME]`` table; return (training params, built-in base,
    label, non-training overrides)."""
    prefix = f"variants.{name}"
    if name in REGIMES or name in custom:
        where = "a built-in regime" if name in REGIMES else "a regime of this file"
        raise key_error(
            source,
            prefix,
            f"'{name}' is {where}; give the variant another name (variants, regimes and "
            "built-in regimes share one list of names)",
        )
    _check_name(source, prefix, name)
    table = _table(source, prefix, table)
    for k in table:
        if k not in VARIANT_KEYS and k not in PARAMS:
            allowed = [*VARIANT_KEYS, *PARAMS]
            raise key_error(
                source,
                f"{prefix}.{k}",
                f"unknown key {show(k)}{suggest(k, allowed)}; allowed: "
                f"{', '.join(VARIANT_KEYS)} or any model parameter (`workforce-sim params`)",
            )
    regimes = [*REGIMES, *custom]
    regime = table.get("regime", VARIANT_KEYS["regime"].default)
    if not isinstance(regime, str) or regime not in regimes:
        raise key_error(
            source,
            f"{prefix}.regime",
            f"= {show(regime)} is not a regime{suggest(str(regime), regimes)}; must be one of "
            + ", ".join(f'"{r}"' for r in regimes)
            + " (built-in, or defined under [regimes.NAME])",
        )
    label = (
        check_value(VARIANT_KEYS["label"], table["label"], source, f"{prefix}.label")
        if "label" in table
        else None
    )
    if regime in REGIMES:
        training, base = _training_defaults() | REGIMES[regime], regime
    else:
        training, base = dict(custom[regime][0]), custom[regime][1]
    others = {}
    for k, v in table.items():
        if k in VARIANT_KEYS:
            continue
        value = _param(source, f"{prefix}.{k}", k, v)
        if k in REGIME_PARAMS:
            training[k] = value
        else:
            others[k] = value
    return training, base, label or name, others


def check_shock(params: Mapping[str, Any], horizon_weeks: int, horizon_key: str) -> str | None:
    """What is wrong with the shock of ``params`` over ``horizon_weeks`` reported weeks
    (a message starting ``= VALUE``), or None. The one check across parameters; sweeps
    apply it to every point."""
    shock_start = params.get("shock_start", PARAMS["shock_start"].default)
    shock_weeks = params.get("shock_weeks", PARAMS["shock_weeks"].default)
    if shock_weeks > 0 and shock_start >= horizon_weeks:
        return (
            f"= {show(shock_start)}: the shock would start after the last reported week "
            f"({horizon_key} = {horizon_weeks}); allowed: 0 to {horizon_weeks - 1}, or "
            "set shock_weeks = 0 for no shock"
        )
    return None


def _check_labels(source: str, labels: Mapping[str, str], tables: Mapping[str, str]) -> None:
    """Two regimes of one scenario must not share a display label (reports key on it).
    ``tables`` maps each regime defined in the file to its table (``regimes`` or
    ``variants``)."""
    seen: dict[str, str] = {}
    for name, label in labels.items():
        other = seen.setdefault(label.casefold(), name)
        if other != name:
            culprit = name if name in tables else other
            first = other if culprit == name else name
            raise key_error(
                source,
                f"{tables.get(culprit, 'regimes')}.{culprit}.label",
                f"= {show(labels[culprit])} is also the label of regime "
                f"'{first}'; allowed: a label no other regime of the scenario "
                "has (reports and charts tell regimes apart by it)",
            )


def parse_scenario(data: Mapping[str, Any], source: str = NO_SOURCE) -> Scenario:
    """Check a scenario given as a mapping (e.g. parsed TOML) and return it.

    ``source`` names where the data came from in error messages.
    """
    if not isinstance(data, Mapping):
        raise key_error(source, "(top level)", f"= {show(data)} must be a table of tables")
    check_keys(source, "", data, list(TABLES), "table")
    for k, v in data.items():
        _table(source, k, v)
    if "scenario" not in data:
        raise key_error(
            source, "scenario", f"missing table [scenario]; required: {TABLES['scenario']}"
        )

    scen_table = data["scenario"]
    check_keys(source, "scenario", scen_table, list(SCENARIO_KEYS), "key")
    scen = _check_specs(source, "scenario", scen_table, SCENARIO_KEYS)
    params = _parameters(source, data.get("parameters", {}))

    custom: dict[str, tuple[dict[str, Any], str, str]] = {
        name: _custom_regime(source, name, table) for name, table in data.get("regimes", {}).items()
    }
    variants = {
        name: _variant(source, name, table, custom)
        for name, table in data.get("variants", {}).items()
    }
    allowed_regimes = [*REGIMES, *custom, *variants]
    regime_params: dict[str, dict[str, Any]] = {}
    regime_labels: dict[str, str] = {}
    regime_bases: dict[str, str] = {}
    variant_params: dict[str, dict[str, Any]] = {}
    for name in scen["regimes"]:
        if name in REGIMES:
            regime_params[name] = _training_defaults() | REGIMES[name]
            regime_labels[name] = REGIME_LABELS.get(name, name)
            regime_bases[name] = name
        elif name in custom:
            regime_params[name], regime_bases[name], regime_labels[name] = custom[name]
        elif name in variants:
            training, regime_bases[name], regime_labels[name], others = variants[name]
            regime_params[name], variant_params[name] = training, others
        else:
            raise key_error(
                source,
                "scenario.regimes",
                f"unknown regime {show(name)}{suggest(name, allowed_regimes)}; allowed: "
                f"{', '.join(allowed_regimes)} (define your own in a [regimes.NAME] or "
                "[variants.NAME] table)",
            )

    _check_labels(
        source,
        regime_labels,
        {**dict.fromkeys(custom, "regimes"), **dict.fromkeys(variants, "variants")},
    )
    problem = check_shock(params, scen["horizon_weeks"], "scenario.horizon_weeks")
    if problem:
        raise key_error(source, "parameters.shock_start", problem)
    for name, others in variant_params.items():
        problem = check_shock({**params, **others}, scen["horizon_weeks"], "scenario.horizon_weeks")
        if problem:
            raise key_error(source, f"variants.{name}.shock_start", problem)

    return Scenario(
        name=scen["name"],
        description=scen["description"],
        regimes=scen["regimes"],
        regime_params=regime_params,
        regime_labels=regime_labels,
        params=params,
        horizon_weeks=scen["horizon_weeks"],
        replications=scen["replications"],
        seed=scen["seed"],
        source=None if source == NO_SOURCE else source,
        regime_bases=regime_bases,
        setting=scen["setting"],
        variant_params=variant_params,
    )


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _depth(data: Any) -> int:
    """How deeply arrays and tables nest in ``data`` (without recursion)."""
    deepest, todo = 0, [(data, 0)]
    while todo:
        value, depth = todo.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            break
        if isinstance(value, Mapping):
            todo.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            todo.extend((v, depth + 1) for v in value)
    return deepest


def read_toml(path: str | Path, what: str = "scenario file") -> tuple[dict[str, Any], str]:
    """Read a TOML file (``what``: its kind, for messages); return (data, text).

    Accepts a UTF-8 byte-order mark. Every problem is a :class:`ScenarioError` naming the
    file: missing, not a file, unreadable, too large, not UTF-8 (with the line), not
    TOML (as ``FILE:LINE:COLUMN: message``), or nested too deeply.
    """
    p = Path(path)
    try:
        if not p.exists():
            raise ScenarioError(f"{what} not found: {p}")
        if not p.is_file():
            raise ScenarioError(f"{what} path is not a file: {p}")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                f"{p}: {what} of {size:,} bytes is too large; allowed: at most "
                f"{MAX_FILE_BYTES:,} bytes"
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read the {what}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError(
            f"{p}:{line}:{col}: not valid UTF-8 text (byte "
            f"0x{raw[exc.start]:02x}); allowed: a text file saved as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(getattr(exc, "msg", None) or exc)
        line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        m = _TOML_AT.search(msg)
        if m:
            msg = msg[: m.start()]
            line, col = line or int(m.group(1)), col or int(m.group(2))
        where = f"{p}:{line}:{col}" if line else str(p)
        raise ScenarioError(f"{where}: not valid TOML: {msg}") from None
    except RecursionError:
        data = None
    if data is None or _depth(data) > MAX_NESTING:
        raise ScenarioError(
            f"{p}: arrays or tables nested too deeply; allowed: at most "
            f"{MAX_NESTING} levels (a {what} needs 3)"
        )
    return data, text


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a TOML scenario file."""
    data, _ = read_toml(path, "scenario file")
    return parse_scenario(data, str(Path(path)))


def default_compare_scenario() -> Scenario:
    """The ``compare`` job: the three built-in regimes on default parameters."""
    return parse_scenario(
        {
            "scenario": {
                "name": "JIT-only, foundation-first and hybrid training compared",
                "description": "The three built-in training regimes on the default agency "
                "(100 posts, 300 clients).",
                "regimes": list(REGIMES),
            }
        }
    )


def model_kwargs(s: Scenario, regime: str) -> dict[str, Any]:
    """Keyword arguments for ``WorkforceModel`` running ``regime`` of scenario ``s``.

    The ``[parameters]`` overrides, then a variant's other overrides, then the regime's
    full training parameters, then ``regime`` = the built-in regime it is based on (itself
    if built in) and ``setting``.
    """
    if regime not in s.regime_params:
        raise ScenarioError(
            f"{s.source or NO_SOURCE}: scenario.regimes: regime '{regime}' is not in this "
            f"scenario{suggest(regime, s.regimes)}; allowed: {', '.join(s.regimes)}"
        )
    base = regime if regime in REGIMES else s.regime_bases.get(regime, REGIME_KEYS["base"].default)
    return {
        **s.params,
        **s.variant_params.get(regime, {}),
        **s.regime_params[regime],
        "regime": base,
        "setting": s.setting,
    }
