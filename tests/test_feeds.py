"""Feeds: Atom for the digest, each person, each topic and the editions; JSON Feed beside it."""

from __future__ import annotations

import json
import multiprocessing
import os
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import feedparser
import pytest

from generator.config import Config
from generator.engine.build import build_site
from generator.model import Entry
from generator.render.feeds import entry_ids, lasting_id
from generator.source.parse import original_slug
from tests.conftest import REPO, WriteTree, entry_text
from tests.helpers import build_corpus, build_demo

ATOM = "{http://www.w3.org/2005/Atom}"


def _feeds(out: Path) -> list[Path]:
    return sorted(out.rglob("feed.xml"))


def _parse(path: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, f"{path}: {feed.bozo_exception}"
    assert feed.version == "atom10", path
    return feed


def _parse_all(out: Path) -> dict[str, feedparser.FeedParserDict]:
    """Every Atom feed of the site through feedparser, on every core (it is slow)."""
    paths = _feeds(out)
    if len(paths) < 50 or "fork" not in multiprocessing.get_all_start_methods():
        feeds = [_parse(p) for p in paths]
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=context) as pool:
            feeds = list(pool.map(_parse, paths, chunksize=16))
    return {p.relative_to(out).as_posix(): f for p, f in zip(paths, feeds, strict=True)}


