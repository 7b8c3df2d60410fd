"""Scenario files: loading, regime resolution and the error messages users see."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from sim.core.params import PARAMS, REGIME_LABELS, REGIME_PARAMS, REGIMES, SETTINGS, resolve
from sim.experiments.scenario import (
    SCENARIO_KEYS,
    Scenario,
    ScenarioError,
    default_compare_scenario,
    load_scenario,
    model_kwargs,
    parse_scenario,
)

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
# sweep specs (a [sweep] table) live beside the scenarios; tests/test_experiment.py covers them
SCENARIO_FILES = sorted(
    f for f in SCENARIO_DIR.glob("*.toml") if "sweep" not in tomllib.loads(f.read_text())
)
EXPECTED_FILES = {
    "jit_only.toml": ("jit",),
    "foundation_first.toml": ("foundation",),
    "hybrid.toml": ("hybrid",),
    "pandemic_shock.toml": ("jit", "foundation", "hybrid"),
    "custom_regime_example.toml": ("jit", "short_foundation"),
    "raise_pay.toml": ("jit", "jit_raise", "foundation", "foundation_raise"),
    "inservice_programme.toml": ("jit", "jit_inservice"),
    "every_jit_assumption.toml": ("jit", "jit_knows", "jit_all_true", "foundation"),
    "costly_unseen_gaps.toml": ("jit", "foundation"),
    "stability_per_dollar.toml": (
        "jit",
        "foundation",
        "hybrid",
        "jit_raise",
        "jit_float",
        "jit_inservice",
    ),
}


def training_defaults() -> dict:
    return {n: PARAMS[n].default for n in REGIME_PARAMS}


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def scenario_text(scenario_extra: str = "", rest: str = "", regimes: str = '["jit"]') -> str:
    return f'[scenario]\nname = "t"\nregimes = {regimes}\n{scenario_extra}\n{rest}\n'


# --- the shipped scenario files ---------------------------------------------------------


def test_expected_scenario_files_exist():
    assert {p.name for p in SCENARIO_FILES} >= set(EXPECTED_FILES)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_every_scenario_file_loads(path):
    s = load_scenario(path)
    assert isinstance(s, Scenario)
    assert s.source == str(path)
    assert s.name
    if path.name in EXPECTED_FILES:
        assert s.regimes == EXPECTED_FILES[path.name]
    assert set(s.regime_params) == set(s.regimes) == set(s.regime_labels)
    for regime in s.regimes:
        assert set(s.regime_params[regime]) == set(REGIME_PARAMS)
        kw = model_kwargs(s, regime)
        base = kw.pop("regime")
        assert base in REGIMES
        # every keyword is a valid registry parameter
        full = resolve(base, **kw)
        for k, v in {**s.params, **s.variant_params.get(regime, {})}.items():
            assert full[k] == v


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_scenario_comments_quote_registry_ranges(path):
    """Every parameter set in a file is explained with the registry's range and unit."""
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    keys = set(data.get("parameters", {}))
    for table in data.get("regimes", {}).values():
        keys |= set(table) & set(REGIME_PARAMS)
    for table in data.get("variants", {}).values():
        keys |= set(table) & set(PARAMS)
    for key in keys:
        p = PARAMS[key]
        assert p.range_text in text, (key, p.range_text)
        if p.unit:
            assert f"({p.unit})" in text, (key, p.unit)


def test_builtin_regimes_resolve_to_presets():
    s = load_scenario(SCENARIO_DIR / "pandemic_shock.toml")
    for name in REGIMES:
        assert s.regime_params[name] == training_defaults() | REGIMES[name]
        assert s.regime_labels[name] == REGIME_LABELS[name]
        assert model_kwargs(s, name)["regime"] == name


def test_pandemic_shock_values():
    s = load_scenario(SCENARIO_DIR / "pandemic_shock.toml")
    assert s.regimes == ("jit", "foundation", "hybrid")
    assert s.horizon_weeks == 156
    assert s.params == {
        "shock_start": 52,
        "shock_weeks": 26,
        "shock_demand": 1.3,
        "shock_absence": 0.12,
        "shock_hiring": 2.0,
        "shock_outside_options": 1.0,
    }
    kw = model_kwargs(s, "hybrid")
    assert kw["shock_demand"] == 1.3
    assert kw["mentoring_hours"] == REGIMES["hybrid"]["mentoring_hours"]


