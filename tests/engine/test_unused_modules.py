"""Modules Brightway's import loads without using them load when first used instead
(gpulca.engine.project.unused_until_asked): the same module then, nothing lost."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys, types
import numpy
from gpulca.engine.project import unused_until_asked
unused_until_asked(("numpy.f2py", "numpy", "numpy.no_such_module"))
lazy = sys.modules["numpy.f2py"]
assert type(lazy) is not types.ModuleType and numpy.f2py is lazy
exec("from numpy import *", {})  # as scipy's array API layer does: still not loaded
assert type(sys.modules["numpy.f2py"]) is not types.ModuleType
assert "numpy.no_such_module" not in sys.modules
import numpy.f2py
assert callable(numpy.f2py.run_main)  # first use: loaded, the very module
assert type(lazy) is types.ModuleType and sys.modules["numpy.f2py"] is lazy
import numpy.f2py.crackfortran
print("ok")
"""


def test_an_unused_module_loads_on_first_use() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
