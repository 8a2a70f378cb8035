"""The build cache: only files this machine wrote are read, damage is discarded with a
note, temporary files never outlive a run, and one build at a time writes a site."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.engine import cache
from generator.engine.build import build_site
from generator.engine.resume import SNAPSHOT_FILE
from generator.engine.sources import ENTRIES_FILE, SCANS_FILE
from generator.engine.state import STATE_FILE
from tests.conftest import REPO, entry_text, without_address_warning
from tests.helpers import make_site, tree

DISCARDED = "note: discarded the build cache file"


class Planted:
    """A pickle that runs a command when it is read: what an attacker would plant."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return os.system, (f"touch {self.marker}",)


def old_style(payload: bytes) -> bytes:
    """A cache file as digest wrote it before its files were signed: the current cache
    key (computed from the public release) and an unkeyed checksum."""
    checksum = hashlib.blake2b(payload, digest_size=16).hexdigest()
    return b"digest-cache\n" + f"{cache.cache_key()} {checksum}\n".encode() + payload


def digest(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=REPO, capture_output=True, text=True, check=False, **kwargs,  # type: ignore[call-overload]
    )  # fmt: skip


def edit_one_entry(root: Path) -> None:
    path = root / "content/e0001.md"
    path.write_text(path.read_text().replace("ONE entry 1", "ONE entry 1, edited"))


