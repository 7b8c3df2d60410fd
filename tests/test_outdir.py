"""Output folders (sim/experiments/outdir.py): nothing the program did not write is removed, a
previous output is replaced in one step, a killed run's leftovers are cleaned up, and an
--out that is not ours or cannot be written is refused before anything runs. Also the
column dictionary (columns.csv) and the manifest of every output folder, and HTML in
user labels escaped in report.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import sim.experiments.outdir as od
from sim.cli import main
from sim.core.errors import UsageError
from sim.experiments.columns import undescribed

from helpers import SMALL, scenario_toml, sweep_toml, toml

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = scenario_toml(regimes=["jit", "hybrid"], replications=2)
SWEEP = sweep_toml(factors={"preservice_hours": [16, 40]})
MORRIS = sweep_toml(
    design="morris",
    samples=2,
    cross=["regime"],
    factors={
        "preservice_hours": {"low": 16, "high": 120},
        "gap_strain": {"low": 0.5, "high": 1.5},
        "regime": ["jit", "foundation"],
    },
    output={"timeseries": True, "every_weeks": 13, "metrics": ["turnover_rate", "coc"]},
)


def call(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exc:  # argparse rejects the value itself
        return int(exc.code)


def fake_output(folder: Path, version: str) -> None:
    """A complete 'output of ours': payload files, then the manifest."""
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "a.txt").write_text(version)
    (folder / "sub" / "b.txt").write_text(version)
    (folder / "manifest.json").write_text(json.dumps({"tool": "workforce-sim", "version": version}))


def version_of(folder: Path) -> str | None:
    """The version of the complete output in ``folder`` (None if it is not one)."""
    try:
        v = json.loads((folder / "manifest.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    ok = (folder / "a.txt").read_text() == v and (folder / "sub" / "b.txt").read_text() == v
    return v if ok else None


def siblings(folder: Path) -> set[str]:
    return {p.name for p in folder.parent.iterdir()} - {folder.name}


def can_exchange(tmp_path: Path) -> bool:
    a, b = tmp_path / "xa", tmp_path / "xb"
    a.mkdir()
    b.mkdir()
    try:
        return od.exchange(a, b)
    finally:
        a.rmdir()
        b.rmdir()


# -- replacing a previous output ---------------------------------------------------------
def test_new_output_then_replacement_leaves_nothing_behind(tmp_path):
    out = tmp_path / "o"
    with od.atomic_dir(out) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".o.")
        fake_output(tmp, "1")
        (tmp / "stale.txt").write_text("from the old output")
    assert version_of(out) == "1"
    assert od.read_manifest(out)["files"] == ["a.txt", "stale.txt", "sub/b.txt"]
    with od.atomic_dir(out) as tmp:
        fake_output(tmp, "2")
    assert version_of(out) == "2"
    assert not (out / "stale.txt").exists()
    assert siblings(out) == set()  # no temporary or old folder left


def test_a_previous_output_holding_files_the_program_did_not_write_is_kept(tmp_path):
    out = tmp_path / "o"
    with od.atomic_dir(out) as tmp:
        fake_output(tmp, "1")
    (out / "notes.txt").write_text("my reading of the results")
    (out / "sub" / "mine").mkdir()
    with pytest.raises(UsageError, match=r"did not write \(notes\.txt, sub/mine\)"):
        od.check_out(out)
    with pytest.raises(UsageError, match=r"notes\.txt"), od.atomic_dir(out):
        raise AssertionError("not reached: refused before the body runs")
    # ... and files put there while the run is going on
    (out / "notes.txt").unlink()
    (out / "sub" / "mine").rmdir()
    with pytest.raises(UsageError, match=r"while the run was going on it holds.*late\.txt"):
        with od.atomic_dir(out) as tmp:
            fake_output(tmp, "2")
            (out / "late.txt").write_text("saved meanwhile")
    assert version_of(out) == "1" and (out / "late.txt").read_text() == "saved meanwhile"
    assert siblings(out) == set()


def test_an_output_whose_manifest_lists_no_files_may_hold_the_names_the_program_writes(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"tool": "workforce-sim", "kind": "run"}))
    for name in ("report.html", "report.md", "runs.csv", "columns.csv", "turnover.svg"):
        (out / name).write_text("x")
    assert od.foreign(out) == []
    assert od.check_out(out) == out
    (out / ".DS_Store").write_text("a desktop's")  # not anyone's work: replaced
    assert od.foreign(out) == []
    (out / "notes.txt").write_text("mine")
    (out / "extra").mkdir()
    assert od.foreign(out) == ["extra", "notes.txt"]


def test_failed_write_leaves_the_previous_output(tmp_path):
    out = tmp_path / "o"
    with od.atomic_dir(out) as tmp:
        fake_output(tmp, "1")
    with pytest.raises(RuntimeError), od.atomic_dir(out) as tmp:
        fake_output(tmp, "2")
        raise RuntimeError("the run failed")
    assert version_of(out) == "1"
    assert siblings(out) == set()


def test_an_empty_folder_is_used(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    with od.atomic_dir(out) as tmp:
        fake_output(tmp, "1")
    assert version_of(out) == "1" and siblings(out) == set()


def test_the_name_always_holds_a_complete_output_during_replacement(tmp_path):
    """With renameat2(RENAME_EXCHANGE) there is no moment without the folder: a reader
    polling the name while it is replaced again and again always finds a complete one."""
    if not can_exchange(tmp_path):
        pytest.skip("renameat2(RENAME_EXCHANGE) not available here")
    out = tmp_path / "o"
    with od.atomic_dir(out) as tmp:
        fake_output(tmp, "0")
    seen, stop = [], threading.Event()

    def poll():  # each look-up resolves the name once, as any reader of a file does
        while not stop.is_set():
            seen.append(all(os.path.isfile(out / f) for f in ("manifest.json", "sub/b.txt")))

    t = threading.Thread(target=poll)
    t.start()
    try:
        for i in range(1, 40):
            with od.atomic_dir(out) as tmp:
                fake_output(tmp, str(i))
    finally:
        stop.set()
        t.join()
    assert len(seen) > 0 and all(seen)
    assert version_of(out) == "39" and siblings(out) == set()


CRASH = """
import json, os, sys
from pathlib import Path
import sim.experiments.outdir as od

