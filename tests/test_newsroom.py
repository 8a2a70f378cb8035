"""Newsroom intelligence in the build: the text indexes entries under the people and topics
it names, first mentions link to people's pages, quotes reach their speakers' pages, and
scanning is done once per entry and registry."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from generator.cli import main
from generator.config import Config
from generator.engine.build import Builder, build_site
from generator.index.index import build_index
from generator.model import Entry, Site
from generator.newsroom.scan import Said, Scan, Scanner, scan_notes, unregistered_notes
from generator.render.pictures import add_pictures, co_mentions
from generator.render.plan import plan_pages
from generator.source.parse import parse_entry
from generator.source.registry import parse_people, parse_topics
from tests.conftest import WriteTree
from tests.helpers import EditSequence

PEOPLE = """\
- name: Donald Trump
  aliases: [Trump, President Trump]
  role: President of the United States
- name: Lara Trump
- name: Xi Jinping
  aliases: [Xi, President Xi]
- name: Scott Bessent
"""
TOPICS = """\
- name: Tariffs
  keywords: [tariff, duties]
- name: Diplomacy
  keywords: [phone call]
"""


def entry(
    body: str, title: str = "A story", date: str = "2025-06-04", path: str = "a", **front: str
) -> Entry:
    """A parsed entry at `content/{path}.md`, as the build would cache it."""
    text = _md(body, title, date, **front)
    return parse_entry(f"content/{path}.md", text.encode(), ZoneInfo("UTC"))


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(parse_people("p.yaml", PEOPLE), parse_topics("t.yaml", TOPICS))


# --- scanning one entry -------------------------------------------------------------------


def test_scan_finds_people_topics_links_and_quotes(scanner: Scanner) -> None:
    item = entry("Xi spoke first. “We will solve it together,” Trump said of the tariff.")
    scan = scanner.scan(item)
    assert scan.people == ("Xi Jinping", "Donald Trump")
    assert scan.topics == ("Tariffs",)
    body = str(item.body)
    assert [(name, body[s:e]) for name, s, e in scan.links] == [
        ("Xi Jinping", "Xi"),
        ("Donald Trump", "Trump"),
    ]
    assert scan.quotes == (Said("Donald Trump", "We will solve it together", 0),)
    assert scan.ambiguous == ()


def test_the_title_and_summary_are_read_too(scanner: Scanner) -> None:
    item = entry("Nothing here.", title="Bessent speaks", summary="About a phone call.")
    scan = scanner.scan(item)
    assert scan.people == ("Scott Bessent",)
    assert scan.topics == ("Diplomacy",)
    assert scan.links == ()  # only the body links


def test_front_matter_settles_a_shared_alias(scanner: Scanner) -> None:
    scan = scanner.scan(entry("Trump said no.", people="[Lara Trump]"))
    assert scan.people == ("Lara Trump",)
    assert scan.ambiguous == ()


def test_an_alias_wins_over_a_surname_when_the_entry_names_both(scanner: Scanner) -> None:
    """Issue 12: `aliases: [Trump]` beats Lara Trump's surname; nothing is reported."""
    scan = scanner.scan(entry("Lara Trump and President Trump met. Trump said no."))
    assert scan.people == ("Lara Trump", "Donald Trump")
    assert scan.ambiguous == ()
    body = str(entry("Lara Trump and President Trump met. Trump said no.").body)
    assert [(name, body[s:e]) for name, s, e in scan.links] == [
        ("Lara Trump", "Lara Trump"),
        ("Donald Trump", "President Trump"),
    ]


def test_a_shared_surname_nothing_settles_is_reported() -> None:
    scanner = Scanner(parse_people("p.yaml", PEOPLE + "- name: Eric Trump\n"), [])
    scan = scanner.scan(entry("Lara Trump and Eric Trump met. Trump said no."))
    assert scan.people == ("Lara Trump", "Eric Trump")
    assert scan.ambiguous == (("Trump", ("Donald Trump", "Lara Trump", "Eric Trump")),)