@pytest.fixture
def key_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This process's cache key, made afresh under a folder of the test's own."""
    home = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    cache.secret.cache_clear()
    yield home
    cache.secret.cache_clear()


# -- foreign files are never read ----------------------------------------------------------


@pytest.mark.parametrize("name", [STATE_FILE, ENTRIES_FILE, SCANS_FILE])
def test_a_planted_pickle_does_not_run_and_the_build_says_so(tmp_path: Path, name: str) -> None:
    root = tmp_path / "site-root"
    make_site(root, 5, "ONE")
    assert digest("build", str(root), "--no-search").returncode == 0
    marker = tmp_path / "ran"
    (root / ".digest-cache" / name).write_bytes(old_style(pickle.dumps(Planted(marker))))
    (root / "content/new.md").write_text(entry_text("New"))  # a full build reads them all
    done = digest("build", str(root), "--no-search")
    assert done.returncode == 0, done.stderr
    assert not marker.exists(), "the planted pickle ran"
    assert f"{DISCARDED} {root / '.digest-cache' / name}: it was not written" in done.stderr
    assert without_address_warning(done.stderr).count("\n") == 1, "one line says so"
    build_site(root, tmp_path / "clean", use_cache=False, search=False)
    assert tree(root / "site") == tree(tmp_path / "clean")


def test_a_planted_snapshot_does_not_run(tmp_path: Path) -> None:
    """The snapshot is read by the next process after an entry edit (resume.py)."""
    root = tmp_path / "site-root"
    make_site(root, 5, "ONE")
    assert digest("build", str(root), "--no-search").returncode == 0
    marker = tmp_path / "ran"
    snapshot = root / ".digest-cache" / SNAPSHOT_FILE
    assert snapshot.is_file()
    snapshot.write_bytes(old_style(pickle.dumps(Planted(marker))))
    edit_one_entry(root)
    done = digest("build", str(root), "--no-search")
    assert done.returncode == 0, done.stderr
    assert not marker.exists(), "the planted snapshot ran"
    assert f"{DISCARDED} {snapshot}" in done.stderr


def test_a_planted_compiled_template_does_not_run(tmp_path: Path) -> None:
    """Compiled templates are code (marshal), read back by the next process."""
    import jinja2

    from generator.render.templates import theme_dir

    root = tmp_path / "site-root"
    make_site(root, 5, "ONE")
    assert digest("build", str(root), "--no-search").returncode == 0
    marker = tmp_path / "ran"
    folder = next((root / ".digest-cache").glob("templates-*"))
    name, source = "entry.html", (theme_dir() / "entry.html").read_text()
    bucket = jinja2.bccache.Bucket(
        jinja2.Environment(), jinja2.BytecodeCache().get_cache_key(name, str(theme_dir() / name)),
        jinja2.BytecodeCache().get_source_checksum(source),
    )  # fmt: skip
    bucket.code = compile(f"import os\nos.system('touch {marker}')\n", name, "exec")
    jinja_file = bucket.bytecode_to_string()
    for planted in (f"__jinja2_{bucket.key}.cache", f"{bucket.key}.cache"):
        (folder / planted).write_bytes(jinja_file)  # Jinja's own name and ours
    (folder / f"{bucket.key}.cache").write_bytes(old_style(jinja_file))
    edit_one_entry(root)
    done = digest("build", str(root), "--no-search")
    assert done.returncode == 0, done.stderr
    assert not marker.exists(), "the planted template code ran"
    assert DISCARDED in done.stderr


def test_a_file_signed_with_another_key_is_discarded(key_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "state.pickle"
    cache.save(path, {"fine": 1})
    assert cache.load(path) == {"fine": 1}
    (key_home / "digest" / cache.KEY_FILE).unlink()  # another machine, another user
    cache.secret.cache_clear()
    assert cache.load(path) is None
    assert not path.exists()


def test_files_of_another_version_are_set_aside_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.pickle"
    cache.save(path, {"fine": 1})
    data = path.read_bytes().replace(cache.cache_key().encode(), b"0.1/1/0123456789abcdef")
    path.write_bytes(data)
    with caplog.at_level(logging.WARNING):
        assert cache.load(path) is None
    assert not caplog.records


# -- damage ---------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [60, 100, 200, 400])
def test_a_flipped_byte_in_a_compiled_template_is_discarded(tmp_path: Path, offset: int) -> None:
    """Unchecked, some flips crash the interpreter (SystemError, a segfault) on every
    later build until the cache folder is deleted by hand."""
    root = tmp_path / "site-root"
    make_site(root, 5, "ONE")
    assert digest("build", str(root), "--no-search").returncode == 0
    compiled = list((root / ".digest-cache").glob("templates-*/*.cache"))
    assert compiled
    for path in compiled:
        data = bytearray(path.read_bytes())
        data[offset] ^= 0xFF
        path.write_bytes(bytes(data))
    edit_one_entry(root)
    for _ in range(2):  # the first build discards the damage, the second finds none
        done = digest("build", str(root), "--no-search")
        assert done.returncode == 0, done.stderr
    build_site(root, tmp_path / "clean", use_cache=False, search=False)
    assert tree(root / "site") == tree(tmp_path / "clean")


def test_damage_is_discarded_with_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "entries.pickle"
    cache.save(path, ("zone", {"a": 1}))
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x01
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        assert cache.load(path) is None
    assert [r.getMessage() for r in caplog.records] == [
        f"{DISCARDED} {path}: it was not written by digest on this machine, or it is damaged"
    ]


# -- the key ----------------------------------------------------------------------------------


def test_the_key_is_made_once_private_to_the_user(key_home: Path, tmp_path: Path) -> None:
    cache.save(tmp_path / "a.pickle", 1)
    key = key_home / "digest" / cache.KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_bytes()) == 32
    made = key.read_bytes()
    cache.secret.cache_clear()
    assert cache.load(tmp_path / "a.pickle") == 1
    assert key.read_bytes() == made


def test_without_a_place_for_the_key_nothing_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    root = tmp_path / "site-root"
    make_site(root, 3, "ONE")
    env = {**os.environ, "XDG_CACHE_HOME": str(blocker)}
    rendered = []
    for _ in range(2):
        done = digest("build", str(root), "--no-search", env=env)
        assert done.returncode == 0, done.stderr
        assert done.stderr.startswith(
            f"note: no build cache this time: cannot keep its key in {blocker}/digest/cache-key"
        )
        assert without_address_warning(done.stderr).count("\n") == 1
        rendered.append(done.stdout.split("(")[1].split(")")[0])
    assert rendered[0] == rendered[1] != "nothing changed"  # nothing was kept to skip work
    assert not list((root / ".digest-cache").glob("*.pickle"))


def test_a_key_others_may_read_is_not_used(key_home: Path, tmp_path: Path) -> None:
    cache.save(tmp_path / "a.pickle", 1)
    key = key_home / "digest" / cache.KEY_FILE
    key.chmod(0o644)
    cache.secret.cache_clear()
    assert cache.load(tmp_path / "a.pickle") is None
    cache.save(tmp_path / "b.pickle", 2)
    assert not (tmp_path / "b.pickle").exists()


# -- temporary files ------------------------------------------------------------------------


class Unpicklable:
    def __reduce__(self) -> tuple[object, ...]:
        raise KeyboardInterrupt  # Ctrl-C in the middle of writing the cache


def test_a_cache_write_that_fails_leaves_no_temporary_file(tmp_path: Path) -> None:
    folder = tmp_path / ".digest-cache"
    cache.save(folder / "state.pickle", "first")
    with pytest.raises(KeyboardInterrupt):
        cache.save(folder / "state.pickle", ["x" * 1_000_000, Unpicklable()])
    assert sorted(p.name for p in folder.iterdir()) == ["state.pickle"]
    assert cache.load(folder / "state.pickle") == "first"


def test_temporary_files_of_killed_runs_are_removed_by_the_next_build(tmp_path: Path) -> None:
    root = tmp_path / "site-root"
    make_site(root, 3, "ONE")
    build_site(root, search=False)
    folder = root / ".digest-cache"
    compiled = next(folder.glob("templates-*"))
    stale = [
        folder / ".state.pickle.k2j4_x9a",  # named as before TEMP_SUFFIX
        folder / f".entries.pickle.abc{cache.TEMP_SUFFIX}",
        compiled / f".0123.cache.xyz{cache.TEMP_SUFFIX}",
    ]
    for path in stale:
        path.write_bytes(b"x" * 1000)
    kept = folder / "notes.txt"  # not ours to remove
    kept.write_text("keep")
    build_site(root, search=False)
    assert not [p for p in stale if p.exists()]
    assert kept.exists()


# -- one build at a time ---------------------------------------------------------------------

HOLDER = """
import sys, time
from pathlib import Path
from generator.engine import cache
with cache.build_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(600)
"""

IMPATIENT = """
import sys
from generator.engine import cache
cache.LOCK_WAIT = 1.0
from generator.cli import main
sys.exit(main(sys.argv[1:]))
"""


def hold_lock(root: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root / cache.CACHE_DIR)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def test_a_second_build_stops_with_the_pid_of_the_first(tmp_path: Path) -> None:
    root = tmp_path / "site-root"
    make_site(root, 3, "ONE")
    build_site(root, search=False)
    old = tree(root / "site")
    make_site(root, 3, "TWO")
    holder = hold_lock(root)
    try:
        done = subprocess.run(
            [sys.executable, "-c", IMPATIENT, "build", str(root), "--no-search"],
            cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 1
        assert done.stderr.splitlines() == [
            f"note: waiting for another build of this site (pid {holder.pid}) to finish",
            f"digest: another build is running (pid {holder.pid}) — "
            "wait for it to finish, or stop it",
        ]
        assert tree(root / "site") == old
    finally:
        holder.kill()
        holder.wait()
    # The lock file still names the killed holder: a stale lock, taken over at once.
    assert (root / cache.CACHE_DIR / cache.LOCK_FILE).read_text() == f"{holder.pid}\n"
    done = subprocess.run(
        [sys.executable, "-c", IMPATIENT, "build", str(root), "--no-search"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "waiting" not in done.stderr
    assert not (root / cache.CACHE_DIR / cache.LOCK_FILE).exists()


def test_a_build_waits_for_one_that_ends_soon(tmp_path: Path) -> None:
    root = tmp_path / "site-root"
    make_site(root, 3, "ONE")
    holder = hold_lock(root)
    build = subprocess.Popen(
        [sys.executable, "-m", "generator", "build", str(root), "--no-search"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert build.stderr is not None
    assert build.stderr.readline() == (
        f"note: waiting for another build of this site (pid {holder.pid}) to finish\n"
    )
    holder.send_signal(signal.SIGTERM)
    holder.wait()
    assert build.wait(timeout=60) == 0
    assert (root / "site/index.html").is_file()


@pytest.mark.parametrize("other", ["build", "serve"])
def test_two_runs_at_once_leave_a_whole_site_and_cache(tmp_path: Path, other: str) -> None:
    """Two builds of one site, or a build while the live preview builds it: each either
    builds or stops with a clear message; the site is whole and the cache sound."""
    root = tmp_path / "site-root"
    make_site(root, 600, "ONE")
    (root / "content/e0000.md").write_text(entry_text("Old", "2024-03-01"))  # another year
    args = ["--port", "0"] if other == "serve" else ["--no-search"]
    first = subprocess.Popen(
        [sys.executable, "-m", "generator", other, str(root), *args],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(0.5)  # under way
        second = digest("build", str(root), "--no-search")
        assert "Traceback" not in second.stderr
        if second.returncode != 0:
            assert "digest: another build is running (pid " in second.stderr
        if other == "build":
            _, err = first.communicate(timeout=120)
            assert first.returncode == 0 or "another build is running" in err, err
            assert "Traceback" not in err
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    final = digest("build", str(root), "--no-search")
    assert final.returncode == 0 and "note:" not in final.stderr, final.stderr
    build_site(root, tmp_path / "clean", use_cache=False, search=False)
    assert tree(root / "site") == tree(tmp_path / "clean")
    assert not list(root.glob(".site.digest-stage")) and not list(root.glob(".*pagefind*"))