def fake_output(folder, version):
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "a.txt").write_text(version)
    (folder / "sub" / "b.txt").write_text(version)
    (folder / "manifest.json").write_text(json.dumps({"tool": "workforce-sim",
                                                      "version": version}))

step, out, fallback = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "1"
if fallback:
    od.exchange = lambda a, b: False
od._step = lambda name: os._exit(9) if name == step else None
with od.atomic_dir(out) as tmp:
    (tmp / "sub").mkdir()
    (tmp / "a.txt").write_text("new")
    if step == "writing":
        os._exit(9)
    fake_output(tmp, "new")
"""


@pytest.mark.parametrize(
    ("fallback", "step"),
    [
        (False, "writing"),
        (False, "written"),
        (False, "exchanged"),
        (True, "writing"),
        (True, "written"),
        (True, "moved-old"),
        (True, "renamed"),
    ],
)
def test_a_run_killed_at_any_step_leaves_the_old_or_the_new_output(tmp_path, fallback, step):
    """The process dies (os._exit, as by SIGKILL: no clean-up code runs) at each step of
    a replacement. The name then holds the complete old or new output; only with the
    fallback (no atomic exchange), killed between its two renames, is the name empty,
    and the next run puts the old output back. The next run removes the leftovers."""
    if not fallback and not can_exchange(tmp_path):
        pytest.skip("renameat2(RENAME_EXCHANGE) not available here")
    out = tmp_path / "o"
    with od.atomic_dir(out) as tmp:
        fake_output(tmp, "old")
    script = CRASH
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-c", script, step, str(out), str(int(fallback))],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 9, proc.stderr
    if (fallback, step) == (True, "moved-old"):
        assert not out.exists()
    else:
        assert version_of(out) in ("old", "new")
    expect = "new" if step in ("exchanged", "renamed") else "old"
    od.clean_leftovers(out)  # what the next run does first
    assert version_of(out) == expect
    assert siblings(out) == set()


def test_leftovers_of_killed_runs_are_removed_and_nothing_else(tmp_path):
    out = tmp_path / "o"
    with od.atomic_dir(out) as tmp:
        fake_output(tmp, "1")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its process id is now free
    stale = [tmp_path / f".o.{dead.pid}.abcd1234.tmp", tmp_path / f".o.old-{dead.pid}-ab12cd34"]
    for p in stale:
        p.mkdir()
        (p / "x").write_text("partial")
    dead2 = subprocess.Popen([sys.executable, "-c", "pass"])
    dead2.wait()
    legacy = tmp_path / f".o.old-{dead2.pid}"  # an old version's name: an output of ours
    legacy.mkdir()
    fake_output(legacy, "0")
    stale.append(legacy)
    keep = {
        f".o.old-{dead.pid}": "dir",  # a user's folder named like an old version's leftover
        f".o.{dead.pid}.backup.tmp": "dir",  # like ours, but not the digits atomic_dir gives
        f".o.{os.getpid()}.feed0000.tmp": "dir",  # a running process's (this one)
        ".o.notes": "dir",  # not our pattern
        f".o.{dead.pid}.cafe.tmp": "file",  # our pattern, but a file
        f".other.{dead.pid}.abcd.tmp": "dir",  # another output's name
        "o.bak": "dir",
    }
    for name, kind in keep.items():
        p = tmp_path / name
        p.mkdir() if kind == "dir" else p.write_text("user data")
    with od.atomic_dir(out) as tmp:
        fake_output(tmp, "2")
    assert version_of(out) == "2"
    assert not any(p.exists() for p in stale)
    assert siblings(out) == set(keep)


def test_a_leftover_whose_lock_is_held_is_kept(tmp_path):
    """A temporary folder stays while some process holds its lock, even if the process
    id in its name is gone (e.g. reused numbering)."""
    pytest.importorskip("fcntl")
    out = tmp_path / "o"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    busy = tmp_path / f".o.{dead.pid}.0000beef.tmp"
    busy.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(busy)!r}, os.O_RDONLY)\nfcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\ntime.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        od.clean_leftovers(out)
        assert busy.is_dir()
    finally:
        holder.kill()
        holder.wait()
    od.clean_leftovers(out)
    assert not busy.exists()


# -- symbolic links, permissions ---------------------------------------------------------
def test_a_symlinked_out_is_followed_and_stays_a_symlink(tmp_path):
    real = tmp_path / "real"
    with od.atomic_dir(real) as tmp:
        fake_output(tmp, "1")
    link = tmp_path / "link"
    link.symlink_to(real)
    with od.atomic_dir(link) as tmp:
        fake_output(tmp, "2")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert version_of(real) == "2"
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "target")
    with od.atomic_dir(dangling) as tmp:
        fake_output(tmp, "3")
    assert dangling.is_symlink() and version_of(tmp_path / "target") == "3"


def test_a_symlink_to_a_folder_not_ours_is_refused(tmp_path):
    docs = tmp_path / "Documents"
    docs.mkdir()
    (docs / "thesis.tex").write_text("mine")
    link = tmp_path / "link"
    link.symlink_to(docs)
    with (
        pytest.raises(UsageError, match="not an output of workforce-sim"),
        od.atomic_dir(link) as tmp,
    ):
        fake_output(tmp, "1")
    assert link.is_symlink() and {p.name for p in docs.iterdir()} == {"thesis.tex"}


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_output_folder_permissions_follow_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        with od.atomic_dir(tmp_path / "o") as tmp:
            fake_output(tmp, "1")
    finally:
        os.umask(old)
    assert (tmp_path / "o").stat().st_mode & 0o777 == 0o777 & ~umask


# -- refusals, before anything runs -------------------------------------------------------
@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if any command starts simulating."""
    import sim.experiments.calibration
    import sim.experiments.experiment
    import sim.experiments.runner

    def boom(*a, **k):
        raise AssertionError("a simulation started")

    monkeypatch.setattr(sim.experiments.runner, "run_scenario", boom)
    monkeypatch.setattr(sim.experiments.calibration, "validate", boom)
    monkeypatch.setattr(sim.experiments.calibration, "calibrate", boom)
    monkeypatch.setattr(sim.experiments.experiment, "open_executor", boom)


