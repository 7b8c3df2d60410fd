"""docs/parameters.md: generated from the registry, complete, and not out of date."""

from __future__ import annotations

from pathlib import Path

from sim.core.params import PARAMS, REGIME_PARAMS, REGIMES, format_value
from sim.report import paramdocs

DOC = Path(__file__).resolve().parents[1] / "docs" / "parameters.md"


def test_parameters_md_is_up_to_date():
    assert DOC.is_file(), f"{DOC} is missing; run: {paramdocs.REGENERATE}"
    current = DOC.read_text(encoding="utf-8")
    assert current == paramdocs.render(), (
        f"docs/parameters.md is out of date with sim/core/params.py; regenerate it with: "
        f"{paramdocs.REGENERATE}"
    )


def test_page_lists_every_parameter_with_its_fields():
    text = paramdocs.render()
    assert text.startswith("# Model parameters\n")
    assert paramdocs.REGENERATE in text.split("## How to read", 1)[0]  # in the header
    groups = text.split("## Regime presets", 1)[0]
    rows = {
        line.split(" | ")[0].strip("| `"): line
        for line in groups.splitlines()
        if line.startswith("| `")
    }
    assert len(rows) == len(PARAMS)
    for name, p in PARAMS.items():
        assert name in rows, name
        row = rows[name]
        assert p.range_text in row and p.description.replace("|", "\\|") in row
        assert ("**(calibrated)**" in row) == p.calibrated, name
    for group in {p.group for p in PARAMS.values()}:
        assert f"\n## {paramdocs._title(group)}\n" in text, group


def test_regime_presets_table():
    text = paramdocs.render()
    section = text.split("## Regime presets", 1)[1].split("\n## ", 1)[0]
    for regime in REGIMES:
        assert f"(`{regime}`)" in section
    for name in REGIME_PARAMS:
        line = next(ln for ln in section.splitlines() if ln.startswith(f"| `{name}`"))
        cells = [c.strip() for c in line.strip("|").split("|")]
        values = cells[2 : 2 + len(REGIMES)]
        expected = [format_value(REGIMES[r].get(name, PARAMS[name].default)) for r in REGIMES]
        assert values == expected, name


def test_calibrated_section_lists_calibrated_parameters():
    text = paramdocs.render()
    section = text.split("## Calibrated parameters", 1)[1]
    for name, p in PARAMS.items():
        assert (f"| `{name}` |" in section) == p.calibrated, name


def test_check_mode_flags_a_stale_file(tmp_path, capsys):
    path = tmp_path / "parameters.md"
    assert paramdocs.main(["--out", str(path)]) == 0
    assert paramdocs.main(["--check", "--out", str(path)]) == 0
    path.write_text(path.read_text() + "edited by hand\n")
    assert paramdocs.main(["--check", "--out", str(path)]) == 1
    assert paramdocs.REGENERATE in capsys.readouterr().err
