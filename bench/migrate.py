"""Migrate the two made-up archives of bench/archives.py with digest; report what each case became.

Usage: python bench/migrate.py [--digest CMD] [--before REV|CMD] [--out FILE] [--keep DIR]
       [--runs 1] [--seed 1] [--issues 668] [--posts 2289]

The archives are generated into a scratch folder, and each digest (`--digest`, by default
this checkout's `.venv/bin/digest`; `--before`, optionally, a git revision, which is
checked out and installed in the scratch folder, or a digest command) gets its own copy
of each, on which it runs, as a migrating user would, through the CLI:

1. `digest check` (settings the version refuses, such as `permalinks` before it existed,
   are taken out of `digest.toml` one at a time, as its message says, and listed);
2. `digest build`, and `digest build --keep-going` when that fails;
3. the same build again with nothing changed, then after a sentence is added to one entry;
4. for the Jekyll site, `digest check` again as if PyYAML had been built without libyaml.

Then every planted case (`Archive.planted`) is looked up in the output folder and in what
the commands printed, and the report gives, per archive, a table of case → before → after,
the wall time of each command, and the lines each printed. It goes to stdout, and to
`--out` (bench/MIGRATION.md is one). `--keep` leaves the scratch folder there.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).parent))
import archives
from archives import COMMENT, Archive

REPO = Path(__file__).resolve().parent.parent
EDIT = "\nOne more sentence, added for the edit rebuild.\n"
# A `sitecustomize` that hides libyaml, so PyYAML reads with its own pure-Python parser.
NO_LIBYAML = "import sys\nsys.modules['yaml._yaml'] = None\n"
TOPIC_NOTE = re.compile(r"note: '[^']*' is not in content/topics\.yaml$")
OUTPUT_LINES = 40  # of each command's output in the report


@dataclass
class Run:
    """One command: its arguments, exit code, output and wall time."""

    args: list[str]
    code: int
    out: str
    err: str
    seconds: float

    @property
    def text(self) -> str:
        return self.err + self.out

    @property
    def summary(self) -> str:
        """The build's last line (its summary), or the last line printed."""
        lines = self.out.strip().splitlines() or self.err.strip().splitlines() or [""]
        return lines[-1]

    def about(self, rel: str) -> list[str]:
        """The lines that name the content file `rel`."""
        return [line for line in self.text.splitlines() if rel in line]


@dataclass
class Session:
    """Everything one digest did with one archive."""

    name: str
    archive: Archive
    refused: list[str] = field(default_factory=list)  # digest.toml lines it did not take
    runs: dict[str, Run] = field(default_factory=dict)
    edited: str = ""  # the content file the edit rebuild changed
    seconds: dict[str, float] = field(default_factory=dict)  # median of several runs

    @property
    def site(self) -> Path:
        return self.archive.root / "site"

    @property
    def build(self) -> Run:
        """The build whose output the cases are read from (`--keep-going` if it was needed)."""
        return self.runs.get("build --keep-going") or self.runs["build"]

    @property
    def check(self) -> Run:
        """The check that shows notes: once the files it refused are set aside, if any."""
        return self.runs.get("check, refused files set aside") or self.runs["check"]

    def page(self, address: str) -> str | None:
        """The HTML published at `address`, or None."""
        path = self.site / unquote(address).lstrip("/")
        if address.endswith("/"):
            path = path / "index.html"
        try:
            return path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def entry(self, rel: str) -> str | None:
        """The page of content file `rel`: where it belongs, or at digest's default address
        (a version without `permalinks` puts it there); None when it is not published."""
        post = self.archive.posts[rel]
        found = self.page(post.address)
        return found if found is not None else self.page(post.default)


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=1800)
    seconds = time.perf_counter() - started
    return Run(cmd, done.returncode, done.stdout, done.stderr, seconds)


