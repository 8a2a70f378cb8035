"""What each page was made from, as one fingerprint: equal fingerprints, equal bytes.

A page is rendered again only when its fingerprint changes. The fingerprint covers the
page's template with everything it extends, includes or imports; the site settings; and
every object in its context, each by what a template shows of it:

- the page's own entry (`entry` on an entry page): everything, body and the full
  registry records of its people and topics included;
- an entry anywhere else: its list fields, with people and topics by name and URL
  (and its body too, if any template reads the body of an entry other than `entry`);
- the page's own person, topic or edition: its fields plus its entries' list fields;
  on the first page of a person or topic, all their entries' list fields and a person's
  quotes too, which the timeline, the co-mentions and the quotes there are drawn from;
- a person, topic or edition inside a list, or linked as `prev_…`/`next_…`: its fields
  and its count.

A template that walks further than this (say, from a person in a list to that person's
entries) is not tracked; `digest build --full` renders every page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import jinja2
from jinja2 import meta, nodes

from generator.config import Config
from generator.digests import hash_text
from generator.model import Edition, Entry, Page, Pagination, Person, Site, Topic
from generator.render.templates import site_nav


def settings_fingerprint(config: Config, site: Site) -> str:
    """What every page is made from besides its own objects: the settings, and the menu."""
    nav = site_nav(site)
    if not nav:
        return config.fingerprint()
    return hash_text(config.fingerprint(), *(f"{title}\x1e{url}" for title, url in nav))


@dataclass(frozen=True)
class _Source:
    digest: str
    deps: frozenset[str] | None  # None: names computed at run time, so any template
    own_body: bool  # reads `entry.body` outside any macro
    other_body: bool  # reads `.body` of anything else
    other_words: bool  # reads `.words` of anything but `entry`
    other_minutes: bool  # reads `.reading_minutes` of anything but `entry`


@dataclass
class TemplateInfo:
    """Per template name: a hash of it and all it pulls in, and how it reads bodies."""

    closure: dict[str, str] = field(default_factory=dict)
    own_body: dict[str, bool] = field(default_factory=dict)
    other_body: dict[str, bool] = field(default_factory=dict)
    other_words: dict[str, bool] = field(default_factory=dict)
    other_minutes: dict[str, bool] = field(default_factory=dict)

    def length_in_lists(self) -> str:
        """How lists show an entry's length, if any template shows it outside the entry's
        own page: "words", or rounded to "minutes" of reading, or ""."""
        if any(self.other_words.values()):
            return "words"
        return "minutes" if any(self.other_minutes.values()) else ""


def scan_templates(env: jinja2.Environment, names: Iterable[str]) -> TemplateInfo:
    """Hash each template with its extends/include/import chain, resolved as Jinja would."""
    info = TemplateInfo()
    sources: dict[str, _Source] = {}

    def load(name: str) -> _Source:
        if name not in sources:
            sources[name] = _read_template(env, name)
        return sources[name]

    all_names = sorted(env.list_templates())
    for name in names:
        seen: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                deps = load(current).deps
                stack.extend(all_names if deps is None else deps)
        info.closure[name] = hash_text(*(f"{n}={load(n).digest}" for n in sorted(seen)))
        info.own_body[name] = any(load(n).own_body for n in seen)
        info.other_body[name] = any(load(n).other_body for n in seen)
        info.other_words[name] = any(load(n).other_words for n in seen)
        info.other_minutes[name] = any(load(n).other_minutes for n in seen)
    return info


def _read_template(env: jinja2.Environment, name: str) -> _Source:
    assert env.loader is not None
    try:
        source, filename, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        return _Source("missing", frozenset(), False, False, False, False)
    digest = hash_text(filename or "", source)
    try:
        tree = env.parse(source, name, filename)
    except jinja2.TemplateSyntaxError:
        return _Source(digest, frozenset(), False, False, False, False)  # reported later
    refs = set(meta.find_referenced_templates(tree))
    deps = None if None in refs else frozenset(r for r in refs if isinstance(r, str))
    reads = _reads(tree, ("body", "words", "reading_minutes"))
    own, other = reads["body"]
    return _Source(digest, deps, own, other, reads["words"][1], reads["reading_minutes"][1])


def _reads(tree: nodes.Template, attrs: tuple[str, ...]) -> dict[str, tuple[bool, bool]]:
    """For each of `attrs`: whether a template reads it of `entry` directly (outside any
    macro), and whether it reads it of anything else; one walk of the tree for all."""
    in_macros = {id(n) for m in tree.find_all(nodes.Macro) for n in m.find_all(nodes.Node)}
    own = dict.fromkeys(attrs, False)
    other = dict.fromkeys(attrs, False)
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Const)):
        if isinstance(node, nodes.Getattr) and node.attr in attrs:
            direct = isinstance(node.node, nodes.Name) and node.node.name == "entry"
            if direct and id(node) not in in_macros:
                own[node.attr] = True
            else:
                other[node.attr] = True
        elif isinstance(node, nodes.Const) and node.value in attrs:
            other[node.value] = True  # `x["body"]`, `attribute(x, "body")`: cannot tell whose
    return {attr: (own[attr], other[attr]) for attr in attrs}


class Fingerprints:
    """Digests of the site's objects for one build, each computed once."""

    def __init__(self, length_in_lists: str = "words") -> None:
        # Lists show an entry's length only as templates say: a body edit that changes
        # the word count but not the minutes of reading leaves every list page alone.
        self.length_in_lists = length_in_lists
        self._cards: dict[int, str] = {}
        self._full: dict[int, str] = {}
        self._own: dict[int, str] = {}
        self._marks: dict[int, str] = {}
        # Lists live as long as the build, so their id is a safe key: a person's entries
        # are hashed once though both `person` and `entries` hold them.
        self._lists: dict[tuple[int, bool], str] = {}
        # A subject's pictures digest covers all its entries (tens of thousands for a
        # head of state): kept until the subject changes or any entry's mark does.
        self._pictures: dict[int, tuple[int, str]] = {}  # id -> (marks version, digest)
        self._marks_version = 0

    def forget(self, changed: dict[int, object]) -> None:
        """Drop what is known of these objects (id -> object), and of every list: they
        changed. An entry whose mark (date and people) changed outdates every picture."""
        for memo in (self._cards, self._full, self._own, self._pictures):
            for key in changed:
                memo.pop(key, None)
        for key, obj in changed.items():
            old = self._marks.pop(key, None)
            if old is not None and type(obj) is Entry and self._mark(obj) != old:
                self._marks_version += 1
        self._lists.clear()

    def page(self, page: Page, templates: TemplateInfo, config_fp: str) -> str:
        other_body = templates.other_body[page.template]
        own_body = templates.own_body[page.template] or other_body
        parts = [
            config_fp,
            templates.closure[page.template],
            page.output,
            page.url,
            page.title,
            page.kind,
        ]
        for key, value in sorted(page.context.items()):
            if isinstance(value, Entry) and key == "entry":
                parts.append(f"{key}={self.entry_full(value) if own_body else self.card(value)}")
            else:
                # prev_/next_ are links to neighbours, shown like list items.
                top = not key.startswith(("prev_", "next_")) and key not in page.shallow
                parts.append(f"{key}={self.value(value, other_body, top=top)}")
        pagination = page.context.get("pagination")
        first = pagination is None or pagination.number == 1
        if first and page.kind in ("person", "topic") and page.kind in page.context:
            parts.append(self.pictures(page.context[page.kind]))
        return hash_text(*parts)

    def pictures(self, item: Person | Topic) -> str:
        """What a person's or topic's first page draws from all their entries, not only the
        page's: the timeline (their dates), the people they appear with, and quotes."""
        known = self._pictures.get(id(item))
        if known is not None and known[0] == self._marks_version:
            return known[1]
        quotes = item.quotes if isinstance(item, Person) else []
        digest = hash_text(
            *(self._mark(e) for e in item.entries),
            *(f"{e.url}\x1e{e.title}\x1e{e.date.isoformat()}\x1e{q.text}" for e, q in quotes),
        )
        self._pictures[id(item)] = (self._marks_version, digest)
        return digest

    def _mark(self, entry: Entry) -> str:
        """An entry's date and people: what timelines and co-mentions count it by."""
        key = id(entry)
        if key not in self._marks:
            people = "|".join(f"{p.name}\x1e{p.url}" for p in entry.people)
            day = entry.date.isoformat() if entry.date is not None else ""
            self._marks[key] = f"{day}\x1d{people}"
        return self._marks[key]

    def value(self, value: Any, bodies: bool, top: bool = False) -> str:
        kind = type(value)
        if kind is Entry:
            return self.entry_full(value) if bodies else self.card(value)
        if kind is list:
            key = (id(value), bodies)
            digest = self._lists.get(key)
            if digest is None:
                entry = self.entry_full if bodies else self.card  # most lists hold entries
                digest = self._lists[key] = hash_text(
                    *[entry(v) if type(v) is Entry else self.value(v, bodies) for v in value]
                )
            return digest
        if kind is tuple:
            return "(" + ",".join([self.value(v, bodies) for v in value]) + ")"
        if kind is Person or kind is Topic or kind is Edition:
            if top:
                return hash_text(self.own(value), self.value(value.entries, bodies))
            return self.own(value) + str(value.count)
        if value is None or isinstance(value, str | int | float | bool | date | datetime):
            return repr(value)
        if kind is Pagination:
            return repr(value)  # only strings and numbers
        raise TypeError(f"cannot fingerprint {type(value).__name__}")

    def card(self, entry: Entry) -> str:
        """What a list shows of an entry."""
        key = id(entry)
        if key not in self._cards:
            self._cards[key] = hash_text(
                entry.fields_hash,
                self._length(entry),
                entry.url,
                "|".join(f"{p.name}\x1e{p.url}" for p in entry.people),
                "|".join(f"{t.name}\x1e{t.url}" for t in entry.topics),
                self.own(entry.edition) if entry.edition else "",
            )
        return self._cards[key]

    def _length(self, entry: Entry) -> str:
        if self.length_in_lists == "words":
            return str(entry.words)
        return str(entry.reading_minutes) if self.length_in_lists == "minutes" else ""

    def entry_full(self, entry: Entry) -> str:
        """Everything about an entry: what its own page shows."""
        key = id(entry)
        if key not in self._full:
            self._full[key] = hash_text(
                self.card(entry),
                entry.body_hash,
                str(entry.words),
                *(self.own(p) for p in entry.people),
                "|",
                *(self.own(t) for t in entry.topics),
            )
        return self._full[key]

    def own(self, item: Person | Topic | Edition) -> str:
        """An object's own fields, without the entries linked to it."""
        key = id(item)
        if key not in self._own:
            if isinstance(item, Person):
                fields: tuple[str, ...] = (
                    "person", item.name, item.slug, item.url, repr(item.role),
                    repr(item.description), repr(item.aliases), repr(item.same_as),
                    repr(item.registered),
                )  # fmt: skip
            elif isinstance(item, Topic):
                fields = (
                    "topic", item.name, item.slug, item.url, repr(item.description),
                    repr(item.aliases), repr(item.keywords), repr(item.registered),
                )  # fmt: skip
            else:
                fields = (
                    "edition", item.id, item.title, item.url,
                    item.start.isoformat(), item.end.isoformat(),
                )  # fmt: skip
            self._own[key] = hash_text(*fields)
        return self._own[key]
