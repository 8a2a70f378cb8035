"""parse_date: the forms archives use, naive values in the site's zone, impossible dates refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.dates import DateFormatError, parse_date
from generator.engine.build import build_site
from generator.errors import BuildFailed
from generator.newsroom.importer import import_articles
from tests.conftest import WriteTree, entry_text

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def offset(hours: int, minutes: int = 0) -> timezone:
    sign = -1 if hours < 0 else 1
    return timezone(timedelta(hours=hours) + sign * timedelta(minutes=minutes))


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("2020-12-2", datetime(2020, 12, 2, tzinfo=UTC), False),
        ("2020-12-02", datetime(2020, 12, 2, tzinfo=UTC), False),
        ("2020/12/02", datetime(2020, 12, 2, tzinfo=UTC), False),
        ("2020-12-02 10:00", datetime(2020, 12, 2, 10, 0, tzinfo=UTC), True),
        ("2013-06-07 18:46", datetime(2013, 6, 7, 18, 46, tzinfo=UTC), True),
        ("2013-06-07 9:05", datetime(2013, 6, 7, 9, 5, tzinfo=UTC), True),
        ("2025-06-04 09:30:15", datetime(2025, 6, 4, 9, 30, 15, tzinfo=UTC), True),
        ("2025-06-04T09:30:00+02:00", datetime(2025, 6, 4, 9, 30, tzinfo=offset(2)), True),
        ("2025-06-04T09:30:00Z", datetime(2025, 6, 4, 9, 30, tzinfo=UTC), True),
        ("2025-06-04T09:30:00z", datetime(2025, 6, 4, 9, 30, tzinfo=UTC), True),
        ("2025-06-04 09:30 UTC", datetime(2025, 6, 4, 9, 30, tzinfo=UTC), True),
        ("2025-06-04T09:30:00-04:00", datetime(2025, 6, 4, 9, 30, tzinfo=offset(-4)), True),
        ("2025-06-04T09:30:00-0400", datetime(2025, 6, 4, 9, 30, tzinfo=offset(-4)), True),
        ("2025-06-04T09:30:00+05:30", datetime(2025, 6, 4, 9, 30, tzinfo=offset(5, 30)), True),
        ("2025-06-04T09:30:00+0530", datetime(2025, 6, 4, 9, 30, tzinfo=offset(5, 30)), True),
        (
            "2025-06-04T09:30:00.250+02:00",
            datetime(2025, 6, 4, 9, 30, 0, 250000, tzinfo=offset(2)),
            True,
        ),
        ("  2025-06-04  ", datetime(2025, 6, 4, tzinfo=UTC), False),
    ],
)
def test_archive_forms(text: str, expected: datetime, has_time: bool) -> None:
    parsed, timed = parse_date(text, UTC)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()
    assert timed is has_time


def test_naive_value_is_read_in_the_given_zone() -> None:
    parsed, timed = parse_date("2013-06-07 18:46", NEW_YORK)
    assert parsed.tzinfo is NEW_YORK
    assert parsed.utcoffset() == timedelta(hours=-4)  # EDT in June
    assert parsed.astimezone(UTC) == datetime(2013, 6, 7, 22, 46, tzinfo=UTC)
    assert timed is True


def test_date_only_is_midnight_in_the_given_zone() -> None:
    parsed, timed = parse_date("2025-01-15", BERLIN)
    assert (parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute) == (
        2025, 1, 15, 0, 0,
    )  # fmt: skip
    assert parsed.utcoffset() == timedelta(hours=1)
    assert timed is False


def test_explicit_offset_wins_over_the_site_zone() -> None:
    parsed, _ = parse_date("2025-06-04T09:30:00+02:00", NEW_YORK)
    assert parsed.utcoffset() == timedelta(hours=2)
    assert parsed.astimezone(UTC) == datetime(2025, 6, 4, 7, 30, tzinfo=UTC)


def test_date_object_has_no_time() -> None:
    parsed, timed = parse_date(date(2025, 6, 4), BERLIN)
    assert parsed == datetime(2025, 6, 4, tzinfo=BERLIN)
    assert timed is False


def test_naive_datetime_object_gets_the_zone() -> None:
    parsed, timed = parse_date(datetime(2025, 6, 4, 9, 30), BERLIN)
    assert parsed.tzinfo is BERLIN
    assert timed is True


def test_aware_datetime_object_is_kept() -> None:
    value = datetime(2025, 6, 4, 9, 30, tzinfo=offset(-4))
    parsed, timed = parse_date(value, BERLIN)
    assert parsed == value
    assert parsed.utcoffset() == timedelta(hours=-4)
    assert timed is True


@pytest.mark.parametrize(
    "text",
    [
        "2025-02-30",
        "2023-02-29",
        "2025-13-01",
        "2025-00-10",
        "2025-06-00",
        "2025-06-04 24:00",
        "2025-06-04 10:60",
        "2025-06-04 10:00:61",
        "2025-06-04T10:00:00+24:00",
        "2025-06-04T10:00:00+02:60",
    ],
)
def test_impossible_dates_raise(text: str) -> None:
    with pytest.raises(DateFormatError) as info:
        parse_date(text, UTC)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "June 4, 2025",
        "04/06/2025",
        "2025-06",
        "25-06-04",
        "2025-06-04T",
        "2025-06-04 10",
        "2025-06-04 10:00 PM",
        "2025-06-04 10:00 CEST",
        "2025-06-04x",
        "20250604",
    ],
)
def test_garbage_raises(text: str) -> None:
    with pytest.raises(DateFormatError, match="cannot read"):
        parse_date(text, UTC)


@pytest.mark.parametrize("value", [20250604, 2025.6, None, ["2025-06-04"], {"y": 2025}, True])
def test_non_text_values_raise(value: object) -> None:
    with pytest.raises(DateFormatError, match="must be text"):
        parse_date(value, UTC)


def test_date_format_error_is_a_value_error() -> None:
    # parse.py collects ValueErrors per key; DateFormatError must stay one of them.
    assert issubclass(DateFormatError, ValueError)


def test_leap_day_is_accepted() -> None:
    assert parse_date("2024-02-29", UTC)[0] == datetime(2024, 2, 29, tzinfo=UTC)


OFFSETS = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda m: timezone(timedelta(minutes=m))
)
DATETIMES = st.datetimes(
    min_value=datetime(1000, 1, 1), max_value=datetime(9000, 12, 31, 23, 59, 59)
).map(lambda d: d.replace(microsecond=0))


@settings(max_examples=200, deadline=None)
@given(DATETIMES, OFFSETS)
def test_iso_format_round_trips(value: datetime, zone: timezone) -> None:
    aware = value.replace(tzinfo=zone)
    parsed, timed = parse_date(aware.isoformat(), UTC)
    assert parsed == aware
    assert parsed.utcoffset() == aware.utcoffset()
    assert timed is True


@settings(max_examples=200, deadline=None)
@given(DATETIMES)
def test_naive_iso_format_round_trips_in_the_site_zone(value: datetime) -> None:
    parsed, _ = parse_date(value.isoformat(sep=" "), BERLIN)
    assert parsed.replace(tzinfo=None) == value
    assert parsed.tzinfo is BERLIN


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9000, 12, 31)))
def test_iso_date_round_trips(value: date) -> None:
    parsed, timed = parse_date(value.isoformat(), NEW_YORK)
    assert parsed.date() == value
    assert timed is False


def test_fractional_seconds_round_trip() -> None:
    value = datetime(2025, 6, 4, 9, 30, 0, 250000, tzinfo=UTC)
    assert parse_date(value.isoformat(), UTC)[0] == value


# --- the edges of the calendar ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:30:00+05:00",
        "9999-12-31 23:59",
        "0999-12-31",
        "9001-01-01",
        date(9999, 12, 31),
        datetime(1, 1, 1, 0, 30),
    ],
)
def test_years_outside_the_supported_range_are_refused(value: object) -> None:
    with pytest.raises(DateFormatError, match=r"outside the years digest supports \(1000–9000\)"):
        parse_date(value, UTC)


EDGES = [
    "1000-01-01T00:00:00+23:59",
    "1000-01-01",
    "9000-12-31T23:59:59-23:59",
    "9000-12-31 23:59",
    "9000-12-31",
]


@pytest.mark.parametrize("value", EDGES)
@pytest.mark.parametrize("zone", [UTC, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Etc/GMT+12")])
def test_supported_edges_survive_every_conversion(value: str, zone: ZoneInfo) -> None:
    parsed, _ = parse_date(value, zone)
    for moved in (parsed.astimezone(UTC), parsed.astimezone(zone)):
        moved.isocalendar()
        moved.date() + timedelta(days=7)
        moved.date() - timedelta(days=7)
    assert parsed.timestamp()


@pytest.mark.parametrize("edition", ["day", "week"])
@pytest.mark.parametrize("future", [False, True])
def test_entries_at_the_edges_build(write_tree: WriteTree, edition: str, future: bool) -> None:
    files: dict[str, str | bytes] = {
        "digest.toml": f'edition = "{edition}"\ntimezone = "Pacific/Kiritimati"\n',
    }
    for n, value in enumerate(EDGES):
        files[f"content/e{n}.md"] = entry_text(f"Edge {n}", f"'{value}'", updated=f"'{value}'")
    root = write_tree(files)
    result = build_site(root, future=future, search=False)
    assert len(result.site.entries) == (len(EDGES) if future else 2)


@pytest.mark.parametrize(
    ("rel", "text", "line"),
    [
        ("content/a.md", entry_text(date="9999-12-31T23:00:00-05:00"), 3),
        ("content/a.md", entry_text(updated="'0001-01-01T00:30:00+05:00'"), 4),
        ("content/a.md", "Title: A\nDate: 9999-12-31 23:59\n\nText.\n", 2),
        ("content/a.txt", "date 9999-12-31 By Jane Doe, AP\n\nText.\n", 1),
    ],
)
@pytest.mark.parametrize("future", [False, True])
def test_out_of_range_dates_are_refused_at_their_line(
    write_tree: WriteTree, rel: str, text: str, line: int, future: bool
) -> None:
    root = write_tree({rel: text})
    with pytest.raises(BuildFailed) as info:
        build_site(root, future=future, search=False)
    [error] = info.value.errors
    assert (error.path, error.line) == (rel, line)
    assert "outside the years digest supports" in error.message


def test_import_refuses_an_out_of_range_date(write_tree: WriteTree) -> None:
    root = write_tree(
        {"content/.keep": "", "raw/a.txt": "date 0001-01-01 By Jane Doe, AP\n\nText.\n"}
    )
    with pytest.raises(BuildFailed) as info:
        import_articles([root / "raw" / "a.txt"], root)
    assert "outside the years digest supports" in str(info.value)