def test_custom_regime_resolved():
    s = load_scenario(SCENARIO_DIR / "custom_regime_example.toml")
    overrides = {"preservice_hours": 60.0, "mentoring_hours": 0.0}
    expected = training_defaults() | REGIMES["hybrid"] | overrides
    assert s.regime_params["short_foundation"] == expected
    assert isinstance(s.regime_params["short_foundation"]["mentoring_hours"], float)
    assert s.regime_labels["short_foundation"] == "Short foundation, no mentoring"
    kw = model_kwargs(s, "short_foundation")
    assert kw["regime"] == "hybrid"
    assert kw["mentoring_hours"] == 0.0
    assert kw["modules_available"] is True


def test_custom_regime_defaults_base_jit_and_label_name(tmp_path):
    text = scenario_text(
        regimes='["jit", "long_orientation"]',
        rest="[regimes.long_orientation]\npreservice_hours = 40\n",
    )
    s = load_scenario(write(tmp_path, text))
    assert s.regime_params["long_orientation"] == training_defaults() | REGIMES["jit"] | {
        "preservice_hours": 40.0
    }
    assert s.regime_labels["long_orientation"] == "long_orientation"
    assert model_kwargs(s, "long_orientation")["regime"] == "jit"


def test_parameters_are_converted_and_regimes_kept_in_order(tmp_path):
    text = scenario_text(
        regimes='["hybrid", "jit"]',
        rest="[parameters]\nn_workers = 50.0\nwage = 20\n",
    )
    s = load_scenario(write(tmp_path, text))
    assert s.regimes == ("hybrid", "jit")
    assert s.params == {"n_workers": 50, "wage": 20.0}
    assert isinstance(s.params["n_workers"], int)
    assert isinstance(s.params["wage"], float)


def test_scenario_defaults_come_from_key_table(tmp_path):
    s = load_scenario(write(tmp_path, scenario_text()))
    for key in ("horizon_weeks", "replications", "seed", "description", "setting"):
        assert getattr(s, key) == SCENARIO_KEYS[key].default
    assert s.params == {}


def test_default_compare_scenario():
    s = default_compare_scenario()
    assert s.regimes == ("jit", "foundation", "hybrid")
    assert s.horizon_weeks == 156
    assert s.replications == 20
    assert s.seed == 20261126
    assert s.params == {}
    assert s.source is None
    assert s.regime_labels == REGIME_LABELS
    assert s.setting == "dsp"
    for name in REGIMES:
        assert model_kwargs(s, name) == training_defaults() | REGIMES[name] | {
            "regime": name,
            "setting": "dsp",
        }


def test_setting_preset_then_parameters(tmp_path):
    text = scenario_text(
        'setting = "home_care"', "[parameters]\nwage = 16\n", regimes='["jit", "foundation"]'
    )
    s = load_scenario(write(tmp_path, text))
    assert s.setting == "home_care"
    kw = model_kwargs(s, "foundation")
    assert kw["setting"] == "home_care" and kw["wage"] == 16.0
    full = resolve(kw.pop("regime"), **kw)
    assert full["wage"] == 16.0  # [parameters] beat the setting
    for name, value in SETTINGS["home_care"].items():
        if name != "wage":
            assert full[name] == value
    assert full["preservice_hours"] == REGIMES["foundation"]["preservice_hours"]


def test_parse_scenario_from_dict():
    s = parse_scenario({"scenario": {"name": "x", "regimes": ["foundation"], "seed": 7}})
    assert s.seed == 7
    assert s.source is None
    with pytest.raises(ScenarioError, match=r"<scenario>: scenario\.regimes"):
        parse_scenario({"scenario": {"name": "x", "regimes": ["nope"]}})


def test_model_kwargs_unknown_regime():
    with pytest.raises(ScenarioError, match=r"'hybird'.*did you mean 'hybrid'"):
        model_kwargs(default_compare_scenario(), "hybird")


# --- errors -----------------------------------------------------------------------------

