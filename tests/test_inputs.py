"""What a build reads, end to end: links out of the site, unreadable files and folders,
template files that are not files or not UTF-8, and the entries it leaves out on purpose."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.engine.build import Builder, build_site
from generator.errors import BuildFailed, DigestError
from tests.conftest import REPO, WriteTree, entry_text

PASSWD_LINE = "root:x:0:0:"
INCLUDES_LEAK = (
    '{% extends "base.html" %}{% block content %}{% include "leak.html" %}{% endblock %}'
)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the site root, holding a secret and a valid entry."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(f"{PASSWD_LINE}/root:/bin/bash\n")
    (folder / "entry.md").write_text(entry_text("From outside", slug="from-outside"))
    return folder


@pytest.fixture
def root(write_tree: WriteTree) -> Path:
    return write_tree({"site-root/content/a.md": entry_text("Inside")}) / "site-root"


def problems(root: Path, **options: object) -> dict[str, str]:
    with pytest.raises(BuildFailed) as failed:
        build_site(root, search=False, **options)  # type: ignore[arg-type]
    return {e.path or "": e.message for e in failed.value.errors}


# -- links out of the site: one rule for content, templates and static -------------


def test_a_template_linked_out_of_the_site_is_refused_not_included(
    root: Path, outside: Path
) -> None:
    (root / "templates").mkdir()
    os.symlink(outside / "secret.txt", root / "templates" / "leak.html")
    (root / "templates" / "404.html").write_text(INCLUDES_LEAK)
    found = problems(root)
    assert "templates/leak.html" in found
    assert f"symbolic link to {outside / 'secret.txt'}" in found["templates/leak.html"]
    assert not (root / "site").exists()


def test_the_template_loader_refuses_a_link_out_the_walk_does_not_list(
    root: Path, outside: Path
) -> None:
    """A hidden name is no input, yet `{% include %}` can still name it."""
    (root / "templates").mkdir()
    os.symlink(outside / "secret.txt", root / "templates" / ".leak.html")
    (root / "templates" / "404.html").write_text(INCLUDES_LEAK.replace("leak", ".leak"))
    with pytest.raises(DigestError) as raised:
        build_site(root, search=False)
    assert raised.value.path == "templates/.leak.html"
    assert "outside the site and the theme" in raised.value.message
    assert not (root / "site").exists()


def test_a_static_file_linked_out_of_the_site_is_refused(root: Path, outside: Path) -> None:
    (root / "static").mkdir()
    os.symlink(outside / "secret.txt", root / "static" / "host.txt")
    assert "outside the site" in problems(root)["static/host.txt"]


def test_a_content_file_linked_out_of_the_site_is_refused(root: Path, outside: Path) -> None:
    os.symlink(outside / "entry.md", root / "content" / "linked.md")
    assert "outside the site" in problems(root)["content/linked.md"]


def test_a_linked_out_entry_is_skipped_with_keep_going(root: Path, outside: Path) -> None:
    os.symlink(outside / "entry.md", root / "content" / "linked.md")
    result = build_site(root, search=False, keep_going=True)
    assert [e.path for e in result.skipped] == ["content/linked.md"]
    assert [e.path for e in result.site.entries] == ["content/a.md"]


def test_a_templates_folder_linked_out_of_the_site_is_refused(root: Path, outside: Path) -> None:
    (outside / "theme").mkdir()
    (outside / "theme" / "404.html").write_text("mine")
    os.symlink(outside / "theme", root / "templates", target_is_directory=True)
    assert "outside the site" in problems(root)["templates"]


def test_links_inside_the_site_and_into_the_theme_are_followed(root: Path) -> None:
    from generator.render.templates import theme_dir

    (root / "shared").mkdir()
    (root / "shared" / "note.txt").write_text("shared")
    (root / "static").mkdir()
    (root / "templates").mkdir()
    os.symlink(root / "shared" / "note.txt", root / "static" / "note.txt")
    os.symlink(theme_dir() / "404.html", root / "templates" / "404.html")
    build_site(root, search=False)
    assert (root / "site" / "note.txt").read_text() == "shared"
    assert (root / "site" / "404.html").is_file()


def test_allow_outside_links_follows_them_everywhere(root: Path, outside: Path) -> None:
    (root / "digest.toml").write_text("allow_outside_links = true\n")
    (root / "templates").mkdir()
    (root / "static").mkdir()
    os.symlink(outside / "secret.txt", root / "templates" / "leak.html")
    (root / "templates" / "404.html").write_text(INCLUDES_LEAK)
    os.symlink(outside / "secret.txt", root / "static" / "host.txt")
    os.symlink(outside / "entry.md", root / "content" / "linked.md")
    result = build_site(root, search=False)
    assert PASSWD_LINE in (root / "site" / "404.html").read_text()
    assert PASSWD_LINE in (root / "site" / "host.txt").read_text()
    assert "content/linked.md" in {e.path for e in result.site.entries}


def test_a_link_out_added_after_a_build_is_not_taken_for_no_change(
    root: Path, outside: Path
) -> None:
    """The no-change shortcut and the resumed build must not hide the new problem."""
    builder_site = build_site(root, search=False)
    assert builder_site.site is not None
    (root / "static").mkdir()
    os.symlink(outside / "secret.txt", root / "static" / "host.txt")
    assert "static/host.txt" in problems(root)
    (root / "static" / "host.txt").unlink()
    (root / "content" / "a.md").write_text(entry_text("Inside, edited"))  # an edit to resume
    os.symlink(outside / "entry.md", root / "content" / "linked.md")
    assert "content/linked.md" in problems(root)


# -- template files that are not what they seem ------------------------------------


def test_a_template_that_is_not_utf8_is_an_error_at_its_line(root: Path) -> None:
    (root / "templates").mkdir()
    (root / "templates" / "entry.html").write_bytes(
        b'{% extends "base.html" %}\n{% block content %}\ncaf\xe9\n{% endblock %}\n'
    )
    with pytest.raises(DigestError) as raised:
        build_site(root, search=False)
    error = raised.value
    assert (error.path, error.line) == ("templates/entry.html", 3)
    assert "not valid UTF-8" in error.message


def test_a_template_path_that_is_a_folder_is_an_error(root: Path) -> None:
    (root / "templates" / "entry.html").mkdir(parents=True)
    (root / "templates" / "entry.html" / "x.html").write_text("x")
    found = problems(root)
    assert "the theme's own entry.html is used instead" in found["templates/entry.html"]


# -- unreadable folders and files ----------------------------------------------------


def deny_listing(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if Path(path) == denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_folder_fails_the_build_and_keeps_the_site(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "content" / "sub").mkdir()
    (root / "content" / "sub" / "b.md").write_text(entry_text("In sub", slug="in-sub"))
    build_site(root, search=False)
    page = root / "site" / "2025" / "06" / "04" / "in-sub" / "index.html"
    assert page.is_file()
    deny_listing(monkeypatch, root / "content" / "sub")
    assert "cannot read this folder" in problems(root)["content/sub"]
    assert page.is_file()  # the old site stays whole
    result = build_site(root, search=False, keep_going=True)
    assert [e.path for e in result.skipped] == ["content/sub"]
    assert not page.exists()


def test_an_unreadable_entry_is_listed_with_every_other_problem(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import PosixPath

    (root / "content" / "b.md").write_text(entry_text("B", slug="b"))
    (root / "content" / "c.md").write_text("no front matter")
    real_read = PosixPath.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "b.md":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(PosixPath, "read_bytes", read_bytes)
    found = problems(root)
    assert "cannot read this file: Permission denied" in found["content/b.md"]
    assert "content/c.md" in found  # reported together, not one at a time
    result = build_site(root, search=False, keep_going=True)
    assert {e.path for e in result.skipped} == {"content/b.md", "content/c.md"}


def test_an_unreadable_template_stops_even_keep_going(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "templates" / "sub").mkdir(parents=True)
    deny_listing(monkeypatch, root / "templates" / "sub")
    assert "templates/sub" in problems(root, keep_going=True)


@pytest.fixture
def shared_copy() -> Iterator[Path]:
    """A site in a folder another user may enter: /tmp/pytest-of-root is the owner's only."""
    folder = Path(tempfile.mkdtemp(prefix="digest-perm-"))
    os.chmod(folder, 0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


# Python itself lies under /root, which nobody may enter: the child starts as root, builds
# a small site once so every module it needs is imported, and only then becomes nobody.
AS_NOBODY = """
import contextlib, importlib, io, os, pkgutil, sys
import generator
from generator.cli import main
if os.geteuid() == 0:
    for module in pkgutil.walk_packages(generator.__path__, "generator."):
        if module.name != "generator.__main__":
            importlib.import_module(module.name)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(["build", sys.argv[1], "--no-search", "--keep-going"])
        main(["build", sys.argv[1], "--no-search", "--keep-going"])
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
sys.exit(main(sys.argv[2:]))
"""


def run_as_builder(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`digest ARGS` as a user whom permission bits stop: nobody when we are root."""
    warm = cwd / "warm-up"
    if not warm.exists():
        (warm / "content").mkdir(parents=True)
        (warm / "content" / "a.md").write_text(entry_text("Warm"))
        (warm / "content" / "b.md").write_text("broken")
    home = cwd / "home"
    home.mkdir(mode=0o777, exist_ok=True)
    home.chmod(0o777)
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-c", AS_NOBODY, str(warm), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_folder_the_builder_may_not_read_is_named_not_skipped(shared_copy: Path) -> None:
    site = shared_copy / "site-root"
    (site / "content" / "sub").mkdir(parents=True)
    (site / "content" / "a.md").write_text(entry_text("A", slug="a"))
    (site / "content" / "sub" / "b.md").write_text(entry_text("B", slug="b"))
    for path in [site, *site.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    build = ["build", "site-root", "--no-search"]
    first = run_as_builder(build, shared_copy)
    assert first.returncode == 0, first.stderr
    page = site / "site" / "2025" / "06" / "04" / "b" / "index.html"
    assert page.is_file()
    (site / "content" / "sub").chmod(0)
    denied = run_as_builder(build, shared_copy)
    assert denied.returncode == 1
    assert "site-root/content/sub: cannot read this folder: Permission denied" in denied.stderr
    assert page.is_file()
    kept_going = run_as_builder([*build, "--keep-going"], shared_copy)
    assert kept_going.returncode == 0, kept_going.stderr
    assert "skipped: site-root/content/sub: cannot read this folder" in kept_going.stderr
    assert "left out: 1 skipped" in kept_going.stdout
    (site / "content" / "sub").chmod(0o777)
    (site / "content" / "sub" / "b.md").chmod(0)
    denied_file = run_as_builder(build, shared_copy)
    assert denied_file.returncode == 1
    assert "site-root/content/sub/b.md: cannot read this file" in denied_file.stderr


# -- entries left out on purpose: drafts, and entries dated after now -----------------


def later(hours: float) -> str:
    when = datetime.now(UTC) + timedelta(hours=hours)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_entries_dated_later_today_are_held_back_by_path_and_date(root: Path) -> None:
    (root / "content" / "soon.md").write_text(entry_text("Soon", later(0.5), slug="soon"))
    (root / "content" / "next.md").write_text(entry_text("Next", later(48), slug="next"))
    (root / "content" / "d.md").write_text(entry_text("Draft", slug="d", draft="true"))
    result = build_site(root, search=False)
    assert [path for path, _ in result.held_back] == ["content/soon.md", "content/next.md"]
    assert all(isinstance(date, datetime) for _, date in result.held_back)
    assert result.drafts_left_out == 1
    assert build_site(root, search=False, write=False).held_back == result.held_back
    everything = build_site(root, search=False, future=True, drafts=True)
    assert everything.held_back == [] and everything.drafts_left_out == 0


def test_held_back_entries_are_reported_by_every_kind_of_build(root: Path) -> None:
    """A clean build, the no-change shortcut, a resumed edit and a live edit agree."""
    (root / "content" / "soon.md").write_text(entry_text("Soon", later(5), slug="soon"))
    (root / "content" / "d.md").write_text(entry_text("Draft", slug="d", draft="true"))
    clean = build_site(root, search=False)
    expected = (clean.held_back, clean.drafts_left_out)
    assert len(clean.held_back) == 1
    time.sleep(0.01)
    unchanged = build_site(root, search=False)
    assert (
        unchanged.nothing_changed and (unchanged.held_back, unchanged.drafts_left_out) == expected
    )
    (root / "content" / "a.md").write_text(entry_text("Inside, edited"))
    resumed = build_site(root, search=False)
    assert resumed.resumed and (resumed.held_back, resumed.drafts_left_out) == expected
    live = Builder(root, root / "preview", in_place=True, search=False)
    live.build()
    (root / "content" / "a.md").write_text(entry_text("Inside, edited again"))
    edit = live.build(changed=["content/a.md"])
    assert (edit.held_back, edit.drafts_left_out) == expected


def test_an_unreadable_registry_stops_even_keep_going(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import PosixPath

    (root / "content" / "people.yaml").write_text("- name: Ada Lovelace\n")
    real_read = PosixPath.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "people.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(PosixPath, "read_bytes", read_bytes)
    found = problems(root, keep_going=True)
    assert "cannot read this file" in found["content/people.yaml"]
