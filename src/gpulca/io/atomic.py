"""Write output files all-or-nothing: a failed command leaves no partial output.

Every file gpulca writes goes through :func:`write_atomic` (and its ``bytes`` and text forms) or
:func:`write_all` (a set of files in one folder). Each is staged in a hidden folder
``.gpulca-stage-<pid>-*`` beside its target (in the nearest folder that exists, so the final
rename stays on one file system) and renamed into place only when it is complete.

A command that writes several outputs (CSVs, a workbook, charts, HTML) opens one
:func:`staged_outputs` around all its writes: every write inside it is staged, and the files are
moved into place together only when the block ends without error; otherwise the staging folders
are removed and the previous outputs stay as they were. A staging folder left by a killed
process is removed by the next command that stages beside it. A file may be written on a
thread of its own while the command goes on (:func:`write_in_background`): the block waits for
it, and fails with its error, before anything is moved into place.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

Writer = Callable[[Path], None]
"""Writes one file at the given (temporary) path."""

STAGE_PREFIX = ".gpulca-stage-"


def bytes_writer(content: bytes) -> Writer:
    """A :data:`Writer` of ``content`` (e.g. a chart rendered in memory)."""
    def write(path: Path) -> None:
        path.write_bytes(content)

    return write


def text_writer(text: str) -> Writer:
    """A :data:`Writer` of UTF-8 ``text``, written as given (no newline translation)."""
    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8", newline="")

    return write


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, but not ours to signal
    return True


def sweep_stale_stages(folder: Path, prefix: str = STAGE_PREFIX) -> None:
    """Remove ``<prefix><pid>-*`` folders in ``folder`` whose process is gone (killed runs)."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if not entry.name.startswith(prefix):
                continue
            pid_text = entry.name[len(prefix):].split("-", 1)[0]
            if pid_text.isdigit() and int(pid_text) != os.getpid() \
                    and not _pid_alive(int(pid_text)):
                shutil.rmtree(entry, ignore_errors=True)


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(folder))
    return folder


class Stage:
    """Files written into staging folders, moved into place by :meth:`commit`."""

    def __init__(self) -> None:
        self._folders: dict[Path, Path] = {}
        self._files: dict[Path, Path] = {}
        self._threads: list[tuple[threading.Thread, _Background]] = []

    def _staging_folder(self, anchor: Path) -> Path:
        if anchor not in self._folders:
            sweep_stale_stages(anchor)
            self._folders[anchor] = Path(tempfile.mkdtemp(
                prefix=f"{STAGE_PREFIX}{os.getpid()}-", dir=anchor))
        return self._folders[anchor]

    def add(self, path: str | Path, write: Writer) -> Path:
        """Let ``write`` fill the staged copy of ``path``; return ``path``."""
        final, staged = self._staged(path)
        write(staged)
        self._files[final] = staged
        return Path(path)

    def add_in_background(self, path: str | Path, write: Writer) -> Path:
        """:meth:`add` on a thread of its own; :meth:`commit` waits for it (and raises its
        error), :meth:`discard` waits for it before removing what it wrote."""
        final, staged = self._staged(path)
        background = _Background()

        def run() -> None:
            _background.set(background)
            try:
                write(staged)
            except BaseException as error:  # raised by commit, in the command's thread
                background.errors.append(error)
            finally:
                background.finish()

        thread = threading.Thread(target=run, name=f"gpulca-write-{final.name}", daemon=True)
        self._threads.append((thread, background))
        self._files[final] = staged
        thread.start()
        return Path(path)

    def _staged(self, path: str | Path) -> tuple[Path, Path]:
        final = Path(path).absolute()
        if final.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
        anchor = _nearest_existing(final.parent)
        staged = self._staging_folder(anchor) / final.relative_to(anchor)
        staged.parent.mkdir(parents=True, exist_ok=True)
        return final, staged

    def wait(self, help_them: bool = True) -> None:
        """Wait for every file written in the background (helping to write it, where its
        writer offers help: :func:`offer_help`); raise the first error met."""
        threads, self._threads = self._threads, []
        for thread, background in threads:
            if help_them:
                background.help_until_finished()
            thread.join()
        for _, background in threads:
            if background.errors:
                raise background.errors[0]

    def commit(self) -> None:
        """Move every staged file into place (creating the target folders), once every file
        written in the background is complete."""
        self.wait()
        for final in self._files:
            if final.is_dir():
                raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(final))
        for final, staged in self._files.items():
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)
        self._files.clear()

    def discard(self) -> None:
        """Remove the staging folders (and whatever is left in them), once no thread writes
        into them."""
        with contextlib.suppress(BaseException):  # the block's own error is the one raised
            self.wait(help_them=False)
        for folder in self._folders.values():
            shutil.rmtree(folder, ignore_errors=True)
        self._folders.clear()
        self._files.clear()


