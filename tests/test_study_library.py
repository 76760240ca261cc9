"""A study's own inventories add to the shipped library; replacing a shipped entry is explicit
and logged; a library without a process the run needs is a located error, also for validate."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpulca.core.errors import InputError
from gpulca.pipeline.validate import validate_paths
from gpulca.study.resolve import load_study

FIXTURE = Path(__file__).parent / "fixtures" / "extend"


def _study(tmp_path: Path, extra: str = "", inventory: str | None = None) -> Path:
    text = (FIXTURE / "study.yaml").read_text()
    (tmp_path / "zone.yaml").write_text(inventory or (FIXTURE / "zone.yaml").read_text())
    path = tmp_path / "study.yaml"
    text = text.replace("inventories: [zone.yaml]\n", "inventories: [zone.yaml]\n" + extra)
    if inventory is not None:
        text = text.replace("grid_zone: FR-CAMPUS", "grid_zone: FR")
    path.write_text(text)
    return path


def test_study_inventories_extend_the_shipped_library() -> None:
    study = load_study(FIXTURE / "study.yaml")
    library = study.library.library
    assert "FR-CAMPUS" in library.grid_zones and "h100_sxm_80gb" in library.accelerators
    assert study.site.electricity_process == "electricity_fr"
    assert library.shipped_files and not library.replacements


def test_redefining_a_shipped_entry_needs_replaces(tmp_path: Path) -> None:
    own = (FIXTURE / "zone.yaml").read_text().replace("FR-CAMPUS", "FR")
    with pytest.raises(InputError) as error:
        load_study(_study(tmp_path, inventory=own))
    (problem,) = error.value.problems
    assert "duplicate id in grid_zones" in problem.message and "replaces" in problem.message
    assert problem.file.endswith("zone.yaml") and problem.value == "FR"


def test_explicit_replacement_is_logged(tmp_path: Path) -> None:
    own = (FIXTURE / "zone.yaml").read_text().replace("FR-CAMPUS", "FR")
    study = load_study(_study(tmp_path, "replaces: [FR]\n", own))
    (warning,) = [w for w in study.warnings if "replaced" in w]
    assert "grid zone 'FR'" in warning and "zone.yaml:3" in warning
    assert "countries.yaml" in warning


def test_replaces_that_replaces_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        load_study(_study(tmp_path, "replaces: [DE]\n"))
    assert any(p.path == "replaces[0]" and p.value == "DE" for p in error.value.problems)


def test_own_library_without_cooling_water_is_located_not_a_key_error(tmp_path: Path) -> None:
    """Issue 14: such a study crashed with ``internal error: KeyError:
    'cooling_water_evaporated'`` while ``gpulca validate`` said it was fine."""
    repo = Path(__file__).parent.parent
    own = tmp_path / "lib"  # the shipped library without inventories/datacenter/
    for folder in ("electricity", "hardware", "servers"):
        for path in (repo / "inventories" / folder).glob("*.yaml"):
            (own / folder).mkdir(parents=True, exist_ok=True)
            (own / folder / path.name).write_text(path.read_text())
    study = tmp_path / "study.yaml"
    study.write_text((FIXTURE / "study.yaml").read_text()
                     .replace("inventories: [zone.yaml]", "inventories: [lib]\n"
                              "shipped_inventories: false")
                     .replace("  site: industry_average\n",
                              "  pue: {value: 1.2, assumption: test}\n"
                              "  wue: {value: 1 L/kWh, assumption: test}\n")
                     .replace("FR-CAMPUS", "FR")
                     .replace("activity:", "methods: " + str(repo / "methods" / "default.yaml")
                              + "\nactivity:"))
    with pytest.raises(InputError) as error:
        load_study(study)
    messages = [p for p in error.value.problems if "cooling" in p.message]
    assert {p.value for p in messages} == {"cooling_water_evaporated", "cooling_water_returned"}
    assert all(p.path == "site" and p.file == str(study) for p in messages)
    report = validate_paths([study]).report
    assert any("cooling_water_evaporated" == p.value for p in report.problems)


def test_validate_accepts_a_folder_that_extends_the_shipped_library() -> None:
    """zone.yaml alone names electricity_fr, which is in the shipped library it extends."""
    result = validate_paths([FIXTURE])
    assert not result.report.problems
    assert set(result.checked) == {"inventory", "study"}