def migrate(name: str, digest: list[str], archive: Archive, copy: Path) -> Session:
    """Copy the archive to `copy` and put it through `digest` as a migrating user would."""
    shutil.copytree(archive.root, copy)
    mine = Archive(archive.kind, copy, archive.posts, archive.pages, archive.planted)
    session = Session(name, mine)
    for _ in range(20):  # settings this version does not know, one message at a time
        check = run([*digest, "check", "."], copy)
        refused = re.search(r"^digest\.toml:(\d+): unknown setting", check.text, re.M)
        if not refused:
            break
        config = copy / "digest.toml"
        lines = config.read_text().splitlines(keepends=True)
        session.refused.append(f"`{lines[int(refused.group(1)) - 1].strip()}`")
        del lines[int(refused.group(1)) - 1]
        config.write_text("".join(lines))
    session.runs["check"] = check
    refused = sorted(set(re.findall(r"^(content/[^:]+):\d+: ", check.text, re.M)))
    if check.code != 0 and refused:  # what check notes once those files are fixed
        aside = copy.parent / f"{copy.name}-aside"
        for rel in refused:
            (aside / rel).parent.mkdir(parents=True, exist_ok=True)
            (copy / rel).rename(aside / rel)
        session.runs["check, refused files set aside"] = run([*digest, "check", "."], copy)
        for rel in refused:
            (aside / rel).rename(copy / rel)
    flags: list[str] = []
    session.runs["build"] = run([*digest, "build", "."], copy)
    if session.runs["build"].code != 0:
        flags = ["--keep-going"]
        session.runs["build --keep-going"] = run([*digest, "build", ".", *flags], copy)
    session.runs["no-change rebuild"] = run([*digest, "build", ".", *flags], copy)
    session.edited = _edit_one(mine)
    session.runs["one-entry edit"] = run([*digest, "build", ".", *flags], copy)
    if archive.kind == "jekyll":
        hide = copy.parent / f"{copy.name}-no-libyaml"
        hide.mkdir()
        (hide / "sitecustomize.py").write_text(NO_LIBYAML)
        env = {**os.environ, "PYTHONPATH": str(hide)}
        session.runs["check without libyaml"] = run([*digest, "check", "."], copy, env)
    return session


def _with_median_times(tries: list[Session]) -> Session:
    """The first session, with each command's median time over all of them."""
    first = tries[0]
    for name in first.runs:
        first.seconds[name] = statistics.median(
            each.runs[name].seconds for each in tries if name in each.runs
        )
    return first


