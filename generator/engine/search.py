"""Full-text search: Pagefind indexes the written site, as the build's last step.

Pagefind reads the HTML in the output folder and writes its index and UI to
`pagefind/` in it. Only entry pages are indexed (their article carries
`data-pagefind-body`), with filters for person, topic and edition. The search page
loads the UI from there; nothing runs on a server.

A build indexes the new site while it waits beside the output, before anything is
swapped in (`index_stage`): the pages and their index go live together or not at all,
and a Pagefind that fails leaves the old site, index and all. Pagefind writes to a folder
of its own beside the output (`.site-pagefind.digest-stage`), removed whatever happens.
To our write step those files are foreign (they are not in `.digest-manifest.json`), so
the next build carries them over untouched. A stamp in the folder records which pages
the index was made from; when no HTML page changed, Pagefind is not run again.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from functools import partial
from pathlib import Path

from generator.config import Config
from generator.digests import hash_text
from generator.engine.progress import Timings
from generator.engine.workers import die_with_parent
from generator.errors import DigestError
from generator.output.folder import output_error
from generator.output.manifest import read_manifest

log = logging.getLogger(__name__)

INDEX_DIR = "pagefind"
STAMP = ".digest-stamp"
INSTALL_HINT = (
    "install it with `pip install 'pagefind[bin]'`, or build without the search index "
    "(`digest build --no-search`, or `search = false` in digest.toml)"
)
TIMEOUT = 600
_NO_SPACE = "No space left on device"  # in Pagefind's message (Rust's io::Error)


def index_site(out: Path) -> bool:
    """Bring `out/pagefind/` up to date with the live site's pages (whose bytes are not
    changing: this swaps in the index alone); False when it already was."""
    binary = find_pagefind()
    stamp = _stamp(binary, read_manifest(out))
    index = out / INDEX_DIR
    if _current(index, stamp):
        return False
    fresh = _run(binary, out, out, stamp, "the previous search index was kept")
    try:
        _swap_in(fresh, index)
    except BaseException:
        _remove_tree(fresh)
        raise
    log.info("search index written to %s", index)
    return True


class SearchStep:
    """Index the new site where it waits, before it is swapped in: the pages and their
    index go live together or not at all (`index_stage`). It is the commit's last step
    (write.BeforeSwap); its time counts as search, not as the write that ran it."""

    def __init__(self, out: Path, timings: Timings) -> None:
        self.out, self.timings = out, timings
        self.ran = False
        self.seconds = 0.0

    @classmethod
    def of(
        cls, wanted: bool | None, config: Config, out: Path, timings: Timings
    ) -> SearchStep | None:
        """The step when the site has a search index (`wanted`, else as digest.toml says)."""
        return cls(out, timings) if _wanted(wanted, config) else None

    def __call__(self, stage: Path, hashes: Mapping[str, str]) -> None:
        self.ran = True
        start = time.perf_counter()
        try:
            with self.timings.timed("search"):
                index_stage(stage, self.out, hashes)
        finally:
            self.seconds = time.perf_counter() - start

    def apart(self, timings: Timings) -> None:
        """Count the index's time as search, not as the write that ran it (once)."""
        if self.seconds and "write" in timings:
            timings["write"] -= self.seconds
            self.seconds = 0.0


def index_live_site(
    wanted: bool | None, config: Config, out: Path, timings: Timings, step: SearchStep | None = None
) -> None:
    """Bring the live site's index up to date, when asked to and the commit did not
    (nothing changed, so nothing was swapped in); it skips itself when current."""
    if step is not None:
        step.apart(timings)
        if step.ran:
            return
    if _wanted(wanted, config):
        with timings.timed("search"):
            index_site(out)


def _wanted(wanted: bool | None, config: Config) -> bool:
    return config.search if wanted is None else wanted


def index_stage(stage: Path, out: Path, hashes: Mapping[str, str]) -> bool:
    """Index the site waiting in `stage` to replace `out` (whose manifest is `hashes`)
    into `stage/pagefind/`; False when the index carried over there is current."""
    binary = find_pagefind()
    stamp = _stamp(binary, hashes)
    index = stage / INDEX_DIR
    if _current(index, stamp):
        return False
    fresh = _run(binary, stage, out, stamp, "the site was left as it was")
    try:  # the old index there is links to the live one's files: unlinked, not changed
        _remove_tree(index)
        os.replace(fresh, index)
    except BaseException:
        _remove_tree(fresh)
        raise
    return True


def _current(index: Path, stamp: str) -> bool:
    return _read(index / STAMP) == stamp and (index / "pagefind-entry.json").is_file()


def _run(binary: Path, site: Path, out: Path, stamp: str, kept: str) -> Path:
    """Run Pagefind over `site` into a fresh folder beside `out`, stamped; return it.
    On any failure the folder is removed and the error says what was `kept`."""
    fresh = out.parent / f".{out.name}-pagefind.digest-stage"  # as .gitignore expects
    command = [str(binary), "--site", str(site), "--output-path", str(fresh), "--silent"]
    try:
        _remove_tree(fresh)
        try:
            run = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT, check=False,
                preexec_fn=partial(die_with_parent, os.getpid(), watch=False),
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            raise DigestError(f"cannot run Pagefind ({binary}): {exc}", hint=INSTALL_HINT) from exc
        said = (run.stderr or run.stdout).strip().splitlines()[-5:]
        if run.returncode != 0 or not (fresh / "pagefind-entry.json").is_file():
            if any(_NO_SPACE in line for line in said):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out / INDEX_DIR))
            raise DigestError(
                f"Pagefind could not index {out} (exit code {run.returncode})"
                + (": " + " / ".join(said) if said else ""),
                hint=f"{kept}; fix the problem or build with --no-search",
            )
        (fresh / STAMP).write_text(stamp + "\n", encoding="utf-8")
    except OSError as exc:
        _remove_tree_quietly(fresh)
        where = Path(exc.filename) if exc.filename else fresh
        if where.is_relative_to(fresh):  # named as the index it was to become
            exc.filename = str(out / INDEX_DIR / where.relative_to(fresh))
        raise output_error(exc, out) from exc
    except BaseException:
        _remove_tree_quietly(fresh)
        raise
    return fresh


def find_pagefind() -> Path:
    """The Pagefind binary: the one the `pagefind[bin]` package ships, else one on PATH."""
    try:
        from pagefind_bin import get_executable  # here: an optional dependency

        return Path(get_executable())
    except (ImportError, OSError):
        pass
    for name in ("pagefind_extended", "pagefind"):
        found = shutil.which(name)
        if found:
            return Path(found)
    raise DigestError("the search index needs Pagefind, which is not installed", hint=INSTALL_HINT)


def _stamp(binary: Path, hashes: Mapping[str, str]) -> str:
    """What the index is made from: the pages' hashes and the Pagefind binary."""
    try:
        stat = binary.stat()
        tool = f"{binary}:{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        tool = str(binary)
    pages = sorted(f"{p}={h}" for p, h in hashes.items() if p.endswith(".html"))
    return hash_text(tool, *pages)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _swap_in(fresh: Path, index: Path) -> None:
    """Replace the old index folder by the new one, never leaving half of each."""
    old = index.parent.parent / f".{index.parent.name}-pagefind.digest-old"
    _remove_tree(old)
    if index.exists() or index.is_symlink():
        os.replace(index, old)
    os.replace(fresh, index)
    _remove_tree(old)


def _remove_tree_quietly(path: Path) -> None:
    try:
        _remove_tree(path)
    except OSError as exc:
        log.warning("could not remove %s: %s", path, exc)


def _remove_tree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)
