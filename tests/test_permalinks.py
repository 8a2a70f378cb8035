"""Addresses (issue 12): permalink patterns and overrides, old addresses that redirect,
and static pages that are not news."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.engine.build import build_site
from generator.errors import BuildFailed
from generator.permalinks import PermalinkError, check_pattern, fill, normalize, output_of
from tests.conftest import WriteTree, entry_text

WHEN = datetime(2015, 3, 4, 9, 5, 7, tzinfo=UTC)
SITE_URL = 'site_url = "https://example.org/"\n'


# --- patterns ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("/{yyyy}/{mm}/{dd}/{slug}/", "2015/03/04/old-post/"),  # ours, the default
        ("{date:%Y}/{date:%m}/{slug}.html", "2015/03/old-post.html"),  # Pelican
        ("{category}/{slug}/", "rust-news/old-post/"),
        ("/:year/:month/:day/:title/", "2015/03/04/old-post/"),  # Jekyll
        (
            "/:categories/:year/:i_month/:i_day/:title:output_ext",
            "rust-news/eu/2015/3/4/old-post.html",
        ),
        ("/:short_year/:y_day/:slug", "15/063/old-post/"),  # no extension: a folder
        ("/:long_month/:short_month/:hour:minute:second/:title/", "March/Mar/090507/old-post/"),
        ("date", "rust-news/eu/2015/03/04/old-post.html"),  # Jekyll's named styles
        ("pretty", "rust-news/eu/2015/03/04/old-post/"),
        ("none", "rust-news/eu/old-post.html"),
    ],
)
def test_patterns_in_our_pelicans_and_jekylls_styles(pattern: str, path: str) -> None:
    categories = ("Rust News", "EU")
    assert fill(pattern, slug="old-post", when=WHEN, categories=categories) == path


def test_missing_categories_drop_out_as_in_jekyll_or_are_misc_as_in_pelican() -> None:
    assert fill("/:categories/:title/", slug="a", when=WHEN) == "a/"
    assert fill("/{category}/{slug}/", slug="a", when=WHEN) == "misc/a/"


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("/{yyyy}/{nope}/", "unknown placeholder '{nope}'"),
        ("/:year/:nope/:title/", "unknown placeholder ':nope'"),
        ("/{date}/{slug}/", "{date} needs a format"),
        ("/{yyyy}/", "entries would share it"),
        ("/{slug} here/", "characters an address cannot hold"),
    ],
)
def test_a_bad_pattern_says_what_is_wrong(pattern: str, words: str) -> None:
    with pytest.raises(PermalinkError, match=re.escape(words)):
        check_pattern(pattern, needs_slug=True)


@pytest.mark.parametrize(
    "path",
    ["https://example.org/a/", "//example.org/a", "/a/../b/", "/.hidden/", "/a?b=1", "/a b/"],
)
def test_a_path_must_be_a_plain_path_in_the_site(path: str) -> None:
    with pytest.raises(PermalinkError):
        normalize(path)


def test_folders_files_and_extensionless_paths() -> None:
    assert output_of(normalize("/2015/03/post/")) == "2015/03/post/index.html"
    assert output_of(normalize("2015/03/post.html")) == "2015/03/post.html"
    assert output_of(normalize("/p/123")) == "p/123/index.html"


# --- entries keep their old addresses ---------------------------------------------------


def _site(write_tree: WriteTree, files: dict[str, str], settings: str = SITE_URL) -> Path:
    return write_tree({"digest.toml": settings, **files})


def test_the_sites_pattern_places_every_entry(write_tree: WriteTree) -> None:
    settings = SITE_URL + 'permalinks = "{date:%Y}/{date:%m}/{slug}.html"\n'
    root = _site(
        write_tree, {"content/2015-03-04-old-post.md": entry_text(date="2015-03-04")}, settings
    )
    build_site(root, search=False)
    page = root / "site/2015/03/old-post.html"
    assert page.is_file()
    assert (
        '<link rel="canonical" href="https://example.org/2015/03/old-post.html">'
        in page.read_text()
    )
    home = (root / "site/index.html").read_text()
    assert 'href="/2015/03/old-post.html"' in home


def test_a_jekyll_permalink_in_front_matter_wins_over_the_pattern(write_tree: WriteTree) -> None:
    text = entry_text(date="2015-03-04", permalink="/blog/:year/:title/")
    root = _site(write_tree, {"content/_posts/2015-03-04-kept.md": text})
    build_site(root, search=False)
    assert (root / "site/blog/2015/kept/index.html").is_file()
    assert not (root / "site/2015").exists()


def test_pelicans_url_and_save_as_headers_are_the_address_and_url_stays_ours(
    write_tree: WriteTree,
) -> None:
    pelican = (
        "Title: Old post\nDate: 2015-03-04 10:00\nURL: posts/2015/old-post/\n"
        "Save_as: posts/2015/old-post/index.html\n\nText.\n"
    )
    ours = entry_text(date="2015-03-05", url="https://example.com/original")
    root = _site(write_tree, {"content/old.md": pelican, "content/b.md": ours})
    build_site(root, search=False)
    assert (root / "site/posts/2015/old-post/index.html").is_file()
    b = (root / "site/2015/03/05/b/index.html").read_text()
    assert 'href="https://example.com/original"' in b  # `url:` is still the original article


def test_a_path_in_url_is_refused_with_a_pointer_to_permalink(write_tree: WriteTree) -> None:
    root = _site(write_tree, {"content/a.md": entry_text(url="/2015/03/old-post/")})
    with pytest.raises(BuildFailed) as info:
        build_site(root, search=False)
    assert "for the entry's own address, use `permalink:`" in str(info.value)


def test_save_as_and_permalink_that_disagree_are_an_error(write_tree: WriteTree) -> None:
    text = entry_text(permalink="/a/", save_as="b.html")
    root = _site(write_tree, {"content/a.md": text})
    with pytest.raises(BuildFailed) as info:
        build_site(root, search=False)
    assert "name different files" in str(info.value)


# --- old addresses ---------------------------------------------------------------------------


def test_aliases_write_redirect_pages(write_tree: WriteTree) -> None:
    text = entry_text("Old post", "2025-06-04", aliases="[/2015/03/old-post.html, /p/123]")
    root = _site(write_tree, {"content/a.md": text})
    build_site(root, search=False)
    target = "https://example.org/2025/06/04/a/"
    for output in ("2015/03/old-post.html", "p/123/index.html"):
        page = (root / "site" / output).read_text()
        assert f'<meta http-equiv="refresh" content="0; url={target}">' in page
        assert f'<link rel="canonical" href="{target}">' in page
        assert f'<a href="{target}">Old post</a>' in page
        assert "data-pagefind-body" not in page
    sitemap = (root / "site/sitemap.xml").read_text()
    assert "old-post.html" not in sitemap and "/p/123" not in sitemap


def test_jekylls_redirect_from_is_an_alias_and_without_an_address_links_are_paths(
    write_tree: WriteTree,
) -> None:
    text = entry_text("Old post", "2025-06-04", redirect_from="[/old/]")
    root = write_tree({"content/a.md": text})
    build_site(root, search=False)
    page = (root / "site/old/index.html").read_text()
    assert '<meta http-equiv="refresh" content="0; url=/2025/06/04/a/">' in page
    assert "canonical" not in page  # a relative canonical link is worse than none


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {
                "content/a.md": entry_text(aliases="[/x/]"),
                "content/b.md": entry_text(aliases="[/x/]"),
            },
            "content/b.md:4: this entry's alias /x/ is also the alias of content/a.md",
        ),
        (
            {"content/a.md": entry_text(aliases="[/2025/06/04/b/]"), "content/b.md": entry_text()},
            "content/a.md:4: this entry's alias /2025/06/04/b/ is also the address of content/b.md",
        ),
        (
            {"content/a.md": entry_text(aliases="[/2025/06/04/a/]")},
            "content/a.md:4: the alias /2025/06/04/a/ is this entry's own address",
        ),
        (
            {"content/a.md": entry_text(permalink="/topics/")},
            "content/a.md:4: this entry would publish to /topics/, but digest's own /topics/ pages",
        ),
        (
            {"content/a.md": entry_text(aliases="[/feed.xml]")},
            "content/a.md:4: an alias of this entry is /feed.xml, but digest writes its own",
        ),
        (
            {"content/pages/people.md": "---\ntitle: People we thank\n---\nThanks.\n"},
            "content/pages/people.md:1: this entry would publish to /people/, but digest's own",
        ),
    ],
)
def test_two_claims_on_one_address_are_an_error_naming_both(
    write_tree: WriteTree, files: dict[str, str], message: str
) -> None:
    root = _site(write_tree, files)
    with pytest.raises(BuildFailed) as info:
        build_site(root, search=False)
    assert message in str(info.value)


# --- static pages ----------------------------------------------------------------------------

PRIVACY = "---\ntitle: Privacy policy\nlayout: page\ndate: 2015-05-01\n---\nWe keep nothing.\n"
ABOUT = "---\ntitle: About us\nnav: true\npeople: [Ada Lovelace]\n---\nWho we are.\n"
PELICAN_PAGE = "Title: Contact\nSlug: contact-us\n\nWrite to us.\n"


def test_static_pages_are_not_news(write_tree: WriteTree) -> None:
    """A privacy policy must not become a 2015 news story."""
    root = _site(
        write_tree,
        {
            "content/privacy.md": PRIVACY,
            "content/pages/about.md": ABOUT,
            "content/pages/contact.md": PELICAN_PAGE,
            "content/news.md": entry_text("Real news", "2025-06-04", people="[Grace Hopper]"),
        },
    )
    result = build_site(root, search=False)
    site, out = result.site, root / "site"
    assert site is not None
    assert [e.title for e in site.entries] == ["Real news"]
    assert [p.title for p in site.pages] == ["About us", "Contact", "Privacy policy"]
    assert not list(out.glob("2015/**/*")) and not (out / "editions/2015-w18").exists()
    for path in ("privacy/index.html", "about/index.html", "contact-us/index.html"):
        page = (out / path).read_text()
        assert "data-pagefind-body" not in page  # not searched as news
        assert 'class="kicker"' not in page  # no edition
    assert "We keep nothing." in (out / "privacy/index.html").read_text()
    assert not (out / "people/ada-lovelace").exists()  # a page names nobody
    feeds = [*out.rglob("feed.xml"), out / "feed.json"]
    assert not any("Privacy" in f.read_text() or "About us" in f.read_text() for f in feeds)
    for listing in ("index.html", "editions/index.html", "people/index.html", "topics/index.html"):
        assert "Privacy policy" not in (out / listing).read_text(), listing
    sitemap = (out / "sitemap.xml").read_text()
    assert "<loc>https://example.org/privacy/</loc><lastmod>2015-05-01" in sitemap
    assert "<loc>https://example.org/about/</loc></url>" in sitemap  # undated: no lastmod


def test_pages_marked_nav_are_in_every_pages_menu(write_tree: WriteTree) -> None:
    root = _site(
        write_tree,
        {
            "content/pages/about.md": ABOUT,
            "content/privacy.md": PRIVACY,
            "content/a.md": entry_text(),
        },
    )
    build_site(root, search=False)
    out = root / "site"
    for path in (
        "index.html",
        "2025/06/04/a/index.html",
        "people/index.html",
        "privacy/index.html",
    ):
        html = (out / path).read_text()
        nav = html[html.index('<nav class="site-nav"') : html.index("</nav>")]
        assert '<li><a href="/about/">About us</a></li>' in nav, path
        assert "Privacy" not in nav, path
    about = (out / "about/index.html").read_text()
    assert '<a href="/about/" aria-current="page">About us</a>' in about


def test_a_page_may_have_its_own_permalink_and_aliases(write_tree: WriteTree) -> None:
    text = "---\ntitle: Privacy\npermalink: /legal/privacy.html\naliases: [/privacy/]\n---\nNone.\n"
    root = _site(write_tree, {"content/pages/privacy.md": text})
    build_site(root, search=False)
    assert "None." in (root / "site/legal/privacy.html").read_text()
    assert (
        "url=https://example.org/legal/privacy.html"
        in (root / "site/privacy/index.html").read_text()
    )


def test_json_feed_and_search_hold_no_page(write_tree: WriteTree) -> None:
    root = _site(write_tree, {"content/pages/about.md": ABOUT, "content/a.md": entry_text()})
    build_site(root, search=True)
    items = json.loads((root / "site/feed.json").read_text())["items"]
    assert [i["title"] for i in items] == ["A title"]
    entry = json.loads((root / "site/pagefind/pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 1
