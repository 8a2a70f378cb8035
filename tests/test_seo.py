"""Discovery: sitemap, robots.txt, canonical and social tags, JSON-LD, related entries."""

from __future__ import annotations

import json
import random
import re
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from markupsafe import Markup

from generator.engine.build import build_site
from generator.model import Entry, Person, Topic
from generator.newsroom.related import related_entries
from tests.conftest import WriteTree, entry_text
from tests.helpers import build_demo

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def _meta(html: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', html)
    return unescape(found.group(1)) if found else None


def _absolute_site(write_tree: WriteTree, **toml: str) -> Path:
    settings = {"base_url": '"https://example.org/news/"', **toml}
    return write_tree(
        {
            "digest.toml": "".join(f"{k} = {v}\n" for k, v in settings.items()),
            "content/people.yaml": (
                "- name: Ada Lovelace\n  role: Mathematician\n"
                "  description: Wrote the first program.\n"
                "  same_as: [https://en.wikipedia.org/wiki/Ada_Lovelace]\n"
            ),
            "content/2025-06-04-notes.md": entry_text(
                "Lovelace publishes </script> notes", "2025-06-04 09:30 +00:00",
                updated="2025-06-06 08:00 +00:00", authors="[Jane Doe]",
                people="[Ada Lovelace]", topics="[Computing]", summary="Notes & more.",
            ),
            "content/2025-06-01-engine.md": entry_text(
                "Engine plans", "2025-06-01", people="[Ada Lovelace]", topics="[Computing]"
            ),
        }
    )  # fmt: skip


# -- sitemap and robots.txt --------------------------------------------------------


def test_sitemap_lists_every_page_with_its_last_change(write_tree: WriteTree) -> None:
    root = _absolute_site(write_tree)
    build_site(root, search=False)
    urls = {
        u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod")
        for u in ET.parse(root / "site/sitemap.xml").getroot()
    }
    news = "https://example.org/news/"
    assert urls[news] == "2025-06-06T08:00:00+00:00"  # the newest change, `updated:` included
    assert urls[news + "2025/06/04/notes/"] == "2025-06-06T08:00:00+00:00"
    assert urls[news + "2025/06/01/engine/"] == "2025-06-01T00:00:00+00:00"
    assert urls[news + "editions/2025-w23/"] == "2025-06-06T08:00:00+00:00"
    assert urls[news + "people/ada-lovelace/"] == "2025-06-06T08:00:00+00:00"
    assert urls[news + "topics/computing/"] == "2025-06-06T08:00:00+00:00"
    assert {news + "editions/", news + "people/", news + "topics/"} <= set(urls)
    assert not any("search" in u or "404" in u for u in urls)


def test_robots_txt_names_the_sitemap(write_tree: WriteTree) -> None:
    root = _absolute_site(write_tree)
    build_site(root, search=False)
    robots = (root / "site/robots.txt").read_text()
    assert "User-agent: *" in robots
    assert "Sitemap: https://example.org/news/sitemap.xml" in robots


def test_without_an_address_there_is_no_sitemap_and_one_warning(
    write_tree: WriteTree, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: with `base_url = "/"` the sitemap listed relative URLs, which the
    protocol refuses. Without `site_url` there is none, and build and check say so."""
    from generator.cli import main
    from generator.render.feeds import NO_ADDRESS

    root = write_tree({"digest.toml": 'base_url = "/"\n', "content/a.md": entry_text()})
    result = build_site(root, search=False)
    assert result.warnings.count(NO_ADDRESS) == 1
    assert not (root / "site/sitemap.xml").exists()
    robots = (root / "site/robots.txt").read_text()
    assert robots == "User-agent: *\nAllow: /\n"
    monkeypatch.chdir(root)
    assert main(["check"]) == 0
    assert capsys.readouterr().err.count(f"warning: {NO_ADDRESS}") == 1


def test_the_demo_sitemap_follows_the_sitemap_protocol(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """sitemaps.org: a well-formed urlset of at most 50,000 absolute URLs (escaped, on
    the site's own host) with W3C datetimes; each names a page the site has."""
    from urllib.parse import urlsplit

    out = build_demo(tmp_path_factory)
    data = (out / "sitemap.xml").read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert len(data) <= 50 * 1024 * 1024
    root = ET.fromstring(data)  # expat: well-formed, or it raises
    assert root.tag == f"{SITEMAP}urlset"
    locs = []
    for url in root:
        assert url.tag == f"{SITEMAP}url"
        assert {child.tag for child in url} <= {f"{SITEMAP}loc", f"{SITEMAP}lastmod"}
        loc = url.findtext(f"{SITEMAP}loc") or ""
        parts = urlsplit(loc)
        assert (parts.scheme, parts.netloc) == ("https", "example.org"), loc
        assert len(loc) < 2048 and loc.isascii() and " " not in loc, loc
        page = out / parts.path.lstrip("/")
        assert (page / "index.html" if loc.endswith("/") else page).is_file(), loc
        lastmod = url.findtext(f"{SITEMAP}lastmod")
        if lastmod is not None:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", lastmod)
        locs.append(loc)
    assert 0 < len(locs) == len(set(locs)) <= 50_000
    assert "Sitemap: https://example.org/sitemap.xml" in (out / "robots.txt").read_text()


# -- canonical, Open Graph, Twitter -------------------------------------------------


def test_canonical_and_social_tags_are_absolute_with_an_absolute_base(
    write_tree: WriteTree,
) -> None:
    root = _absolute_site(write_tree, twitter_site='"digestnews"')
    build_site(root, search=False)
    html = (root / "site/2025/06/04/notes/index.html").read_text()
    url = "https://example.org/news/2025/06/04/notes/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert _meta(html, "og:url") == url
    assert _meta(html, "og:type") == "article"
    assert _meta(html, "og:title") == "Lovelace publishes </script> notes"
    assert _meta(html, "og:description") == "Notes & more."
    assert _meta(html, "og:site_name") == "News digest"
    assert _meta(html, "twitter:card") == "summary"
    assert _meta(html, "article:modified_time") == "2025-06-06T08:00:00+00:00"
    home = (root / "site/index.html").read_text()
    assert '<link rel="canonical" href="https://example.org/news/">' in home
    assert _meta(home, "og:type") == "website"


def test_twitter_site_comes_from_the_config(write_tree: WriteTree) -> None:
    root = _absolute_site(write_tree, twitter_site='"digestnews"')
    build_site(root, search=False)
    assert _meta((root / "site/index.html").read_text(), "twitter:site") == "@digestnews"


def test_without_an_address_there_is_no_canonical_link(write_tree: WriteTree) -> None:
    """Crawlers and Lighthouse reject a relative canonical URL, so none is better."""
    root = write_tree({"content/2025-06-04-call.md": entry_text("A call is close")})
    build_site(root, search=False)
    html = (root / "site/2025/06/04/call/index.html").read_text()
    assert 'rel="canonical"' not in html and _meta(html, "og:url") is None
    assert _meta(html, "og:title") == "A call is close"
    assert _meta(html, "twitter:site") is None
    missing = (root / "site/404.html").read_text()
    assert 'rel="canonical"' not in missing and _meta(missing, "og:url") is None
    assert '<meta name="robots" content="noindex">' in missing


def test_site_url_gives_absolute_links_and_its_path_the_base(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "digest.toml": 'site_url = "https://example.org/news/"\n',
            "content/2025-06-04-call.md": entry_text("A call is close"),
        }
    )
    build_site(root, search=False)
    html = (root / "site/2025/06/04/call/index.html").read_text()
    assert '<link rel="canonical" href="https://example.org/news/2025/06/04/call/">' in html
    assert '<link rel="stylesheet" href="/news/theme/style.css">' in html
    sitemap = ET.parse(root / "site/sitemap.xml").getroot()
    assert sitemap[0].findtext(f"{SITEMAP}loc") == "https://example.org/news/"


def test_paginated_lists_link_their_neighbours(write_tree: WriteTree) -> None:
    files: dict[str, str | bytes] = {"digest.toml": "page_size = 1\n"}
    for i in range(3):
        files[f"content/e{i}.md"] = entry_text(f"E{i}", f"2025-05-0{i + 1}")
    files["digest.toml"] += 'base_url = "https://example.org/"\n'
    root = write_tree(files)
    build_site(root, search=False)
    second = (root / "site/page/2/index.html").read_text()
    assert '<link rel="prev" href="/">' in second
    assert '<link rel="next" href="/page/3/">' in second
    assert '<link rel="canonical" href="https://example.org/page/2/">' in second


# -- JSON-LD ---------------------------------------------------------------------------


def test_entry_pages_describe_a_news_article(write_tree: WriteTree) -> None:
    root = _absolute_site(write_tree)
    build_site(root, search=False)
    html = (root / "site/2025/06/04/notes/index.html").read_text()
    assert html.count("</script>") == html.count("<script")  # the title's </script> is escaped
    (article,) = _json_ld(html)
    assert article["@type"] == "NewsArticle"
    assert article["headline"] == "Lovelace publishes </script> notes"
    assert article["datePublished"] == "2025-06-04T09:30:00+00:00"
    assert article["dateModified"] == "2025-06-06T08:00:00+00:00"
    assert article["author"] == [{"@type": "Person", "name": "Jane Doe"}]
    assert article["publisher"] == {"@type": "Organization", "name": "News digest"}
    assert article["url"] == "https://example.org/news/2025/06/04/notes/"
    assert article["about"][0]["name"] == "Ada Lovelace"


def test_an_entry_without_authors_is_credited_to_the_site(write_tree: WriteTree) -> None:
    root = write_tree({"content/a.md": entry_text()})
    build_site(root, search=False)
    (article,) = _json_ld((root / "site/2025/06/04/a/index.html").read_text())
    assert article["author"] == [{"@type": "Organization", "name": "News digest"}]


def test_person_pages_describe_the_person(write_tree: WriteTree) -> None:
    root = _absolute_site(write_tree)
    build_site(root, search=False)
    (person,) = _json_ld((root / "site/people/ada-lovelace/index.html").read_text())
    assert person == {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": "Ada Lovelace",
        "jobTitle": "Mathematician",
        "description": "Wrote the first program.",
        "sameAs": ["https://en.wikipedia.org/wiki/Ada_Lovelace"],
        "url": "https://example.org/news/people/ada-lovelace/",
    }
    assert _json_ld((root / "site/topics/computing/index.html").read_text()) == []


# -- what entry pages show -------------------------------------------------------------


def test_entry_pages_show_updated_reading_time_and_related(write_tree: WriteTree) -> None:
    root = _absolute_site(write_tree)
    build_site(root, search=False)
    html = (root / "site/2025/06/04/notes/index.html").read_text()
    assert 'Updated <time datetime="2025-06-06T08:00:00+00:00">Friday 6 June 2025' in html
    assert "1 min read" in html
    related = html[html.index('id="related-stories"') :]
    assert '<a href="/news/2025/06/01/engine/">Engine plans</a>' in related
    engine = (root / "site/2025/06/01/engine/index.html").read_text()
    assert "Updated <time" not in engine
    assert "1 min read" in (root / "site/index.html").read_text()  # cards too


def test_related_entries_rerender_when_a_related_title_changes(write_tree: WriteTree) -> None:
    root = _absolute_site(write_tree)
    build_site(root, search=False)
    path = root / "content/2025-06-01-engine.md"
    path.write_text(path.read_text().replace("title: Engine plans", "title: Engine drawings"))
    result = build_site(root, search=False)
    assert result.write is not None
    assert "2025/06/04/notes/index.html" in result.write.changed
    html = (root / "site/2025/06/04/notes/index.html").read_text()
    assert "Engine drawings" in html


# -- related entries ranking -----------------------------------------------------------


def _graph(
    specs: list[tuple[list[str], list[str]]],
) -> tuple[list[Entry], dict[str, Person], dict[str, Topic]]:
    """Entries newest first, with people and topics linked both ways as index links them."""
    people: dict[str, Person] = {}
    topics: dict[str, Topic] = {}
    entries = []
    start = datetime(2025, 6, 30, tzinfo=UTC)
    for i, (names, subjects) in enumerate(specs):
        entry = Entry(f"e{i}.md", f"E{i}", start - timedelta(days=i), f"e{i}", Markup(""), "")
        entry.people = [people.setdefault(n, Person(n)) for n in names]
        entry.topics = [topics.setdefault(t, Topic(t)) for t in subjects]
        for item in (*entry.people, *entry.topics):
            item.entries.append(entry)
        entries.append(entry)
    return entries, people, topics


def _brute_force(
    entries: list[Entry], which: list[int] | None = None, limit: int = 5
) -> list[list[Entry]]:
    """Score every pair: the plain definition the fast version must agree with."""

    def score(a: Entry, b: Entry) -> int:
        shared_people = {id(p) for p in a.people} & {id(p) for p in b.people}
        shared_topics = {id(t) for t in a.topics} & {id(t) for t in b.topics}
        return 2 * len(shared_people) + len(shared_topics)

    result = []
    for i in range(len(entries)) if which is None else which:
        entry = entries[i]
        ranked = sorted((-score(entry, other), j) for j, other in enumerate(entries) if j != i)
        result.append([entries[j] for s, j in ranked if s < 0][:limit])
    return result


def test_a_person_outweighs_a_topic_and_newer_wins_ties() -> None:
    entries, _, _ = _graph(
        [
            (["Ada"], ["Engines"]),  # 0: the entry we ask about
            ([], ["Engines"]),  # 1: one topic: 1
            (["Ada"], []),  # 2: one person: 2
            (["Ada"], ["Engines"]),  # 3: both: 3
            ([], ["Engines"]),  # 4: 1, older than 1
            (["Bob"], ["Boats"]),  # 5: nothing shared
        ]
    )
    related = related_entries(entries)
    assert [e.title for e in related[0]] == ["E3", "E2", "E1", "E4"]
    assert related[5] == []
    assert entries[0] not in related[0]


def test_related_entries_stop_at_five() -> None:
    entries, _, _ = _graph([(["Ada"], [])] * 9)
    assert all(len(r) == 5 for r in related_entries(entries))
    assert [e.title for e in related_entries(entries)[0]] == ["E1", "E2", "E3", "E4", "E5"]


def test_related_entries_match_a_brute_force_ranking() -> None:
    rng = random.Random(7)
    names = [f"P{i}" for i in range(12)]
    subjects = [f"T{i}" for i in range(6)]
    specs = [
        (rng.sample(names, rng.randint(0, 4)), rng.sample(subjects, rng.randint(0, 3)))
        for _ in range(300)
    ]
    entries, _, _ = _graph(specs)
    assert related_entries(entries) == _brute_force(entries)


def test_related_entries_are_fast_for_ten_thousand_entries() -> None:
    rng = random.Random(3)
    weights = [1 / (i + 1) for i in range(300)]  # a few people are in most of the news
    names = [f"P{i}" for i in range(300)]
    subjects = [f"T{i}" for i in range(60)]
    specs = [
        (
            list(dict.fromkeys(rng.choices(names, weights, k=rng.randint(2, 6)))),
            rng.sample(subjects, rng.randint(1, 3)),
        )
        for _ in range(10_000)
    ]
    entries, people, _ = _graph(specs)
    assert people["P0"].count > 2_000  # the case a pairwise count would make quadratic
    started = time.perf_counter()
    related = related_entries(entries)
    assert time.perf_counter() - started < 3.0
    sample = rng.sample(range(len(entries)), 20)
    assert [related[i] for i in sample] == _brute_force(entries, sample)
