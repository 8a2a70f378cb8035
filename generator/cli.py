"""The `digest` command: each subcommand body calls one pipeline function."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from generator import __version__
from generator.errors import BuildFailed, DigestError, UsageError, display_path, shown_under

if TYPE_CHECKING:
    from generator.engine.result import BuildResult

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="digest", description="Build a static news digest from a folder of entries."
    )
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into its output folder")
    _add_root(build)
    build.add_argument("-o", "--output", type=Path, help="output folder (default: ROOT/site)")
    build.add_argument("--drafts", action="store_true", help="include entries with draft: true")
    build.add_argument(
        "--full", action="store_true", help="ignore the build cache and render every page"
    )
    build.add_argument(
        "--future",
        action="store_true",
        help="include entries dated after now (by default each waits for its date and time)",
    )
    build.add_argument(
        "--keep-going",
        action="store_true",
        help="build the rest of the site when some entries are broken, and list them",
    )
    build.add_argument(
        "--search",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="build the search index (default: `search` in digest.toml)",
    )
    build.add_argument(
        "--stats",
        action="store_true",
        help="after the build, print time per stage, page counts and peak memory",
    )

    check = commands.add_parser("check", help="validate everything and write nothing")
    _add_root(check)
    check.add_argument("--drafts", action="store_true", help="also check how drafts would index")

    serve = commands.add_parser(
        "serve", help="preview the site with drafts, rebuilding on every edit"
    )
    _add_root(serve)
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine)"
    )
    serve.add_argument("--open", action="store_true", help="open the site in a web browser")
    serve.add_argument(
        "--drafts",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show entries with draft: true, marked as drafts (default: shown)",
    )
    serve.add_argument(
        "--future",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show entries dated after now, marked as scheduled (default: shown)",
    )
    serve.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        help="folder for the preview (default: ROOT/.digest-cache/preview); "
        "never the folder `digest build` writes",
    )

    imports = commands.add_parser(
        "import", help="turn raw article text into draft entries with front matter"
    )
    imports.add_argument(
        "paths", type=Path, nargs="+", metavar="FILE|DIR", help="raw .txt articles, or folders"
    )
    imports.add_argument(
        "--to",
        type=Path,
        metavar="DIR",
        help="folder for the new entries (default: ROOT/content/imported/)",
    )
    imports.add_argument(
        "--root",
        dest="site",
        metavar="ROOT",
        type=Path,
        default=Path("."),
        help="site whose registries name the people and topics (default: the current folder)",
    )

    new = commands.add_parser("new", help="create a new digest site with a sample entry")
    new.add_argument("root", type=Path, metavar="ROOT", help="folder to create")
    return parser.parse_args(argv)


def _add_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "root",
        type=Path,
        nargs="?",
        default=Path("."),
        metavar="ROOT",
        help="site folder holding content/ (default: the current folder)",
    )


def run() -> None:
    """The `digest` command: run `main`, then end the process at once.

    A build leaves a whole site in memory; freeing it object by object on the way out
    takes longer than a one-entry edit build itself (tens of milliseconds at 4,000
    entries). Every file is written and closed by then, so the process ends without it.
    """
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run one command and turn every expected failure into a message and an exit code."""
    args = parse_arguments(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"digest: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BuildFailed as exc:
        for error in exc.errors:
            print(error.under(_root_arg(args)), file=sys.stderr)
        # `check` never writes, so it must not sound as if a build had failed to.
        written = "" if args.command == "check" else "; nothing was written"
        print(f"digest: {_plural(len(exc.errors), 'problem')} found{written}", file=sys.stderr)
        return EXIT_CONTENT
    except DigestError as exc:
        shown = exc.under(_root_arg(args))  # about the whole run when it names no file:
        print(shown if shown.location() else f"digest: {shown}", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("digest: interrupted; the output folder was left as it was", file=sys.stderr)
        return 130


def cmd_build(args: argparse.Namespace) -> int:
    from generator.engine.build import build_site
    from generator.engine.progress import stats_table, terminal_progress

    root = _site_root(args.root)
    with terminal_progress(sys.stderr) as progress:
        result = build_site(
            root,
            args.output,
            drafts=args.drafts,
            future=args.future,
            search=args.search,
            keep_going=args.keep_going,
            use_cache=not args.full,
            progress=progress,
        )
    _print_warnings(result.warnings, root)
    for error in result.skipped:
        print(f"skipped: {error.under(root)}", file=sys.stderr)
    if result.held_back:
        print(_held_back(result, root), file=sys.stderr)
    print(_summary(result))
    if args.stats:
        print(f"\n{stats_table(result)}")
    return EXIT_OK


def _summary(result: BuildResult) -> str:
    """One line that always names where the site went, files written, unchanged and
    removed, and the seconds per stage; then what was left out, if anything was."""
    stats = result.write
    assert stats is not None and result.out is not None
    stages = ", ".join(f"{name} {seconds:.2f}" for name, seconds in result.timings.items())
    total = sum(result.timings.values())
    what = "nothing changed" if result.nothing_changed else f"{result.rendered} rendered"
    return (
        f"{_plural(result.pages, 'file')} in {display_path(result.out)}: {stats.written} "
        f"written, {stats.unchanged} unchanged, {stats.removed} removed ({what}) "
        f"in {total:.2f} s [{stages}]{_left_out(result)}"
    )


def _left_out(result: BuildResult) -> str:
    """`; left out: 2 drafts, 1 scheduled for later, 3 skipped`, or '' when nothing was."""
    skipped = len({e.path for e in result.skipped})
    counts = [
        _plural(result.drafts_left_out, "draft") if result.drafts_left_out else "",
        f"{len(result.held_back)} scheduled for later" if result.held_back else "",
        f"{skipped} skipped" if skipped else "",
    ]
    shown = [c for c in counts if c]
    return f"; left out: {', '.join(shown)}" if shown else ""


HELD_BACK_SHOWN = 3  # entries named in the held-back line; the rest are counted


def _held_back(result: BuildResult, root: Path) -> str:
    """`1 entry scheduled for later: content/x.md (2025-06-05 08:00)`; for many, the
    soonest few and how many more, dates in the site's time zone."""
    tz = result.config.tz
    named = [
        f"{DigestError('', path).under(root).location()} ({date.astimezone(tz):%Y-%m-%d %H:%M})"
        for path, date in result.held_back[:HELD_BACK_SHOWN]
    ]
    more = len(result.held_back) - len(named)
    listed = ", ".join(named) + (f" and {more} more" if more else "")
    count = _plural(len(result.held_back), "entry", "entries")
    return f"{count} scheduled for later: {listed}"


def cmd_check(args: argparse.Namespace) -> int:
    from generator.engine.build import build_site
    from generator.engine.progress import terminal_progress

    root = _site_root(args.root)
    with terminal_progress(sys.stderr) as progress:
        result = build_site(root, drafts=args.drafts, write=False, progress=progress)
    site = result.site
    assert site is not None  # a build that writes nothing never stops at "nothing changed"
    _print_warnings(result.warnings, root)
    for kind, items in (("people", site.people), ("topics", site.topics)):
        unknown = [i for i in items if not i.registered]
        for item in unknown:
            where = DigestError("", item.path, item.line).under(root).location()
            print(f"{where}: note: {item.name!r} is not in content/{kind}.yaml")
    from generator.newsroom.scan import unregistered_notes

    notes = [*result.notes, *unregistered_notes(site.entries, site.people)]
    for path, line, note in notes:
        print(f"{DigestError('', path, line).under(root).location()}: note: {note}")
    if result.held_back:
        print(_held_back(result, root))
    print(
        f"ok: {_plural(len(site.entries), 'entry', 'entries')}, "
        f"{_plural(len(site.people), 'person', 'people')}, "
        f"{_plural(len(site.topics), 'topic')}; {_plural(result.pages, 'file')} "
        f"would be written (check writes nothing){_left_out(result)}"
    )
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from generator.newsroom.importer import import_articles
    from generator.newsroom.proposals import proposals_yaml

    site = _site_root(args.site) if args.to is None else args.site
    report = import_articles(args.paths, site, args.to)
    _print_warnings(report.warnings, site)
    for item in report.imported:
        people = _plural(len(item.people), "person", "people")
        topics = _plural(len(item.topics), "topic")
        print(f"{item.source} -> {item.target}: {people}{_listed(item.people)}, "
              f"{topics}{_listed(item.topics)}")  # fmt: skip
    if report.proposals:
        print(f"\n# Named in the text but not in {site / 'content' / 'people.yaml'}:")
        print("# review these, then paste them into it\n")
        print(proposals_yaml(report.proposals), end="")
    print(f"imported {_plural(len(report.imported), 'article')} as drafts (draft: true)")
    return EXIT_OK


def _listed(names: tuple[str, ...]) -> str:
    return f" ({', '.join(names)})" if names else ""


def cmd_new(args: argparse.Namespace) -> int:
    from generator.scaffold import create_site

    notes = create_site(args.root)
    print(f"created a new digest in {args.root}; build it with: digest build {args.root}")
    for note in notes:
        print(f"note: {note}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from generator.preview.serve import serve_site

    root = _site_root(args.root)
    return serve_site(
        root, args.output, host=args.host, port=args.port, open_browser=args.open,
        drafts=args.drafts, future=args.future,
    )  # fmt: skip


COMMANDS = {
    "build": cmd_build,
    "check": cmd_check,
    "serve": cmd_serve,
    "import": cmd_import,
    "new": cmd_new,
}


def _root_arg(args: argparse.Namespace) -> Path:
    return getattr(args, "root", None) or Path(".")


def _site_root(root: Path) -> Path:
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder")
    if not (root / "content").is_dir():
        raise UsageError(
            f"{root} has no content/ folder — run `digest new {root}` or point at a site root"
        )
    return root


def _print_warnings(warnings: list[str], root: Path) -> None:
    """Warnings with their paths as errors show them: from the user's current folder."""
    for warning in warnings:
        if warning.startswith("note: "):  # a note on the input (ignored keys), as `check`'s
            print(shown_under(warning, root))
        else:
            print(f"warning: {shown_under(warning, root)}", file=sys.stderr)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"
