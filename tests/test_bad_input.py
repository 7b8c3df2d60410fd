"""Every bad input: exit status 2, one clear line, no traceback, nothing written.

A table of malformed scenario files, sweep specs and argument sets. Each case runs the
command line in-process (``sim.cli.main``) in an empty temporary folder (the current
directory, so that default output folders would show up too), with every function
that runs models replaced by one that fails the test: all of these must be refused
while checking the input, before any simulation. A few cases run as a subprocess, as a
user would. Then the good neighbours of some cases: NumPy numbers as parameters, a
byte-order mark, a factorial sweep whose factors are all crossed.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import sim.core.errors
import sim.experiments.calibration
import sim.experiments.experiment
import sim.experiments.limits
import sim.experiments.runner
import sim.report.sensitivity
from sim.cli import build_parser, main
from sim.experiments.limits import MAX_CHARS, MAX_RUNS, max_jobs

from helpers import SMALL

S = '[scenario]\nname = "x"\nregimes = ["jit"]\n'  # a valid scenario to spoil
SW = '[sweep]\nname = "s"\nreplications = 1\n'  # a [sweep] table to complete
F = "[factors]\npreservice_hours = [16, 40]\n"


def scen(extra: str = "", rest: str = "") -> str:
    return S + extra + ("\n" if extra else "") + rest


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def customs(n: int) -> str:
    return "".join(f"[regimes.r{i}]\npreservice_hours = {i}\n" for i in range(n))


# (id, files {name: text or bytes}, arguments, fragments the message must contain);
# the first fragment is the key or flag at fault.
SCENARIOS = [
    ("empty file", "", ["scenario", "missing table [scenario]"]),
    ("only comments", "# nothing here\n\n", ["scenario", "missing table"]),
    (
        "arrays nested 1000 deep",
        S + f"[parameters]\nn_workers = {nested(1000)}\n",
        ["nested too deeply", "at most 16 levels"],
    ),
    (
        "arrays nested 40 deep",
        S + f"[parameters]\nn_workers = {nested(40)}\n",
        ["nested too deeply"],
    ),
    (
        "inline tables nested deep",
        S + "[parameters]\nn_workers = " + "{a = " * 300 + "1" + "}" * 300 + "\n",
        ["nested too deeply"],
    ),
    ("toml syntax", S + "[parameters\n", ["bad.toml:4:12: not valid TOML"]),
    ("toml bad value", S + "horizon_weeks = \n", ["bad.toml:4:", "not valid TOML"]),
    (
        "invalid utf-8",
        b'[scenario]\nname = "Caf\xe9"\nregimes = ["jit"]\n',
        ["bad.toml:2:", "not valid UTF-8"],
    ),
    ("binary file", bytes(range(256)) * 4, ["bad.toml", "not valid"]),
    ("too large", S + "#" * 1_100_000 + "\n", ["too large", "1,000,000 bytes"]),
    (
        "bom then unknown key",
        "\ufeff" + scen("horizon_week = 60"),
        ["scenario.horizon_week", "did you mean 'horizon_weeks'"],
    ),
    ("scenario is a list", "scenario = [1, 2]\n", ["scenario", "must be a table"]),
    ("array of scenario tables", '[[scenario]]\nname = "x"\n', ["scenario", "must be a table"]),
    ("parameters is a list", "parameters = [1]\n" + S, ["parameters", "must be a table"]),
    ("regime is a number", scen(rest="[regimes]\nx = 5\n"), ["regimes.x", "must be a table"]),
    ("unknown table", S + "[parameter]\nwage = 5\n", ["parameter", "did you mean 'parameters'"]),
    (
        "unknown scenario key",
        scen("replication = 3"),
        ["scenario.replication", "did you mean 'replications'"],
    ),
    ("key with control characters", scen('"\\u001b[2J" = 1'), ["scenario.\\x1b[2J"]),
    (
        "name with an escape sequence",
        S.replace('"x"', '"x\\u001b[2Jy"'),
        ["scenario.name", "control character '\\x1b'"],
    ),
    (
        "description with a NUL",
        scen('description = "a\\u0000b"'),
        ["scenario.description", "control character '\\x00'"],
    ),
    (
        "label with a bell",
        scen("", '[regimes.r]\nlabel = "ding\\u0007"\n'),
        ["regimes.r.label", "control character '\\x07'"],
    ),
    ("name missing", '[scenario]\nregimes = ["jit"]\n', ["scenario.name", "missing"]),
    ("name a number", '[scenario]\nname = 5\nregimes = ["jit"]\n', ["scenario.name", "= 5"]),
    (
        "name 10000 characters",
        f'[scenario]\nname = "{"n" * 10_000}"\nregimes = ["jit"]\n',
        ["scenario.name", "(10000 characters)", f"at most {MAX_CHARS['name']} characters"],
    ),
    (
        "description too long",
        scen(f'description = "{"d" * 6000}"'),
        ["scenario.description", "too long", "5000"],
    ),
    ("description a list", scen('description = ["a"]'), ["scenario.description", "text"]),
    (
        "regimes not a list",
        '[scenario]\nname = "x"\nregimes = "jit"\n',
        ["scenario.regimes", "list"],
    ),
    ("regimes empty", '[scenario]\nname = "x"\nregimes = []\n', ["scenario.regimes", "1 to 20"]),
    (
        "regimes too many",
        '[scenario]\nname = "x"\nregimes = ['
        + ", ".join(f'"r{i}"' for i in range(25))
        + "]\n"
        + customs(25),
        ["scenario.regimes", "(25 names)", "1 to 20"],
    ),
    (
        "regimes 50000 names",
        '[scenario]\nname = "x"\nregimes = [' + ", ".join(f'"r{i}"' for i in range(50_000)) + "]\n",
        ["scenario.regimes", "1 to 20"],
    ),
    (
        "regimes duplicated",
        '[scenario]\nname = "x"\nregimes = ["jit", "hybrid", "jit"]\n',
        ["scenario.regimes", "'jit'", "more than once"],
    ),
    (
        "regime unknown",
        '[scenario]\nname = "x"\nregimes = ["hybird"]\n',
        ["scenario.regimes", "did you mean 'hybrid'"],
    ),
    (
        "regime unknown and huge",
        f'[scenario]\nname = "x"\nregimes = ["{"h" * 100_000}"]\n',
        ["scenario.regimes", "(100000 characters)"],
    ),
    (
        "regime name too long",
        f'[scenario]\nname = "x"\nregimes = ["{"r" * 100}"]\n'
        f"[regimes.{'r' * 100}]\npreservice_hours = 40\n",
        ["regimes.rrr", "at most 64"],
    ),
    (
        "regime name with spaces",
        scen(rest='[regimes."a b"]\npreservice_hours = 40\n'),
        ["regimes.a b", "a letter followed by"],
    ),
    (
        "duplicate labels",
        '[scenario]\nname = "x"\nregimes = ["a", "b"]\n'
        '[regimes.a]\nlabel = "Same"\n[regimes.b]\nlabel = "same"\n',
        ["regimes.b.label", "also the label of regime 'a'"],
    ),
    (
        "label of a built-in",
        '[scenario]\nname = "x"\nregimes = ["hybrid", "a"]\n[regimes.a]\nlabel = "Hybrid"\n',
        ["regimes.a.label", "also the label of regime 'hybrid'"],
    ),
    (
        "label 5000 characters",
        f'[scenario]\nname = "x"\nregimes = ["a"]\n[regimes.a]\nlabel = "{"L" * 5000}"\n',
        ["regimes.a.label", f"at most {MAX_CHARS['label']} characters"],
    ),
    (
        "label a number",
        '[scenario]\nname = "x"\nregimes = ["a"]\n[regimes.a]\nlabel = 3\n',
        ["regimes.a.label", "= 3"],
    ),
    (
        "regime base unknown",
        '[scenario]\nname = "x"\nregimes = ["a"]\n[regimes.a]\nbase = "hybird"\n',
        ["regimes.a.base", "did you mean 'hybrid'"],
    ),
    (
        "regime base a list",
        '[scenario]\nname = "x"\nregimes = ["a"]\n[regimes.a]\nbase = ["jit"]\n',
        ["regimes.a.base", "not a built-in regime"],
    ),
    ("horizon bool", scen("horizon_weeks = true"), ["scenario.horizon_weeks", "True", "52"]),
    ("horizon fractional", scen("horizon_weeks = 60.5"), ["scenario.horizon_weeks", "60.5"]),
    ("horizon too short", scen("horizon_weeks = 10"), ["scenario.horizon_weeks", "52 to 2080"]),
    ("horizon too long", scen("horizon_weeks = 100000"), ["scenario.horizon_weeks", "2080"]),
    ("horizon nan", scen("horizon_weeks = nan"), ["scenario.horizon_weeks", "nan"]),
    ("replications zero", scen("replications = 0"), ["scenario.replications", "1 to 10000"]),
    ("replications negative", scen("replications = -4"), ["scenario.replications", "-4"]),
    ("replications text", scen('replications = "ten"'), ["scenario.replications", "'ten'"]),
    ("seed float", scen("seed = 1.0"), ["scenario.seed", "1.0", "without a decimal point"]),
    ("seed fractional", scen("seed = 2.5"), ["scenario.seed", "2.5"]),
    ("seed negative", scen("seed = -1"), ["scenario.seed", "0 to 2**63 - 1"]),
    ("seed too large", scen(f"seed = {2**63}"), ["scenario.seed", str(2**63), "2**63 - 1"]),
    ("seed far too large", scen("seed = " + "9" * 40), ["scenario.seed", "out of range"]),
    ("seed bool", scen("seed = false"), ["scenario.seed", "False"]),
    ("seed inf", scen("seed = inf"), ["scenario.seed", "inf"]),
    (
        "setting unknown",
        scen('setting = "homecare"'),
        ["scenario.setting", "did you mean 'home_care'"],
    ),
    ("setting a list", scen('setting = ["dsp"]'), ["scenario.setting", "not a setting"]),
    (
        "parameter unknown",
        scen(rest="[parameters]\nn_wrokers = 50\n"),
        ["parameters.n_wrokers", "did you mean 'n_workers'"],
    ),
    (
        "bool for a count",
        scen(rest="[parameters]\nn_workers = true\n"),
        ["parameters.n_workers", "True", "5 to 100000"],
    ),
    (
        "number for a bool",
        '[scenario]\nname = "x"\nregimes = ["a"]\n[regimes.a]\nmodules_available = 1\n',
        ["regimes.a.modules_available", "true or false"],
    ),
    ("parameter nan", scen(rest="[parameters]\nwage = nan\n"), ["parameters.wage", "nan"]),
    ("parameter inf", scen(rest="[parameters]\nwage = inf\n"), ["parameters.wage", "inf"]),
    ("count inf", scen(rest="[parameters]\nn_clients = -inf\n"), ["parameters.n_clients"]),
    (
        "negative count",
        scen(rest="[parameters]\nfloat_pool = -1\n"),
        ["parameters.float_pool", "-1", "0 to 10000"],
    ),
    ("parameter text", scen(rest='[parameters]\nwage = "17"\n'), ["parameters.wage", "'17'"]),
    ("parameter list", scen(rest="[parameters]\nwage = [17]\n"), ["parameters.wage", "[17]"]),
    ("parameter table", scen(rest="[parameters]\nwage = {usd = 17}\n"), ["parameters.wage", "usd"]),
    (
        "parameter a date",
        scen(rest="[parameters]\nwage = 2024-01-01\n"),
        ["parameters.wage", "datetime.date"],
    ),
    (
        "training parameter in parameters",
        scen(rest="[parameters]\npreservice_hours = 40\n"),
        ["parameters.preservice_hours", "training parameter"],
    ),
    (
        "shock after horizon",
        scen("horizon_weeks = 60", "[parameters]\nshock_start = 80\nshock_weeks = 10\n"),
        ["parameters.shock_start", "0 to 59"],
    ),
]


SPECS = [
    ("design a number", SW + "design = 3\n" + F, ["sweep.design", "= 3", '"factorial"']),
    ("design a list", SW + 'design = ["lhs"]\n' + F, ["sweep.design", "['lhs']"]),
    (
        "design unknown",
        SW + 'design = "factorail"\n' + F,
        ["sweep.design", "did you mean 'factorial'"],
    ),
    (
        "base of an unknown user",
        SW + 'base = "~nosuchuser9/x.toml"\n' + F,
        ["sweep.base", "nosuchuser9", "unknown"],
    ),
    ("base missing", SW + 'base = "nope.toml"\n' + F, ["sweep.base", "not found"]),
    ("base a folder", SW + 'base = "."\n' + F, ["sweep.base", "not found"]),
    (
        "base name too long for the file system",
        SW + f'base = "{"b" * 3000}.toml"\n' + F,
        ["sweep.base", "not found"],
    ),
    ("base file bad", SW + 'base = "base.toml"\n' + F, ["base.toml", "scenario.horizon_weeks"]),
    ("sweep table missing", F, ["sweep", "missing table [sweep]"]),
    ("factors missing", SW, ["factors", "missing table [factors]"]),
    ("factors empty", SW + "[factors]\n", ["factors", "is empty"]),
    ("factors a list", "factors = [1]\n" + SW, ["factors", "must be a table"]),
    (
        "factor unknown",
        SW + "[factors]\npreservice_hour = [1, 2]\n",
        ["factors.preservice_hour", "did you mean 'preservice_hours'"],
    ),
    (
        "factor values empty",
        SW + "[factors]\npreservice_hours = []\n",
        ["factors.preservice_hours.values", "non-empty"],
    ),
    (
        "factor values repeated",
        SW + "[factors]\npreservice_hours = [16, 16.0]\n",
        ["factors.preservice_hours.values", "more than once"],
    ),
    (
        "factor value out of range",
        SW + "[factors]\npreservice_hours = [16, 4000]\n",
        ["factors.preservice_hours.values", "0 to 480"],
    ),
    (
        "factor value a bool",
        SW + "[factors]\nn_workers = [20, true]\n",
        ["factors.n_workers.values", "True"],
    ),
    (
        "factor a number",
        SW + "[factors]\npreservice_hours = 16\n",
        ["factors.preservice_hours", "must be a list"],
    ),
    (
        "factor range reversed",
        SW + "[factors]\npreservice_hours = {low = 80, high = 20, levels = 3}\n",
        ["factors.preservice_hours", "must be below"],
    ),
    (
        "factor range without levels",
        SW + "[factors]\npreservice_hours = {low = 8, high = 80}\n",
        ["factors.preservice_hours", "levels = N"],
    ),
    (
        "regime factor unknown",
        SW + '[factors]\nregime = ["jit", "hybird"]\n',
        ["factors.regime.values", "did you mean 'hybrid'"],
    ),
    (
        "regime factor numbers",
        SW + "[factors]\nregime = [1, 2]\n",
        ["factors.regime.values", "unknown regime"],
    ),
    (
        "shock start beyond horizon",
        SW + "horizon_weeks = 60\n[parameters]\nshock_weeks = 8\n"
        "[factors]\nshock_start = [10, 40, 70]\n",
        ["factors.shock_start", "shock_start = 70", "0 to 59"],
    ),
    (
        "shock range beyond horizon",
        SW.replace("replications = 1", 'replications = 1\ndesign = "lhs"\nsamples = 32\n')
        + "horizon_weeks = 60\n[factors]\nshock_weeks = [8]\n"
        "shock_start = {low = 0, high = 200}\npreservice_hours = {low = 0, high = 100}\n",
        ["factors.shock_start", "after the last reported week"],
    ),
    (
        "too many runs",
        SW.replace("replications = 1", "replications = 100") + "[factors]\n"
        "preservice_hours = {low = 0, high = 400, levels = 100}\n"
        "mentoring_hours = {low = 0, high = 9, levels = 100}\n",
        ["1,000,000 runs", f"{MAX_RUNS:,}", "--allow-large"],
    ),
    (
        "sobol far too many runs",
        SW.replace("replications = 1", 'design = "sobol"\nsamples = 8388608') + "[factors]\n"
        "preservice_hours = {low = 0, high = 400}\nmentoring_hours = {low = 0, high = 9}\n",
        ["33,554,432 points", "no flag allows"],
    ),
    (
        "sobol too many runs",
        SW.replace("replications = 1", 'design = "sobol"\nsamples = 65536') + "[factors]\n"
        "preservice_hours = {low = 0, high = 400}\nmentoring_hours = {low = 0, high = 9}\n",
        ["262,144 points x 20 replications", "5,242,880 runs", "--allow-large"],
    ),
    ("samples in factorial", SW + "samples = 8\n" + F, ["sweep.samples", "not used"]),
    (
        "sobol samples not a power of 2",
        SW + 'design = "sobol"\nsamples = 100\n[factors]\n'
        "preservice_hours = {low = 0, high = 400}\nmentoring_hours = {low = 0, high = 9}\n",
        ["sweep.samples", "power of 2"],
    ),
    (
        "lhs without samples",
        SW + 'design = "lhs"\n[factors]\npreservice_hours = {low = 0, high = 400}\n',
        ["sweep.samples", "missing"],
    ),
    (
        "cross unknown factor",
        SW + 'cross = ["regime"]\n' + F,
        ["sweep.cross", "unknown factor 'regime'"],
    ),
    (
        "cross a range",
        SW + 'design = "lhs"\nsamples = 4\ncross = ["preservice_hours"]\n'
        "[factors]\npreservice_hours = {low = 0, high = 400}\nmentoring_hours = [0, 1]\n",
        ["sweep.cross", "is a range"],
    ),
    (
        "timeseries not a bool",
        SW + F + '[output]\ntimeseries = "yes"\n',
        ["output.timeseries", "true or false"],
    ),
    (
        "metrics unknown",
        SW + F + '[output]\nmetrics = ["turnover"]\n',
        ["output.metrics", "did you mean 'turnover_rate'"],
    ),
    (
        "conf_level nan",
        SW + F + "[sensitivity]\nconf_level = nan\n",
        ["sensitivity.conf_level", "nan"],
    ),
    (
        "sweep name too long",
        SW.replace('"s"', '"' + "s" * 1000 + '"') + F,
        ["sweep.name", "at most 200"],
    ),
    ("spec toml syntax", SW + "[factors\n", ["spec.toml:4:9: not valid TOML"]),
    (
        "spec nested deep",
        SW + f"[factors]\npreservice_hours = {nested(500)}\n",
        ["nested too deeply"],
    ),
]

BAD_BASE = '[scenario]\nname = "b"\nregimes = ["jit"]\nhorizon_weeks = 1\n'
SPEC_OK = SW + F
SCEN_OK = S
SHOCK = S + "[parameters]\nshock_start = 100\nshock_weeks = 10\n"

# (id, files, argv, fragments); "out" is the --out target, "s.toml" / "spec.toml" files
ARGS = [
    (
        "--horizon too short",
        {"s.toml": S},
        ["run", "s.toml", "--horizon", "10"],
        ["--horizon", "52 to 2080"],
    ),
    (
        "--horizon too long",
        {"s.toml": S},
        ["run", "s.toml", "--horizon", "5000"],
        ["--horizon", "52 to 2080"],
    ),
    ("--horizon not a number", {}, ["compare", "--horizon", "abc"], ["--horizon", "'abc'"]),
    (
        "--horizon before the shock",
        {"s.toml": SHOCK},
        ["run", "s.toml", "--horizon", "60"],
        ["--horizon", "shock_start", "0 to 59"],
    ),
    ("--replications zero", {}, ["compare", "--replications", "0"], ["--replications", "1 to"]),
    (
        "--replications too many",
        {},
        ["compare", "--replications", "20000"],
        ["--replications", "1 to 10000"],
    ),
    ("--seed negative", {}, ["compare", "--seed", "-1"], ["--seed", "2**63 - 1"]),
    ("--seed too large", {}, ["compare", "--seed", str(2**63)], ["--seed", str(2**63)]),
    ("--seed fractional", {}, ["compare", "--seed", "1.5"], ["--seed", "'1.5'"]),
    ("--seed 5000 digits", {}, ["compare", "--seed", "7" * 5000], ["--seed", "characters"]),
    ("--jobs zero", {}, ["compare", "--jobs", "0"], ["--jobs", "1 to"]),
    (
        "--jobs beyond the machine",
        {},
        ["compare", "--jobs", "100000"],
        ["--jobs", f"1 to {max_jobs()}"],
    ),
    (
        "runs beyond the cap",
        {
            "s.toml": '[scenario]\nname = "x"\nregimes = ["jit", "hybrid", '
            + ", ".join(f'"r{i}"' for i in range(12))
            + "]\n"
            + customs(12)
        },
        ["run", "s.toml", "--replications", "10000"],
        ["140,000 runs", "--allow-large"],
    ),
    (
        "run beyond memory",
        {"s.toml": S + "[parameters]\nn_clients = 500000\nn_workers = 100000\n"},
        ["run", "s.toml", "--replications", "2000"],
        ["memory", "available", "--allow-large"],
    ),
    (
        "compare beyond memory",
        {},
        ["compare", "--replications", "10000", "--horizon", "2080"],
        ["memory", "30,000 runs"],
    ),
    ("calibrate budget", {}, ["calibrate", "--budget", "100000"], ["--budget", "5,000"]),
    (
        "calibrate runs",
        {},
        ["calibrate", "--budget", "5000", "--replications", "100"],
        ["500,000 runs", "--allow-large"],
    ),
    ("calibrate --horizon", {}, ["calibrate", "--horizon", "51"], ["--horizon", "52"]),
    ("calibrate --seed", {}, ["calibrate", "--seed", "-5"], ["--seed"]),
    ("calibrate --jobs", {}, ["calibrate", "--jobs", "0"], ["--jobs"]),
    ("validate --replications", {}, ["validate", "--replications", "0"], ["--replications"]),
    ("validate --seed", {}, ["validate", "--seed", "x"], ["--seed", "'x'"]),
    ("validate --jobs", {}, ["validate", "--jobs", "99999"], ["--jobs"]),
    ("validate --setting", {}, ["validate", "--setting", "homecare"], ["--setting"]),
    (
        "sweep scheduler unreachable",
        {"spec.toml": SPEC_OK},
        ["sweep", "spec.toml", "--scheduler", "tcp://127.0.0.1:1"],
        ["--scheduler", "cannot reach", "127.0.0.1:1"],
    ),
    (
        "sweep scheduler not an address",
        {"spec.toml": SPEC_OK},
        ["sweep", "spec.toml", "--scheduler", "tcp://host:port"],
        ["--scheduler", "tcp://HOST:PORT"],
    ),
    (
        "sweep scheduler with local",
        {"spec.toml": SPEC_OK},
        ["sweep", "spec.toml", "--scheduler", "tcp://127.0.0.1:1", "--executor", "local"],
        ["--scheduler needs --executor dask"],
    ),
    (
        "sweep retry without resume",
        {"spec.toml": SPEC_OK},
        ["sweep", "spec.toml", "--retry-failed"],
        ["--retry-failed needs --resume"],
    ),
    (
        "sweep resume of nothing",
        {"spec.toml": SPEC_OK},
        ["sweep", "spec.toml", "--resume"],
        ["nothing to resume"],
    ),
    (
        "sweep --jobs",
        {"spec.toml": SPEC_OK},
        ["sweep", "spec.toml", "--jobs", "1000000"],
        ["--jobs"],
    ),
    (
        "sweep --chunk-runs",
        {"spec.toml": SPEC_OK},
        ["sweep", "spec.toml", "--chunk-runs", "0"],
        ["--chunk-runs"],
    ),
    (
        "sweep beyond memory",
        {
            "spec.toml": SW.replace("= 1", "= 20") + "[factors]\n"
            "n_clients = [60, 500000]\nn_workers = [20, 100000]\n"
        },
        ["sweep", "spec.toml", "--jobs", "20"],
        ["memory", "100000 posts"],
    ),
    (
        "sweep base file bad",
        {"spec.toml": SW + 'base = "base.toml"\n' + F, "base.toml": BAD_BASE},
        ["sweep", "spec.toml"],
        ["base.toml", "scenario.horizon_weeks"],
    ),
    ("sweep directory as spec", {"d/x": ""}, ["sweep", "d"], ["not a file"]),
    ("sweep spec missing", {}, ["sweep", "nope.toml"], ["not found"]),
    (
        "sensitivity of a factorial",
        {"spec.toml": SPEC_OK},
        ["sensitivity", "spec.toml"],
        ["sweep.design", "sobol"],
    ),
    (
        "sensitivity --outputs",
        {
            "spec.toml": SW + 'design = "morris"\nsamples = 2\n[factors]\n'
            "preservice_hours = {low = 0, high = 400}\n"
            "mentoring_hours = {low = 0, high = 9}\n"
        },
        ["sensitivity", "spec.toml", "--outputs", "turnover"],
        ["--outputs", "did you mean 'turnover_rate'"],
    ),
    ("scenario a directory", {"d/x": ""}, ["run", "d"], ["not a file"]),
    ("scenario missing", {}, ["run", "nope.toml"], ["not found"]),
]

CASES = (
    [(f"scenario: {i}", {"bad.toml": t}, ["run", "bad.toml"], f) for i, t, f in SCENARIOS]
    + [
        (f"spec: {i}", {"spec.toml": t, "base.toml": BAD_BASE}, ["sweep", "spec.toml"], f)
        for i, t, f in SPECS
    ]
    + [(f"args: {i}", files, argv, f) for i, files, argv, f in ARGS]
)


def test_the_table_is_large():
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)


def _snapshot(root: Path) -> dict[str, tuple]:
    """Every file and folder under ``root`` with its size, time and content hash."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
        out[str(p.relative_to(root))] = (p.is_dir(), st.st_size, st.st_mtime_ns, digest)
    return out


