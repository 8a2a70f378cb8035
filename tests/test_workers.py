"""The process pool: ranges weighed, results in order, this process working alongside."""

from __future__ import annotations

import os

import pytest

from generator.engine.workers import _imap, _spans


def test_spans_cover_every_item_once_and_weigh_heavy_ones() -> None:
    items = [1] * 10 + [5] * 4
    spans = _spans(items, 10, lambda x: x)
    assert [i for span in spans for i in span] == list(range(len(items)))
    assert [len(span) for span in spans] == [10, 2, 2]
    assert _spans(list(range(7)), 3, None) == [range(0, 3), range(3, 6), range(6, 7)]


@pytest.mark.parametrize("here", [True, False], ids=["working-here", "workers-only"])
def test_ranges_come_back_in_order_from_workers_and_from_here(here: bool) -> None:
    items = list(range(500))
    results = list(_imap(_who, items, 1, {}, most=7, here=here))
    assert [x for _, chunk in results for x in chunk] == [2 * x for x in items]
    if (os.cpu_count() or 1) > 1:
        assert {pid for pid, _ in results} != {os.getpid()}  # a worker did some


def _who(span: range) -> tuple[int, list[int]]:
    from generator.engine.workers import _job

    return os.getpid(), [2 * _job["items"][i] for i in span]
