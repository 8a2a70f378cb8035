"""The command line: exit codes, messages, and the commands a new user runs first."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator import __version__
from generator.cli import main
from tests.conftest import REPO, WriteTree, entry_text

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


def test_wheel_ships_the_theme(tmp_path: Path) -> None:
    """`pip install .` elsewhere must bring the default theme along with the code."""
    import zipfile

    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("digest-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in ("base.html", "entry.html", "person.html", "partials/entry_card.html"):
        assert f"generator/theme/{template}" in names
    assert "generator/theme/static/style.css" in names


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
    r"(\d+) files?: (\d+) written, (\d+) unchanged, (\d+) removed "
    r"\((nothing changed|\d+ rendered)\) in \d+\.\d\d s \[(\w+ \d+\.\d\d(, )?)+\]"
)


def summary_of(out: str) -> dict[str, str]:
    """The last line's fields: it must always be the one-line summary."""
    last = out.rstrip("\n").splitlines()[-1]
    match = SUMMARY.fullmatch(last)
    assert match, last
    stages = dict(s.split() for s in last.split("[", 1)[1].rstrip("]").split(", "))
    files, written, unchanged, removed, what = match.groups()[:5]
    fields = {"files": files, "written": written, "unchanged": unchanged, "removed": removed}
    return {**fields, "what": what, **stages}


def test_the_summary_line_names_written_unchanged_removed_and_each_stage(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.build

    monkeypatch.setattr(generator.build, "RACY_NS", -(10**15))  # trust file stamps at once
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
    from generator.progress import CLEAR_LINE

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