def _edit_one(archive: Archive) -> str:
    """Add a sentence to the body of an entry no case was planted in; return its file."""
    planted = {
        rel for name, case in archive.planted.items() if name != "old addresses"
        for rel in case["files"]
    }  # fmt: skip
    plain = [rel for rel, post in archive.posts.items() if post.shown and rel not in planted]
    rel = plain[len(plain) // 2]
    with (archive.root / rel).open("a", encoding="utf-8") as file:
        file.write(EDIT)
    return rel


# ---------------------------------------------------------------------------- the cases


def _count(items: list[bool]) -> str:
    return f"{sum(items):,}/{len(items):,}"


def _first(lines: list[str]) -> str:
    return f"`{lines[0]}`" if lines else ""


def _refused(s: Session, rels: list[str]) -> str:
    """'; N refused: `first line`' for error and skipped lines about these files, or ''."""
    lines = [line for rel in rels for line in s.build.about(rel) + s.runs["check"].about(rel)]
    lines = [line for line in dict.fromkeys(lines) if not re.search(r"warning|note", line)]
    files = {rel for rel in rels if any(rel + ":" in line for line in lines)}
    return f"; {len(files)} refused: {_first(lines)}" if files else ""


def _shown(s: Session, case: str) -> list[bool]:
    return [s.entry(rel) is not None for rel in s.archive.files(case)]


def case_control(s: Session) -> str:
    case = s.archive.planted["control byte"]
    warned = [f"{rel}:{line}:{col}: " in s.build.text for rel, line, col in case["where"]]
    return (
        f"{_count(_shown(s, 'control byte'))} built; {_count(warned)} warned at "
        f"path:line:column" + _refused(s, case["files"])
    )


def case_comment(s: Session) -> str:
    intact, visible, dashed = [], [], 0
    markers = s.archive.planted["comment with >"].get("markers", {})
    for rel in s.archive.files("comment with >"):
        html = s.entry(rel) or ""
        marker = markers.get(rel) or s.archive.posts[rel].facts["marker"]
        start = html.find("<!--")
        end = html.find("-->", start) if start >= 0 else -1
        intact.append(COMMENT in html)
        visible.append(marker in html and (start < 0 or 0 <= end < html.index(marker)))
        dashed += html.count("–>")
    text = f"{_count(intact)} comments intact; the text after them shown in {_count(visible)}"
    return text + (f"; `-->` became `–>` {dashed} times" if dashed else "")


def case_flags(s: Session) -> str:
    pages = [s.entry(rel) or "" for rel in s.archive.files("--flags in prose")]
    kept = sum(html.count("--workspace") for html in pages)
    dashed = sum(html.count("–workspace") for html in pages)
    expected = s.archive.planted["--flags in prose"]["count"]
    return f"{kept}/{expected} `--workspace` kept" + (
        f", {dashed} became `–workspace`" if dashed else ""
    )


def case_wordpress(s: Session) -> str:
    rels = s.archive.files("WordPress slugs")
    posts = [s.archive.posts[rel] for rel in rels]
    made = [s.page(post.address) is not None for post in posts]
    old = [s.page(post.old) is not None for post in posts]
    warned = [any("warning" in line for line in s.build.about(rel)) for rel in rels]
    return (
        f"{_count(made)} built at the slug made from it; {_count(warned)} warned; "
        f"old address reachable {_count(old)}" + _refused(s, rels)
    )


def case_alike(s: Session) -> str:
    topics = s.site / "topics"
    one = (topics / archives.ALIKE_TAG / "index.html").exists()
    two = (topics / f"{archives.ALIKE_TAG}-2" / "index.html").exists()
    warned = [line for line in s.build.text.splitlines() if "both slugify" in line]
    if one and two:
        text = f"two topics: /topics/{archives.ALIKE_TAG}/ and /topics/{archives.ALIKE_TAG}-2/"
    else:
        text = f"one topic, /topics/{archives.ALIKE_TAG}/" if one else "no such topic"
    return text + (f"; {_first(warned)}" if warned else "")


def case_later(s: Session) -> str:
    if any(_shown(s, "later today")):
        return "published"
    said = [line for line in s.build.text.splitlines() if "scheduled for later" in line]
    return f"left out: {_first(said)}" if said else "left out without a word"


def case_drafts(s: Session, case: str) -> str:
    said = re.search(r"\d+ drafts?", s.build.summary)
    feeds = "".join(
        (s.site / name).read_text(encoding="utf-8") if (s.site / name).exists() else ""
        for name in ("feed.xml", "feed.json", "sitemap.xml")
    )
    listed = [s.archive.posts[rel].address in feeds for rel in s.archive.files(case)]
    text = f"{_count(_shown(s, case))} published, {_count(listed)} in the feeds or sitemap"
    return text + (f"; the summary says `{said.group()}`" if said else "")


def case_pages(s: Session, case: str) -> str:
    found = ['<article class="page">' in (s.page(address) or "") for _, address in s.archive.pages]
    text = f"{_count(found)} static pages at their address"
    missing = [rel for (rel, _), ok in zip(s.archive.pages, found, strict=True) if not ok]
    return text + (f"; {_where_titled(s, missing)}" if missing else "")


def _where_titled(s: Session, rels: list[str]) -> str:
    """Where pages titled like these files were published instead, or what was said."""
    notes = []
    for rel in rels:
        title = re.search(r"^(?:title|Title): (.*)$", (s.archive.root / rel).read_text(), re.M)
        needle = f"<h1>{title.group(1)}</h1>" if title else "\0"
        hits = [
            "/" + str(path.relative_to(s.site)).removesuffix("index.html")
            for path in sorted(s.site.rglob("*.html"))
            if needle in path.read_text(encoding="utf-8")
        ] if s.site.exists() else []  # fmt: skip
        said = [line for line in s.build.about(rel) if "warning" not in line]
        notes.append(f"{hits[0]} (a dated entry)" if hits else _first(said) or "nowhere")
    return ", ".join(notes)


def case_addresses(s: Session) -> str:
    posts = [s.archive.posts[rel] for rel in s.archive.files("old addresses")]
    reachable = [s.page(post.old) is not None for post in posts]
    missing = [post.old for post, ok in zip(posts, reachable, strict=True) if not ok]
    return f"{_count(reachable)} reachable" + (f" (`{missing[0]}` is not)" if missing else "")


def case_redirects(s: Session) -> str:
    ok = []
    for alias, target in s.archive.planted["redirect_from"]["aliases"]:
        html = s.page(alias) or ""
        ok.append(bool(re.search(rf'http-equiv="refresh" content="0; url=[^"]*{target}"', html)))
    return f"{_count(ok)} old addresses send the reader on (meta refresh) to the entry"


def case_tabs(s: Session) -> str:
    rels = s.archive.files("tabs after key:")
    titled = []
    for rel in rels:
        title = re.search(r"^title:\s*(.*)$", (s.archive.root / rel).read_text(), re.M)
        titled.append(f"<h1>{title.group(1) if title else ''}</h1>" in (s.entry(rel) or ""))
    pure = s.runs.get("check without libyaml")
    lines = [line for rel in rels for line in (pure.about(rel) if pure else [])]
    lines = [line for line in lines if not re.search(r"warning|note", line)]
    text = f"{_count(titled)} built, with their title; without libyaml: "
    return text + (f"{len(lines)} refused: {_first(lines)}" if lines else "read alike")


def case_unclosed(s: Session, case: str) -> str:
    rel, opened = s.archive.files(case)[0], s.archive.planted[case]["line"]
    lines = [line for line in s.build.about(rel) if "warning" not in line]
    if not lines:
        return "no message"
    at = int(re.search(rf"{re.escape(rel)}:(\d+)", lines[0]).group(1))
    verdict = "the opening line" if at == opened else f"not the opening line, {opened}"
    message = lines[0].removeprefix("skipped: ").split(": ", 1)[-1]
    return f"line {at} ({verdict}): `{message}`"


def case_names(s: Session, case: str) -> str:
    donald, lara = [], []
    for rel in s.archive.files(case):
        chips = re.search(r'chips-people">(.*?)</ul>', s.entry(rel) or "", re.S)
        people = chips.group(1) if chips else ""
        donald.append("/people/donald-trump/" in people)
        lara.append("/people/lara-trump/" in people)
    notes = [
        line for rel in s.archive.files(case) for line in s.check.about(rel) if "could mean" in line
    ]
    text = f"listed under Donald Trump {_count(donald)}, Lara Trump {_count(lara)}"
    return text + (f"; check: {_first(notes)}" if notes else "; check notes nothing")


def case_unknown_keys(s: Session) -> str:
    found = []
    for key, expected in s.archive.planted["unknown keys"]["counts"].items():
        note = re.search(rf"note: ([\d,]+) entries have '{key}'", s.build.text)
        found.append(f"'{key}' {note.group(1)} of {expected:,}" if note else f"'{key}' none")
    return "a note per key: " + ", ".join(found)


def case_nested(s: Session) -> str:
    nested = [bool(re.search(r"<li>[^<]*<ul>", s.entry(rel) or "")) for rel in
              s.archive.files("nested lists")]  # fmt: skip
    return f"{_count(nested)} nested"


def case_after_paragraph(s: Session) -> str:
    pattern = re.compile(r"<p>The changes,[^<]*:</p>\s*<ul>")
    lists = [bool(pattern.search(s.entry(rel) or "")) for rel in
             s.archive.files("list after paragraph")]  # fmt: skip
    return f"{_count(lists)} lists"


def case_jekyll_keys(s: Session) -> str:
    bylines, summaries, topics = [], [], []
    for rel in s.archive.files("Jekyll keys"):
        facts, html = s.archive.posts[rel].facts, s.entry(rel) or ""
        bylines.append(f'<p class="byline">By {facts["author"]}</p>' in html)
        summaries.append(f'<meta name="description" content="{facts["excerpt"]}' in html)
        chips = re.search(r'chips-topics">(.*?)</ul>', html, re.S)
        shown = chips.group(1) if chips else ""
        topics.append(all(f"/topics/{name.lower()}/" in shown for name in facts["topics"]))
    return (
        f"byline from `author` {_count(bylines)}, `excerpt` as summary {_count(summaries)}, "
        f"`categories`+`tags` as topics {_count(topics)}"
    )


CASES: dict[str, Callable[[Session], str]] = {
    "control byte": case_control,
    "comment with >": case_comment,
    "--flags in prose": case_flags,
    "WordPress slugs": case_wordpress,
    "tabs after key:": case_tabs,
    "unclosed bracket": lambda s: case_unclosed(s, "unclosed bracket"),
    "unclosed quote": lambda s: case_unclosed(s, "unclosed quote"),
    "quote closed later": lambda s: case_unclosed(s, "quote closed later"),
    "alias vs surname": lambda s: case_names(s, "alias vs surname"),
    "title + surname": lambda s: case_names(s, "title + surname"),
    "tag/category alike": case_alike,
    "later today": case_later,
    "drafts": lambda s: case_drafts(s, "drafts"),
    "published: false": lambda s: case_drafts(s, "published: false"),
    "static pages": lambda s: case_pages(s, "static pages"),
    "layout: page": lambda s: case_pages(s, "layout: page"),
    "old addresses": case_addresses,
    "redirect_from": case_redirects,
    "unknown keys": case_unknown_keys,
    "nested lists": case_nested,
    "list after paragraph": case_after_paragraph,
    "Jekyll keys": case_jekyll_keys,
}


# What each row looks at, and what issue 12 asks of it.
CASE_NOTES = {
    "control byte": "a 0x02 pasted into a link target: the entry built, with a warning at "
    "path:line:column",
    "comment with >": '`<!-- <img src="x.png"> -->` before more text: the comment ends where it '
    "did, so the browser shows what follows",
    "--flags in prose": "`--workspace` in running text stays two hyphens",
    "WordPress slugs": "`%ef%bb%bf…`, `_`, `.` in file names and `slug:`: slugified with a "
    "warning, not refused (the old address itself is not asked for)",
    "tabs after key:": "`title:<tab>…`: read the same with PyYAML's C parser and its pure-Python "
    "one",
    "unclosed bracket": "`tags: [a, b` with no `]`: named at the line that opened it",
    "unclosed quote": '`title: "…` with no other quote after it: named at the line that opened it',
    "quote closed later": "`title: \"…` whose quote a later value's quote closes: named at the "
    "line that opened it",
    "alias vs surname": "Donald Trump (`aliases: [Trump]`) and Lara Trump both named in full: "
    '"Trump" is the alias, nothing ambiguous',
    "title + surname": '"Lara Trump and President Trump met. Trump said…": the alias (with a '
    "title) against Lara Trump's surname",
    "tag/category alike": "tag `this-week-in-rust` and category `This Week in Rust`: one topic",
    "later today": "an entry dated a few hours from now: held back, and named",
    "drafts": "`Status: draft`: left out (pages, feeds, sitemap) and counted",
    "published: false": "left out (pages, feeds, sitemap) and counted",
    "static pages": "`content/pages/*.md`: static pages at `/{slug}/`, not dated news",
    "layout: page": "Jekyll pages: static pages at `/{slug}/` or their `permalink`",
    "old addresses": "every published entry at its address on the old site (`permalinks` in "
    "digest.toml, Jekyll's `permalink:`)",
    "redirect_from": "a page at each old address that sends the reader on",
    "unknown keys": "`legacy_id`, `comments`: one note per key, with how many entries have it",
    "nested lists": "kramdown lists nested by two spaces nest",
    "list after paragraph": "a list right after a paragraph line is a list",
    "Jekyll keys": "`author` the byline, `excerpt` the summary, `categories` and `tags` topics",
}


def evaluate(session: Session) -> dict[str, str]:
    """What each planted case became, one line each."""
    order = archives.PELICAN_CASES if session.archive.kind == "pelican" else archives.JEKYLL_CASES
    return {case: CASES[case](session) for case in order}


# ---------------------------------------------------------------------------- the report


def _printed(run: Run) -> list[str]:
    """A command's output for the report: the per-topic notes counted, the rest as printed."""
    lines = [line for line in run.text.splitlines() if line.strip()]
    topics = [line for line in lines if TOPIC_NOTE.search(line)]
    lines = [line for line in lines if not TOPIC_NOTE.search(line)]
    if len(lines) > OUTPUT_LINES:
        more = len(lines) - OUTPUT_LINES + 1
        lines = [*lines[: OUTPUT_LINES - 1], f"… and {more} more lines"]
    if topics:
        lines.append(f"(and {len(topics)} lines `{topics[0]}`, one per topic)")
    return lines


def report(archive: Archive, sessions: list[Session], results: list[dict[str, str]]) -> str:
    kind = "Pelican newsletter" if archive.kind == "pelican" else "Jekyll news site"
    out = [
        f"## {kind}: {len(archive.posts):,} dated files, {len(archive.pages)} pages",
        "",
        "| case | files | " + " | ".join(s.name for s in sessions) + " |",
        "|---|---|" + "---|" * len(sessions),
    ]
    for case in results[0]:
        count = len(archive.planted[case]["files"])
        files = f"{count:,}" if count else "many"
        cells = " | ".join(result[case].replace("|", "\\|") for result in results)
        out.append(f"| **{case}**: {CASE_NOTES[case]} | {files} | {cells} |")
    out += ["", "| command | " + " | ".join(s.name for s in sessions) + " |"]
    out.append("|---|" + "---|" * len(sessions))
    names = list(dict.fromkeys(name for s in sessions for name in s.runs))
    for name in names:
        cells = []
        for s in sessions:
            r = s.runs.get(name)
            seconds = s.seconds.get(name, r.seconds) if r else 0.0
            cells.append(f"{seconds:.2f} s (exit {r.code})" if r else "—")
        out.append(f"| `digest {name}` | " + " | ".join(cells) + " |")
    counts = []
    for s in sessions:
        files = [p for p in s.site.rglob("*") if p.is_file()] if s.site.exists() else []
        pages = [p for p in files if p.suffix == ".html" and "pagefind" not in p.parts]
        counts.append(f"{len(files):,} files, {len(pages):,} HTML pages")
    out.append("| the site after the edit | " + " | ".join(counts) + " |")
    for s in sessions:
        out += ["", f"### What {s.name} printed", ""]
        if s.refused:
            out.append(f"Settings it refused, taken out of `digest.toml`: {', '.join(s.refused)}.")
            out.append("")
        edited = s.entry(s.edited) or ""
        out.append(f"The edit rebuild changed `{s.edited}`: " + (
            "the new sentence is on its page." if EDIT.strip() in edited else "**not on its page**."
        ))  # fmt: skip
        for name, r in s.runs.items():
            out += ["", f"`digest {name}` (exit {r.code}, {r.seconds:.2f} s):", "", "```"]
            out += _printed(r)
            out.append("```")
    return "\n".join(out) + "\n"


def prepare_digest(spec: str, scratch: Path) -> tuple[list[str], str]:
    """A digest command from `spec` (a command, or a git revision to install); its label."""
    if shutil.which(shlex.split(spec)[0]):
        return shlex.split(spec), spec
    tree = scratch / f"digest-{spec}"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), spec],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run([sys.executable, "-m", "venv", str(tree / ".venv")], check=True)
    subprocess.run([str(tree / ".venv/bin/pip"), "install", "-q", "-e", str(tree)], check=True)
    return [str(tree / ".venv/bin/digest")], spec


