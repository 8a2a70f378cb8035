"""build_index: names resolved, slugs and URLs assigned, editions grouped, clashes refused."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from generator.config import Config
from generator.errors import BuildFailed, DigestError
from generator.index.index import build_index, people_counts, topic_counts
from generator.index.names import RESERVED_SLUGS
from generator.model import Entry, Person, Site, Topic
from generator.source.parse import parse_entry
from generator.source.registry import parse_people, parse_topics
from tests.conftest import entry_text

UTC = ZoneInfo("UTC")

PEOPLE = """\
- name: Xi Jinping
  aliases: [President Xi]
- name: Joe Biden
  aliases: [The President, Biden]
- name: Donald Trump
  aliases: [The President, Trump]
"""

TOPICS = """\
- name: Tariffs
  aliases: [Tariff, Duties]
- name: Trade
"""


def entry(rel: str, title: str = "A title", date: str = "2025-06-04", **fields: str) -> Entry:
    return parse_entry(rel, entry_text(title, date, **fields).encode(), UTC)


def people() -> list[Person]:
    return parse_people("people.yaml", PEOPLE)


def topics() -> list[Topic]:
    return parse_topics("topics.yaml", TOPICS)


def index(entries: list[Entry], config: Config | None = None, **kwargs: bool) -> Site:
    return build_index(entries, people(), topics(), config or Config(), **kwargs)


def index_errors(entries: list[Entry], config: Config | None = None) -> list[DigestError]:
    with pytest.raises(BuildFailed) as info:
        index(entries, config)
    return info.value.errors


def person(site: Site, name: str) -> Person:
    (found,) = [p for p in site.people if p.name == name]
    return found


def topic(site: Site, name: str) -> Topic:
    (found,) = [t for t in site.topics if t.name == name]
    return found


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["Xi Jinping", "President Xi", "president xi", "PRESIDENT  XI", " xi jinping "]
)
def test_names_resolve_through_aliases_case_insensitively(written: str) -> None:
    site = index([entry("content/a.md", people=f"[{written!r}]")])
    (resolved,) = site.entries[0].people
    assert resolved.name == "Xi Jinping"
    assert resolved.registered is True
    assert resolved.slug == "xi-jinping"
    assert [e.path for e in person(site, "Xi Jinping").entries] == ["content/a.md"]


def test_topic_aliases_resolve() -> None:
    site = index([entry("content/a.md", topics="[duties, Tariff, TARIFFS]")])
    assert [t.name for t in site.entries[0].topics] == ["Tariffs"]
    assert topic(site, "Tariffs").count == 1


def test_curly_and_straight_apostrophes_are_one_name() -> None:
    site = index(
        [
            entry("content/a.md", people='["Zoë O\'Neil"]'),
            entry("content/b.md", date="2025-06-03", people="[Zoë O’Neil]"),
        ]
    )
    (zoe,) = [p for p in site.people if not p.registered]
    assert zoe.slug == "zoe-oneil"
    assert [e.path for e in zoe.entries] == ["content/a.md", "content/b.md"]


def test_unregistered_names_still_get_a_page() -> None:
    site = index([entry("content/a.md", people="Emmanuel Macron", topics="Climate")])
    macron = person(site, "Emmanuel Macron")
    assert macron.registered is False
    assert macron.slug == "emmanuel-macron"
    assert macron.url == "/people/emmanuel-macron/"
    assert macron.output == "people/emmanuel-macron/index.html"
    assert macron.path == "content/a.md"
    assert macron.line == 4
    climate = topic(site, "Climate")
    assert climate.registered is False
    assert climate.url == "/topics/climate/"


def test_unregistered_name_in_two_spellings_is_one_person() -> None:
    site = index(
        [
            entry("content/a.md", people="Emmanuel Macron"),
            entry("content/b.md", date="2025-06-03", people="emmanuel macron"),
        ]
    )
    assert len([p for p in site.people if not p.registered]) == 1


def test_registered_people_without_entries_are_listed() -> None:
    site = index([])
    assert sorted(p.name for p in site.people) == ["Donald Trump", "Joe Biden", "Xi Jinping"]
    assert all(p.count == 0 for p in site.people)
    assert all(p.url for p in site.people)


def test_same_person_twice_in_one_entry_counts_once() -> None:
    site = index([entry("content/a.md", people="[Xi Jinping, President Xi]")])
    assert [p.name for p in site.entries[0].people] == ["Xi Jinping"]
    assert person(site, "Xi Jinping").count == 1


def test_alias_shared_by_two_people_is_an_error_at_the_people_line() -> None:
    (error,) = index_errors([entry("content/a.md", people="[Xi Jinping, The President]")])
    assert error.path == "content/a.md"
    assert error.line == 4
    assert "'The President'" in error.message
    assert "Joe Biden" in error.message
    assert "Donald Trump" in error.message
    assert error.hint


def test_shared_alias_unused_is_fine() -> None:
    site = index([entry("content/a.md", people="Trump")])
    assert [p.name for p in site.entries[0].people] == ["Donald Trump"]


def test_full_name_wins_over_an_alias() -> None:
    registry = parse_people("people.yaml", "- name: Li\n- name: Li Qiang\n  aliases: [Li]\n")
    site = build_index([entry("content/a.md", people="Li")], registry, [], Config())
    assert [p.name for p in site.entries[0].people] == ["Li"]


# --- slugs ---------------------------------------------------------------------------------


def test_slug_collision_gets_a_suffix_and_a_warning() -> None:
    site = index(
        [
            entry("content/a.md", people="[José Álvarez]"),
            entry("content/b.md", date="2025-06-03", people="[Jose Alvarez]"),
        ]
    )
    assert person(site, "Jose Alvarez").slug == "jose-alvarez"
    assert person(site, "José Álvarez").slug == "jose-alvarez-2"
    assert person(site, "José Álvarez").url == "/people/jose-alvarez-2/"
    (warning,) = site.warnings
    assert warning.startswith("content/a.md:4: ")
    assert "'José Álvarez'" in warning
    assert "'Jose Alvarez'" in warning
    assert "/people/jose-alvarez-2/" in warning


def test_slug_collisions_are_resolved_the_same_whatever_the_order() -> None:
    def slugs(order: list[int]) -> dict[str, str]:
        spellings = ["José Álvarez", "Jose Alvarez", "JOSÉ ALVAREZ!", "Jose-Alvarez"]
        entries = [
            entry(f"content/{i}.md", date=f"2025-06-0{i + 1}", people=f"[{spellings[i]!r}]")
            for i in order
        ]
        site = build_index(entries, [], [], Config())
        return {p.name: p.slug for p in site.people}

    first = slugs([0, 1, 2, 3])
    assert sorted(first.values()) == [
        "jose-alvarez", "jose-alvarez-2", "jose-alvarez-3", "jose-alvarez-4",
    ]  # fmt: skip
    assert slugs([3, 2, 1, 0]) == first
    assert slugs([2, 0, 3, 1]) == first


def test_a_tag_and_a_category_that_slugify_alike_are_one_topic() -> None:
    """Issue 12: Pelican's `Tags: this-week-in-rust` and `Category: This Week in Rust`."""
    pelican = "Title: Issue 1\nDate: 2025-06-04\nTags: this-week-in-rust\n"
    pelican += "Category: This Week in Rust\n\nBody.\n"
    entries = [
        parse_entry("content/a.md", pelican.encode(), UTC),
        entry("content/b.md", date="2025-06-05", topics="[this-week-in-rust]"),
    ]
    for order in (entries, entries[::-1]):
        site = build_index(order, [], [], Config())
        (topic,) = site.topics
        assert (topic.name, topic.url, topic.count) == (
            "This Week in Rust", "/topics/this-week-in-rust/", 2,
        )  # fmt: skip
        assert [t.name for t in site.entries[1].topics] == ["This Week in Rust"]
        assert site.warnings == []


