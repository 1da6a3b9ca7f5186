"""Writing outputs safely: whole files or none, and never over the command's own inputs.

A crash, a full disk or a refused save must not leave half a file where a
good one was; a command whose output path names one of its inputs (``--out``
in the same folder, the input's own name) must refuse before it reads or
writes anything, not replace what it was converting.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


class InputOverwriteError(ValueError):
    """An output path is one of the inputs; the text names both."""


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (links and hard links too); paths may not exist yet."""
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        pass
    return Path(a).resolve() == Path(b).resolve()


def _reads(source: Path, out: Path) -> bool:
    """Whether ``out`` is the input ``source`` or, for a folder read whole, a file in it."""
    if same_file(out, source):
        return True
    return source.is_dir() and out.exists() and out.resolve().is_relative_to(source.resolve())


def refuse_overwrite(outputs: Iterable[str | Path], inputs: Iterable[str | Path]) -> None:
    """InputOverwriteError when an output is an input, or two outputs are one file."""
    sources = [Path(p) for p in inputs]
    seen: list[Path] = []
    for out in map(Path, outputs):
        for source in sources:
            if _reads(source, out):
                what = "the input" if same_file(out, source) else "a file of the input"
                raise InputOverwriteError(
                    f"{out} is {what} {source}; writing it would "
                    "replace the input: choose another output path"
                )
        for other in seen:
            if same_file(out, other):
                raise InputOverwriteError(
                    f"{out} and {other} are the same file; choose distinct output paths"
                )
        seen.append(Path(out))


@contextmanager
def atomic_file(path: str | Path, binary: bool = False) -> Iterator[IO[Any]]:
    """A file to write ``path`` through; it replaces ``path`` only when the block succeeds.

    The temporary file is a fresh name of our own in the same folder (O_EXCL:
    a planted ``.tmp`` or symlink is never followed), synced before the rename
    and the rename synced too, so a power cut leaves the old file or the new.
    An existing file keeps its permissions.
    """
    path = Path(path)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_file(path) as out:
        out.write(text)
