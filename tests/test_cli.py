"""The command line: exit codes, messages, and the commands a new user runs first."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator import __version__
from generator.cli import main
from tests.conftest import REPO, WriteTree, entry_text, without_address_warning

# A published site's settings: without `site_url` a build warns that the sitemap is left out.
SITE_URL = 'site_url = "https://example.org/"\n'


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"digest {__version__}"


@pytest.mark.parametrize("command", ["build", "check", "new"])
def test_each_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "ROOT" in capsys.readouterr().out


def test_unknown_option_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--no-such-option"])
    assert exit_info.value.code == 2


def test_root_without_content_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", str(tmp_path)]) == 2
    assert "has no content/ folder" in capsys.readouterr().err


def test_new_then_build_gives_a_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "mysite"
    assert main(["new", str(root)]) == 0
    assert main(["build", str(root)]) == 0
    assert (root / "site" / "index.html").is_file()
    assert (root / "site" / "people" / "ada-example" / "index.html").is_file()
    assert "written" in capsys.readouterr().out


def test_new_writes_a_github_pages_workflow_that_runs_digest_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    from generator import scaffold

    editable = '{"url": "file:///work/digest", "dir_info": {"editable": true}}'
    monkeypatch.setattr(scaffold, "_direct_url", lambda: editable)
    root = tmp_path / "mysite"
    assert main(["new", str(root)]) == 0
    text = (root / ".github/workflows/pages.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)  # valid YAML
    assert set(workflow[True]) >= {"push", "workflow_dispatch"}  # `on:` reads as True
    jobs = workflow["jobs"]
    steps = [step for job in jobs.values() for step in job["steps"]]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert re.search(r"^digest build\b", runs, re.M)
    assert '"$DIGEST_REQUIREMENT"' in runs and "DIGEST_REQUIREMENT" in workflow["env"]
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert {"actions/checkout", "actions/setup-python", "actions/configure-pages",
            "actions/upload-pages-artifact", "actions/deploy-pages"} <= set(uses)  # fmt: skip
    assert uses["actions/upload-pages-artifact"]["with"]["path"] == "site"
    deploy = next(
        job
        for job in jobs.values()
        if any("deploy-pages" in s.get("uses", "") for s in job["steps"])
    )
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    # Installed here from a folder CI cannot see: the workflow says what to set.
    assert "DIGEST_REQUIREMENT" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        ('{"url": "https://github.com/o/digest.git", "vcs_info": {"vcs": "git", '
         '"requested_revision": "v0.1.0", "commit_id": "abc"}}',
         "digest @ git+https://github.com/o/digest.git@v0.1.0"),
        ('{"url": "https://github.com/o/digest", "vcs_info": {"vcs": "git", "commit_id": "abc"}}',
         "digest @ git+https://github.com/o/digest@abc"),
        ('{"url": "https://example.org/digest-0.1.0-py3-none-any.whl", "archive_info": {}}',
         "digest @ https://example.org/digest-0.1.0-py3-none-any.whl"),
        ('{"url": "file:///work/digest", "dir_info": {"editable": true}}', None),
        ('{"url": "file:///tmp/digest.whl", "archive_info": {}}', None),
        (None, None),
        ("not json", None),
    ],
)  # fmt: skip
def test_the_workflow_installs_digest_from_where_it_came(
    direct_url: str | None, expected: str | None
) -> None:
    from generator.scaffold import requirement_from

    assert requirement_from(direct_url) == expected


def test_new_refuses_a_folder_with_files(write_tree: WriteTree) -> None:
    root = write_tree({"notes.txt": "keep me"})
    assert main(["new", str(root)]) == 2
    assert (root / "notes.txt").read_text() == "keep me"


def test_build_defaults_to_current_folder(
    write_tree: WriteTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree({"content/a.md": entry_text("Hello")})
    monkeypatch.chdir(root)
    assert main(["build"]) == 0
    assert (root / "site" / "2025" / "06" / "04" / "a" / "index.html").is_file()


def test_output_option(write_tree: WriteTree, tmp_path: Path) -> None:
    root = write_tree({"content/a.md": entry_text("Hello")})
    out = tmp_path / "elsewhere"
    assert main(["build", str(root), "--output", str(out)]) == 0
    assert (out / "index.html").is_file()
    assert not (root / "site").exists()


def test_drafts_flag(write_tree: WriteTree) -> None:
    root = write_tree({"content/a.md": entry_text("Hidden", draft="true")})
    assert main(["build", str(root)]) == 0
    assert not (root / "site/2025/06/04/a/index.html").exists()
    assert main(["build", str(root), "--drafts"]) == 0
    assert (root / "site/2025/06/04/a/index.html").exists()


def test_check_names_file_and_line_and_writes_nothing(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(
        {
            "content/good.md": entry_text("Fine"),
            "content/bad.md": "---\ntitle: Broken\ndate: 2025-13-01\n---\n",
        }
    )
    assert main(["check", str(root)]) == 1
    err = capsys.readouterr().err
    assert f"{root}/content/bad.md:3: `date`:" in err
    assert not (root / "site").exists()


def test_check_lists_unregistered_names(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({"content/a.md": entry_text("Hello", people="[Nobody Known]")})
    assert main(["check", str(root)]) == 0
    assert "'Nobody Known' is not in content/people.yaml" in capsys.readouterr().out


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--version"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("digest ")


def _wheel(folder: Path) -> Path:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(folder), str(REPO)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (wheel,) = folder.glob("digest-*.whl")
    return wheel


def test_wheel_ships_the_theme(tmp_path: Path) -> None:
    """`pip install .` elsewhere must bring the default theme along with the code."""
    import zipfile

    names = set(zipfile.ZipFile(_wheel(tmp_path)).namelist())
    for template in ("base.html", "entry.html", "person.html", "partials/entry_card.html"):
        assert f"generator/theme/{template}" in names
    assert "generator/theme/static/style.css" in names
    assert "generator/preview/livereload.js" in names
    for stage in ("source", "newsroom", "index", "render", "output", "engine", "preview"):
        assert f"generator/{stage}/__init__.py" in names


@pytest.mark.slow
def test_the_installed_wheel_makes_and_builds_a_new_site(tmp_path: Path) -> None:
    """Installed from its wheel into a fresh virtual environment (no network: the
    dependencies are this environment's, found through a .pth file), `digest new x`
    and `digest build x` work, and the live preview finds its reload script."""
    import sysconfig
    import venv

    wheel = _wheel(tmp_path / "dist")
    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=True)
    python = fresh / "bin" / "python"
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    ours = sysconfig.get_path("purelib")  # jinja2, markdown, … (not this checkout's digest)
    (Path(site_packages) / "dependencies.pth").write_text(ours + "\n")
    # Nothing but the fresh environment and the dependencies: not this checkout (nor an
    # egg-info a build left in it, which pip would take for digest installed already).
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         "--ignore-installed", str(wheel)],
        capture_output=True, text=True, env=clean, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    digest = fresh / "bin" / "digest"
    for args in (["new", "x"], ["build", "x"]):
        done = subprocess.run(
            [str(digest), *args], cwd=tmp_path, capture_output=True, text=True, env=clean,
            check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "x/site/index.html").is_file()
    assert (tmp_path / "x/site/theme/style.css").is_file()
    where = subprocess.run(
        [str(python), "-c", "import generator, generator.preview.httpd as h; "
         "print(generator.__file__); print(len(h._script()))"],
        cwd=tmp_path, capture_output=True, text=True, env=clean, check=True,
    ).stdout.split()  # fmt: skip
    assert where[0].startswith(site_packages), "the test ran this checkout, not the wheel"
    assert int(where[1]) > 0


def test_keep_going_builds_the_rest_and_lists_what_it_skipped(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(
        {
            "content/good.md": entry_text("Fine"),
            "content/bad.md": "---\ntitle: Broken\ndate: 2025-13-01\n---\n",
            "content/dup-a.md": entry_text("Dup A", slug="same"),
            "content/dup-b.md": entry_text("Dup B", slug="same"),
        }
    )
    assert main(["build", str(root)]) == 1
    assert not (root / "site").exists()
    capsys.readouterr()
    assert main(["build", str(root), "--keep-going"]) == 0
    err = capsys.readouterr().err
    assert f"skipped: {root}/content/bad.md:3: `date`:" in err
    assert "dup-b.md" in err  # the second claimant of /2025/06/04/same/ is left out
    assert (root / "site/2025/06/04/good/index.html").is_file()
    assert not (root / "site/2025/06/04/bad").exists()
    assert main(["build", str(root), "--keep-going"]) == 0  # and says so again next time
    assert "skipped:" in capsys.readouterr().err


SUMMARY = re.compile(
    r"(\d+) files? in (\S+/): (\d+) written, (\d+) unchanged, (\d+) removed "
    r"\((nothing changed|\d+ rendered)\) in \d+\.\d\d s \[((?:\w+ \d+\.\d\d(?:, )?)+)\]"
    r"(?:; left out: (.+))?"
)


def summary_of(out: str) -> dict[str, str]:
    """The last line's fields: it must always be the one-line summary."""
    last = out.rstrip("\n").splitlines()[-1]
    match = SUMMARY.fullmatch(last)
    assert match, last
    files, where, written, unchanged, removed, what, stages, left_out = match.groups()
    timings = dict(s.split() for s in stages.split(", "))
    fields = {"files": files, "written": written, "unchanged": unchanged, "removed": removed}
    return {**fields, "what": what, "where": where, "left out": left_out or "", **timings}


def test_the_summary_line_names_written_unchanged_removed_and_each_stage(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.engine.state

    monkeypatch.setattr(generator.engine.state, "RACY_NS", -(10**15))  # trust file stamps at once
    root = write_tree({"content/a.md": entry_text("One"), "content/b.md": entry_text("Two")})
    assert main(["build", str(root), "--no-search"]) == 0
    first = summary_of(capsys.readouterr().out)
    assert first["written"] == first["files"] and first["unchanged"] == first["removed"] == "0"
    assert {"load", "parse", "scan", "index", "render", "write"} <= set(first)

    assert main(["build", str(root), "--no-search"]) == 0  # the no-change shortcut
    again = summary_of(capsys.readouterr().out)
    assert again["what"] == "nothing changed" and "load" in again
    assert (again["written"], again["unchanged"], again["removed"]) == ("0", first["files"], "0")

    (root / "content/b.md").unlink()
    assert main(["build", str(root), "--no-search"]) == 0
    after = summary_of(capsys.readouterr().out)
    assert int(after["removed"]) >= 1 and int(after["written"]) >= 1


def test_build_stats_prints_a_row_per_stage_counts_and_peak_memory(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({"content/a.md": entry_text("One"), "content/b.md": entry_text("Two")})
    assert main(["build", str(root), "--stats", "--search"]) == 0
    out = capsys.readouterr().out
    summary, table = out.split("\n\n", 1)
    summary_of(summary)  # the summary line comes first, unchanged
    lines = table.splitlines()
    assert lines[0].split() == ["stage", "seconds", "share"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:] if line}
    for stage in ("load", "parse", "scan", "index", "render", "write", "search", "total"):
        seconds, share = rows[stage]
        assert re.fullmatch(r"\d+\.\d\d", seconds) and re.fullmatch(r"\d+%", share), stage
    assert rows["total"][1] == "100%"
    figures = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in lines if "  " in line)
    assert int(figures["pages rendered"]) > 0
    assert figures["files written"] == summary_of(summary)["written"]
    assert figures["files unchanged"] == figures["files removed"] == "0"
    assert re.fullmatch(r"\d+\.\d MB", figures["peak memory, this process"])
    assert "peak memory, largest child (workers, Pagefind)" in figures  # Pagefind ran


def test_build_prints_no_progress_when_not_on_a_terminal(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({"digest.toml": SITE_URL, "content/a.md": entry_text("One")})
    assert main(["build", str(root), "--no-search"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "\r" not in out and out.count("\n") == 1


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_line_is_cleared_before_messages_and_the_summary(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.engine.progress import CLEAR_LINE

    root = write_tree(
        {
            "digest.toml": SITE_URL,
            "content/good.md": entry_text("Fine"),
            "content/bad.md": "no header",
        }
    )
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("TERM", "xterm")
    assert main(["build", str(root), "--no-search"]) == 1
    drawn = terminal.getvalue()
    assert f"{CLEAR_LINE}parse" in drawn
    line, messages = drawn.rsplit(CLEAR_LINE, 1)  # erased before the errors were printed
    assert "bad.md" in messages and "nothing was written" in messages and "bad.md" not in line

    terminal.truncate(0)
    terminal.seek(0)
    assert main(["build", str(root), "--no-search", "--keep-going"]) == 0
    line, messages = terminal.getvalue().rsplit(CLEAR_LINE, 1)
    assert f"{CLEAR_LINE}render" in line and messages.startswith("skipped: ")
    summary_of(capsys.readouterr().out)


# -- what a build says: where the site went, what it left out, paths as errors show them --


def in_hours(hours: float) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_summary_says_where_the_site_went(
    write_tree: WriteTree,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = write_tree({"content/a.md": entry_text("One")})
    monkeypatch.chdir(root)
    assert main(["build", "--no-search"]) == 0
    assert summary_of(capsys.readouterr().out)["where"] == "site/"
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "out"
    assert main(["build", "--no-search", "-o", str(elsewhere)]) == 0
    assert summary_of(capsys.readouterr().out)["where"] == f"{elsewhere}/"
    monkeypatch.chdir(root / "content")
    assert main(["build", "..", "--no-search"]) == 0
    assert summary_of(capsys.readouterr().out)["where"] == f"{root}/site/"


def test_the_summary_counts_drafts_entries_held_back_and_files_skipped(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(
        {
            "content/a.md": entry_text("One"),
            "content/d1.md": entry_text("Draft 1", draft="true"),
            "content/d2.md": entry_text("Draft 2", draft="true"),
            "content/soon.md": entry_text("Soon", in_hours(0.5)),
            "content/bad.md": "no front matter",
        }
    )
    monkeypatch.chdir(root)
    assert main(["build", "--no-search", "--keep-going"]) == 0
    out, err = capsys.readouterr()
    assert summary_of(out)["left out"] == "2 drafts, 1 scheduled for later, 1 skipped"
    assert "skipped: content/bad.md:1: no front matter found" in err
    assert main(["build", "--no-search", "--keep-going", "--drafts", "--future"]) == 0
    assert summary_of(capsys.readouterr().out)["left out"] == "1 skipped"
    (root / "content/bad.md").unlink()
    assert main(["build", "--no-search", "--drafts", "--future"]) == 0
    assert summary_of(capsys.readouterr().out)["left out"] == ""


def test_entries_dated_later_today_are_named_not_dropped_in_silence(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    soon = in_hours(0.25)
    root = write_tree({"content/a.md": entry_text("One"), "content/x.md": entry_text("X", soon)})
    shown = f"{soon[:10]} {soon[11:16]}"  # the site's zone is UTC
    other = root.parent / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)
    assert main(["build", "../" + root.name, "--no-search"]) == 0
    expected = f"1 entry scheduled for later: ../{root.name}/content/x.md ({shown})\n"
    assert without_address_warning(capsys.readouterr().err) == expected
    assert main(["build", "../" + root.name, "--no-search"]) == 0  # the no-change shortcut
    assert without_address_warning(capsys.readouterr().err) == expected
    assert main(["check", "../" + root.name]) == 0
    out = capsys.readouterr().out
    assert expected in out and "left out: 1 scheduled for later" in out
    assert main(["build", "../" + root.name, "--no-search", "--future"]) == 0
    assert without_address_warning(capsys.readouterr().err) == ""


def test_many_entries_held_back_are_counted_and_the_soonest_named(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"content/f{i}.md": entry_text(f"F{i}", in_hours(10 + i)) for i in range(5)}
    root = write_tree({"content/a.md": entry_text("One"), **files})
    monkeypatch.chdir(root)
    assert main(["build", "--no-search"]) == 0
    err = without_address_warning(capsys.readouterr().err)
    assert err.startswith("5 entries scheduled for later: content/f0.md (")
    assert "content/f2.md (" in err and "content/f3.md" not in err
    assert err.endswith(" and 2 more\n")


def test_future_help_says_after_now_not_after_today(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "after now" in help_text and "after today" not in help_text


def test_check_says_it_writes_nothing_and_does_not_sound_like_a_failed_build(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({"content/a.md": entry_text("One")})
    assert main(["check", str(root)]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(
        r"ok: 1 entry, 0 people, 0 topics; \d+ files would be written \(check writes nothing\)",
        last,
    )
    (root / "content/b.md").write_text("no front matter")
    assert main(["check", str(root)]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == "digest: 1 problem found"
    assert main(["build", str(root)]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "digest: 1 problem found; nothing was written"
    )


def test_warnings_show_paths_from_the_current_folder_as_errors_do(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(
        {
            "site-root/content/a.md": entry_text("A", people="[José Álvarez]"),
            "site-root/content/b.md": entry_text("B", date="2025-06-03", people="[Jose Alvarez]"),
            "site-root/content/c.md": "no front matter",
        }
    )
    monkeypatch.chdir(root)
    assert main(["build", "site-root", "--no-search", "--keep-going"]) == 0
    err = capsys.readouterr().err
    assert "warning: site-root/content/a.md:4: 'José Álvarez' and 'Jose Alvarez'" in err
    assert "skipped: site-root/content/c.md:1:" in err
    assert main(["check", "site-root"]) == 1  # c.md is broken: no warnings, the error
    (root / "site-root/content/c.md").unlink()
    assert main(["check", "site-root"]) == 0
    assert "warning: site-root/content/a.md:4:" in capsys.readouterr().err


def test_a_root_with_dot_dot_is_not_shown_twice_in_template_errors(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(
        {
            "site-root/content/a.md": entry_text("A"),
            "site-root/templates/entry.html": "{{ nope }}\n",
            "other/x": "",
        }
    )
    monkeypatch.chdir(root / "other")
    for given in ["../site-root", "../other/../site-root", "./../site-root/"]:
        assert main(["check", given]) == 1
        first = capsys.readouterr().err.splitlines()[0]
        shown = str(Path(given) / "templates/entry.html")
        assert first.startswith(f"{shown}:1: 'nope' is undefined"), (given, first)
    monkeypatch.chdir(root / "site-root" / "templates")
    assert main(["check", ".."]) == 1
    assert capsys.readouterr().err.startswith("../templates/entry.html:1: 'nope'")


def test_an_output_that_names_a_file_is_refused_and_the_file_kept(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree({"content/a.md": entry_text("One"), "notes.txt": "keep me"})
    monkeypatch.chdir(root)
    assert main(["build", "-o", "notes.txt"]) == 1
    assert capsys.readouterr().err == (
        "digest: the output folder notes.txt is a file, not a folder — name a folder (a new one is "
        "fine); digest never replaces a file with a site\n"
    )
    assert (root / "notes.txt").read_text() == "keep me"


def test_output_inside_the_default_output_folder_is_refused(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree({"content/a.md": entry_text("One"), "digest.toml": 'output = "site/sub"\n'})
    monkeypatch.chdir(root)
    assert main(["build"]) == 1
    assert capsys.readouterr().err.startswith(
        "digest: the output folder site/sub/ is inside site/, the default output folder — "
    )
    assert not (root / "site").exists()


def test_a_name_too_long_for_the_file_system_is_named_not_called_a_full_disk(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(
        {"content/a.md": entry_text("One"), "content/long.md": entry_text("L", slug="x" * 300)}
    )
    monkeypatch.chdir(root)
    for command in (["check"], ["build"]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert err.startswith(
            "content/long.md:4: this gives its page a file name 300 bytes long (xxxx"
        ), err
        assert "— give it a shorter `slug:`" in err and "disk space" not in err
    assert main(["build", "--keep-going", "--no-search"]) == 0
    assert "left out: 1 skipped" in capsys.readouterr().out


def test_a_relative_root_is_not_shown_twice_in_write_errors(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from generator.output import write

    root = write_tree({"site-root/content/a.md": entry_text("A")})
    monkeypatch.chdir(root)

    def full_disk(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(write, "_create", full_disk)
    assert main(["build", "site-root", "--no-search"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"digest: no space left on device while writing {root}/site-root/site/"
    ), err
    assert "site-root/site-root" not in err
