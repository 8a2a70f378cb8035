"""Pictures on the first page of each person and topic: a timeline of their entries,
and the people a person appears with most.

They are drawn only for the pages about to be rendered, into a copy of each page's
context, so the plan's pages stay as planned for the live preview to fingerprint again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from generator.config import Config
from generator.dates import local_day
from generator.model import Page, Person
from generator.render.charts import count_by_period, timeline_svg

OFTEN_WITH = 8  # how many co-mentioned people a person's page lists


def with_pictures(pages: list[Page], config: Config) -> list[Page]:
    """The pages to render, person and topic pages as copies with their pictures."""
    pages = _own_contexts(pages)
    add_pictures(pages, config)
    return pages


def _own_contexts(pages: list[Page]) -> list[Page]:
    """Copies of person and topic pages, whose context `add_pictures` adds to: the plan's
    pages stay as planned, for the live preview to fingerprint again."""
    pictured = ("person", "topic")
    return [replace(p, context=dict(p.context)) if p.kind in pictured else p for p in pages]


def add_pictures(pages: Iterable[Page], config: Config) -> None:
    """Give the first page of each person and topic about to be rendered its timeline,
    and a person's page the people they appear with most."""
    for page in pages:
        pagination = page.context.get("pagination")
        if page.kind not in ("person", "topic") or (pagination and pagination.number != 1):
            continue
        subject = page.context[page.kind]
        timeline = count_by_period(local_day(e, config) for e in subject.entries)
        page.context["timeline"] = timeline_svg(timeline, subject.name) if timeline else None
        if page.kind == "person":
            page.context["often_with"] = co_mentions(subject)


def co_mentions(person: Person, limit: int = OFTEN_WITH) -> list[tuple[Person, int]]:
    """The people most often in the same entries as this one, most first, then by surname."""
    counts: Counter[int] = Counter()
    people: dict[int, Person] = {}
    for entry in person.entries:
        for other in entry.people:
            if other is not person:
                counts[id(other)] += 1
                people[id(other)] = other
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], people[kv[0]].sort_key))
    return [(people[key], n) for key, n in ranked[:limit]]
