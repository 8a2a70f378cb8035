"""Entries in slots with a compressed, possibly shelved body: every way of copying keeps it."""

from __future__ import annotations

import copy
import pickle
from dataclasses import fields, replace
from datetime import UTC, datetime

from markupsafe import Markup

from generator.model import Entry, Shelved, shelve_bodies

BODY = Markup("<p>Xi spoke.</p>")


def make_entry(path: str = "content/a.md", body: Markup = BODY) -> Entry:
    return Entry(path, "A title", datetime(2025, 6, 4, tzinfo=UTC), "a", body, "S.")


def test_an_entry_has_no_dict_and_keeps_its_fields() -> None:
    entry = make_entry()
    assert not hasattr(entry, "__dict__")
    assert "body" in [f.name for f in fields(Entry)]
    assert entry.body == BODY
    assert isinstance(entry._body, bytes)  # type: ignore[attr-defined]


def test_replace_copy_and_pickle_keep_the_body() -> None:
    entry = make_entry()
    entry.links = ((3, 5, "/people/xi/"),)
    linked = entry.body
    assert linked == Markup('<p><a href="/people/xi/">Xi</a> spoke.</p>')
    assert copy.copy(entry).body == linked
    assert pickle.loads(pickle.dumps(entry)).body == linked
    assert replace(entry, title="Other").title == "Other"


def test_shelved_bodies_read_alike_and_pickle_as_plain_bytes() -> None:
    entries = [make_entry(f"content/{i}.md", Markup(f"<p>Body {i}</p>")) for i in range(3)]
    stored = [e._body for e in entries]  # type: ignore[attr-defined]
    shelve_bodies(entries)
    shelves = [e._body for e in entries]  # type: ignore[attr-defined]
    assert all(isinstance(s, Shelved) for s in shelves)
    assert len({id(s.blob) for s in shelves}) == 1  # one blob for them all
    assert [e.body for e in entries] == [Markup(f"<p>Body {i}</p>") for i in range(3)]
    again = pickle.loads(pickle.dumps(entries))
    assert [e._body for e in again] == stored  # type: ignore[attr-defined]
    assert copy.copy(entries[1]).body == entries[1].body


def test_shelving_twice_leaves_shelved_bodies_alone() -> None:
    entries = [make_entry()]
    shelve_bodies(entries)
    shelf = entries[0]._body  # type: ignore[attr-defined]
    shelve_bodies(entries)
    assert entries[0]._body is shelf  # type: ignore[attr-defined]


def test_a_shelved_body_pickles_without_a_copy_of_its_bytes() -> None:
    entries = [make_entry(f"content/{i}.md", Markup(f"<p>Body {i}</p>")) for i in range(2)]
    shelve_bodies(entries)
    shelf = entries[0]._body  # type: ignore[attr-defined]
    _, (view,) = shelf.__reduce_ex__(5)
    assert isinstance(view, pickle.PickleBuffer)  # a view of the blob
    for protocol in (2, 4, 5):
        assert pickle.loads(pickle.dumps(shelf, protocol=protocol)) == bytes(shelf)
