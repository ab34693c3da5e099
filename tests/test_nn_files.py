"""``nn.files.write_atomic``: modes and the umask, stale temporary files, symlinks and error
messages (issue 9, items 2, 3, 4 and 8). Saved models, viz pictures and the golden files all
go through it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from nn import MLP, files
from nn.files import write_atomic

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and signals are POSIX")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (its own umask, its own fate) and return stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# ---- item 2: the umask is never touched; new files get it, replaced files keep their mode ------


def test_write_atomic_never_touches_the_umask(tmp_path, monkeypatch):
    def forbidden(mask):
        raise AssertionError("write_atomic changed the process umask")

    monkeypatch.setattr(os, "umask", forbidden)
    write_atomic(tmp_path / "new.txt", "new")
    write_atomic(tmp_path / "new.txt", b"replaced")
    assert (tmp_path / "new.txt").read_bytes() == b"replaced"


@posix_only
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, umask):
    out = run_python(
        "import os, stat\n"
        f"os.umask({umask})\n"
        "from nn.files import write_atomic\n"
        f"p = write_atomic({str(tmp_path / 'm.json')!r}, 'x')\n"
        "print(oct(stat.S_IMODE(os.stat(p).st_mode)))\n"
    )
    assert out.strip() == oct(0o666 & ~umask)


@posix_only
@pytest.mark.parametrize("old_mode", [0o600, 0o640, 0o755, 0o444])
def test_a_replaced_file_keeps_its_mode(tmp_path, old_mode):
    path = tmp_path / "model.json"
    MLP(2, [1]).save(path)
    os.chmod(path, old_mode)
    MLP(2, [1], seed=1).save(path)
    assert mode(path) == old_mode
    assert MLP.load(path).state_dict() == MLP(2, [1], seed=1).state_dict()


@pytest.mark.slow
@posix_only
def test_threads_writing_and_creating_files_all_get_the_umask_mode(tmp_path):
    """One thread saves over and over while others create files with open(): with umask 077
    every file is 0600 and every saved file keeps 0600 (the report found 0644 ones)."""
    out = run_python(
        "import os, stat, threading\n"
        "os.umask(0o077)\n"
        "from nn.files import write_atomic\n"
        f"d = {str(tmp_path)!r}\n"
        "def saver(k):\n"
        "    for i in range(150):\n"
        "        write_atomic(os.path.join(d, f's{k}.bin'), b'x' * 100)\n"
        "def creator(k):\n"
        "    for i in range(800):\n"
        "        open(os.path.join(d, f'c{k}_{i}'), 'w').close()\n"
        "ts = [threading.Thread(target=saver, args=(k,)) for k in range(2)]\n"
        "ts += [threading.Thread(target=creator, args=(k,)) for k in range(2)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "modes = {oct(stat.S_IMODE(os.stat(os.path.join(d, n)).st_mode)) for n in os.listdir(d)}\n"
        "print(sorted(modes), len(os.listdir(d)))\n"
    )
    assert out.strip() == "['0o600'] 1602"


# ---- item 3: temporary files of a killed save are removed by the next save -------------------


KILLED_SAVE = (
    "import os, signal\n"
    "from nn import files\n"
    "def die(*args):\n"
    "    os.kill(os.getpid(), signal.SIGKILL)  # killed after writing, before the rename\n"
    "os.replace = die\n"
    "files.write_atomic({path!r}, b'half a model' * 100000)\n"
)


@posix_only
def test_the_next_save_removes_temporary_files_left_by_killed_saves(tmp_path):
    path = tmp_path / "model.json"
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", KILLED_SAVE.format(path=str(path))], check=False, timeout=120
        )
        assert done.returncode == -9
    # each killed save removed the one before it: one leftover, not three
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".model.json."), left
    assert (tmp_path / left[0]).stat().st_size == 1_200_000
    # files of other names, and other targets' temporary files, are not ours to remove
    (tmp_path / ".model.json.backup").write_text("mine")
    (tmp_path / ".other.json.abcdefgh.tmp").write_text("someone else's")
    MLP(2, [1]).save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".model.json.backup",
        ".other.json.abcdefgh.tmp",
        "model.json",
    ]


def test_a_live_writers_temporary_file_is_not_removed(tmp_path, monkeypatch):
    """Two saves to one path at once: the second must not delete the first one's temporary
    file (the first holds a lock on it while it writes)."""
    path = tmp_path / "model.json"
    in_fsync, release = threading.Event(), threading.Event()
    real_fsync = os.fsync

    def slow_fsync(fd):
        if threading.current_thread().name == "slow":
            in_fsync.set()
            release.wait(30)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    errors: list[BaseException] = []

    def slow_save():
        try:
            write_atomic(path, b"first")
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    slow = threading.Thread(target=slow_save, name="slow")
    slow.start()
    assert in_fsync.wait(30)
    write_atomic(path, b"second")  # runs its clean-up while "slow" is mid-write
    release.set()
    slow.join(30)
    assert errors == []
    assert path.read_bytes() == b"first"  # the slow save finished last and won
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


@posix_only
def test_a_save_whose_new_temporary_file_is_taken_by_a_clean_up_uses_another(tmp_path, monkeypatch):
    """The race: another save lists the directory and locks our brand-new temporary file
    before we do (to delete it as a leftover). We must take a new name, not fail."""
    import fcntl

    calls = []

    class Racing:
        LOCK_EX, LOCK_NB = fcntl.LOCK_EX, fcntl.LOCK_NB

        @staticmethod
        def flock(fd, operation):
            calls.append(fd)
            if len(calls) == 1:
                raise BlockingIOError(11, "Resource temporarily unavailable")
            fcntl.flock(fd, operation)

    monkeypatch.setattr(files, "fcntl", Racing)
    write_atomic(tmp_path / "m.json", "saved")
    assert (tmp_path / "m.json").read_text() == "saved" and len(calls) == 2


def test_many_threads_saving_to_one_path_all_succeed_and_leave_nothing_behind(tmp_path):
    path = tmp_path / "model.json"
    errors: list[BaseException] = []

    def saver(k: int) -> None:
        try:
            for i in range(60):
                write_atomic(path, f"{k}:{i}:" + "x" * 20_000)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=saver, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]
    assert path.read_text().endswith("x" * 20_000)


# ---- item 4: a symlink is written through, and stays a link ---------------------------------


@posix_only
def test_saving_to_a_symlink_writes_the_file_it_points_to(tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "model.json"
    MLP(2, [1], seed=1).save(target)
    link = tmp_path / "latest.json"
    link.symlink_to(os.path.relpath(target, tmp_path))
    chain = tmp_path / "chain.json"
    chain.symlink_to(link)
    MLP(2, [1], seed=2).save(chain)
    assert link.is_symlink() and chain.is_symlink()
    assert MLP.load(target).state_dict() == MLP(2, [1], seed=2).state_dict()
    assert sorted(p.name for p in real_dir.iterdir()) == ["model.json"]  # no temp left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chain.json", "latest.json", "real"]


@posix_only
def test_saving_to_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")
    write_atomic(link, "hello")
    assert link.is_symlink() and (tmp_path / "new.json").read_text() == "hello"


# ---- item 8: errors name the path the caller gave -----------------------------------------


def test_errors_name_the_given_path_not_the_temporary_file(tmp_path):
    path = tmp_path / "missing" / "m.json"
    with pytest.raises(FileNotFoundError) as info:
        MLP(2, [1]).save(path)
    assert info.value.filename == str(path)
    assert str(path) in str(info.value) and ".tmp" not in str(info.value)


def test_a_replace_failure_names_the_given_path(tmp_path):
    directory = tmp_path / "model.json"
    directory.mkdir()  # replacing a directory with a file fails
    (directory / "inside").write_text("x")
    with pytest.raises(OSError) as info:
        write_atomic(directory, "data")
    assert info.value.filename == str(directory) and ".tmp" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


@pytest.mark.parametrize("name", ["new/", "new//", "existing/", "existing", ""])
def test_a_directory_path_is_refused_like_open_refuses_it(tmp_path, monkeypatch, name):
    """"new/" names a directory: open() refuses it; os.path.realpath drops the slash, so a
    save used to write a file called "new" instead."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        MLP(2, [1]).save(name)
    assert info.value.filename == name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing"]
    assert list((tmp_path / "existing").iterdir()) == []


@pytest.mark.parametrize("bad", ["mod\0el.json", "dir\0/model.json"])
def test_a_nul_in_the_path_is_a_clear_error_naming_it(tmp_path, bad):
    path = str(tmp_path / bad)
    with pytest.raises(ValueError, match="NUL") as info:
        write_atomic(path, "data")
    assert repr(path)[:60] in str(info.value)
    with pytest.raises(ValueError, match="NUL") as info:
        MLP(2, [1]).save(path)
    assert repr(path)[:60] in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_str_and_bytes_data_and_the_returned_path(tmp_path):
    assert write_atomic(str(tmp_path / "a.txt"), "é") == tmp_path / "a.txt"
    assert (tmp_path / "a.txt").read_bytes() == "é".encode()
    assert write_atomic(tmp_path / "b.bin", b"\x00\xff") == tmp_path / "b.bin"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert files.write_atomic is write_atomic