def _check_json_feed(path: Path, items: int) -> dict:
    """JSON Feed 1.1's required fields (feedparser 6.0 does not read JSON Feed)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"] and isinstance(data["items"], list)
    assert len(data["items"]) == items
    for item in data["items"]:
        assert item["id"].startswith("urn:uuid:")
        assert item["content_html"] and item["url"] and item["title"]
        assert item["date_published"] <= item["date_modified"]
    return data


def test_every_demo_feed_parses(tmp_path_factory: pytest.TempPathFactory) -> None:
    out = build_demo(tmp_path_factory)
    feeds = _parse_all(out)
    people = len(list(out.glob("people/*/index.html")))
    topics = len(list(out.glob("topics/*/index.html")))
    assert len(feeds) == 2 + people + topics  # the digest, the editions, each person and topic
    main = feeds["feed.xml"]
    assert main.feed.title == "The US–China Digest"
    assert 0 < len(main.entries) <= Config().feed_entries
    first = main.entries[0]
    assert first.id == lasting_id("2025-06-04:why-beijing-waited")
    assert first.link == "https://example.org/2025/06/04/why-beijing-waited/"  # site_url
    assert first.content[0].type == "text/html" and "<p>" in first.content[0].value
    assert first.summary and first.authors
    xi = feeds["people/xi-jinping/feed.xml"]
    assert all(e.id.startswith("urn:uuid:") for e in xi.entries)
    assert {e.id for e in xi.entries} <= {e.id for e in main.entries} | {
        e.id for f in feeds.values() for e in f.entries
    }
    editions = feeds["editions/feed.xml"]
    assert editions.entries[0].title == "Week of 2 June 2025"
    assert editions.entries[0].id == lasting_id("editions/2025-w23")
    _check_json_feed(out / "feed.json", len(main.entries))


def test_every_corpus_feed_parses(tmp_path_factory: pytest.TempPathFactory) -> None:
    out = build_corpus(tmp_path_factory)
    feeds = _parse_all(out)
    assert len(feeds) > 300
    ids = [e.id for e in feeds["feed.xml"].entries]
    assert len(ids) == len(set(ids)) == 20
    _check_json_feed(out / "feed.json", 20)


def test_feed_links_lead_to_pages(tmp_path_factory: pytest.TempPathFactory) -> None:
    out = build_demo(tmp_path_factory)
    for path in _feeds(out):
        for link in ET.parse(path).getroot().iter(f"{ATOM}link"):
            href = link.get("href", "")
            if href.startswith("/"):
                target = out / href.lstrip("/")
                assert (target / "index.html" if href.endswith("/") else target).is_file(), href


def test_absolute_links_and_ids_from_an_absolute_base_url(sample_site: Path) -> None:
    build_site(sample_site)
    feed = feedparser.parse((sample_site / "site/feed.xml").read_bytes())
    assert not feed.bozo
    assert feed.feed.id == lasting_id("feed.xml")
    assert feed.feed.links[0].href == "https://example.org/news/feed.xml"
    for entry in feed.entries:
        assert entry.link.startswith("https://example.org/news/20")
        assert entry.id.startswith("urn:uuid:")
    data = _check_json_feed(sample_site / "site/feed.json", len(feed.entries))
    assert data["home_page_url"] == "https://example.org/news/"
    assert data["feed_url"] == "https://example.org/news/feed.json"


def test_ids_survive_a_slug_change_and_a_rebuild(write_tree: WriteTree) -> None:
    root = write_tree({"content/2025-06-04-call-expected.md": entry_text(date="2025-06-04 09:30")})
    (root / "digest.toml").write_text('base_url = "https://example.org/"\n')
    build_site(root)
    first = feedparser.parse((root / "site/feed.xml").read_bytes()).entries[0]
    assert first.id == lasting_id("2025-06-04:call-expected")
    path = root / "content/2025-06-04-call-expected.md"
    path.write_text(entry_text(date="2025-06-04 09:30", slug="trump-xi-call"))
    build_site(root, use_cache=False)
    again = feedparser.parse((root / "site/feed.xml").read_bytes()).entries[0]
    assert again.link == "https://example.org/2025/06/04/trump-xi-call/"
    assert again.id == first.id


def test_the_id_date_is_the_date_as_written_whatever_the_site_zone() -> None:
    from datetime import datetime, timedelta, timezone

    from markupsafe import Markup

    late = datetime(2025, 6, 4, 23, 30, tzinfo=timezone(timedelta(hours=-4)))
    entry = Entry("content/news/late.md", "T", late, "late", Markup(""), "")
    config = Config(base_url="https://example.org/", timezone="Asia/Tokyo")
    assert entry_ids([entry], config)[id(entry)] == lasting_id("2025-06-04:late")
    assert original_slug(entry) == "late"


@pytest.mark.parametrize(
    "settings",
    [
        "",
        'base_url = "/news/"\n',
        'site_url = "https://example.org/"\n',
        'site_url = "https://news.example.com/digest/"\n',
    ],
)
def test_ids_do_not_depend_on_the_sites_address(write_tree: WriteTree, settings: str) -> None:
    """Issue 12: ids were `tag:localhost,…` until a host was set, and every subscriber
    then saw every entry again. Set it later, or move the site: the ids stay."""
    root = write_tree({"digest.toml": settings, "content/2025-06-04-talks.md": entry_text()})
    build_site(root, search=False)
    feed = feedparser.parse((root / "site/feed.xml").read_bytes())
    assert feed.feed.id == lasting_id("feed.xml")
    assert feed.entries[0].id == lasting_id("2025-06-04:talks")
    editions = feedparser.parse((root / "site/editions/feed.xml").read_bytes())
    assert editions.entries[0].id == lasting_id("editions/2025-w23")
    assert json.loads((root / "site/feed.json").read_text())["items"][0]["id"] == (
        lasting_id("2025-06-04:talks")
    )


def test_entries_that_would_share_an_id_fall_back_to_their_paths() -> None:
    from datetime import UTC, datetime

    from markupsafe import Markup

    day = datetime(2025, 6, 4, tzinfo=UTC)
    a = Entry("content/a/note.md", "A", day, "note-a", Markup(""), "")
    b = Entry("content/b/note.txt", "B", day, "note-b", Markup(""), "")
    ids = entry_ids([a, b], Config())
    assert ids[id(a)] == lasting_id("2025-06-04:content-a-note")
    assert ids[id(b)] == lasting_id("2025-06-04:content-b-note")


def test_feed_entries_limits_every_feed(write_tree: WriteTree) -> None:
    files: dict[str, str | bytes] = {"digest.toml": "feed_entries = 2\n"}
    for i in range(4):
        files[f"content/e{i}.md"] = entry_text(
            f"Entry {i}", f"2025-0{i + 1}-01", people="[Ada Lovelace]", topics="[Engines]"
        )
    root = write_tree(files)
    build_site(root)
    for feed in ("feed.xml", "people/ada-lovelace/feed.xml", "topics/engines/feed.xml"):
        titles = [e.title for e in feedparser.parse((root / "site" / feed).read_bytes()).entries]
        assert titles == ["Entry 3", "Entry 2"], feed
    assert len(feedparser.parse((root / "site/editions/feed.xml").read_bytes()).entries) == 2
    assert len(json.loads((root / "site/feed.json").read_text())["items"]) == 2


def test_updated_dates_and_authors(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "content/a.md": entry_text(
                "Revised", "2025-06-04 09:00 +00:00", updated="2025-06-05 10:00 +00:00",
                authors="[Jane Doe, John Roe]",
            ),
        }
    )  # fmt: skip
    build_site(root)
    feed = feedparser.parse((root / "site/feed.xml").read_bytes())
    entry = feed.entries[0]
    assert entry.published == "2025-06-04T09:00:00+00:00"
    assert entry.updated == "2025-06-05T10:00:00+00:00"
    assert feed.feed.updated == "2025-06-05T10:00:00+00:00"
    assert [a.name for a in entry.authors] == ["Jane Doe", "John Roe"]
    item = json.loads((root / "site/feed.json").read_text())["items"][0]
    assert item["date_modified"] == "2025-06-05T10:00:00+00:00"


def test_markup_in_titles_and_bodies_is_escaped_once(write_tree: WriteTree) -> None:
    text = entry_text('Tom & Jerry <script>"x"</script>').replace(
        "Body text.", "Body with <b>bold</b> & an ampersand."
    )
    root = write_tree({"content/a.md": text})
    build_site(root)
    entry = feedparser.parse((root / "site/feed.xml").read_bytes()).entries[0]
    assert entry.title.startswith("Tom & Jerry <script>")  # text, escaped once in the XML
    assert "<b>bold</b> &amp; an ampersand" in entry.content[0].value
    data = json.loads((root / "site/feed.json").read_text())
    assert "<b>bold</b> &amp; an ampersand" in data["items"][0]["content_html"]
    assert "</script>" not in (root / "site/feed.json").read_text()


def test_drafts_and_future_entries_stay_out_of_feeds(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "content/now.md": entry_text("Published", "2025-06-04"),
            "content/draft.md": entry_text("Draft", "2025-06-04", draft="true"),
            "content/later.md": entry_text("Later", "2999-01-01"),
        }
    )
    build_site(root)
    titles = {e.title for e in feedparser.parse((root / "site/feed.xml").read_bytes()).entries}
    assert titles == {"Published"}
    build_site(root, drafts=True, future=True, use_cache=False)
    titles = {e.title for e in feedparser.parse((root / "site/feed.xml").read_bytes()).entries}
    assert titles == {"Published", "Draft", "Later"}


def test_pages_link_their_feeds(tmp_path_factory: pytest.TempPathFactory) -> None:
    out = build_demo(tmp_path_factory)
    main = '<link rel="alternate" type="application/atom+xml" title="The US–China Digest" '
    for page in ("index.html", "people/index.html", "2025/06/04/call-expected/index.html"):
        html = (out / page).read_text()
        assert main + 'href="/feed.xml">' in html, page
        assert 'type="application/feed+json"' in html
    person = (out / "people/xi-jinping/index.html").read_text()
    assert 'title="Xi Jinping · The US–China Digest" href="/people/xi-jinping/feed.xml"' in person
    topic = (out / "topics/tariffs/index.html").read_text()
    assert 'href="/topics/tariffs/feed.xml"' in topic


def test_a_body_edit_rewrites_the_feeds_that_show_it_and_no_other(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "content/a.md": entry_text("A", "2025-06-04", people="[Ada Lovelace]"),
            "content/b.md": entry_text("B", "2025-06-03", people="[Charles Babbage]"),
        }
    )
    build_site(root)
    (root / "content/a.md").write_text(
        entry_text("A", "2025-06-04", people="[Ada Lovelace]").replace("Body text.", "New body.")
    )
    result = build_site(root)
    assert result.write is not None
    changed = set(result.write.changed)
    assert {"feed.xml", "feed.json", "people/ada-lovelace/feed.xml"} <= changed
    assert "people/charles-babbage/feed.xml" not in changed
    assert "New body." in (root / "site/feed.xml").read_text()


def test_the_demo_feed_is_the_same_after_a_rebuild(tmp_path: Path) -> None:
    build_site(REPO, tmp_path / "one", use_cache=False, search=False)
    build_site(REPO, tmp_path / "two", use_cache=False, search=False)
    for name in ("feed.xml", "feed.json", "editions/feed.xml", "sitemap.xml"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


# --- characters XML cannot carry ---------------------------------------------------------

ILLEGAL_YAML = """\
---
title: "Talks \\uFFFE resume \\x01 ]]> soon"
date: 2025-06-04
authors: ["Ann \\x02 Poe"]
source: "Wire \\uFFFF"
summary: "A summary \\x07 with ]]> in it"
people: ["Jane \\uFFFE Roe"]
topics: ["Trade \\x06 talks"]
sponsor: "Extra \\x03 value"
---
Body &#x1; and &#0; and \ufffe and ]]> and &#xFFFE; &#55296; &#1114112; <![CDATA[ x ]]>

