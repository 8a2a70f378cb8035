"""The fingerprint rules (render/depend.py): which edits change which pages' fingerprints.

A page is rendered again only when its fingerprint changes, so each rule is a promise in
both directions: an edit a page shows must change its fingerprint (else a stale page
stays), and an edit it does not show must leave it alone (else every edit renders
everything). The site here is built in memory from parsed entries, with the real theme.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import jinja2

from generator.config import Config
from generator.index.index import build_index
from generator.model import Entry, Page, Person, Site
from generator.render.depend import Fingerprints, TemplateInfo, scan_templates
from generator.render.plan import plan_site
from generator.source.parse import parse_entry
from tests.conftest import entry_text

CONFIG = Config()
ENTRY = "2025/06/04/first/index.html"
PERSON = "people/ada-lovelace/index.html"
TOPIC = "topics/computing/index.html"
HOME = "index.html"
FEED = "feed.xml"


def entries(first: str = "", **fields: str) -> list[Entry]:
    """Two entries about Ada Lovelace; `first` replaces the first one's body, `fields`
    its front matter (title, date…). The summary is given: else it is the body's first
    paragraph, which lists show."""
    front = {"title": "First", "date": "2025-06-04", "people": "[Ada Lovelace]",
             "topics": "[Computing]", "summary": "A summary.", **fields}  # fmt: skip
    title, date = front.pop("title"), front.pop("date")
    one = entry_text(title, date, **front)
    if first:
        one = one.replace("Body text.", first)
    two = entry_text("Second", "2025-06-01", people="[Ada Lovelace]", topics="[Computing]")
    return [
        parse_entry("content/first.md", one.encode(), CONFIG.tz),
        parse_entry("content/second.md", two.encode(), CONFIG.tz),
    ]


def fingerprints(tmp_path: Path, parsed: list[Entry]) -> dict[str, str]:
    site = build_index(parsed, [], [], CONFIG)
    return plan_site(tmp_path, site, CONFIG).fingerprints


def changed(tmp_path: Path, before: list[Entry], after: list[Entry]) -> set[str]:
    old, new = fingerprints(tmp_path, before), fingerprints(tmp_path, after)
    assert old.keys() == new.keys()
    return {output for output in old if old[output] != new[output]}


def test_the_same_entries_give_the_same_fingerprints(tmp_path: Path) -> None:
    assert changed(tmp_path, entries(), entries()) == set()


def test_a_body_edit_changes_its_own_page_and_the_feeds_not_the_lists(tmp_path: Path) -> None:
    # The same number of words: the lists, which show an entry's length, stay as they are.
    moved = changed(tmp_path, entries("Body text."), entries("Other text."))
    assert ENTRY in moved
    assert FEED in moved  # the site's feed carries whole bodies
    assert not moved & {PERSON, TOPIC, HOME, "people/index.html", "editions/index.html"}


def test_a_title_edit_changes_its_own_page_and_every_list_showing_it(tmp_path: Path) -> None:
    moved = changed(tmp_path, entries(), entries(title="First, retitled"))
    assert {ENTRY, PERSON, TOPIC, HOME, FEED} <= moved
    assert "2025/06/01/second/index.html" in moved  # its neighbour links to it by title


def test_a_page_that_reads_other_entries_bodies_changes_with_them() -> None:
    """A list template that shows `e.body` for each entry is marked `other_body`, and its
    pages' fingerprints cover the bodies of every entry they list."""
    env = jinja2.Environment(
        loader=jinja2.DictLoader(
            {
                "cards.html": "{% for e in entries %}{{ e.title }}{% endfor %}",
                "bodies.html": "{% for e in entries %}{{ e.body }}{% endfor %}",
            }
        )
    )
    info = scan_templates(env, ["cards.html", "bodies.html"])
    assert info.other_body == {"cards.html": False, "bodies.html": True}
    before, after = entries("Body text."), entries("Other text.")
    for template, moves in (("cards.html", False), ("bodies.html", True)):
        old = Fingerprints().page(_list_page(template, before), info, "settings")
        new = Fingerprints().page(_list_page(template, after), info, "settings")
        assert (old != new) is moves, template


