"""Pages for machines: Atom feeds, a JSON Feed, the sitemap and robots.txt.

Each is an ordinary page of the plan with its own template (`feed.xml`,
`editions_feed.xml`, `feed.json`, `sitemap.xml`, `robots.txt`), so a site can override
it and the page fingerprints decide when it is written again.

Links are absolute when the site's address is known (`site_url`, or an absolute
`base_url`); with only a path they are root-relative, which feed readers resolve
against the feed's own address. A sitemap must list absolute URLs, so without an
address there is none (index warns once).

Ids must outlive the site's address: a site is often built before its host is known
(or moves), and an id that changes shows every entry to every subscriber again. So no
id holds a host: an entry's is a name-based UUID (`urn:uuid:`, RFC 4122 version 5) of
its date as written and the slug its file name gives
(`content/2025/2025-06-04-call-expected.md` dated 2025-06-04 → the UUID of
`2025-06-04:call-expected`). Changing `slug:`, `site_url` or `base_url` keeps it;
renaming the file or changing the date gives a new one, since nothing links the old
file to the new one. Feeds and editions are named the same way by their path.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import PurePosixPath

from generator.config import Config
from generator.model import Entry, Page, Person, Site, Topic
from generator.slug import slugify
from generator.source.parse import original_slug

FEED_NAME = "feed.xml"
NO_ADDRESS = (
    "sitemap.xml is left out: digest.toml gives no `site_url`, the address the site is "
    'published at (e.g. `site_url = "https://example.org/"`), which the sitemap, '
    "canonical links and absolute links in feeds need"
)
# An empty feed still needs an `updated`; a fixed instant keeps its bytes stable.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def plan_feeds(site: Site, config: Config, ids: dict[int, str] | None = None) -> list[Page]:
    """The site's feeds: everything, each person, each topic, and the editions."""
    ids = entry_ids(site.entries, config) if ids is None else ids
    pages = site_feeds(site, ids, config)
    for item in site.subjects():
        pages.append(subject_feed(item, ids, config))
    return pages


def site_feeds(site: Site, ids: dict[int, str], config: Config) -> list[Page]:
    """The feeds of the whole site: every entry (Atom and JSON Feed) and the editions."""
    base = config.base_path
    return [
        _entry_feed(
            FEED_NAME, f"{base}{FEED_NAME}", config.title, config.description, base,
            site.entries, ids, config,
        ),
        _json_feed(site, ids, config),
        _editions_feed(site, config),
    ]  # fmt: skip


def subject_feed(item: Person | Topic, ids: dict[int, str], config: Config) -> Page:
    """The Atom feed of one person's or topic's entries, beside their page."""
    noun = "person" if isinstance(item, Person) else "topic"
    subtitle = item.description or f"Stories about {item.name} in {config.title}."
    folder = item.output[: -len("index.html")]
    return _entry_feed(
        folder + FEED_NAME, item.url + FEED_NAME, f"{item.name} · {config.title}",
        subtitle, item.url, item.entries, ids, config, kind=f"{noun}-feed",
    )  # fmt: skip


def feed_url(url: str) -> str:
    """The Atom feed beside a person's or topic's page."""
    return url + FEED_NAME


def plan_sitemap(site: Site, config: Config) -> list[Page]:
    """`sitemap.xml` listing every page worth indexing with its last change, and
    robots.txt; without the site's absolute address, robots.txt alone."""
    base = config.base_path
    origin = config.origin
    robots = Page("robots.txt", f"{base}robots.txt", "robots.txt", "robots.txt", "robots",
                  {"sitemap_url": f"{origin}{base}sitemap.xml" if origin else ""})  # fmt: skip
    if not origin:
        return [robots]
    newest = latest_change(site.entries)
    urls: list[tuple[str, datetime | None]] = [
        (origin + base, newest),
        (f"{origin}{base}editions/", newest),
        (f"{origin}{base}people/", newest),
        (f"{origin}{base}topics/", newest),
    ]
    urls += [(origin + e.url, e.updated or e.date) for e in [*site.entries, *site.pages]]
    for items in (site.editions, site.people, site.topics):
        urls += [(origin + item.url, latest_change(item.entries)) for item in items]
    sitemap = Page("sitemap.xml", f"{base}sitemap.xml", "sitemap.xml", "Sitemap", "sitemap",
                   {"urls": urls})  # fmt: skip
    return [sitemap, robots]