def test_not_people_excludes_a_false_hit_and_settles_the_alias(scanner: Scanner) -> None:
    item = entry("Lara Trump and President Trump met. Trump said no.", not_people="[Lara Trump]")
    scan = scanner.scan(item)
    assert scan.people == ("Donald Trump",)
    assert scan.ambiguous == ()
    assert [name for name, _, _ in scan.links] == ["Donald Trump"]


def test_not_people_by_a_shared_alias_rules_out_all_it_may_mean(scanner: Scanner) -> None:
    scan = scanner.scan(entry("Lara Trump met President Trump.", not_people="[trump]"))
    assert scan.people == ()
    assert scan.links == ()


def test_not_topics_excludes_a_topic(scanner: Scanner) -> None:
    scan = scanner.scan(entry("New duties and a phone call.", not_topics="[Tariffs]"))
    assert scan.topics == ("Diplomacy",)


def test_quotes_of_excluded_people_lose_their_speaker(write_tree: WriteTree) -> None:
    root = _site(
        write_tree, {"a.md": _md("“We will win this fight,” Trump said.", not_people="[Trump]")}
    )
    site = build_site(root, write=False).site
    assert site is not None
    [story] = site.entries
    assert story.people == []
    assert [(q.person, q.text) for q in story.quotes] == [(None, "We will win this fight")]


# --- index, pictures and notes ------------------------------------------------------------


def _index(*entries: Entry) -> Site:
    people = parse_people("p.yaml", PEOPLE)
    topics = parse_topics("t.yaml", TOPICS)
    scanner = Scanner(people, topics)
    scans = {e.path: scanner.scan(e) for e in entries}
    return build_index(entries, people, topics, Config(), scans=scans)


def test_index_links_first_mentions_and_rehashes_the_body() -> None:
    item = entry("Xi met Trump. Xi left. Trump stayed.")
    site = _index(item)
    [story] = site.entries
    assert [p.name for p in story.people] == ["Xi Jinping", "Donald Trump"]
    assert str(story.body) == (
        '<p><a href="/people/xi-jinping/">Xi</a> met <a href="/people/donald-trump/">Trump</a>.'
        " Xi left. Trump stayed.</p>"
    )
    assert story.body_hash != item.body_hash
    assert str(item.body).startswith("<p>Xi met")  # the parsed entry, cached, is untouched


def test_index_gives_quotes_to_their_speakers_newest_first() -> None:
    old = entry("“This is the first thing,” Trump said.")
    new = entry("“This is the second thing,” Trump said.", date="2025-06-05", path="b")
    site = _index(old, new)
    trump = next(p for p in site.people if p.name == "Donald Trump")
    assert [(e.slug, q.text) for e, q in trump.quotes] == [
        ("b", "This is the second thing"),
        ("a", "This is the first thing"),
    ]
    assert trump.quotes[0][1].person is trump


def test_co_mentions_count_shared_entries_most_first() -> None:
    site = _index(
        entry("Trump and Xi."),
        entry("Trump, Xi and Bessent.", date="2025-06-05", path="b"),
        entry("Trump and Bessent and Xi.", date="2025-06-06", path="c"),
        entry("President Trump and Lara Trump.", date="2025-06-07", path="d"),
    )
    trump = next(p for p in site.people if p.name == "Donald Trump")
    assert [(p.name, n) for p, n in co_mentions(trump)] == [
        ("Xi Jinping", 3),
        ("Scott Bessent", 2),
        ("Lara Trump", 1),
    ]


def test_pictures_go_on_the_first_page_of_a_person_or_topic_only() -> None:
    site = _index(entry("Trump and Xi."), entry("Trump and a tariff.", date="2025-06-05", path="b"))
    config = Config(page_size=1)
    pages = [p for p in plan_pages(site, config) if p.kind in ("person", "topic")]
    add_pictures(pages, config)
    trump = [p for p in pages if p.title.startswith("Donald Trump")]
    assert len(trump) == 2
    assert "timeline" in trump[0].context and "timeline" not in trump[1].context
    assert [(p.name, n) for p, n in trump[0].context["often_with"]] == [("Xi Jinping", 1)]
    tariffs = next(p for p in pages if p.title == "Tariffs")
    assert 'role="img"' in str(tariffs.context["timeline"])
    assert "often_with" not in tariffs.context