def test_a_name_that_slugifies_like_a_registered_topic_or_alias_is_that_topic() -> None:
    site = index([entry("content/a.md", topics="[tariffs, TRADE!, duties-]")])
    assert [t.name for t in site.entries[0].topics] == ["Tariffs", "Trade"]


def test_registered_names_that_slugify_alike_point_to_the_registry() -> None:
    registry = parse_topics("topics.yaml", "- name: Trade war\n- name: Trade-War\n")
    site = build_index(
        [entry("content/a.md", topics="[Trade war, Trade-War]")], [], registry, Config()
    )
    (warning,) = site.warnings
    assert "/topics/trade-war-2/" in warning
    assert "in content/topics.yaml, list one as an alias of the other" in warning


def test_registered_person_keeps_the_plain_slug() -> None:
    site = index([entry("content/a.md", people="Xi-Jinping")])
    assert person(site, "Xi Jinping").slug == "xi-jinping"
    assert person(site, "Xi-Jinping").slug == "xi-jinping-2"


def test_registry_slug_is_used() -> None:
    registry = parse_people("people.yaml", "- name: Joe Biden\n  slug: biden\n")
    site = build_index([], registry, [], Config())
    assert site.people[0].url == "/people/biden/"


@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS))
def test_reserved_entry_slug_is_refused(slug: str) -> None:
    (error,) = index_errors([entry("content/a.md", slug=slug)])
    assert f"'{slug}'" in error.message
    assert "reserved" in error.message
    assert error.path == "content/a.md"
    assert error.line == 4