`code &#x1;` stays as text.
"""
ILLEGAL_PELICAN = (
    "Title: Pelican \ufffe header\nDate: 2025-06-03\nTags: A \ufffe tag\n\nText &#8;.\n"
)
ILLEGAL_TEXT = "date 2025-06-02 By Ann Poe, Wire\ntitle: Raw \ufffe text\n\nRaw \ufffe body ]]>.\n"


def test_no_output_holds_a_character_xml_cannot_carry(write_tree: WriteTree) -> None:
    """Issue 13: `&#x1;`, U+FFFE and YAML escapes made feed.xml not well-formed."""
    root = write_tree(
        {
            "digest.toml": 'base_url = "https://example.org/"\n',
            "content/a.md": ILLEGAL_YAML,
            "content/b.md": ILLEGAL_PELICAN,
            "content/c.txt": ILLEGAL_TEXT,
        }
    )
    result = build_site(root, search=False)
    out = root / "site"
    xml_files = [*out.rglob("*.xml")]
    assert len(xml_files) == 6  # the site, editions, a person, two topics; the sitemap
    for path in xml_files:
        ET.parse(path)  # expat is strict: one bad character and it raises
    for path in out.rglob("*.json"):
        assert not _illegal(json.loads(path.read_text(encoding="utf-8"))), path
    for path in out.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "&#x1;" not in html and "&#0;" not in html and "\ufffe" not in html, path
        for script in html.split('<script type="application/ld+json">')[1:]:
            assert not _illegal(json.loads(script.split("</script>")[0])), path
    page = (out / "2025/06/04/a/index.html").read_text(encoding="utf-8")
    assert "Talks resume ]]&gt; soon" in page and "code &amp;#x1;" in page
    lines = {w.split(": ", 1)[0] for w in result.warnings if "XML cannot carry" in w}
    assert lines == {
        "content/a.md:2", "content/a.md:4", "content/a.md:5", "content/a.md:6",
        "content/a.md:7", "content/a.md:8", "content/a.md:9", "content/a.md:11",
        "content/b.md:1", "content/b.md:3", "content/b.md:5",
        "content/c.txt:2", "content/c.txt:4",
    }  # fmt: skip


def _illegal(value: object) -> bool:
    from generator.xmltext import first_illegal

    if isinstance(value, str):
        return first_illegal(value) is not None
    if isinstance(value, dict):
        return any(_illegal(v) for v in [*value.keys(), *value.values()])
    if isinstance(value, list):
        return any(_illegal(v) for v in value)
    return False


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "content/people.yaml",
            '- name: Jane Roe\n  role: "A \\x01 role"\n',
            "content/people.yaml:2: `role` holds a character XML cannot carry (U+0001)",
        ),
        (
            "digest.toml",
            'title = "A \\uFFFF title"\n',
            "digest.toml:1: `title` holds a character XML cannot carry (U+FFFF)",
        ),
    ],
)
def test_registries_and_settings_refuse_characters_xml_cannot_carry(
    write_tree: WriteTree, name: str, text: str, message: str
) -> None:
    from generator.errors import BuildFailed, DigestError

    root = write_tree({name: text, "content/a.md": entry_text()})
    with pytest.raises((BuildFailed, DigestError)) as info:
        build_site(root, search=False)
    assert message in str(info.value)
