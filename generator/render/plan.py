"""Which pages the site has: every output file with the template and context making it.

Long lists (the home page's recent entries, a person's or a topic's entries, the
edition archive) are cut into pages of `page_size` at stable URLs: page 1 at the
list's own URL, page n at `…/page/n/`. Beside the HTML pages are the feeds, the sitemap
and robots.txt (`feeds`), and the search page, which the Pagefind index that
`search.index_site` writes after the build brings to life.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from generator.config import Config
from generator.index.index import people_counts, topic_counts
from generator.model import Page, Pagination, Person, Site, Topic
from generator.newsroom.related import related_entries
from generator.render.depend import Fingerprints, TemplateInfo, scan_templates, settings_fingerprint
from generator.render.feeds import entry_ids, feed_url, plan_feeds, plan_sitemap
from generator.render.templates import make_environment

T = TypeVar("T")
# A person's page lists the topics of their entries, a topic's page its people, most
# frequent first: the first dozen say what matters, and a page of hundreds would not.
SIDE_LIMIT = 12


@dataclass
class Plan:
    """Every page of the site and the fingerprint of what each is made from."""

    pages: list[Page]
    fingerprints: dict[str, str]  # output -> fingerprint
    templates: TemplateInfo
    digests: Fingerprints | None = None  # kept by the live preview to fingerprint again
    feed_ids: dict[int, str] = field(default_factory=dict)  # id(entry) -> the feeds' id


def plan_site(
    root: Path, site: Site, config: Config, templates: TemplateInfo | None = None
) -> Plan:
    """Plan every page and fingerprint it, so unchanged pages need not be rendered.

    `templates` may be passed in when the caller knows no template changed.
    """
    ids = entry_ids(site.entries, config)
    pages = plan_pages(site, config, ids)
    names = {p.template for p in pages}
    if templates is None or not names <= set(templates.closure):
        templates = scan_templates(make_environment(root, config), names)
    digests = Fingerprints(templates.length_in_lists())
    config_fp = settings_fingerprint(config, site)
    fingerprints = {p.output: digests.page(p, templates, config_fp) for p in pages}
    return Plan(pages, fingerprints, templates, digests, ids)


def plan_pages(site: Site, config: Config, ids: dict[int, str] | None = None) -> list[Page]:
    """Every page of the site, in a stable order (`ids`: the feeds' entry ids, if known)."""
    base = config.base_path
    pages = [
        *plan_home(site, config),
        Page("404.html", f"{base}404.html", "404.html", "Page not found", "404", {}),
        *_paginate(
            f"{base}editions/", "editions/", site.editions, config, "editions.html",
            "Editions", "editions", lambda chunk: {"editions": chunk},
        ),
        Page("people/index.html", f"{base}people/", "people.html", "People", "people",
             {"people": site.people}),
        Page("topics/index.html", f"{base}topics/", "topics.html", "Topics", "topics",
             {"topics": site.topics}),
        Page("search/index.html", f"{base}search/", "search.html", "Search", "search", {}),
    ]  # fmt: skip
    pages.extend(plan_entries(site))
    pages.extend(plan_static_pages(site))
    pages.extend(plan_redirects(site, config))
    pages.extend(plan_editions(site))
    for item in site.subjects():
        pages.extend(subject_pages(item, config))
    pages.extend(plan_feeds(site, config, ids))
    pages.extend(plan_sitemap(site, config))
    return pages


def subject_pages(item: Person | Topic, config: Config) -> list[Page]:
    """A person's pages with the topics of their entries, or a topic's with its people."""
    if isinstance(item, Person):
        return _plan_subject(item, "person", "topics", topic_counts(item.entries), config)
    return _plan_subject(item, "topic", "people", people_counts(item.entries), config)


def _plan_subject(
    item: Person | Topic, kind: str, side_key: str, side: list[Any], config: Config
) -> list[Page]:
    """A person's or topic's pages: its entries, paginated, with the other side's counts."""
    return _paginate(
        item.url, item.output[: -len("index.html")], item.entries, config,
        f"{kind}.html", item.name, kind,
        lambda chunk: {
            kind: item, "entries": chunk, side_key: side[:SIDE_LIMIT],
            f"{side_key}_more": max(0, len(side) - SIDE_LIMIT),
            "feed_url": feed_url(item.url), "feed_title": item.name,
        },
        shallow=frozenset({kind}),
    )  # fmt: skip


def plan_home(site: Site, config: Config) -> list[Page]:
    """The latest edition, then the most recent entries, continued on `/page/n/`."""
    latest = site.editions[0] if site.editions else None
    recent_editions = site.editions[: config.home_editions]
    return _paginate(
        config.base_path, "", site.entries, config, "home.html", config.title, "home",
        lambda chunk: {"edition": latest, "recent": chunk, "editions": recent_editions},
    )  # fmt: skip


def plan_entries(site: Site) -> Iterator[Page]:
    """Each entry with its neighbours in time and the entries most related to it."""
    related = related_entries(site.entries)
    for i, entry in enumerate(site.entries):
        yield Page(entry.output, entry.url, "entry.html", entry.title, "entry", {
            "entry": entry,
            "prev_entry": _at(site.entries, i + 1),
            "next_entry": _at(site.entries, i - 1),
            "related": related[i],
        })  # fmt: skip


def plan_static_pages(site: Site) -> Iterator[Page]:
    """Each static page (About, Privacy…): no edition, no neighbours, in no list."""
    for entry in site.pages:
        yield Page(entry.output, entry.url, "page.html", entry.title, "page", {"entry": entry})


def plan_redirects(site: Site, config: Config) -> Iterator[Page]:
    """A page at each old address that sends readers (and crawlers) to the new one."""
    for redirect in site.redirects:
        target = config.origin + redirect.entry.url
        yield Page(redirect.output, redirect.url, "redirect.html", "Moved", "redirect",
                   {"entry": redirect.entry, "target": target})  # fmt: skip


def plan_editions(site: Site) -> Iterator[Page]:
    for i, edition in enumerate(site.editions):
        yield Page(edition.output, edition.url, "edition.html", edition.title, "edition", {
            "edition": edition,
            "prev_edition": _at(site.editions, i + 1),
            "next_edition": _at(site.editions, i - 1),
        })  # fmt: skip


def page_url(first_url: str, number: int) -> str:
    """Page 1 of a list is the list's own URL; page n is `…/page/n/`."""
    return first_url if number == 1 else f"{first_url}page/{number}/"


def _paginate(
    first_url: str,
    folder: str,
    items: Sequence[T],
    config: Config,
    template: str,
    title: str,
    kind: str,
    context: Any,
    shallow: frozenset[str] = frozenset(),
) -> list[Page]:
    size = config.page_size
    count = max(1, -(-len(items) // size))
    pages = []
    for number in range(1, count + 1):
        pagination = Pagination(
            number=number,
            count=count,
            total=len(items),
            url=page_url(first_url, number),
            first_url=first_url,
            prev_url=page_url(first_url, number - 1) if number > 1 else None,
            next_url=page_url(first_url, number + 1) if number < count else None,
        )
        output = f"{folder}index.html" if number == 1 else f"{folder}page/{number}/index.html"
        shown = title if number == 1 else f"{title} (page {number} of {count})"
        chunk = list(items[(number - 1) * size : number * size])
        data = {**context(chunk), "pagination": pagination}
        pages.append(Page(output, pagination.url, template, shown, kind, data, shallow))
    return pages


def _at(items: Sequence[T], i: int) -> T | None:
    return items[i] if 0 <= i < len(items) else None