def test_reserved_slug_from_file_name() -> None:
    (error,) = index_errors([entry("content/2025-06-04-index.md")])
    assert "reserved" in error.message
    assert error.path == "content/2025-06-04-index.md"
    assert error.line == 1


@pytest.mark.parametrize("name", ["Index", "Page", "FEED"])
def test_reserved_person_and_topic_slugs_are_refused(name: str) -> None:
    errors = index_errors([entry("content/a.md", people=name, topics=name)])
    assert len(errors) == 2
    assert {e.line for e in errors} == {4, 5}
    assert all("reserved address" in e.message for e in errors)
    assert any(f"/people/{name.lower()}/" in e.message for e in errors)
    assert any(f"/topics/{name.lower()}/" in e.message for e in errors)


def test_reserved_slug_in_registry_points_at_the_registry() -> None:
    registry = parse_people("people.yaml", "- name: Xi\n- name: Page\n")
    with pytest.raises(BuildFailed) as info:
        build_index([], registry, [], Config())
    (error,) = info.value.errors
    assert (error.path, error.line) == ("people.yaml", 2)


def test_name_without_letters_is_an_error() -> None:
    (error,) = index_errors([entry("content/a.md", people="['???']")])
    assert "empty URL slug" in error.message
    assert (error.path, error.line) == ("content/a.md", 4)


def test_duplicate_output_paths_name_both_files() -> None:
    errors = index_errors(
        [entry("content/b/trade.md", title="B"), entry("content/a/trade.md", title="A")]
    )
    (error,) = errors
    assert error.path == "content/b/trade.md"
    assert "content/a/trade.md" in error.message
    assert "/2025/06/04/trade/" in error.message
    assert error.hint


def test_same_slug_on_different_days_is_fine() -> None:
    site = index([entry("content/a/trade.md"), entry("content/b/trade.md", date="2025-06-05")])
    assert [e.url for e in site.entries] == ["/2025/06/05/trade/", "/2025/06/04/trade/"]


def test_all_errors_are_reported_together() -> None:
    errors = index_errors(
        [
            entry("content/a.md", people="The President"),
            entry("content/b.md", slug="feed"),
            entry("content/c/x.md"),
            entry("content/d/x.md"),
        ]
    )
    assert [e.path for e in errors] == ["content/a.md", "content/b.md", "content/d/x.md"]


# --- drafts, order, editions ---------------------------------------------------------------


def test_drafts_are_left_out() -> None:
    site = index([entry("content/a.md", people="Xi Jinping", draft="true"), entry("content/b.md")])
    assert [e.path for e in site.entries] == ["content/b.md"]
    assert person(site, "Xi Jinping").count == 0
    assert sum(ed.count for ed in site.editions) == 1


def test_drafts_are_kept_on_request() -> None:
    site = index([entry("content/a.md", draft="true"), entry("content/b.md")], drafts=True)
    assert sorted(e.path for e in site.entries) == ["content/a.md", "content/b.md"]


def test_draft_errors_are_not_reported_unless_shown() -> None:
    drafts = [entry("content/a.md", slug="index", draft="true")]
    assert index(drafts).entries == []
    with pytest.raises(BuildFailed):
        index(drafts, drafts=True)


def test_entries_newest_first_with_a_stable_tie_break() -> None:
    site = index(
        [
            entry("content/old.md", date="2025-06-01"),
            entry("content/b.md", date="2025-06-04 09:00"),
            entry("content/a.md", date="2025-06-04 09:00"),
            entry("content/new.md", date="2025-06-04T10:00:00+00:00"),
        ]
    )
    assert [e.path for e in site.entries] == [
        "content/new.md", "content/b.md", "content/a.md", "content/old.md",
    ]  # fmt: skip