# (id, file text, key the message must name, other fragments it must contain)
ERROR_CASES = [
    (
        "unknown parameter",
        scenario_text(rest="[parameters]\nn_wrokers = 100\n"),
        "parameters.n_wrokers",
        ["did you mean 'n_workers'", "100"],
    ),
    (
        "unknown scenario key",
        scenario_text("horizon_week = 100"),
        "scenario.horizon_week",
        ["did you mean 'horizon_weeks'", "horizon_weeks, replications"],
    ),
    (
        "unknown table",
        scenario_text(rest="[parameter]\nn_workers = 100\n"),
        "parameter",
        ["unknown table", "did you mean 'parameters'"],
    ),
    (
        "horizon wrong type",
        scenario_text('horizon_weeks = "ten"'),
        "scenario.horizon_weeks",
        ["'ten'", "52 to 2080 weeks"],
    ),
    (
        "horizon fractional",
        scenario_text("horizon_weeks = 100.5"),
        "scenario.horizon_weeks",
        ["100.5", "whole number", "52 to 2080"],
    ),
    (
        "horizon out of range",
        scenario_text("horizon_weeks = 10"),
        "scenario.horizon_weeks",
        ["10", "out of range", "52 to 2080 weeks"],
    ),
    (
        "replications zero",
        scenario_text("replications = 0"),
        "scenario.replications",
        ["= 0", "1 to 10000"],
    ),
    (
        "replications bool",
        scenario_text("replications = true"),
        "scenario.replications",
        ["True", "1 to 10000"],
    ),
    (
        "seed negative",
        scenario_text("seed = -1"),
        "scenario.seed",
        ["-1", "0 to 2**63 - 1"],
    ),
    (
        "name missing",
        '[scenario]\nregimes = ["jit"]\n',
        "scenario.name",
        ["missing", "required"],
    ),
    (
        "name empty",
        '[scenario]\nname = "  "\nregimes = ["jit"]\n',
        "scenario.name",
        ["non-empty"],
    ),
    (
        "scenario table missing",
        "[parameters]\nn_workers = 100\n",
        "scenario",
        ["missing table [scenario]"],
    ),
    (
        "scenario not a table",
        'scenario = "x"\n',
        "scenario",
        ["'x'", "must be a table"],
    ),
    (
        "regimes not a list",
        scenario_text(regimes='"jit"'),
        "scenario.regimes",
        ["'jit'", "list"],
    ),
    (
        "regimes empty",
        scenario_text(regimes="[]"),
        "scenario.regimes",
        ["[]", "1 to 20 name(s)"],
    ),
    (
        "regimes not strings",
        scenario_text(regimes="[1, 2]"),
        "scenario.regimes",
        ["[1, 2]", "list"],
    ),
    (
        "regimes duplicated",
        scenario_text(regimes='["jit", "jit"]'),
        "scenario.regimes",
        ["jit", "more than once"],
    ),
    (
        "unknown regime",
        scenario_text(regimes='["jit", "hybird"]'),
        "scenario.regimes",
        ["'hybird'", "did you mean 'hybrid'", "jit, foundation, hybrid"],
    ),
    (
        "parameter wrong type",
        scenario_text(rest='[parameters]\nn_workers = "many"\n'),
        "parameters.n_workers",
        ["'many'", "5 to 100000 posts"],
    ),
    (
        "parameter out of range",
        scenario_text(rest="[parameters]\nn_workers = 2\n"),
        "parameters.n_workers",
        ["= 2", "out of range", "5 to 100000 posts"],
    ),
    (
        "parameter bool expected",
        scenario_text(rest='[regimes.x]\nmodules_available = "yes"\n', regimes='["x"]'),
        "regimes.x.modules_available",
        ["'yes'", "true or false"],
    ),
    (
        "training parameter in parameters",
        scenario_text(rest="[parameters]\npreservice_hours = 40\n"),
        "parameters.preservice_hours",
        ["training parameter", "[regimes.NAME]", "40"],
    ),
    (
        "non-training parameter in regime",
        scenario_text(rest="[regimes.x]\nn_workers = 50\n", regimes='["x"]'),
        "regimes.x.n_workers",
        ["not a training parameter", "[parameters]", "50"],
    ),
    (
        "unknown key in regime",
        scenario_text(rest="[regimes.x]\nmentoring_hour = 2\n", regimes='["x"]'),
        "regimes.x.mentoring_hour",
        ["did you mean 'mentoring_hours'"],
    ),
    (
        "regime value out of range",
        scenario_text(rest="[regimes.x]\npreservice_hours = 1000\n", regimes='["x"]'),
        "regimes.x.preservice_hours",
        ["1000", "0 to 480 hours"],
    ),
    (
        "regime bad base",
        scenario_text(rest='[regimes.x]\nbase = "hybird"\n', regimes='["x"]'),
        "regimes.x.base",
        ["'hybird'", "did you mean 'hybrid'", '"jit", "foundation", "hybrid"'],
    ),
    (
        "regime bad label",
        scenario_text(rest="[regimes.x]\nlabel = 3\n", regimes='["x"]'),
        "regimes.x.label",
        ["= 3", "text"],
    ),
    (
        "custom regime reuses built-in name",
        scenario_text(rest="[regimes.jit]\npreservice_hours = 40\n"),
        "regimes.jit",
        ["built-in", "cannot be redefined", "jit, foundation, hybrid"],
    ),
    (
        "custom regime bad name",
        scenario_text(rest='[regimes."my regime"]\npreservice_hours = 40\n'),
        "regimes.my regime",
        ["'my regime'", "a letter followed by"],
    ),
    (
        "regime not a table",
        scenario_text(rest="[regimes]\nx = 5\n"),
        "regimes.x",
        ["= 5", "must be a table"],
    ),
    (
        "unknown setting",
        scenario_text('setting = "homecare"'),
        "scenario.setting",
        ["'homecare'", "did you mean 'home_care'", '"dsp", "home_care"'],
    ),
    (
        "setting not text",
        scenario_text("setting = 3"),
        "scenario.setting",
        ["= 3", "not a setting"],
    ),
    (
        "shock after horizon",
        scenario_text("horizon_weeks = 52", "[parameters]\nshock_weeks = 10\n"),
        "parameters.shock_start",
        ["= 52", "0 to 51"],
    ),
]