_current: contextvars.ContextVar[Stage | None] = contextvars.ContextVar("gpulca_stage",
                                                                         default=None)


@contextlib.contextmanager
def staged_outputs() -> Iterator[Stage]:
    """Stage every write inside the block; move all of it into place only if the block succeeds.

    Nested blocks join the outermost one.
    """
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    stage = Stage()
    token = _current.set(stage)
    try:
        yield stage
        stage.commit()
    finally:
        _current.reset(token)
        stage.discard()


def write_atomic(path: str | Path, write: Writer) -> Path:
    """Let ``write`` fill a staged file, then rename it to ``path`` (at the end of the
    enclosing :func:`staged_outputs`, if any). Creates the parent folder. Returns ``path``."""
    with staged_outputs() as stage:
        return stage.add(path, write)


def write_in_background(path: str | Path, write: Writer) -> Path:
    """Let ``write`` fill a staged file on a thread of its own, while the caller goes on:
    inside a :func:`staged_outputs` block, which moves it into place with the others once it
    is complete (and fails with its error if it failed). Returns ``path``."""
    stage = _current.get()
    if stage is None:
        raise RuntimeError("write_in_background needs a staged_outputs block")
    return stage.add_in_background(path, write)


class _Background:
    """A file written on a thread of its own: its error, and the shares of its writing the
    writer offers (:func:`offer_help`) to the thread that waits for it."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        self._helpers: list[Callable[[], None]] = []
        self._finished = False
        self._changed = threading.Condition()

    def offer(self, helper: Callable[[], None]) -> None:
        with self._changed:
            self._helpers.append(helper)
            self._changed.notify_all()

    def finish(self) -> None:
        with self._changed:
            self._finished = True
            self._changed.notify_all()

    def help_until_finished(self) -> None:
        """Run every share offered, as it is offered, until the file is written."""
        while True:
            with self._changed:
                while not self._helpers and not self._finished:
                    self._changed.wait()
                if not self._helpers:
                    return
                helper = self._helpers.pop()
            helper()


_background: contextvars.ContextVar[_Background | None] = contextvars.ContextVar(
    "gpulca_background_write", default=None)


def offer_help(helper: Callable[[], None]) -> bool:
    """Called by a writer: in a file written in the background (:func:`write_in_background`),
    the command's thread calls ``helper`` (a share of the writing, returning when nothing is
    left to share) when it waits for the file, and True is returned; elsewhere False."""
    background = _background.get()
    if background is None:
        return False
    background.offer(helper)
    return True


def write_now(path: str | Path, write: Writer) -> Path:
    """:func:`write_atomic` at once, even inside a :func:`staged_outputs` block (caches)."""
    token = _current.set(None)
    try:
        return write_atomic(path, write)
    finally:
        _current.reset(token)


def write_bytes_atomic(path: str | Path, content: bytes) -> Path:
    """Write ``content`` to ``path`` atomically (see :func:`write_atomic`)."""
    return write_atomic(path, bytes_writer(content))


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`write_atomic`)."""
    return write_atomic(path, text_writer(text))


def write_all(directory: str | Path, writers: Mapping[str, Writer]) -> list[Path]:
    """Write every file of ``writers`` (by name) into ``directory``, all or nothing.

    If any writer fails, nothing is moved and the staging folder is removed, so ``directory``
    holds either the previous outputs or the complete new set. Returns the final paths.
    """
    directory = Path(directory)
    with staged_outputs() as stage:
        return [stage.add(directory / name, write) for name, write in writers.items()]


def write_files(directory: str | Path, files: Mapping[str, bytes]) -> list[Path]:
    """:func:`write_all` for files already rendered in memory, by name."""
    return write_all(directory, {name: bytes_writer(content) for name, content in files.items()})
