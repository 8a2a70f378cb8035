"""The date forms real archives use, read strictly: an impossible date is an error, not a guess."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.config import Config
    from generator.model import Entry

_DATE = re.compile(
    r"""^\s*(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})
    (?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?)?
    \s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)


# Years a date may have. Python's datetime ends at 1 and 9999, and a date near either
# end overflows when it is moved to UTC or to the site's zone, or when its week or the
# next day is computed; no news is dated so far out.
FIRST_YEAR, LAST_YEAR = 1000, 9000


class DateFormatError(ValueError):
    """Raised with a message fit to show the user."""


def parse_date(value: object, tz: tzinfo) -> tuple[datetime, bool]:
    """Return an aware datetime and whether the value carried a time of day.

    Naive values are read in the site's zone, so `2025-06-04` means that day where the
    digest is edited, not in UTC.
    """
    if isinstance(value, date):
        _check_year(value.year, value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)), True
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz), False
    if not isinstance(value, str):
        raise DateFormatError(f"a date must be text such as 2025-06-04, not {value!r}")
    match = _DATE.match(value)
    if not match:
        raise DateFormatError(f"cannot read {value!r} as a date")
    parts = {k: int(v) for k, v in match.groupdict().items() if v and k not in ("tz", "F")}
    _check_year(parts["y"], value)
    micro = int((match.group("F") or "0")[:6].ljust(6, "0"))
    try:
        result = datetime(
            parts["y"],
            parts["m"],
            parts["d"],
            parts.get("H", 0),
            parts.get("M", 0),
            parts.get("S", 0),
            micro,
            tzinfo=_zone(match.group("tz")) or tz,
        )
    except ValueError as exc:
        raise DateFormatError(f"{value!r} is not a real date ({exc})") from exc
    return result, match.group("H") is not None


def _check_year(year: int, value: object) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DateFormatError(
            f"the year of {str(value).strip()!r} is outside the years digest supports "
            f"({FIRST_YEAR}–{LAST_YEAR})"
        )


def _zone(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise DateFormatError(f"{text!r} is not a valid time zone offset")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def local_day(entry: Entry, config: Config) -> date:
    """The entry's day in the site's zone, as its URL and edition have it."""
    if entry.day is not None and entry.day_zone == config.timezone:
        return entry.day
    assert entry.date is not None, "only a static page has no date, and no day"
    return entry.date.astimezone(config.tz).date()
