"""``gpulca list`` and the catalogue tables behind it (no Brightway)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gpulca.cli import main
from gpulca.core.errors import InputError
from gpulca.library.catalogue import KINDS, format_text, list_catalogue, listing
from tests.library.conftest import INVENTORIES


@pytest.fixture(scope="module")
def library():
    from gpulca.library.inventory import load_library

    return load_library([INVENTORIES])


@pytest.mark.parametrize("kind", KINDS)
def test_listing_has_one_row_per_item_with_a_source(library, kind):
    table = listing(library, kind)
    section = {"zones": "grid_zones"}.get(kind, kind)
    assert len(table.rows) == len(getattr(library, section))
    assert table.columns[0] == "id" and table.columns[-1] == "source"
    assert all(row[-1] for row in table.rows), "every item names its source"
    assert [row[0].lower() for row in table.rows] == sorted(row[0].lower() for row in table.rows)


def test_text_format_is_a_header_then_one_line_per_item(library):
    table = listing(library, "zones")
    lines = format_text(table).splitlines()
    assert lines[0].split()[0] == "id" and lines[0].rstrip().endswith("source")
    assert len(lines) == len(table.rows) + 1


def test_unknown_kind_is_a_located_input_error():
    with pytest.raises(InputError, match="unknown catalogue kind"):
        list_catalogue("gpus", [INVENTORIES])


def test_cli_list_zones(library):
    result = CliRunner().invoke(main, ["list", "zones", "--inventories", str(INVENTORIES)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("id")
    assert len(lines) == len(library.grid_zones) + 1
    assert any(line.split()[0] == "US-MIDA-PJM" for line in lines[1:])


@pytest.mark.parametrize(("output", "check"), [
    ("json", lambda text: {"id", "pue", "source"} <= set(json.loads(text)[0])),
    ("csv", lambda text: text.splitlines()[0].startswith("id,name,grid_zone,pue,wue")),
    ("text", lambda text: len(text.splitlines()) == 2)])
def test_cli_list_formats(tmp_path, output, check):
    small = tmp_path / "site.yaml"
    small.write_text(SMALL_LIBRARY, encoding="utf-8")
    result = CliRunner().invoke(main, ["list", "sites", "--inventories", str(small),
                                       "--format", output])
    assert result.exit_code == 0, result.output
    assert check(result.output)


SMALL_LIBRARY = """
grid_zones:
  - {id: XX, name: test zone, electricity: electricity_xx, year: 2024, source: test}
processes:
  - {code: electricity_xx, name: test electricity, unit: kilowatt hour, reference_product: e,
     source: test}
  - {code: cooling_water_evaporated, name: w, unit: cubic meter, reference_product: w, source: t}
  - {code: cooling_water_returned, name: w, unit: cubic meter, reference_product: w, source: t}
sites:
  - id: test_site
    name: a test site
    grid_zone: XX
    source: "test source"
    pue: {value: 1.2, source: test}
    wue: {value: 0.5 L/kWh, source: test}
"""


def test_cli_list_of_a_broken_library_lists_the_problems(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("grid_zones:\n  - id: XX\n    name: nowhere\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["list", "zones", "--inventories", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml:2" in result.output