@pytest.fixture
def inputs(tmp_path):
    d = tmp_path / "inputs"
    d.mkdir()
    (d / "s.toml").write_text(SCENARIO)
    (d / "sweep.toml").write_text(SWEEP)
    (d / "morris.toml").write_text(MORRIS)
    return d


def command(name: str, inputs: Path) -> list[str]:
    quick = ["--jobs", "1", "--no-progress"]
    return {
        "compare": ["compare", "--replications", "2", "--horizon", "52", *quick],
        "run": ["run", str(inputs / "s.toml"), *quick],
        "validate": ["validate", "--replications", "2", *quick],
        "calibrate": [
            "calibrate",
            "--budget",
            "2",
            "--replications",
            "2",
            "--horizon",
            "52",
            *quick,
        ],
        "sweep": ["sweep", str(inputs / "sweep.toml"), *quick],
        "sensitivity": ["sensitivity", str(inputs / "morris.toml"), *quick],
    }[name]


COMMANDS = ["compare", "run", "validate", "calibrate", "sweep", "sensitivity"]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_a_folder_not_ours_is_refused_and_left_intact(
    tmp_path, inputs, cmd, no_simulation, capsys, monkeypatch
):
    user = tmp_path / "Documents"
    user.mkdir()
    (user / "thesis.tex").write_text("years of work")
    (user / ".hidden").write_text("config")
    for out in (user, Path(".")):
        monkeypatch.chdir(user)
        assert call([*command(cmd, inputs), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "workforce-sim: error: --out" in err and "Traceback" not in err
        assert {p.name for p in user.iterdir()} == {"thesis.tex", ".hidden"}
        assert (user / "thesis.tex").read_text() == "years of work"
    assert set(os.listdir(tmp_path)) == {"Documents", "inputs"}


@pytest.mark.parametrize("cmd", ["compare", "run", "validate", "calibrate"])
def test_a_previous_output_with_a_users_file_is_refused_before_anything_runs(
    tmp_path, inputs, cmd, no_simulation, capsys
):
    out = tmp_path / "o"
    with od.atomic_dir(out) as tmp:
        fake_output(tmp, "1")
    (out / "notes.md").write_text("my notes")
    assert call([*command(cmd, inputs), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "did not write (notes.md)" in err and "Traceback" not in err
    assert (out / "notes.md").read_text() == "my notes" and version_of(out) == "1"


def test_a_sweep_is_not_replaced_by_another_commands_output(tmp_path):
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"tool": "workforce-sim", "kind": "sweep"}))
    (out / "runs").mkdir()
    with pytest.raises(UsageError, match="is a sweep of workforce-sim"):
        od.check_out(out)
    assert sorted(os.listdir(out)) == ["manifest.json", "runs"]


def test_another_commands_output_is_not_taken_for_a_sweep(tmp_path, inputs, no_simulation, capsys):
    out = tmp_path / "o"
    with od.atomic_dir(out) as tmp:
        fake_output(tmp, "1")
    assert call([*command("sweep", inputs), "--out", str(out)]) == 2
    assert "another workforce-sim command" in capsys.readouterr().err
    assert version_of(out) == "1"


def unwritable(kind: str, tmp_path: Path) -> str:
    if kind == "under a file":
        f = tmp_path / "file.txt"
        f.write_text("x")
        return str(f / "out")
    if kind == "a file":
        f = tmp_path / "file.txt"
        f.write_text("x")
        return str(f)
    if kind == "in /proc":
        if not os.path.isdir("/proc/self"):
            pytest.skip("no /proc here")
        return "/proc/workforce-sim-test"
    if kind == "empty":
        return ""
    if kind == "unknown user's home":
        return "~no-such-user-of-workforce-sim/out"
    if kind == "name too long":
        return str(tmp_path / ("n" * 300))
    if kind == "path too long":
        return str(tmp_path / "/".join(["deep"] * 1100))
    if kind == "read-only":
        if os.name != "posix" or os.geteuid() == 0:
            pytest.skip("root can write into a read-only folder")
        d = tmp_path / "ro"
        d.mkdir()
        d.chmod(0o555)
        return str(d / "out")
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "under a file",
        "a file",
        "in /proc",
        "empty",
        "read-only",
        "unknown user's home",
        "name too long",
        "path too long",
    ],
)
@pytest.mark.parametrize("cmd", COMMANDS)
def test_an_unwritable_out_is_refused_before_anything_runs(
    tmp_path, inputs, cmd, kind, no_simulation, capsys
):
    out = unwritable(kind, tmp_path)
    assert call([*command(cmd, inputs), "--out", out]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "Traceback" not in err
    if kind in ("under a file", "a file"):
        assert (tmp_path / "file.txt").read_text() == "x"
    assert set(os.listdir(tmp_path)) <= {"inputs", "file.txt", "ro"}


def test_a_name_that_leaves_no_room_for_the_temporary_copy_is_refused(tmp_path):
    name = "n" * 240  # a folder may have it, its hidden sibling .NAME.PID.XXXXXXXX.tmp not
    with pytest.raises(UsageError, match=r"240 characters is too long.*a temporary copy"):
        od.check_out(tmp_path / name)
    assert od.check_sweep_out(tmp_path / name) == tmp_path / name  # written in place
    assert od.check_out(tmp_path / ("n" * 200)) == tmp_path / ("n" * 200)
    assert os.listdir(tmp_path) == []


# -- column dictionary, manifest, report.md ------------------------------------------------
@pytest.mark.slow
def test_run_output_explains_itself(tmp_path, inputs):
    html_label = "<script>alert(1)</script>"
    scen = inputs / "labels.toml"
    scen.write_text(
        f'[scenario]\nname = "{html_label} & co"\ndescription = "<b>desc</b>"\n'
        'regimes = ["jit", "mine"]\nhorizon_weeks = 52\nreplications = 2\nseed = 9\n'
        f'[regimes.mine]\nbase = "hybrid"\nlabel = "<img src=x onerror=alert(2)>"\n'
        + toml(parameters=SMALL)
    )
    out = tmp_path / "o"
    assert main(["run", str(scen), "--out", str(out), "--jobs", "1", "--no-progress"]) == 0
    assert undescribed(out) == []
    import pandas as pd

    cols = pd.read_csv(out / "columns.csv", keep_default_na=False)
    assert {"timeseries.csv", "runs.csv", "survival.csv", "summary.csv", "columns.csv"} <= set(
        cols["table"]
    )
    kinds = cols.set_index(["table", "name"])["kind"]
    assert kinds["timeseries.csv", "turnover_rate"] == "weekly"
    assert kinds["runs.csv", "turnover_rate"] == "final-year"
    assert kinds["runs.csv", "run_id"] == "id"
    units = cols.set_index(["table", "name"])["unit"]
    assert units["timeseries.csv", "hires"] == "workers/week"
    assert units["runs.csv", "hires"] == "workers/year"

    man = json.loads((out / "manifest.json").read_text())
    assert man["tool"] == "workforce-sim"
    assert {"numba", "llvmlite"} <= set(man["versions"])
    assert man["git_dirty"] in (True, False, None)

    md = (out / "report.md").read_text(encoding="utf-8")
    for raw in (html_label, "<img", "<b>"):
        assert raw not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in md
    assert "&lt;img src=x onerror=alert(2)&gt;" in md
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert html_label not in html_text and "<img src=x" not in html_text


def test_sweep_and_sensitivity_outputs_explain_themselves(tmp_path, inputs):
    out = tmp_path / "sens"
    assert (
        main(
            [
                "sensitivity",
                str(inputs / "morris.toml"),
                "--out",
                str(out),
                "--jobs",
                "1",
                "--no-progress",
                "--outputs",
                "turnover_rate,coc",
            ]
        )
        == 0
    )
    assert undescribed(out) == []
    import pandas as pd

    cols = pd.read_csv(out / "columns.csv", keep_default_na=False)
    tables = set(cols["table"])
    assert {"runs/", "summary/", "timeseries/", "sensitivity.csv", "columns.csv"} <= tables
    assert any(t.startswith("points.") for t in tables)
    row = cols[(cols["table"] == "runs/") & (cols["name"] == "preservice_hours")].iloc[0]
    assert row["kind"] == "parameter" and row["unit"] == "hours"
    man = json.loads((out / "manifest.json").read_text())
    assert {"numba", "llvmlite"} <= set(man["versions"]) and "git_dirty" in man


def test_columns_of_an_undescribed_table_are_reported(tmp_path):
    from sim.experiments.columns import write_columns

    (tmp_path / "runs.csv").write_text("run_id,brand_new_column\n0,1\n")
    write_columns(tmp_path)
    assert undescribed(tmp_path) == [("runs.csv", "brand_new_column")]


def test_validate_and_calibrate_outputs_from_before_the_manifest_are_ours(tmp_path):
    """Version 0.1.0 wrote no manifest for validate and calibrate: a folder holding
    exactly their files is still replaced; with any other file in it, it is refused."""
    old = tmp_path / "validate-dsp"
    old.mkdir()
    for name in ("validation.csv", "validation.md", "runs.csv", "validation.png"):
        (old / name).write_text("old")
    assert od.check_out(old) == old.resolve()
    with od.atomic_dir(old) as tmp:
        fake_output(tmp, "new")
    assert version_of(old) == "new"
    cal = tmp_path / "calibrate-dsp"
    cal.mkdir()
    for name in (
        "history.csv",
        "fit.csv",
        "best.toml",
        "calibration.json",
        "adopt.txt",
        "my-notes.txt",
    ):
        (cal / name).write_text("old")
    with pytest.raises(UsageError, match="not an output of workforce-sim"):
        od.check_out(cal)
    (cal / "my-notes.txt").unlink()
    assert od.check_out(cal) == cal.resolve()
