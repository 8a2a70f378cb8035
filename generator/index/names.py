"""People and topics by name: names and aliases resolved as entries give them, a name
nobody registered made a new person or topic, and every one given its slug and address."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from typing import Generic, TypeVar

from generator.config import Config
from generator.errors import DigestError, Notice
from generator.model import Entry, Person, Topic
from generator.slug import slugify

# Slugs a list page's own sub-paths use; an entry, person or topic may not take them.
RESERVED_SLUGS = frozenset({"index", "page", "feed"})

Named = TypeVar("Named", Person, Topic)


class Names(Generic[Named]):
    """Look names up through aliases; a name nobody registered becomes a new person or topic.

    With `merge_by_slug` (topics), a new name that slugifies like a known one is that
    one: a Pelican tag `this-week-in-rust` and a category `This Week in Rust` are one
    topic, not two pages. People are not merged so: two people may share a name but
    for an accent.
    """

    def __init__(
        self, registered: list[Named], kind: type[Named], merge_by_slug: bool = False
    ) -> None:
        self.kind: type[Named] = kind  # Person or Topic: what a name nobody registered becomes
        self.items: list[Named] = []
        self.exact: dict[str, Named] = {}
        self.aliases: dict[str, list[Named]] = {}
        self.by_slug: dict[str, list[Named]] | None = {} if merge_by_slug else None
        self.spellings: dict[int, set[str]] = {}  # id(new item) -> the names given it
        # Copies: index fills in slugs and entries, and the registry is reused across builds.
        registered = [_fresh(item) for item in registered]
        for item in registered:
            self.items.append(item)
            self.exact[name_key(item.name)] = item
        for item in registered:
            for alias in item.aliases:
                owners = self.aliases.setdefault(name_key(alias), [])
                if item not in owners:
                    owners.append(item)
            if self.by_slug is None:
                continue
            for slug in slug_keys(item):
                owners = self.by_slug.setdefault(slug, [])
                if item not in owners:
                    owners.append(item)

    def resolve_all(
        self, entry: Entry, names: Iterable[str], key: str, errors: list[DigestError]
    ) -> list[Named]:
        found: list[Named] = []
        for name in names:
            item = self._resolve(entry, name, key, errors)
            if item is not None and item not in found:
                found.append(item)
        return found

    def _resolve(
        self, entry: Entry, name: str, key: str, errors: list[DigestError]
    ) -> Named | None:
        k = name_key(name)
        if k in self.exact:
            item = self.exact[k]
            if id(item) in self.spellings:
                self.spellings[id(item)].add(name)
            return item
        owners = self.aliases.get(k, [])
        if len(owners) == 1:
            return owners[0]
        if owners:
            choices = " or ".join(o.name for o in owners)
            errors.append(
                DigestError(
                    f"{name!r} could mean {choices}",
                    entry.path,
                    entry.line_of(key),
                    "write the full name in front matter",
                )
            )
            return None
        slug = slugify(name) if self.by_slug is not None else ""
        alike = self.by_slug.get(slug, []) if self.by_slug is not None and slug else []
        if len(alike) == 1:
            item = alike[0]
            if id(item) in self.spellings:
                self.spellings[id(item)].add(name)
            self.exact[k] = item
            return item
        new = self.kind(name=name, path=entry.path, line=entry.line_of(key))
        self.exact[k] = new
        self.items.append(new)
        self.spellings[id(new)] = {name}
        if self.by_slug is not None and slug and not alike:
            self.by_slug[slug] = [new]
        return new

    def all(self) -> list[Named]:
        """Every item; a new one named in several spellings takes the best of them, so
        that which entry came first does not decide (`Policy` and `policy`)."""
        for item in self.items:
            spellings = self.spellings.get(id(item), set())
            if len(spellings) > 1:
                item.name = best_spelling(spellings)
                item.spellings = tuple(sorted(spellings))
        return self.items


def best_spelling(spellings: Iterable[str]) -> str:
    """The name to show of several that slugify alike, whatever order entries gave them
    in: a written name over a slug (`This Week in Rust` over `this-week-in-rust`),
    capitals over none, then the first in code-point order."""
    return min(spellings, key=lambda s: (s == slugify(s), s == s.casefold(), s))


def slug_keys(item: Person | Topic) -> set[str]:
    """The slugs a name may be merged into this item by: its own and its aliases'."""
    keys = {slugify(name) for name in (item.name, *item.aliases)}
    if item.slug:
        keys.add(item.slug)
    return keys - {""}


def _fresh(item: Named) -> Named:
    if isinstance(item, Person):
        return replace(item, entries=[], quotes=[])
    return replace(item, entries=[])


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    return " ".join(name.replace("’", "'").casefold().split())


def assign_slugs(
    items: list[Named],
    section: str,
    config: Config,
    errors: list[DigestError],
    warnings: list[str],
) -> list[Named]:
    """Registry order first, then unregistered names by name: the same input, the same slugs."""
    ordered = [i for i in items if i.registered] + sorted(
        (i for i in items if not i.registered), key=lambda i: i.name
    )
    taken: dict[str, Named] = {}
    kept = []
    for item in ordered:
        base = item.slug or slugify(item.name)
        path, line = item.path, item.line
        if not base:
            errors.append(
                DigestError(
                    f"the name {item.name!r} gives an empty URL slug",
                    path,
                    line,
                    "spell the name with letters or digits, or give it a `slug:` in the registry",
                )
            )
            continue
        if base in RESERVED_SLUGS:
            errors.append(
                DigestError(
                    f"the name {item.name!r} would take the reserved address /{section}/{base}/",
                    path,
                    line,
                    "give it another `slug:` in the registry",
                )
            )
            continue
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        if slug != base:
            warnings.append(
                Notice(
                    f"{item.name!r} and {taken[base].name!r} both slugify to {base!r}; "
                    f"{item.name!r} gets /{section}/{slug}/ — in content/{section}.yaml, "
                    "list one as an alias of the other, or give one its own `slug:`",
                    path,
                    line,
                )
            )
        item.slug = slug
        item.url = f"{config.base_path}{section}/{slug}/"
        item.output = f"{section}/{slug}/index.html"
        taken[slug] = item
        kept.append(item)
    return kept
