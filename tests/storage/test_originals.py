import os
import threading
from pathlib import Path

import pytest

from billintake.storage import originals
from billintake.storage.originals import OriginalsStore, sha256_of


def test_same_content_is_stored_once(tmp_path: Path) -> None:
    store = OriginalsStore(tmp_path)
    first = store.put(b"%PDF-1.7 bill")
    second = store.put(b"%PDF-1.7 bill")
    assert first == second == sha256_of(b"%PDF-1.7 bill")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [store.path(first)]
    assert store.read(first) == b"%PDF-1.7 bill"


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path) -> None:
    store = OriginalsStore(tmp_path)
    payloads = [os.urandom(200_000) for _ in range(4)]
    threads = [threading.Thread(target=store.put, args=(p,)) for p in payloads * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert [p.name for p in stored] == sorted(sha256_of(p) for p in payloads)
    for payload in payloads:
        assert store.read(sha256_of(payload)) == payload  # complete, never half-written


def test_an_existing_original_is_never_overwritten(tmp_path: Path) -> None:
    store = OriginalsStore(tmp_path)
    digest = store.put(b"original")
    before = store.path(digest).stat()
    store.put(b"original")
    after = store.path(digest).stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert not os.access(store.path(digest), os.W_OK) or os.geteuid() == 0
    assert store.path(digest).stat().st_mode & 0o222 == 0  # read-only on disk


def test_folders_are_made_private_as_their_first_file_arrives(tmp_path: Path) -> None:
    store = OriginalsStore(tmp_path / "originals")
    digest = store.put(b"%PDF-1.7 first")
    folder = store.path(digest).parent
    assert folder.stat().st_mode & 0o777 == 0o700
    assert folder.parent.stat().st_mode & 0o777 == 0o700
    assert store.read(digest) == b"%PDF-1.7 first"


def test_a_new_originals_name_is_flushed_to_disk_with_its_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bytes' fsync does not cover the file's name: the folder holding it is synced too
    (and a new folder's own parent), so a crash after put() returns cannot lose the file."""
    synced: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    store = OriginalsStore(tmp_path)
    digest = store.put(b"%PDF-1.7 new bill")
    target = store.path(digest)
    assert str(target.parent) in synced  # the folder, after the file was linked into it
    assert synced.index(str(target.parent)) == len(synced) - 1
    # the new folders' own names: <aa> in the store's folder, <bb> in <aa>
    assert {str(tmp_path), str(target.parent.parent)} <= set(synced)
    synced.clear()
    store.put(b"%PDF-1.7 new bill")  # already stored: nothing to flush
    assert synced == []


def test_a_folder_another_put_has_just_made_is_synced_by_the_put_that_finds_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two puts into one new folder: the one that did not make it does not return before the
    folder's name is on disk either."""
    synced: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    store = OriginalsStore(tmp_path)
    data = b"%PDF-1.7 second into a new folder"
    folder = store.path(sha256_of(data)).parent
    originals._make_private_folders(folder)  # made by another put, not yet synced
    monkeypatch.setattr(os, "fsync", spy)
    store.put(data)
    assert {str(tmp_path), str(folder.parent), str(folder)} <= set(synced)
