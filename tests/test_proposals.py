"""Proposals: names the registry lacks, with counts, as YAML ready to paste."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from generator.newsroom.bodies import html_text
from generator.newsroom.proposals import Proposal, proposals_yaml, propose_people
from generator.source.parse import parse_entry
from generator.source.registry import parse_people
from tests.conftest import REPO
from tests.helpers import SEED, load_newsroom, person


def seed_text() -> str:
    return html_text(parse_entry("seed.txt", SEED.read_bytes(), ZoneInfo("UTC")).body)


def proposed(*texts: str, people=()) -> list[str]:
    return [p.name for p in propose_people(texts, people)]


@pytest.mark.skipif(not SEED.exists(), reason="the seed article is not on this machine")
def test_seed_with_an_empty_registry_proposes_its_people_and_nothing_else() -> None:
    names = proposed(seed_text())
    assert {"Karoline Leavitt", "Scott Bessent"} <= set(names)
    assert sorted(names) == sorted(
        [
            "Cyril Ramaphosa",
            "Donald Trump",
            "Joe Biden",
            "Karoline Leavitt",
            "Scott Bessent",
            "Volodymyr Zelensky",
            "Xi Jinping",
        ]
    )  # not White House, Oval Office, National Security Council, Truth Social, San Francisco


@pytest.mark.skipif(not SEED.exists(), reason="the seed article is not on this machine")
def test_seed_with_the_demo_registry_proposes_nobody() -> None:
    people = parse_people("people.yaml", (REPO / "content/people.yaml").read_text("utf-8"))
    assert proposed(seed_text(), people=people) == []


def test_newsroom_with_its_registry_proposes_nobody() -> None:
    newsroom = load_newsroom()
    texts = [html_text(e.body) for e in newsroom.entries.values()]
    assert proposed(*texts, people=newsroom.people) == []


def test_titles_are_stripped_and_kept_as_a_role() -> None:
    [proposal] = propose_people(["Treasury Secretary Scott Bessent spoke."])
    assert proposal == Proposal("Scott Bessent", 1, 1, "Treasury Secretary")


def test_counts_mentions_and_entries_and_orders_by_them() -> None:
    texts = [
        "Karoline Leavitt spoke. Later Karoline Leavitt left.",
        "Then Karoline Leavitt and Jamieson Greer arrived.",
    ]
    assert [(p.name, p.count, p.entries) for p in propose_people(texts)] == [
        ("Karoline Leavitt", 3, 2),
        ("Jamieson Greer", 1, 1),
    ]
    assert proposed(*texts) == ["Karoline Leavitt", "Jamieson Greer"]
    assert [p.name for p in propose_people(texts, min_count=2)] == ["Karoline Leavitt"]


@pytest.mark.parametrize(
    "text",
    [
        "The meeting was at the White House and then the Oval Office.",
        "Officials at the National Security Council posted on Truth Social.",
        "They met outside San Francisco in November.",
        "I like President XI, but he is VERY TOUGH.",
        "President Trump spoke. Party Chairman Xi replied.",
    ],
)
def test_places_organisations_titles_and_shouting_are_not_people(text: str) -> None:
    assert proposed(text) == []


def test_sentence_initial_common_words_and_possessives_are_cut_off() -> None:
    text = (
        "When Maria Lopez arrived, Ukraine’s Volodymyr Zelensky left. But Ana Silva stayed."
        " Separately Kelly Roe spoke. Kelly Moss did not."
    )
    assert sorted(proposed(text)) == [
        "Ana Silva",
        "Kelly Moss",
        "Kelly Roe",
        "Maria Lopez",
        "Volodymyr Zelensky",
    ]


def test_registry_spellings_count_as_known() -> None:
    people = [person("José Álvarez"), person("Aidan O'Brien"), person("Donald Trump", "Trump")]
    text = "Jose Alvarez met Aidan O’Brien. Lara Trump came too."
    assert proposed(text, people=people) == ["Lara Trump"]


def test_spellings_without_accents_are_merged_into_one_proposal() -> None:
    [proposal] = propose_people(["José Álvarez spoke.", "Jose Alvarez left."])
    assert (proposal.name, proposal.count, proposal.entries) == ("José Álvarez", 2, 2)


def test_yaml_is_a_registry_that_parses() -> None:
    proposals = propose_people(["Press Secretary Karoline Leavitt and Scott Bessent: Leavitt"])
    text = proposals_yaml(proposals)
    assert text.startswith("# 1 mention in 1 entry\n- name: Karoline Leavitt\n")
    people = parse_people("proposed.yaml", text)
    assert [(p.name, p.aliases, p.role) for p in people] == [
        ("Karoline Leavitt", ("Leavitt",), "Press Secretary"),
        ("Scott Bessent", ("Bessent",), None),
    ]
