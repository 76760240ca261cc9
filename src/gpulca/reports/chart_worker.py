"""A helper process drawing the comparison chart while ``gpulca compare`` does other work.

Drawing the chart (matplotlib: layout, text, PNG and SVG) takes seconds of one core and holds
Python's lock, so a thread would not overlap it with anything. ``gpulca compare`` starts this
helper first (:func:`chart_worker`): it imports matplotlib while the command resolves and scores
the variants, is handed the chart's :class:`~gpulca.reports.compare_draw.ChartData` (pickled,
a few kilobytes) as soon as the comparison is known, and draws it while the command prints and
writes its tables; it hands back the PNG and SVG bytes, which the command writes with its other
outputs (all or nothing: the helper writes no file).

The helper draws with the same code as the command's own process
(:func:`~gpulca.reports.compare_draw.chart_bytes`): the same bytes. If it cannot start, fails
or dies, the chart is drawn in the command's process instead, where a drawing error is then
raised and reported as usual.

Run as ``python -m gpulca.reports.chart_worker`` (stdin: one pickled ``ChartData``; stdout:
the pickled ``("ok", {format: bytes})`` or ``("error", text)``).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import site
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from gpulca.reports.compare_draw import ChartData, chart_bytes

WAIT_SECONDS = 600.0
"""How long the command waits for the helper's chart before drawing it itself."""


class ChartWorker:
    """The command's side of the helper: :meth:`submit` the chart's data, then read the
    :meth:`files` (drawn here if the helper is not there or failed)."""

    def __init__(self, process: subprocess.Popen[bytes] | None) -> None:
        self._process = process
        self._data: ChartData | None = None
        self._files: dict[str, bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None

    @property
    def submitted(self) -> bool:
        """Whether a chart was submitted."""
        return self._data is not None

    def submit(self, data: ChartData) -> None:
        """Hand the helper the chart to draw (returns at once)."""
        self._data = data
        if self._process is None or self._process.stdin is None:
            return
        try:
            self._process.stdin.write(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
            self._process.stdin.close()
            self._process.stdin = None  # sent: communicate() reads the answer only
        except OSError:  # the helper is gone: draw here
            self.close()

    def files(self) -> dict[str, bytes]:
        """The submitted chart by format (``png``, ``svg``): the helper's, else drawn here."""
        if self._data is None:
            raise RuntimeError("no chart submitted")
        if self._files is None:
            self._files = self._received() or chart_bytes(self._data)
        return self._files

    def _received(self) -> dict[str, bytes] | None:
        process, self._process = self._process, None
        if process is None:
            return None
        try:
            output, _ = process.communicate(timeout=WAIT_SECONDS)
            status, payload = pickle.loads(output)
        except Exception:  # noqa: BLE001 - whatever happened to the helper, draw here
            _end(process)
            return None
        if status != "ok" or not isinstance(payload, dict):
            return None
        return {str(fmt): bytes(content) for fmt, content in payload.items()}

    def close(self) -> None:
        """End the helper if it still runs (the chart, if read, is kept)."""
        process, self._process = self._process, None
        if process is not None:
            _end(process)


def _end(process: subprocess.Popen[bytes]) -> None:
    """End the helper at once (it writes no file: nothing is left half-done)."""
    for stream in (process.stdin, process.stdout):
        with contextlib.suppress(OSError, ValueError):
            if stream is not None:
                stream.close()
    with contextlib.suppress(OSError):
        process.kill()
    process.wait()


def start_chart_worker() -> ChartWorker:
    """Start the helper process (a worker drawing in this process when it cannot start)."""
    env = dict(os.environ)
    package_root = Path(__file__).resolve().parents[2]
    installed = {Path(p).resolve() for p in [*site.getsitepackages(), site.getusersitepackages()]}
    if package_root not in installed:  # a source tree on this process's path: the helper's too
        path = env.get("PYTHONPATH")
        env["PYTHONPATH"] = str(package_root) + (os.pathsep + path if path else "")
    try:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-m", "gpulca.reports.chart_worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    except OSError:
        return ChartWorker(None)
    return ChartWorker(process)


@contextlib.contextmanager
def chart_worker() -> Iterator[ChartWorker]:
    """A started helper for the block, ended when the block ends (whatever happened)."""
    worker = start_chart_worker()
    try:
        yield worker
    finally:
        worker.close()


def main() -> int:
    """The helper: read one pickled :class:`ChartData`, write its chart's bytes."""
    output = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but the answer goes to the command
    import matplotlib.backends.backend_agg
    import matplotlib.backends.backend_svg
    import matplotlib.collections
    import matplotlib.figure  # noqa: F401 - imported while the command still computes

    try:
        data = pickle.load(sys.stdin.buffer)
    except EOFError:  # the command ended (or failed) before it had a chart to draw
        return 0
    try:
        answer: tuple[str, object] = ("ok", chart_bytes(data))
    except Exception as exc:  # noqa: BLE001 - the command draws it again and reports it
        answer = ("error", f"{type(exc).__name__}: {exc}")
    pickle.dump(answer, output, protocol=pickle.HIGHEST_PROTOCOL)
    output.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
