"""Faults for real: a build killed mid-way, a full disk, a read-only output folder.

Whatever happens, the output folder holds either the old site or the new one, whole,
and the next build is correct.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from generator.engine.build import build_site
from generator.errors import DigestError
from generator.output.swap import recover_interrupted
from tests.conftest import REPO, entry_text
from tests.helpers import make_site, tree

NO_SPACE = "— free some space; the site was left as it was"


def digest(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "generator", *args],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def use_content(root: Path, which: str) -> None:
    """Point content/ at one of two prepared versions of the site."""
    link = root / "content"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(root / which)


@pytest.mark.slow
def test_build_killed_at_random_points_leaves_old_or_new_site(tmp_path: Path) -> None:
    root, out = tmp_path / "site-root", tmp_path / "out"
    make_site(tmp_path / "old-version", 400, "OLD")
    make_site(tmp_path / "new-version", 400, "NEW")
    root.mkdir()
    for version in ("old-version", "new-version"):
        (tmp_path / version / "content").rename(root / version)
    use_content(root, "new-version")
    build_site(root, tmp_path / "expected-new", use_cache=False, search=False)
    new = tree(tmp_path / "expected-new")
    use_content(root, "old-version")
    build_site(root, out, use_cache=False, search=False)
    old = tree(out)
    assert old != new
    rng = random.Random(20250604)  # fixed points, so a failure can be replayed
    outcomes = []
    for round_number in range(10):
        if tree(out) != old:  # start each round from the old site
            use_content(root, "old-version")
            build_site(root, out, use_cache=False, search=False)
        use_content(root, "new-version")
        cache = ["--full"] if round_number % 2 else []  # half the rounds write the cache
        process = digest("build", str(root), "--output", str(out), "--no-search", *cache)
        time.sleep(rng.uniform(0.05, 2.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = tree(out)
        assert now in (old, new), "a killed build left a half-written site"
        outcomes.append("new" if now == new else "old")
    result = digest("build", str(root), "--output", str(out), "--no-search")
    assert result.wait() == 0, result.stderr.read() if result.stderr else ""
    assert tree(out) == new
    leftovers = {p.name for p in tmp_path.glob(".out.digest-*")}
    assert leftovers <= {".out.digest-spare"}, "stale stage folders were left behind"
    assert "old" in outcomes, "no kill landed before the swap: the test proved nothing"


KILLER = """
import os, signal, sys
from generator.output import write
real, calls = getattr(write, {name!r}), [0]
def dying(*args):
    calls[0] += 1
    if calls[0] == {when}:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args)
setattr(write, {name!r}, dying)
from generator.cli import main
sys.exit(main(["build", {root!r}, "--output", {out!r}, "--no-search"]))
"""


@pytest.mark.parametrize(("name", "when"), [("_create", 1), ("_create", 7), ("_link_or_copy", 3)])
def test_build_killed_while_updating_the_spare_recovers(
    tmp_path: Path, name: str, when: int
) -> None:
    root, out = tmp_path / "site-root", tmp_path / "out"
    make_site(root, 30, "ONE")
    build_site(root, out, search=False)
    make_site(root, 30, "TWO")
    # The first site is now the spare (a cached build would apply these entry edits in
    # place: see test_build_killed_while_moving_edits_in_is_finished_next_time).
    build_site(root, out, search=False, use_cache=False)
    two = tree(out)
    assert (tmp_path / ".out.digest-spare").is_dir()
    make_site(root, 10, "THREE")  # new bodies for ten entries; the spare lacks the rest
    for gone in range(25, 30):
        (root / f"content/e{gone:04d}.md").unlink()
    (out / "CNAME").write_text("example.org")
    script = KILLER.format(name=name, when=when, root=str(root), out=str(out))
    killed = subprocess.run([sys.executable, "-c", script], cwd=REPO, check=False)
    assert killed.returncode == -signal.SIGKILL, "the build was meant to die mid-way"
    assert tree(out) == {**two, "CNAME": b"example.org"}, "the live site was touched"
    build_site(root, out, search=False)
    build_site(root, tmp_path / "clean", use_cache=False, search=False)
    assert tree(out) == {**tree(tmp_path / "clean"), "CNAME": b"example.org"}


@contextmanager
def mounted_tmpfs(mount: Path, size: str) -> Iterator[Path]:
    """A small tmpfs, where the machine lets us mount one (root in a sandbox may not)."""
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
        capture_output=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 300 KB tmpfs."""
    with mounted_tmpfs(tmp_path / "disk", "300k") as mount:
        yield mount