def test_scan_notes_name_the_candidates_of_a_shared_alias() -> None:
    item = entry("Lara Trump and President Trump met. Trump said no.")
    scans = {item.path: Scan(ambiguous=(("Trump", ("Donald Trump", "Lara Trump")),))}
    assert scan_notes([item], scans) == [
        (
            "content/a.md",
            None,
            "'Trump' could mean Donald Trump or Lara Trump — name them in full or add people:",
        )
    ]


def test_unregistered_notes_list_repeated_names_at_their_oldest_entry() -> None:
    older = entry("Jane Roe met Trump. Later Jane Roe left.")
    newer = entry("Jane Roe again, and John Poe once.", date="2025-06-05", path="b")
    people = parse_people("p.yaml", PEOPLE)
    assert unregistered_notes([newer, older], people) == [
        (
            "content/a.md",
            None,
            "'Jane Roe' is named 3 times in 2 entries but is not in content/people.yaml",
        )
    ]


def test_a_not_people_name_that_names_nobody_is_noted(scanner: Scanner) -> None:
    item = entry("Trump spoke.", not_people="[Jonh Smith]", not_topics="[Tarifs]")
    scans = {item.path: scanner.scan(item)}
    assert scan_notes([item], scans) == [
        ("content/a.md", 4, "`not_people`: 'Jonh Smith' is not in content/people.yaml"),
        ("content/a.md", 5, "`not_topics`: 'Tarifs' is not in content/topics.yaml"),
    ]


# --- the whole build ----------------------------------------------------------------------


def _md(body: str, title: str = "A story", date: str = "2025-06-04", **front: str) -> str:
    lines = ["---", f"title: {title}", f"date: {date}", *(f"{k}: {v}" for k, v in front.items())]
    return "\n".join([*lines, "---", body, ""])


def _site(write_tree: WriteTree, entries: dict[str, str]) -> Path:
    files: dict[str, str | bytes] = {"content/people.yaml": PEOPLE, "content/topics.yaml": TOPICS}
    files.update({f"content/{name}": text for name, text in entries.items()})
    files["digest.toml"] = "search = false\n"
    return write_tree(files)


def test_a_body_mention_indexes_the_entry_and_not_people_removes_it(
    write_tree: WriteTree,
) -> None:
    root = _site(write_tree, {"a.md": _md("The talks went on without Xi Jinping.")})
    build_site(root)
    person = (root / "site/people/xi-jinping/index.html").read_text()
    story = (root / "site/2025/06/04/a/index.html").read_text()
    assert 'href="/2025/06/04/a/"' in person
    assert re.search(r'<li><a href="/people/xi-jinping/"[^>]*>Xi Jinping</a></li>', story)
    (root / "content/a.md").write_text(
        _md("The talks went on without Xi Jinping.", not_people="[Xi Jinping]")
    )
    build_site(root)
    person = (root / "site/people/xi-jinping/index.html").read_text()
    assert 'href="/2025/06/04/a/"' not in person and "No stories yet." in person
    assert "/people/xi-jinping/" not in (root / "site/2025/06/04/a/index.html").read_text()


def test_only_the_first_mention_is_linked(write_tree: WriteTree) -> None:
    root = _site(write_tree, {"a.md": _md("Xi spoke. Then Xi left.\n\nXi Jinping returned.")})
    build_site(root)
    html = (root / "site/2025/06/04/a/index.html").read_text()
    prose = html.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    assert prose.count('href="/people/xi-jinping/"') == 1
    assert '<a href="/people/xi-jinping/">Xi</a> spoke.' in prose