@pytest.mark.parametrize(
    ("text", "key", "fragments"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_errors_name_file_key_value_and_allowed(tmp_path, text, key, fragments):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: ") or message.startswith(f"{path}: {key} ")
    for fragment in fragments:
        assert fragment in message, (fragment, message)


# --- variants: a regime plus any parameter --------------------------------------------


VARIANTS = """
[scenario]
name = "v"
regimes = ["jit", "raise", "mine_raise", "programme"]
[parameters]
n_workers = 30
wage = 18
[regimes.mine]
base = "hybrid"
mentoring_hours = 2
[variants.raise]
wage = 22.0
label = "Pay rise"
[variants.mine_raise]
regime = "mine"
wage = 21
preservice_hours = 40
[variants.programme]
regime = "foundation"
inservice_weeks = 26
inservice_training_hours = 2
inservice_modules = true
"""


def test_variants_change_any_parameter_of_one_arm(tmp_path):
    s = load_scenario(write(tmp_path, VARIANTS))
    assert s.regimes == ("jit", "raise", "mine_raise", "programme")
    assert s.regime_labels["raise"] == "Pay rise"
    assert s.regime_labels["mine_raise"] == "mine_raise"  # the name when no label
    jit, rise = model_kwargs(s, "jit"), model_kwargs(s, "raise")
    assert (jit["wage"], rise["wage"]) == (18, 22.0)  # [parameters], then the variant
    assert rise["regime"] == "jit" and "wage" not in s.regime_params["raise"]
    assert {k: v for k, v in rise.items() if k != "wage"} == {
        k: v for k, v in jit.items() if k != "wage"
    }
    # a variant of the file's own regime: its training values, its built-in base, and a
    # training value of the variant's own on top
    mine = model_kwargs(s, "mine_raise")
    assert mine["regime"] == "hybrid" == s.regime_bases["mine_raise"]
    assert (mine["mentoring_hours"], mine["preservice_hours"], mine["wage"]) == (2, 40.0, 21.0)
    assert isinstance(mine["wage"], float)  # converted to the registry kind
    prog = model_kwargs(s, "programme")
    assert prog["regime"] == "foundation" and prog["inservice_weeks"] == 26
    assert prog["inservice_modules"] is True and prog["n_workers"] == 30
    assert s.variant_params["programme"] == {
        "inservice_weeks": 26,
        "inservice_training_hours": 2.0,
        "inservice_modules": True,
    }
    assert "jit" not in s.variant_params  # a plain regime has no overrides
    # every arm resolves through the registry
    for r in s.regimes:
        kw = model_kwargs(s, r)
        resolve(kw.pop("regime"), **kw)


def test_a_file_without_variants_is_read_as_before(tmp_path):
    s = load_scenario(SCENARIO_DIR / "custom_regime_example.toml")
    assert s.variant_params == {}


def test_raise_pay_and_inservice_scenarios_differ_only_where_they_say():
    pay = load_scenario(SCENARIO_DIR / "raise_pay.toml")
    for plain, raised in (("jit", "jit_raise"), ("foundation", "foundation_raise")):
        a, b = model_kwargs(pay, plain), model_kwargs(pay, raised)
        assert b.pop("wage") == pytest.approx(1.15 * PARAMS["wage"].default)
        assert a == b
    ins = load_scenario(SCENARIO_DIR / "inservice_programme.toml")
    a, b = model_kwargs(ins, "jit"), model_kwargs(ins, "jit_inservice")
    extra = {k: v for k, v in b.items() if a.get(k, PARAMS.get(k) and PARAMS[k].default) != v}
    assert extra == {
        "inservice_start": 13,
        "inservice_weeks": 26,
        "inservice_training_hours": 2.0,
        "inservice_supervision_hours": 1.0,
        "inservice_modules": True,
    }


VARIANT_ERRORS = [
    (
        "unknown key",
        "[variants.v]\nwag = 20\n",
        "variants.v.wag",
        ["unknown key 'wag'", "did you mean 'wage'", "any model parameter"],
    ),
    ("bad value", "[variants.v]\nwage = 500\n", "variants.v.wage", ["500", "5 to 100"]),
    (
        "bad training value",
        "[variants.v]\npreservice_hours = -1\n",
        "variants.v.preservice_hours",
        ["-1", "0 to 480"],
    ),
    (
        "unknown regime",
        '[variants.v]\nregime = "hybird"\n',
        "variants.v.regime",
        ["'hybird'", "did you mean 'hybrid'", '"jit"'],
    ),
    ("regime not text", "[variants.v]\nregime = 3\n", "variants.v.regime", ["= 3"]),
    (
        "label too long",
        f'[variants.v]\nlabel = "{"x" * 200}"\n',
        "variants.v.label",
        ["too long"],
    ),
    (
        "shock after horizon",
        "[variants.v]\nshock_weeks = 10\nshock_start = 200\n",
        "variants.v.shock_start",
        ["= 200", "0 to 155"],
    ),
]


@pytest.mark.parametrize(
    ("rest", "key", "fragments"),
    [case[1:] for case in VARIANT_ERRORS],
    ids=[case[0] for case in VARIANT_ERRORS],
)
def test_variant_errors_name_the_key(tmp_path, rest, key, fragments):
    path = write(tmp_path, scenario_text(rest=rest, regimes='["jit", "v"]'))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize(
    ("rest", "what"),
    [
        ("[variants.jit]\nwage = 20\n", "a built-in regime"),
        ("[regimes.v]\nmentoring_hours = 1\n[variants.v]\nwage = 20\n", "a regime of this file"),
    ],
)
def test_a_variant_may_not_take_a_regimes_name(tmp_path, rest, what):
    path = write(tmp_path, scenario_text(rest=rest, regimes='["jit"]'))
    with pytest.raises(ScenarioError, match=what):
        load_scenario(path)


def test_variants_must_be_tables(tmp_path):
    path = write(tmp_path, "variants = 3\n" + scenario_text(regimes='["jit"]'))
    with pytest.raises(ScenarioError, match=r": variants: = 3 must be a table"):
        load_scenario(path)
    path = write(tmp_path, scenario_text(rest="[variants]\nv = 3\n", regimes='["v"]'))
    with pytest.raises(ScenarioError, match=r": variants\.v: = 3 must be a table"):
        load_scenario(path)


def test_variant_labels_must_differ_from_other_regimes(tmp_path):
    rest = '[variants.v]\nlabel = "JIT-only"\nwage = 20\n'
    path = write(tmp_path, scenario_text(rest=rest, regimes='["jit", "v"]'))
    with pytest.raises(ScenarioError, match=r"variants\.v\.label: = 'JIT-only' is also"):
        load_scenario(path)


def test_a_regime_table_points_to_variants_for_other_parameters(tmp_path):
    path = write(tmp_path, scenario_text(rest="[regimes.x]\nwage = 20\n", regimes='["x"]'))
    with pytest.raises(ScenarioError, match=r"regimes\.x\.wage: .*\[variants\.NAME\]"):
        load_scenario(path)


def test_scenario_error_is_value_error():
    assert issubclass(ScenarioError, ValueError)


def test_not_toml(tmp_path):
    path = write(tmp_path, '[scenario]\nname = t\nregimes = ["jit"]\n')
    with pytest.raises(ScenarioError, match="not valid TOML") as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}:2:8: not valid TOML: ")  # FILE:LINE:COLUMN


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('[scenario]\nname = "Café"\nregimes = ["jit"]\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match="not valid") as info:
        load_scenario(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(ScenarioError, match=f"scenario file not found: {re.escape(str(path))}"):
        load_scenario(path)


def test_directory_is_not_a_scenario(tmp_path):
    with pytest.raises(ScenarioError, match="not a file"):
        load_scenario(tmp_path)