def _commit() -> str:
    done = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)  # fmt: skip
    return done.stdout.strip() or "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--digest", default=str(REPO / ".venv/bin/digest"))
    parser.add_argument("--before", help="a git revision (installed in the scratch folder) "
                        "or a digest command, for a column of the code before")  # fmt: skip
    parser.add_argument("--out", type=Path)
    parser.add_argument("--keep", type=Path, help="scratch folder to keep (must not exist)")
    parser.add_argument("--runs", type=int, default=1, help="times are the median of RUNS")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--issues", type=int, default=668)
    parser.add_argument("--posts", type=int, default=2289)
    args = parser.parse_args(argv)
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="digest-migrate-"))
    scratch.mkdir(parents=True, exist_ok=True)
    worktree = None
    try:
        started = time.perf_counter()
        made = archives.make_archives(
            scratch / "archives", seed=args.seed, issues=args.issues, posts=args.posts
        )
        made_in = time.perf_counter() - started
        digests = []
        if args.before:
            command, label = prepare_digest(args.before, scratch)
            worktree = scratch / f"digest-{label}" if not shutil.which(label) else None
            digests.append((f"before ({label})", command))
        digests.append((f"after ({_commit()})", shlex.split(args.digest)))
        now = datetime.now(UTC)
        lines = [
            "# Migrating two archives",
            "",
            f"`make migrate` ({Path(__file__).name}) on {now:%Y-%m-%d %H:%M} UTC, "
            f"{os.cpu_count()} CPUs (load {os.getloadavg()[0]:.1f} at the start), "
            f"Python {platform.python_version()}; archives from "
            f"bench/archives.py, seed {args.seed}, made in {made_in:.1f} s. Each digest ran "
            "on its own copy; one that refuses a setting of `digest.toml` (code from before "
            f"`permalinks` existed) ran without it. Times are wall times, the median of "
            f"{args.runs} run{'s' if args.runs > 1 else ''} (each on a fresh copy), on a "
            "machine shared with other work.",
            "",
        ]
        for archive in made:
            tries: list[list[Session]] = [[] for _ in digests]
            for attempt in range(args.runs):  # the digests in turn, so they share the load
                for number, (name, command) in enumerate(digests):
                    copy = scratch / f"{archive.kind}-{number}-{attempt}"
                    tries[number].append(migrate(name, command, archive, copy))
            sessions = [_with_median_times(each) for each in tries]
            results = [evaluate(session) for session in sessions]
            lines.append(report(archive, sessions, results))
        text = "\n".join(lines)
        print(text)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
    finally:
        if worktree is not None:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                            str(worktree)], capture_output=True)  # fmt: skip
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
