"""core.units imports pint without dask (pint would import dask.base at every command's start
when dask is installed), and dask stays importable after it."""

from __future__ import annotations

import subprocess
import sys


def test_the_run_command_imports_no_dask_nor_report_libraries() -> None:
    code = ("import sys, gpulca.cli.run; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed', "
            "'matplotlib', 'openpyxl', 'SALib'})); "
            "import dask.base, pint; print(round(pint.Quantity(2, 'kWh').to('MJ').magnitude, 6))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True, timeout=60)
    assert completed.stdout.split() == ["[]", "7.2"]
