"""Sweep results on disk: one schema per table, one row per run, damaged chunks set aside
on resume, chunks on disk before the manifest counts them.

A fast stand-in model (same contract as ``run_one``) on a thread pool of one keeps
the runs in order, so a failure lands in a chosen chunk; nothing here compiles.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.core.errors import UsageError
from sim.core.outputs import METRICS
from sim.experiments import store as store_module
from sim.experiments.experiment import load, sweep
from sim.experiments.store import ChunkStore, arrow_schema

from helpers import SMALL

pa = pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
import pyarrow.csv as pacsv  # noqa: E402
import pyarrow.dataset as ds  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

SPEC = {
    "sweep": {
        "name": "store",
        "design": "factorial",
        "replications": 2,
        "seed": 3,
        "horizon_weeks": 52,
        "cross": ["regime"],
    },
    "parameters": dict(SMALL),
    "factors": {
        "preservice_hours": [16, 40, 120],
        "regime": ["jit", "foundation"],
        "float_pool": [0, 2],
    },
    "output": {"timeseries": True, "every_weeks": 13, "metrics": ["turnover_rate", "coc"]},
}
N_RUNS = 3 * 2 * 2 * 2
TABLES = ("runs", "summary", "timeseries")


def fake_model(spec):
    """Final-year values and a weekly series from the seed alone; fast."""
    weeks = np.arange(spec.horizon_weeks + 1)
    final = {m: (spec.seed % 1000) / 1000 + i for i, m in enumerate(METRICS)}
    ts = pd.DataFrame({"week": weeks, **{m: np.full(weeks.size, v) for m, v in final.items()}})
    return {"run": final, "timeseries": ts}


def failing_late(spec):
    """Fails run 21 only: its chunk is the last, after chunks where nothing failed."""
    if spec.run_id == 21:
        raise RuntimeError("injected fault for the test")
    return fake_model(spec)


def failing_point_2(spec):
    if spec.kwargs["preservice_hours"] == 40:
        raise RuntimeError("injected fault for the test")
    return fake_model(spec)


def run_sweep(out: Path, model=fake_model, **kw):
    with ThreadPoolExecutor(1) as ex:
        return sweep(SPEC, ex, out, model=model, chunk_runs=8, progress=False, **kw)


def part_files(out: Path, table: str) -> list[Path]:
    return sorted((out / table).glob("part-*"))


def run_ids_in_files(out: Path, fmt: str) -> list[int]:
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    return [r for p in part_files(out, "runs") for r in read(p)["run_id"].tolist()]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_every_folder_reads_as_one_dataset_with_a_failure_in_a_later_chunk(tmp_path, fmt):
    out = tmp_path / "s"
    report = run_sweep(out, failing_late, fmt=fmt)
    assert report.n_failed == 1 and report.n_ok == N_RUNS - 1
    assert len(part_files(out, "runs")) == 3  # the failure is in the third
    schemas = {
        t: list(cols.items())
        for t, cols in json.loads((out / "manifest.json").read_text())["schema"].items()
    }
    if fmt == "parquet":
        for t in TABLES:  # every chunk has exactly the table's schema
            want = arrow_schema(schemas[t])
            for p in part_files(out, t):
                assert pq.read_schema(p).equals(want), (p, pq.read_schema(p))
        fmt_arg = "parquet"
    else:  # CSV carries no types: readers take them from the manifest
        fmt_arg = None
    tables = {}
    for t in TABLES:
        fmt_arg = (
            fmt_arg
            if fmt == "parquet"
            else ds.CsvFileFormat(
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=arrow_schema(schemas[t]), strings_can_be_null=True
                ),
            )
        )
        tables[t] = ds.dataset(out / t, format=fmt_arg).to_table().to_pandas()
    runs = tables["runs"]
    assert len(runs) == N_RUNS and runs["run_id"].is_unique
    assert (runs["status"] == "failed").sum() == 1
    failed = runs.loc[runs["status"] == "failed"].iloc[0]
    assert failed["run_id"] == 21 and "injected fault" in failed["error"]
    assert runs.loc[runs["status"] == "ok", "error"].isna().all()
    assert runs["run_id"].dtype == np.int64 and runs["float_pool"].dtype == np.int64
    assert runs["preservice_hours"].dtype == np.float64  # the parameter's type
    assert len(tables["summary"]) == N_RUNS - 1
    assert set(tables["timeseries"].columns) >= {"run_id", "week", "turnover_rate", "coc"}
    assert tables["timeseries"]["week"].dtype == np.int64
    if fmt == "parquet":
        both = pd.read_parquet(out / "runs")  # pandas reads the folder too
        assert len(both) == N_RUNS and both["error"].notna().sum() == 1
    got = load(out)
    assert got.runs["float_pool"].dtype == np.int64 and len(got.summary) == N_RUNS - 1


def test_a_retried_run_leaves_one_row_in_the_files(tmp_path):
    out = tmp_path / "s"
    first = run_sweep(out, failing_point_2)
    assert first.n_failed == 8
    again = run_sweep(out, resume=True, retry_failed=True)
    assert again.n_new == 8 and again.n_failed == 0
    ids = run_ids_in_files(out, "parquet")
    assert sorted(ids) == list(range(N_RUNS))  # once each, in the files themselves
    summary = [r for p in part_files(out, "summary") for r in pd.read_parquet(p)["run_id"]]
    assert sorted(summary) == list(range(N_RUNS))

    # a crash between writing a chunk and removing its pending files: written once
    s = ChunkStore(out, "parquet")
    runs = s.read("runs")
    row = runs[runs.run_id == 5].iloc[0].to_dict()
    s.add_pending(
        5,
        {
            "runs": {k: (None if pd.isna(v) else v) for k, v in row.items()},
            "summary": None,
            "timeseries": None,
        },
    )
    assert run_sweep(out, resume=True).n_new == 0
    assert sorted(run_ids_in_files(out, "parquet")) == list(range(N_RUNS))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_resume_sets_aside_truncated_and_empty_chunks_and_runs_them_again(tmp_path, fmt, capsys):
    out = tmp_path / "s"
    whole = run_sweep(out, fmt=fmt)
    assert whole.n_ok == N_RUNS
    reference = load(out)
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    in_parts_1_and_2 = sum(len(read(p)) for p in part_files(out, "runs")[1:])
    truncated = part_files(out, "runs")[1]
    data = truncated.read_bytes()
    cut = len(data) // 2
    while data[cut - 1 : cut] == b"\n":  # cut mid-row, whatever the rows' lengths
        cut -= 1
    truncated.write_bytes(data[:cut])
    empty = part_files(out, "summary")[2]
    empty.write_bytes(b"")
    with pytest.raises(UsageError, match="--resume"):  # reading says what to do
        load(out)
    capsys.readouterr()

    report = run_sweep(out, resume=True)
    assert report.n_new == in_parts_1_and_2 and report.n_ok == N_RUNS
    err = capsys.readouterr().err
    assert err.count("warning: set aside") == 1 and "corrupt" in err
    aside = sorted(
        p.relative_to(out / "corrupt").as_posix()
        for p in (out / "corrupt").rglob("*")
        if p.is_file()
    )
    assert aside == sorted(f"{t}/part-00000{n}.{fmt}.corrupt" for t in TABLES for n in (1, 2))
    assert (out / "corrupt" / "summary" / f"{empty.name}.corrupt").stat().st_size == 0
    got = load(out)
    pd.testing.assert_frame_equal(got.summary, reference.summary)
    pd.testing.assert_frame_equal(
        got.runs.drop(columns=["wall_seconds", "worker"]),
        reference.runs.drop(columns=["wall_seconds", "worker"]),
    )
    assert sorted(run_ids_in_files(out, fmt)) == list(range(N_RUNS))
    session = got.manifest["sessions"][-1]
    assert len(session["set_aside"]) == 6 and got.manifest["status"] == "complete"
    if fmt == "parquet":
        for t in TABLES:
            assert ds.dataset(out / t, format="parquet").count_rows() > 0


def test_chunks_are_on_disk_before_the_manifest_counts_them(tmp_path, monkeypatch):
    synced: list[str] = []
    real = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to name the synced files")
    monkeypatch.setattr(store_module.os, "fsync", fsync)
    manifest_writes: list[int] = []
    real_write_json = store_module.write_json

    def write_json(path, data, durable=True):
        if Path(path).name == "manifest.json":
            manifest_writes.append(len(synced))
        return real_write_json(path, data, durable)

    monkeypatch.setattr("sim.experiments.experiment.write_json", write_json)
    out = tmp_path / "s"
    run_sweep(out)
    before_last = synced[: manifest_writes[-1]]
    for t in TABLES:
        for p in part_files(out, t):  # the file (under its temporary name) and its folder
            assert any(s.endswith(f".{p.name}.tmp-{os.getpid()}") for s in before_last), p
        assert str(out / t) in before_last


def test_a_rewrite_cut_short_is_finished_on_resume_without_setting_anything_aside(tmp_path, capsys):
    out = tmp_path / "s"
    run_sweep(out)
    s = ChunkStore(out, "parquet")
    runs = pd.read_parquet(part_files(out, "runs")[0])
    # a crash while removing run 0 from its part: the runs file went, the rest did not
    runs[runs.run_id != 0].to_parquet(part_files(out, "runs")[0], index=False)
    assert 0 in set(s.read("summary").run_id)  # read as it stands: the stray row shows
    capsys.readouterr()
    report = run_sweep(out, resume=True)
    assert report.n_new == 1 and "set aside" not in capsys.readouterr().err
    assert not (out / "corrupt").exists()
    summary = [r for p in part_files(out, "summary") for r in pd.read_parquet(p)["run_id"]]
    assert sorted(summary) == list(range(N_RUNS))
    assert sorted(run_ids_in_files(out, "parquet")) == list(range(N_RUNS))


def test_resume_gives_chunks_of_an_earlier_version_the_schema(tmp_path):
    out = tmp_path / "s"
    run_sweep(out, failing_late)
    first = part_files(out, "runs")[0]  # as written before: types inferred per chunk
    pd.read_parquet(first).assign(error=None).to_parquet(first, index=False)
    with pytest.raises(Exception):  # noqa: B017 (whatever pyarrow raises for the mix)
        ds.dataset(out / "runs", format="parquet").to_table()
    run_sweep(out, resume=True)
    assert ds.dataset(out / "runs", format="parquet").count_rows() == N_RUNS