# The namespace of our ids (a fixed, random UUID: ids depend on nothing but their name).
ID_NAMESPACE = uuid.UUID("5d7c2a0e-3f1b-4e86-9a43-0b9c8e6f2d17")


def lasting_id(name: str) -> str:
    """The id of whatever `name` (a date and a slug, or a path) names, on any host."""
    return uuid.uuid5(ID_NAMESPACE, name).urn


def entry_ids(entries: Iterable[Entry], config: Config) -> dict[int, str]:
    """A lasting id for each entry (by `id()`), the same on any host: see the module
    docstring.

    Two entries dated alike whose file names give one slug (`a.md` and `a.txt`, or files
    in two folders) fall back to the whole path, so ids stay unique.
    """
    keyed = [(entry, _day(entry), entry.file_slug or original_slug(entry)) for entry in entries]
    counts = Counter((day, slug) for _, day, slug in keyed)
    ids = {}
    for entry, day, slug in keyed:
        if counts[(day, slug)] > 1:
            slug = slugify(str(PurePosixPath(entry.path).with_suffix(""))) or slug
        ids[id(entry)] = lasting_id(f"{day}:{slug}")
    return ids


def _entry_feed(
    output: str,
    url: str,
    title: str,
    subtitle: str,
    alternate: str,
    entries: Sequence[Entry],
    ids: dict[int, str],
    config: Config,
    kind: str = "feed",
) -> Page:
    shown = list(entries[: config.feed_entries])
    context = {
        "feed_id": _feed_id(url, config),
        "subtitle": subtitle,
        "origin": config.origin,
        "alternate_url": config.origin + alternate,
        "updated": latest_change(shown) or EPOCH,
        "items": [(e, ids[id(e)]) for e in shown],
    }
    return Page(output, url, "feed.xml", title, kind, context)


def _json_feed(site: Site, ids: dict[int, str], config: Config) -> Page:
    base = config.base_path
    shown = site.entries[: config.feed_entries]
    context = {
        "origin": config.origin,
        "items": [(e, ids[id(e)]) for e in shown],
    }
    return Page("feed.json", f"{base}feed.json", "feed.json", config.title, "json-feed", context)


def _editions_feed(site: Site, config: Config) -> Page:
    """One item per edition, listing its stories: the digest as a newsletter."""
    base = config.base_path
    url = f"{base}editions/{FEED_NAME}"
    shown = site.editions[: config.feed_entries]
    items = [
        (
            edition,
            lasting_id(f"editions/{edition.id.lower()}"),
            edition.entries,
            latest_change(edition.entries) or EPOCH,
        )
        for edition in shown
    ]
    context = {
        "feed_id": _feed_id(url, config),
        "subtitle": f"Every edition of {config.title}.",
        "origin": config.origin,
        "alternate_url": f"{config.origin}{base}editions/",
        "updated": max((item[3] for item in items), default=EPOCH),
        "items": items,
    }
    title = f"Editions · {config.title}"
    return Page(f"editions/{FEED_NAME}", url, "editions_feed.xml", title, "editions-feed", context)


def _feed_id(url: str, config: Config) -> str:
    """A feed is known by its path in the site, whatever the host and base path."""
    return lasting_id(url[len(config.base_path) :])


def latest_change(entries: Iterable[Entry]) -> datetime | None:
    """When the newest change among these entries was made (`updated:` or the date)."""
    return max((d for e in entries if (d := e.updated or e.date) is not None), default=None)


def _day(entry: Entry) -> str:
    """The day of a dated entry as written, for its id (feeds list no static page)."""
    assert entry.date is not None, f"{entry.path}: a feed entry without a date"
    return entry.date.date().isoformat()
