"""Writing files atomically: a reader sees the old file or the new one, never half of one.

Used for saved models (``nn``), pictures and pages (``viz``) and the golden-value files.

``write_atomic(path, data)`` writes a temporary file ``.<name>.<8 random>.tmp`` beside the
file, flushes it to disk and renames it over ``path`` (``os.replace``, atomic on one file
system). Along the way:

- Modes. The process umask is never read or changed (changing it, even for a moment, changes
  the mode of files other threads create meanwhile). The temporary file is created with mode
  0o666, which the kernel narrows by the umask, exactly as ``open(path, "w")`` would; if
  ``path`` already exists, it is created with that file's mode instead, so a replaced file
  keeps its mode (a 0600 model stays private, from the first byte on).
- Symlinks. ``path`` is resolved first: saving to a link writes the file it points to (in
  that file's directory), and the link stays a link.
- Leftovers. A save killed mid-write (SIGKILL, power loss) leaves its temporary file behind.
  The next save to the same file removes such leftovers: every temporary file of this naming
  for this target whose writer is gone. A writer holds an exclusive ``flock`` on its
  temporary file until the rename, and the kernel drops the lock when the writer dies, so a
  file whose lock can be taken is a leftover and a locked one belongs to a live save (another
  thread or process) and is left alone. Without ``fcntl`` (Windows) a leftover is removed if
  it can be: a file another process still has open cannot be deleted there.
- Errors name the path the caller gave, never the temporary file; a NUL character in the
  path is a ``ValueError`` naming the path, and a path ending in a slash (a directory, as
  for ``open``) an ``IsADirectoryError``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"  # leftovers: ours and mkstemp's (older saves)


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically and return ``Path(path)``.

    On any failure ``path`` is untouched, the temporary file is removed, and the error names
    ``path``."""
    name = os.fspath(path)
    if "\0" in str(name):
        raise ValueError(f"write_atomic: the path {str(name)!r:.120} contains a NUL character")
    if str(name).endswith(tuple(filter(None, (os.sep, os.altsep)))):  # "new/" is a directory
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(name))
    payload = data.encode("utf-8") if isinstance(data, str) else data
    target = Path(os.path.realpath(name))  # through symlinks: we write the file, not the link
    try:
        _remove_leftovers(target)
        _write(target, payload)
    except OSError as exc:
        if exc.errno is None:
            raise
        raise type(exc)(exc.errno, exc.strerror, str(name)) from None
    return Path(name)


def _temporary(target: Path) -> str:
    # 8 hex digits from os.urandom: the user's `random` stream is not disturbed
    return str(target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp"))


def _write(target: Path, payload: bytes) -> None:
    try:
        old_mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        old_mode = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = _temporary(target)
        try:
            # 0o666 & ~umask for a new file, as open() does; the old file's mode otherwise
            fd = os.open(tmp, flags, 0o666 if old_mode is None else old_mode)
        except FileExistsError:
            continue
        if _lock(fd, tmp):
            break
        os.close(fd)  # another save took it for a leftover between os.open and the lock
    try:
        with os.fdopen(fd, "wb") as f:
            if old_mode is not None and hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), old_mode)  # the umask may have narrowed it
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
            if fcntl is not None:
                os.replace(tmp, target)  # still locked: no other save takes it for a leftover
        if fcntl is None:
            os.replace(tmp, target)  # Windows renames closed files only
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _lock(fd: int, tmp: str) -> bool:
    """Mark ``tmp`` as being written: True once we hold its lock and it is still our file."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return os.path.samestat(os.stat(tmp), os.fstat(fd))
    except (BlockingIOError, FileNotFoundError):
        return False  # another save's clean-up got to it first and is deleting it


def _remove_leftovers(target: Path) -> None:
    """Delete the temporary files of earlier saves to ``target`` whose writers are gone."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[{_LETTERS}]{{8}}\.tmp")
    try:
        entries = [e for e in os.scandir(target.parent) if pattern.fullmatch(e.name)]
    except OSError:
        return  # the directory is missing or unreadable: writing will say so
    for entry in entries:
        with contextlib.suppress(OSError):  # gone already, not ours, or in use: leave it
            if fcntl is None:
                os.unlink(entry.path)
                continue
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if a save is live
                    os.unlink(entry.path)
            finally:
                os.close(fd)