def test_person_entries_newest_first() -> None:
    site = index(
        [
            entry("content/mid.md", date="2025-06-02", people="Xi Jinping"),
            entry("content/new.md", date="2025-06-05", people="President Xi"),
            entry("content/old.md", date="2025-05-01", people="xi jinping"),
        ]
    )
    xi = person(site, "Xi Jinping")
    assert [e.path for e in xi.entries] == ["content/new.md", "content/mid.md", "content/old.md"]


def test_weekly_editions() -> None:
    site = index(
        [
            entry("content/wed.md", date="2025-06-04"),
            entry("content/mon.md", date="2025-06-02"),
            entry("content/sun.md", date="2025-06-08 23:59"),
            entry("content/prev.md", date="2025-06-01"),
        ]
    )
    assert [ed.id for ed in site.editions] == ["2025-W23", "2025-W22"]
    week = site.editions[0]
    assert week.title == "Week of 2 June 2025"
    assert (week.start, week.end) == (date(2025, 6, 2), date(2025, 6, 8))
    assert week.url == "/editions/2025-w23/"
    assert week.output == "editions/2025-w23/index.html"
    assert [e.path for e in week.entries] == ["content/sun.md", "content/wed.md", "content/mon.md"]
    assert all(e.edition is week for e in week.entries)
    assert site.editions[1].title == "Week of 26 May 2025"


def test_iso_week_across_the_new_year() -> None:
    site = index(
        [entry("content/a.md", date="2024-12-30"), entry("content/b.md", date="2025-01-05")]
    )
    (week,) = site.editions
    assert week.id == "2025-W01"
    assert week.title == "Week of 30 December 2024"
    assert week.start == date(2024, 12, 30)


def test_daily_editions() -> None:
    site = index(
        [
            entry("content/a.md", date="2025-06-04 08:00"),
            entry("content/b.md", date="2025-06-04 20:00"),
            entry("content/c.md", date="2025-06-03"),
        ],
        Config(edition="day"),
    )
    assert [ed.id for ed in site.editions] == ["2025-06-04", "2025-06-03"]
    day = site.editions[0]
    assert day.title == "4 June 2025"
    assert day.start == day.end == date(2025, 6, 4)
    assert day.url == "/editions/2025-06-04/"
    assert [e.path for e in day.entries] == ["content/b.md", "content/a.md"]


def test_day_is_taken_in_the_site_zone() -> None:
    late = entry("content/late.md", date="2025-06-04T23:30:00-04:00")
    site = index([late], Config(edition="day"))
    assert site.entries[0].url == "/2025/06/05/late/"
    assert site.editions[0].id == "2025-06-05"
    site = index([late], Config(edition="day", timezone="America/New_York"))
    assert site.entries[0].url == "/2025/06/04/late/"
    assert site.editions[0].id == "2025-06-04"


def test_base_path_applies_to_every_url() -> None:
    site = index(
        [entry("content/2025-06-04-talks.md", people="Xi Jinping", topics="Trade")],
        Config(base_url="/news/"),
    )
    (talks,) = site.entries
    assert talks.url == "/news/2025/06/04/talks/"
    assert talks.output == "2025/06/04/talks/index.html"
    assert person(site, "Xi Jinping").url == "/news/people/xi-jinping/"
    assert person(site, "Xi Jinping").output == "people/xi-jinping/index.html"
    assert topic(site, "Trade").url == "/news/topics/trade/"
    assert site.editions[0].url == "/news/editions/2025-w23/"
    assert site.editions[0].output == "editions/2025-w23/index.html"


def test_absolute_base_url_uses_only_its_path() -> None:
    site = index([entry("content/a.md")], Config(base_url="https://example.org/news"))
    assert site.entries[0].url == "/news/2025/06/04/a/"


# --- lists and counts ----------------------------------------------------------------------


def test_people_by_surname_and_topics_by_name() -> None:
    site = index([entry("content/a.md", people="[Ann Zed, Bob Young]", topics="[apples, Zebras]")])
    assert [p.name for p in site.people] == [
        "Joe Biden", "Xi Jinping", "Donald Trump", "Bob Young", "Ann Zed",
    ]  # fmt: skip
    assert [t.name for t in site.topics] == ["apples", "Tariffs", "Trade", "Zebras"]