def test_full_disk_leaves_the_old_site_and_says_so(tmp_path: Path, small_disk: Path) -> None:
    root, out = tmp_path / "site-root", small_disk / "site"
    make_site(root, 3, "OLD")
    build_site(root, out, use_cache=False, search=False)
    old = tree(out)
    big = "x" * 400_000  # more than the disk holds
    (root / "content/big.md").write_text(entry_text("Big").replace("Body text.", big))
    with pytest.raises(DigestError, match="no space left on device while writing"):
        build_site(root, out, use_cache=False, search=False)
    assert tree(out) == old
    assert not list(small_disk.glob(".site.digest-*"))
    (root / "content/big.md").unlink()
    build_site(root, out, use_cache=False, search=False)  # and the next build is fine
    assert tree(out) == old


CHANGES = ["edit", "add", "template", "full"]


def change_site(root: Path, change: str) -> list[str]:
    """Make one kind of change to a site made by make_site; the build arguments it takes."""
    from generator.render.templates import theme_dir

    if change in ("edit", "full"):  # an entry edit is applied to the last build's snapshot
        path = root / "content/e0003.md"
        path.write_text(path.read_text().replace("OLD entry 3", "NEW entry 3"))
    elif change == "add":
        (root / "content/new.md").write_text(entry_text("A new one", "2025-02-02"))
    else:
        theme = (theme_dir() / "entry.html").read_text()
        (root / "templates").mkdir(exist_ok=True)
        (root / "templates/entry.html").write_text(
            theme.replace("</article>", "<p>Hi</p></article>")
        )
    return ["--full"] if change == "full" else []


def leftovers(root: Path) -> list[str]:
    """What a build may not leave behind: stages, and temporary files in the cache."""
    found = [p.name for p in root.glob(".site*digest*") if p.name != ".site.digest-spare"]
    found += [p.name for p in root.glob(".digest-cache/**/.*") if p.name != ".digest-cache"]
    return found + [p.name for p in root.glob(".digest-cache/build.lock")]


def without_index(files: dict[str, bytes]) -> dict[str, bytes]:
    return {p: data for p, data in files.items() if not p.startswith("pagefind/")}


@pytest.mark.slow
@pytest.mark.parametrize("change", CHANGES)
def test_a_disk_that_fills_up_leaves_the_old_site_and_says_so_in_one_line(
    tmp_path: Path, change: str
) -> None:
    """The whole site (content, cache, output, search index) on a small disk, filled up
    to leave a little, some or most of what the change needs: the build either succeeds
    or says so in one line and leaves the old site, index and all, and nothing else."""
    outcomes = []
    with mounted_tmpfs(tmp_path / "disk", "4m") as disk:
        for share in (0.005, 0.3, 0.8, 3.0):  # of the space the first build took
            for item in list(disk.iterdir()):
                shutil.rmtree(item) if item.is_dir() else item.unlink()
            root = disk / "site-root"
            make_site(root, 20, "OLD")
            before = disk_free(disk)
            assert digest("build", str(root)).wait() == 0
            old = tree(root / "site")
            args = change_site(root, change)
            filler = disk / "filler"
            filler.write_bytes(
                b"\0" * max(0, disk_free(disk) - int(share * (before - disk_free(disk))))
            )
            process = digest("build", str(root), *args)
            code = process.wait()
            err = process.stderr.read().decode() if process.stderr else ""
            if code == 0:
                outcomes.append("built")
                assert tree(root / "site") != old
            else:
                outcomes.append("refused")
                assert err.startswith("digest: no space left on device while writing "), err
                assert err.endswith(f"{NO_SPACE}\n") and err.count("\n") == 1, err
                assert tree(root / "site") == old
            assert not leftovers(root)
            filler.unlink()
            assert digest("build", str(root)).wait() == 0  # and the next build is whole
            build_site(root, tmp_path / "clean", use_cache=False, search=True)
            assert without_index(tree(root / "site")) == without_index(tree(tmp_path / "clean"))
            assert (root / "site/pagefind/pagefind-entry.json").is_file()
            shutil.rmtree(tmp_path / "clean")
    assert "refused" in outcomes and "built" in outcomes, outcomes