def test_quotes_appear_on_the_speakers_page(write_tree: WriteTree) -> None:
    body = "“It is my expectation that we will solve many problems,” Trump said."
    root = _site(write_tree, {"a.md": _md(body, title="The call")})
    build_site(root)
    page = (root / "site/people/donald-trump/index.html").read_text()
    assert "In their words" in page
    assert "“It is my expectation that we will solve many problems”" in page
    assert (
        '<a href="/2025/06/04/a/">The call</a>, <time datetime="2025-06-04T00:00:00+00:00">' in page
    )


def test_person_and_topic_pages_draw_a_timeline(write_tree: WriteTree) -> None:
    root = _site(
        write_tree,
        {"a.md": _md("Trump set a tariff."), "b.md": _md("Trump again.", date="2025-07-01")},
    )
    build_site(root)
    for page in ("people/donald-trump", "topics/tariffs"):
        html = (root / f"site/{page}/index.html").read_text()
        assert '<svg class="chart" role="img"' in html
    people = (root / "site/people/index.html").read_text()
    assert re.search(
        r'Donald Trump</a> <span class="bar-track"><span class="bar" style="width: 100.0%">', people
    )


def test_check_notes_shared_aliases_and_unregistered_names(
    write_tree: WriteTree, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _site(
        write_tree,
        {
            "a.md": _md("Lara Trump and Eric Trump met. Trump said no."),
            "b.md": _md("Jane Roe spoke. Jane Roe left.", title="Other", date="2025-06-05"),
        },
    )
    (root / "content/people.yaml").write_text(PEOPLE + "- name: Eric Trump\n")
    monkeypatch.chdir(root)
    assert main(["check"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        "content/a.md: note: 'Trump' could mean Donald Trump or Lara Trump or Eric Trump — "
        "name them in full or add people:",
        "content/b.md: note: 'Jane Roe' is named 2 times in 1 entry but is not in "
        "content/people.yaml",
    ]


def test_a_new_quote_renders_the_speakers_page_again(write_tree: WriteTree) -> None:
    root = _three(write_tree)
    live = Builder(root)
    live.build()
    (root / "content/a.md").write_text(_md("“We will not back down on this,” Trump said."))
    changed = set(live.build().regenerated)
    assert {"2025/06/04/a/index.html", "people/donald-trump/index.html"} <= changed
    assert "people/xi-jinping/index.html" not in changed


# --- caching ------------------------------------------------------------------------------


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every entry path `Scanner.scan` is called with (builds this small scan in-process)."""
    calls: list[str] = []
    real = Scanner.scan

    def scan(self: Scanner, item: Entry) -> Scan:
        calls.append(item.path)
        return real(self, item)

    monkeypatch.setattr(Scanner, "scan", scan)
    return calls


def _three(write_tree: WriteTree) -> Path:
    return _site(
        write_tree,
        {
            "a.md": _md("Trump spoke."),
            "b.md": _md("Xi spoke.", date="2025-06-05"),
            "c.md": _md("Bessent spoke.", date="2025-06-06"),
        },
    )


def test_a_rebuild_without_entry_changes_scans_nothing(
    write_tree: WriteTree, counted: list[str]
) -> None:
    root = _three(write_tree)
    Builder(root).build()
    assert sorted(counted) == ["content/a.md", "content/b.md", "content/c.md"]
    counted.clear()
    (root / "static").mkdir()
    (root / "static/extra.txt").write_text("not an entry")  # a real rebuild, not the fast path
    result = Builder(root).build()  # a new process: scans come from .digest-cache
    assert result.site is not None and counted == []
    assert [p.name for e in result.site.entries for p in e.people] == [
        "Scott Bessent",
        "Xi Jinping",
        "Donald Trump",
    ]


def test_a_one_entry_edit_rescans_that_entry_only(
    write_tree: WriteTree, counted: list[str]
) -> None:
    root = _three(write_tree)
    live = Builder(root)
    live.build()
    counted.clear()
    (root / "content/b.md").write_text(_md("Xi and Trump spoke.", date="2025-06-05"))
    live.build()
    assert counted == ["content/b.md"]
    counted.clear()
    (root / "content/c.md").write_text(_md("Bessent spoke again.", date="2025-06-06"))
    Builder(root).build()  # from the disk cache
    assert counted == ["content/c.md"]


def test_a_registry_edit_rescans_everything_with_one_new_scanner(
    write_tree: WriteTree, counted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _three(write_tree)
    live = Builder(root)
    live.build()
    counted.clear()
    compiled: list[int] = []
    real_init = Scanner.__init__

    def init(self: Scanner, *args: object) -> None:
        compiled.append(1)
        real_init(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Scanner, "__init__", init)
    (root / "content/people.yaml").write_text(PEOPLE + "  aliases: [Bessent, Secretary]\n")
    live.build()
    assert sorted(counted) == ["content/a.md", "content/b.md", "content/c.md"]
    assert compiled == [1]
    counted.clear()
    (root / "content/a.md").write_text(_md("Trump spoke twice."))
    live.build()
    assert counted == ["content/a.md"] and compiled == [1]  # the same compiled registries


# --- incremental builds stay equal to clean ones with mentions in play -------------------

MENTIONING = [
    "Ada said “the engine weaves algebraic patterns” today.",
    "Babbage met Grace Hopper and Ada.",
    "Charles Babbage and [Ada](https://x.org) and `Ada`, then Ada.",
    "Nobody in particular.",
]


class MentionEdits(EditSequence):
    """The incremental-equivalence machine, with bodies that name people and quote them."""

    @initialize()
    def make_site(self) -> None:
        EditSequence.make_site(self)
        # The search index is not what this machine is about: keep it out of the comparison.
        (self.root / "digest.toml").write_text("search = false\n")
        self.live.build()

    @rule(
        index=st.integers(0, 50),
        body=st.sampled_from(MENTIONING),
        not_people=st.sampled_from(["", "Ada", "Charles Babbage"]),
    )
    def write_mentions(self, index: int, body: str, not_people: str) -> None:
        if self.names:
            name = self.names[index % len(self.names)]
            extra = f"not_people: [{not_people}]\n" if not_people else ""
            text = f"---\ntitle: Said\ndate: 2024-03-06\n{extra}---\n{body}\n"
            (self.root / "content" / name).write_text(text)
            self.touched.append(f"content/{name}")

    @rule(title=st.sampled_from(["One", "Two"]))
    def edit_config(self, title: str) -> None:
        (self.root / "digest.toml").write_text(f'title = "{title}"\nsearch = false\n')
        self.touched.append("digest.toml")


MentionEdits.TestCase.settings = settings(
    max_examples=10,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_incremental_builds_with_mentions_equal_clean_builds = MentionEdits.TestCase


def test_an_entry_is_listed_under_at_most_max_names_people_its_text_names() -> None:
    """Issue 13: every person of an entry lists it with all its people (n² on their
    pages): past MAX_NAMES, the first found count, and a warning says so."""
    from generator.model import MAX_NAMES

    registry = "".join(f"- name: Ann Q{i}x Zed{i}\n" for i in range(MAX_NAMES + 50))
    people = parse_people("p.yaml", registry)
    item = entry(" ".join(f"Ann Q{i}x Zed{i} spoke." for i in range(MAX_NAMES + 50)))
    scan = Scanner(people, []).scan(item)
    assert len(scan.people) == MAX_NAMES + 50
    site = build_index([item], people, [], Config(), scans={item.path: scan})
    assert [p.name for p in site.entries[0].people] == list(scan.people[:MAX_NAMES])
    assert site.warnings == [
        f"content/a.md: the text names {MAX_NAMES + 50} people of the registry; the entry is "
        f"listed under the first {MAX_NAMES} — name the ones it is about in front matter, "
        "or leave the rest out with `not_people:`"
    ]