def _must_not_run(*args, **kwargs):
    raise AssertionError("a simulation started although the input is bad")


@pytest.fixture
def guarded(tmp_path, monkeypatch):
    """An empty current folder; anything that would run a model fails the test; the
    memory available is fixed (24 GB), so that the memory cases do not depend on the
    machine."""
    monkeypatch.chdir(tmp_path)
    runner, experiment = sim.experiments.runner, sim.experiments.experiment
    calibration = sim.experiments.calibration
    for module, name in (
        (runner, "run_scenario"),
        (runner, "run_one"),
        (experiment, "_sweep"),
        (experiment, "run_task"),
        (experiment, "open_executor"),
        (sim.report.sensitivity, "sensitivity"),
        (calibration, "calibrate"),
        (calibration, "validate"),
    ):
        monkeypatch.setattr(module, name, _must_not_run)
    monkeypatch.setattr(sim.experiments.limits, "available_bytes", lambda: 24 * 2**30)
    return tmp_path


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.mark.parametrize(
    ("files", "argv", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_exits_2_names_it_and_writes_nothing(guarded, capsys, files, argv, fragments):
    _write(guarded, files)
    before = _snapshot(guarded)
    out = guarded / "out"
    try:
        status = main([*argv, "--out", str(out)])
    except SystemExit as exc:  # argparse's own errors
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    assert "\x1b" not in err  # control characters of the input are escaped
    lines = [ln for ln in err.splitlines() if "error:" in ln]
    assert len(lines) == 1, err
    assert len(lines[0]) < 1200, f"message not shortened ({len(lines[0])} characters)"
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert not out.exists()
    assert _snapshot(guarded) == before  # nothing written, nothing removed


# A few as a user runs them: a fresh process, the installed entry point.
SUBPROCESS = [
    ("deep.toml", S + f"[parameters]\nn_workers = {nested(800)}\n", [], "nested too deeply"),
    ("syntax.toml", S + "name = \n", [], "syntax.toml:4:8: not valid TOML"),
    ("ok.toml", S, ["--jobs", "100000"], "--jobs"),
    ("ok.toml", S, ["--seed", "-3"], "--seed"),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "text", "extra", "needle"),
    SUBPROCESS,
    ids=[f"{c[0]} {' '.join(c[2])}".strip() for c in SUBPROCESS],
)
def test_bad_input_in_a_fresh_process(tmp_path, name, text, extra, needle):
    (tmp_path / name).write_text(text)
    before = _snapshot(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", name, "--out", "out", *extra],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert _snapshot(tmp_path) == before


@pytest.fixture
def not_a_scheduler():
    """A TCP server on a free port that accepts connections and either says nothing (a
    web server waiting for a request) or sends bytes that dask reads as a huge size."""
    import socket
    import threading

    servers = []

    def start(reply: bytes) -> str:
        srv = socket.create_server(("127.0.0.1", 0))
        servers.append(srv)
        conns = []

        def serve():
            while True:
                try:
                    conn, _ = srv.accept()
                except OSError:
                    return
                conns.append(conn)
                if reply:
                    conn.sendall(reply)

        threading.Thread(target=serve, daemon=True).start()
        return f"tcp://127.0.0.1:{srv.getsockname()[1]}"

    yield start
    for srv in servers:
        srv.close()


@pytest.mark.parametrize(
    "reply", [b"", b"HTTP/1.1 400 Bad Request\r\n\r\n" * 4], ids=["silent", "garbage"]
)
def test_a_scheduler_address_that_is_not_a_scheduler_is_refused(
    not_a_scheduler, reply, guarded, capsys
):
    pytest.importorskip("distributed")
    addr = not_a_scheduler(reply)
    if not reply:  # a silent server: distributed.Client would wait forever
        with pytest.raises(sim.core.errors.UsageError, match="no answer within 1 s"):
            sim.experiments.experiment.check_executor("dask", addr, timeout=1)
        return
    (guarded / "spec.toml").write_text(SPEC_OK)
    status = main(["sweep", "spec.toml", "--executor", "dask", "--scheduler", addr, "--out", "out"])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err, err
    assert "is not a dask scheduler" in err and addr in err
    assert sorted(p.name for p in guarded.iterdir()) == ["spec.toml"]


def test_scheduler_unreachable_through_the_python_api_writes_nothing(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_OK)
    with pytest.raises(sim.core.errors.UsageError, match="cannot reach"):
        sim.experiments.experiment.sweep(spec, "dask", tmp_path / "out", scheduler="127.0.0.1:1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]


# -- the good neighbours -----------------------------------------------------------------
def test_limits_are_inclusive_on_the_command_line():
    parser = build_parser()
    args = parser.parse_args(
        [
            "compare",
            "--seed",
            str(2**63 - 1),
            "--horizon",
            "2080",
            "--replications",
            "10000",
            "--jobs",
            str(max_jobs()),
        ]
    )
    assert (args.seed, args.horizon, args.replications, args.jobs) == (
        2**63 - 1,
        2080,
        10000,
        max_jobs(),
    )
    assert parser.parse_args(["compare", "--horizon", "52"]).horizon == 52


def test_allow_large_lets_a_large_design_through(tmp_path):
    from sim.experiments.sweepspec import ScenarioError, load_spec

    spec = tmp_path / "spec.toml"
    spec.write_text(
        SW.replace("replications = 1", "replications = 11") + "[factors]\n"
        "preservice_hours = {low = 0, high = 400, levels = 100}\n"
        "mentoring_hours = {low = 0, high = 9, levels = 100}\n"
    )
    with pytest.raises(ScenarioError, match="110,000 runs"):
        load_spec(spec)
    assert load_spec(spec, allow_large=True).n_runs == 110_000


def test_memory_estimate_grows_with_the_request():
    from sim.experiments.limits import estimate_bytes, model_bytes, run_result_bytes

    small = model_bytes({}, 156)
    assert 1e5 < small < 1e8
    assert model_bytes({"n_workers": 10_000, "n_clients": 30_000}, 156) > 50 * small
    assert run_result_bytes({}, 2080) > 5 * run_result_bytes({}, 156)
    one = estimate_bytes(runs=60, jobs=1, run_bytes=small, kept_bytes=0)
    assert estimate_bytes(runs=60, jobs=8, run_bytes=small, kept_bytes=0) > 5 * one


def test_byte_order_mark_is_accepted(tmp_path):
    from sim.experiments.scenario import load_scenario

    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + S.encode())
    assert load_scenario(path).regimes == ("jit",)


def test_numpy_numbers_are_plain_python_after_validation():
    from sim.core.params import resolve, validate_value

    cases = [
        ("n_workers", np.int64(50), 50, int),
        ("wage", np.float32(17.5), 17.5, float),
        ("modules_available", np.bool_(False), False, bool),
        ("n_clients", np.float64(60.0), 60, int),
        ("shock_weeks", np.uint8(3), 3, int),
    ]
    for name, value, want, kind in cases:
        got = validate_value(name, value)
        assert got == want and type(got) is kind, (name, got)
    with pytest.raises(ValueError, match="whole number"):
        validate_value("n_workers", np.float32(50.5))
    with pytest.raises(ValueError, match="must be a number"):
        validate_value("n_workers", np.bool_(True))
    with pytest.raises(ValueError, match="true or false"):
        validate_value("modules_available", np.int64(1))
    with pytest.raises(ValueError, match="out of range"):
        validate_value("wage", np.float64("nan"))
    r = resolve("jit", n_workers=np.int64(20), preservice_hours=np.float32(40))
    assert type(r["n_workers"]) is int and type(r["preservice_hours"]) is float


def test_numpy_numbers_in_batch_run():
    import json

    import mesa

    from sim.core.model import WorkforceModel

    results = mesa.batch_run(
        WorkforceModel,
        parameters={
            "n_workers": np.arange(10, 30, 10),
            "n_clients": np.int64(40),
            "warmup_weeks": np.int64(4),
            "wage": np.float32(18.0),
            "modules_available": np.bool_(False),
        },
        max_steps=3,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
        rng=[1],
    )
    assert len(results) == 2
    assert sorted(r["n_workers"] for r in results) == [10, 20]
    model = WorkforceModel(
        n_workers=np.int64(20),
        n_clients=np.int64(40),
        warmup_weeks=np.int64(4),
        wage=np.float32(18.0),
        modules_available=np.bool_(False),
        rng=1,
    )
    model.step()
    json.dumps(model.params)  # plain Python values: a manifest can hold them
    assert type(model.params["n_workers"]) is int and model.params["wage"] == 18.0


def test_factorial_sweep_with_every_factor_crossed(tmp_path):
    from sim.experiments.sweepspec import parse_spec

    spec = parse_spec(
        {
            "sweep": {
                "name": "all crossed",
                "replications": 2,
                "horizon_weeks": 52,
                "cross": ["regime", "preservice_hours"],
            },
            "parameters": dict(SMALL),
            "factors": {"regime": ["jit", "hybrid"], "preservice_hours": [16, 40]},
        }
    )
    assert spec.n_design_points == 1 and spec.n_points == 4 and spec.n_runs == 8
    pts = spec.points()
    assert len(pts) == 4 and set(pts["design_point"]) == {0}
    with ThreadPoolExecutor(1) as ex:
        report = sim.experiments.experiment.sweep(spec, ex, tmp_path / "out", progress=False)
    assert (report.n_ok, report.n_failed) == (8, 0)
    res = sim.experiments.experiment.load(tmp_path / "out")
    runs = res.runs
    # one design point: every crossed combination shares the replicate's seed
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    assert len(runs.groupby(["regime", "preservice_hours"])) == 4


def test_a_shock_factor_replaces_the_default_it_would_fail_with(tmp_path):
    """The default shock_start (52) is not checked against a 52-week horizon when
    shock_start is a factor: only the factor's values are, point by point."""
    from sim.experiments.scenario import ScenarioError
    from sim.experiments.sweepspec import parse_spec

    def spec(starts, **params):
        return parse_spec(
            {
                "sweep": {"name": "s", "replications": 1, "horizon_weeks": 52},
                "parameters": {"shock_weeks": 4, **params},
                "factors": {"shock_start": starts},
            }
        )

    ok = spec([10, 20])
    assert "shock_start" not in ok.scenario.params and ok.scenario.params["shock_weeks"] == 4
    assert [ok.point_kwargs(v)[1]["shock_start"] for _p, _d, v in ok.iter_points()] == [10, 20]
    with pytest.raises(ScenarioError, match=r"factors.shock_start: at point 1 \(shock_start = 60"):
        spec([10, 60])
    weeks = parse_spec(
        {
            "sweep": {"name": "s", "replications": 1, "horizon_weeks": 52},
            "parameters": {"shock_start": 30},
            "factors": {"shock_weeks": [0, 4]},
        }
    )
    assert "shock_weeks" not in weeks.scenario.params


def test_a_factor_overrides_the_base_files_value_and_the_base_keeps_its_setting(tmp_path):
    from sim.experiments.scenario import ScenarioError
    from sim.experiments.sweepspec import load_spec

    (tmp_path / "base.toml").write_text(
        '[scenario]\nname = "b"\nsetting = "home_care"\nregimes = ["jit"]\n'
        "[parameters]\nshock_start = 20\nshock_weeks = 8\nshock_demand = 1.3\n"
    )
    (tmp_path / "spec.toml").write_text(
        '[sweep]\nname = "s"\nbase = "base.toml"\nreplications = 1\n'
        "[factors]\nshock_demand = [1.1, 1.5]\n"
    )
    spec = load_spec(tmp_path / "spec.toml")
    assert spec.scenario.setting == "home_care"
    kws = [spec.point_kwargs(v)[1] for _p, _d, v in spec.iter_points()]
    assert [k["shock_demand"] for k in kws] == [1.1, 1.5]
    assert all(k["setting"] == "home_care" and k["shock_weeks"] == 8 for k in kws)
    # the spec's own [parameters] still may not name a factor
    (tmp_path / "spec.toml").write_text(
        '[sweep]\nname = "s"\nbase = "base.toml"\nreplications = 1\n'
        "[parameters]\nshock_demand = 1.2\n[factors]\nshock_demand = [1.1, 1.5]\n"
    )
    with pytest.raises(ScenarioError, match=r"parameters\.shock_demand.*also a factor"):
        load_spec(tmp_path / "spec.toml")