def disk_free(disk: Path) -> int:
    found = os.statvfs(disk)
    return found.f_bavail * found.f_frsize


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("where", ["pages", "search"])
def test_a_full_disk_is_one_line_and_the_old_site(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: str,
    where: str,
) -> None:
    """The same without a tmpfs: the disk fills up while a page is written, or while
    Pagefind writes the index (it says so in its own words)."""
    from generator.cli import main
    from generator.engine import search
    from generator.output import write

    root = tmp_path / "site-root"
    make_site(root, 20, "OLD")
    assert main(["build", str(root)]) == 0
    old = tree(root / "site")
    args = change_site(root, change)
    if where == "pages":
        real = write._create

        def full(path: Path, data: bytes) -> None:
            if path.name == "index.html":
                raise OSError(28, "No space left on device", str(path))
            real(path, data)

        monkeypatch.setattr(write, "_create", full)
    else:
        pagefind = tmp_path / "pagefind"
        pagefind.write_text(
            '#!/bin/sh\nmkdir -p "$4"\n'
            "echo 'Error: No space left on device (os error 28)' >&2\nexit 1\n"
        )
        pagefind.chmod(0o755)
        monkeypatch.setattr(search, "find_pagefind", lambda: pagefind)
    capsys.readouterr()
    assert main(["build", str(root), *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("digest: no space left on device while writing "), err
    assert err.endswith(f"{NO_SPACE}\n") and err.count("\n") == 1, err
    shown = err.split(" while writing ")[1].split(" — ")[0]
    assert shown == str(root / "site/pagefind") or (  # named as in the site, not the spare
        shown.startswith(str(root / "site/")) and shown.endswith("/index.html")
    )
    assert tree(root / "site") == old
    assert not leftovers(root)


def test_read_only_output_is_an_error_not_a_crash(tmp_path: Path, small_disk: Path) -> None:
    root, out = tmp_path / "site-root", small_disk / "site"
    make_site(root, 3, "OLD")
    build_site(root, out, use_cache=False, search=False)
    old = tree(out)
    make_site(root, 3, "NEW")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        process = digest("build", str(root), "--output", str(out), "--no-search")
        assert process.wait() == 1
        err = process.stderr.read().decode() if process.stderr else ""
        assert "cannot write the output folder: Read-only file system" in err
        assert "Traceback" not in err
        assert tree(out) == old
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)


def test_interrupt_is_reported_and_leaves_the_site(tmp_path: Path) -> None:
    root, out = tmp_path / f"r{uuid.uuid4().hex[:6]}", tmp_path / "out"
    make_site(root, 400, "OLD")
    build_site(root, out, use_cache=False, search=False)
    old = tree(out)
    make_site(root, 400, "NEW")
    process = digest("build", str(root), "--output", str(out), "--full", "--no-search")
    time.sleep(0.3)
    os.kill(process.pid, signal.SIGINT)
    code = process.wait()
    now = tree(out)
    if code == 0:
        return  # the build finished before the signal landed: nothing to check
    assert code == 130
    assert now == old


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip"])
def test_damaged_cache_is_discarded_not_trusted(tmp_path: Path, damage: str) -> None:
    root = tmp_path / "site-root"
    make_site(root, 20, "OLD")
    build_site(root, search=False)
    make_site(root, 20, "NEW")
    for name in ("state.pickle", "entries.pickle"):
        path = root / ".digest-cache" / name
        data = path.read_bytes()
        if damage == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif damage == "garbage":
            path.write_bytes(os.urandom(len(data)))
        else:  # one bit of the payload: the checksum must catch it
            flipped = bytearray(data)
            flipped[-10] ^= 0x01
            path.write_bytes(bytes(flipped))
    build_site(root, search=False)
    build_site(root, tmp_path / "clean", use_cache=False, search=False)
    assert tree(root / "site") == tree(tmp_path / "clean")


IN_PLACE_KILLER = """
import os, signal, sys
from generator.output import write
module = write if {name!r} == "_create" else os
real, calls = getattr(module, {name!r}), [0]
def dying(*args, **kwargs):
    calls[0] += 1
    if calls[0] == {when}:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **kwargs)
setattr(module, {name!r}, dying)
from generator.cli import main
sys.exit(main(["build", {root!r}, "--output", {out!r}, "--no-search"]))
"""


@pytest.mark.parametrize(
    ("name", "when", "recorded"),
    [("_create", 1, False), ("replace", 1, True), ("replace", 3, True)],
)
def test_build_killed_while_moving_edits_in_is_finished_next_time(
    tmp_path: Path, name: str, when: int, recorded: bool
) -> None:
    """An entry edit in a new process is written in place (resume.py): its pages wait
    beside the site (`_create`), then a record of the moves is made, then each is moved
    in (os.replace). Killed before the record, the site is the old one; after, the next
    build finishes the moves."""
    root, out = tmp_path / "site-root", tmp_path / "out"
    make_site(root, 30, "ONE")
    build_site(root, out, search=False)
    old = tree(out)
    for i in (3, 4):
        path = root / f"content/e{i:04d}.md"
        path.write_text(path.read_text().replace("title: ONE", "title: EDITED"))
    script = IN_PLACE_KILLER.format(name=name, when=when, root=str(root), out=str(out))
    killed = subprocess.run([sys.executable, "-c", script], cwd=REPO, check=False)
    assert killed.returncode == -signal.SIGKILL, "the build was meant to die mid-way"
    if not recorded or when == 1:
        assert tree(out) == old, "the live site was touched before the first move"
    recover_interrupted(out)
    build_site(root, tmp_path / "clean", use_cache=False, search=False)
    clean = tree(tmp_path / "clean")
    assert tree(out) == (clean if recorded else old), "recovery did not follow the record"
    assert not (tmp_path / ".out.digest-stage").exists()
    build_site(root, out, search=False)
    assert tree(out) == clean


# -- processes: workers end with the build, Ctrl-C ends it at once -------------------------


def slow_site(root: Path, entries: int = 500) -> None:
    """A site big enough for the worker pool, whose entry pages take a second each."""
    from generator.render.templates import theme_dir

    make_site(root, entries, "SLOW")
    theme = (theme_dir() / "entry.html").read_text()
    slow = "{% block og_type %}{% for i in range(25000000) %}{% endfor %}article{% endblock %}"
    assert "{% block og_type %}article{% endblock %}" in theme
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates/entry.html").write_text(
        theme.replace("{% block og_type %}article{% endblock %}", slow)
    )