def test_own_and_other_bodies_are_told_apart_by_whose_body_a_template_reads() -> None:
    env = jinja2.Environment(
        loader=jinja2.DictLoader(
            {
                "own.html": "{{ entry.body }}",
                "macro.html": "{% macro show(entry) %}{{ entry.body }}{% endmacro %}",
                "keyed.html": "{{ entry['body'] }}",
                "none.html": "{{ entry.title }}",
            }
        )
    )
    info = scan_templates(env, ["own.html", "macro.html", "keyed.html", "none.html"])
    assert info.own_body == {"own.html": True, "macro.html": False, "keyed.html": False,
                             "none.html": False}  # fmt: skip
    # Inside a macro `entry` may be any entry; a subscript cannot say whose: both count
    # as another entry's body, which every page listing entries then covers.
    assert info.other_body == {"own.html": False, "macro.html": True, "keyed.html": True,
                               "none.html": False}  # fmt: skip


def test_a_change_to_an_included_template_changes_the_pages_using_it() -> None:
    templates = {
        "entry.html": "{% extends 'base.html' %}{% block main %}{{ entry.title }}{% endblock %}",
        "base.html": "<main>{% block main %}{% endblock %}</main>{% include 'footer.html' %}",
        "footer.html": "<footer>one</footer>",
        "search.html": "<p>search</p>",
    }
    names = ["entry.html", "search.html"]
    before = scan_templates(jinja2.Environment(loader=jinja2.DictLoader(templates)), names)
    templates["footer.html"] = "<footer>two</footer>"
    after = scan_templates(jinja2.Environment(loader=jinja2.DictLoader(templates)), names)
    assert before.closure["entry.html"] != after.closure["entry.html"]  # through base.html
    assert before.closure["search.html"] == after.closure["search.html"]


def test_a_template_naming_its_include_at_run_time_depends_on_every_template() -> None:
    templates = {"page.html": "{% include name %}", "a.html": "a", "b.html": "b"}
    before = scan_templates(jinja2.Environment(loader=jinja2.DictLoader(templates)), ["page.html"])
    templates["b.html"] = "b, changed"
    after = scan_templates(jinja2.Environment(loader=jinja2.DictLoader(templates)), ["page.html"])
    assert before.closure["page.html"] != after.closure["page.html"]


def test_pictures_change_with_the_dates_of_a_persons_entries(tmp_path: Path) -> None:
    """A person's first page draws a timeline from all their entries' dates: moving one
    entry in time changes it, though the page lists the entry's card unchanged."""
    site = build_index(entries(), [], [], CONFIG)
    person = _person(site)
    digests = Fingerprints()
    before = digests.pictures(person)
    assert digests.pictures(person) == before  # kept: tens of thousands of entries
    entry = person.entries[-1]
    assert entry.date is not None
    entry.date -= timedelta(days=30)
    digests.forget({id(entry): entry})  # what the edit path does for an edited entry
    assert digests.pictures(person) != before
    assert Fingerprints().pictures(person) == digests.pictures(person)


def test_a_persons_first_page_changes_with_the_date_of_an_entry_it_does_not_list(
    tmp_path: Path,
) -> None:
    site = build_index(entries(), [], [], Config(page_size=1))
    person = _person(site)
    plan = plan_site(tmp_path, site, Config(page_size=1))
    first, second = (p for p in plan.pages if p.kind == "person")
    info = plan.templates
    digests = Fingerprints(info.length_in_lists())
    old = (digests.page(first, info, "s"), digests.page(second, info, "s"))
    other = person.entries[1]  # on the second page; the first page's timeline covers it
    assert first.context["entries"] == [person.entries[0]]
    assert other.date is not None
    other.date -= timedelta(days=30)
    digests.forget({id(other): other})
    new = (digests.page(first, info, "s"), digests.page(second, info, "s"))
    assert new[0] != old[0]  # the timeline moved, though the entries listed did not


def _person(site: Site) -> Person:
    (person,) = site.people
    return person


def _list_page(template: str, parsed: list[Entry]) -> Page:
    site = build_index(parsed, [], [], CONFIG)
    return Page("list/index.html", "/list/", template, "List", "list", {"entries": site.entries})


def test_template_info_says_how_lists_show_an_entrys_length() -> None:
    assert TemplateInfo(other_words={"a": True}).length_in_lists() == "words"
    assert TemplateInfo(other_minutes={"a": True}).length_in_lists() == "minutes"
    assert TemplateInfo().length_in_lists() == ""