def test_topic_counts_most_frequent_first_then_by_name() -> None:
    site = index(
        [
            entry("content/a.md", topics="[Trade, Tariffs, Climate]"),
            entry("content/b.md", date="2025-06-03", topics="[Trade, Tariffs]"),
            entry("content/c.md", date="2025-06-02", topics="[Trade, Energy]"),
        ]
    )
    assert [(t.name, n) for t, n in topic_counts(site.entries)] == [
        ("Trade", 3), ("Tariffs", 2), ("Climate", 1), ("Energy", 1),
    ]  # fmt: skip


def test_people_counts_most_frequent_first_then_by_surname() -> None:
    site = index(
        [
            entry("content/a.md", people="[Ann Zed, Bob Young, Trump]"),
            entry("content/b.md", date="2025-06-03", people="[Ann Zed]"),
            entry("content/c.md", date="2025-06-02", people="[Xi Jinping]"),
        ]
    )
    assert [(p.name, n) for p, n in people_counts(site.entries)] == [
        ("Ann Zed", 2), ("Xi Jinping", 1), ("Donald Trump", 1), ("Bob Young", 1),
    ]  # fmt: skip


def test_counts_of_no_entries_are_empty() -> None:
    assert topic_counts([]) == []
    assert people_counts([]) == []


def test_index_does_not_mutate_the_registry() -> None:
    registry = people()
    registered_topics = topics()
    entries = [entry("content/a.md", people="[President Xi, Xi-Jinping]", topics="Tariff")]
    first = build_index(entries, registry, registered_topics, Config())
    assert all(p.slug == "" and p.entries == [] and p.url == "" for p in registry)
    assert all(t.slug == "" and t.entries == [] for t in registered_topics)
    second = build_index(entries, registry, registered_topics, Config())
    assert [(p.name, p.slug, p.count) for p in first.people] == [
        (p.name, p.slug, p.count) for p in second.people
    ]
    assert person(second, "Xi Jinping").slug == "xi-jinping"
    assert person(second, "Xi Jinping").count == 1
    assert second.warnings == first.warnings


def test_building_twice_from_the_same_entries_gives_the_same_site() -> None:
    entries = [entry("content/a.md", people="Xi Jinping", topics="Trade")]
    first = index(entries)
    second = index(entries)
    assert [(p.slug, p.count) for p in first.people] == [(p.slug, p.count) for p in second.people]
    assert [e.url for e in first.entries] == [e.url for e in second.entries]
    assert second.entries[0].people[0] is person(second, "Xi Jinping")
    assert first.entries[0].people[0] is person(first, "Xi Jinping")
    assert person(first, "Xi Jinping") is not person(second, "Xi Jinping")


def test_index_does_not_mutate_the_parsed_entries() -> None:
    parsed = entry("content/a.md", people="Xi Jinping", topics="Trade")
    site = index([parsed])
    assert site.entries[0] is not parsed
    assert site.entries[0].url == "/2025/06/04/a/"
    assert parsed.people == []
    assert parsed.topics == []
    assert parsed.edition is None
    assert (parsed.url, parsed.output) == ("", "")


def test_accented_surnames_sort_with_their_letter() -> None:
    site = build_index(
        [entry("content/a.md", people="[José Álvarez, Joe Biden, Jacob Zuma]")], [], [], Config()
    )
    assert [p.name for p in site.people] == ["José Álvarez", "Joe Biden", "Jacob Zuma"]


def test_topic_count_ties_sort_like_the_topic_list() -> None:
    site = index([entry("content/a.md", topics="[Zebras, apples]")])
    assert [t.name for t, _ in topic_counts(site.entries)] == ["apples", "Zebras"]


def test_future_entries_wait_for_their_day() -> None:
    soon = entry("content/soon.md", date="2025-06-10")
    now = datetime(2025, 6, 5, tzinfo=UTC).timestamp()
    site = build_index([soon], [], [], Config(), future=False, now=now)
    assert site.entries == []
    assert site.next_release == soon.date.timestamp()
    later = datetime(2025, 6, 10, tzinfo=UTC).timestamp()
    assert len(build_index([soon], [], [], Config(), future=False, now=later).entries) == 1
    assert len(build_index([soon], [], [], Config(), future=True, now=now).entries) == 1


def test_updated_and_not_people_are_parsed() -> None:
    e = entry("content/u.md", updated="2025-06-05 10:00", not_people="[Xi Jinping]")
    assert e.updated is not None and e.updated.day == 5
    assert e.not_people == ("Xi Jinping",)
    assert e.words == 2  # "Body text."