def proc_stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the name in parentheses may hold spaces
    return int(fields[1]), fields[0]


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (proc_stat(int(entry.name)) or (0, ""))[0] == pid:
            found.add(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (a zombie holds no files and runs no code)."""
    found = proc_stat(pid)
    return found is not None and found[1] != "Z"


def ours(marker: str) -> set[int]:
    """Live processes whose command line names `marker` (forked workers keep their
    parent's command line)."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit() and marker.encode() in cmdline and running(int(entry.name)):
            found.add(int(entry.name))
    return found


def wait_for_workers(process: subprocess.Popen[bytes], at_least: int = 1) -> set[int]:
    """The worker processes of a running build, once it has some."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the build ended before it used its workers"
        children = {pid for pid in children_of(process.pid) if running(pid)}
        if len(children) >= at_least:
            return children
        time.sleep(0.05)
    raise AssertionError("the build never started its worker processes")


def assert_all_gone(pids: set[int], marker: str) -> None:
    deadline = time.monotonic() + 20  # the target is 2 s; this only says "they end"
    while time.monotonic() < deadline and ({p for p in pids if running(p)} or ours(marker)):
        time.sleep(0.05)
    assert not {p for p in pids if running(p)}, "a worker outlived its build"
    assert not ours(marker), "a process of the build is still running"


def assert_output_ends(process: subprocess.Popen[bytes]) -> bytes:
    """Read the build's stdout and stderr to their end, as `digest build | tee log` does:
    the end comes only once no process holds them. Return stderr."""
    import threading

    read: dict[str, bytes] = {}

    def drain(name: str, stream: object) -> None:
        read[name] = stream.read()  # type: ignore[attr-defined]

    readers = [
        threading.Thread(target=drain, args=(name, stream), daemon=True)
        for name, stream in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(timeout=20)
    assert not any(r.is_alive() for r in readers), "something still holds the build's output"
    return read["err"]


@pytest.mark.parametrize("command", ["build", "serve"])
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_workers_end_with_their_build(tmp_path: Path, command: str, how: signal.Signals) -> None:
    """Kill the main process only (the OOM killer, a CI timeout, systemd's KillMode=process):
    its forked workers end with it and let go of its output."""
    root = tmp_path / f"r{uuid.uuid4().hex[:8]}"
    slow_site(root)
    extra = ["--port", "0"] if command == "serve" else ["--no-search"]
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", command, str(root), *extra],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        workers = wait_for_workers(process)
        process.send_signal(how)
        process.wait(timeout=60)
        assert_all_gone(workers, root.name)
        assert_output_ends(process)
    finally:
        for pid in ours(root.name):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("group", [True, False], ids=["process-group", "main-only"])
def test_ctrl_c_during_slow_pages_ends_the_build_at_once(tmp_path: Path, group: bool) -> None:
    """Ctrl-C reaches every process of the group (a terminal) or only the main one; either
    way the build ends with code 130, no worker left, and the old site in place."""
    root = tmp_path / f"r{uuid.uuid4().hex[:8]}"
    make_site(root, 500, "OLD")
    build_site(root, search=False)
    old = tree(root / "site")
    slow_site(root)  # the entries are cached: only the entry pages are rendered, slowly
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "build", str(root), "--no-search"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        workers = wait_for_workers(process)
        time.sleep(0.5)  # well into its first pages
        if group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            os.kill(process.pid, signal.SIGINT)
        try:
            code = process.wait(timeout=20)  # the target is 2 s
        except subprocess.TimeoutExpired:
            raise AssertionError("the build did not end after Ctrl-C") from None
        err = assert_output_ends(process).decode()
        assert code == 130, err
        assert "interrupted" in err and "Traceback" not in err, err
        assert_all_gone(workers, root.name)
        assert tree(root / "site") == old
    finally:
        for pid in ours(root.name):
            os.kill(pid, signal.SIGKILL)
