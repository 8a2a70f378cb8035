"""Read `digest.toml`: every key has a default, and a typo is named with the nearest real key."""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

from generator.errors import DigestError
from generator.permalinks import PermalinkError, check_pattern, known_placeholders
from generator.xmltext import first_illegal

CONFIG_NAME = "digest.toml"
EDITION_PERIODS = ("day", "week")
DIALECTS = ("default", "kramdown-compatible")  # of Markdown: see source/markup.py
# Upper bounds for the counts: beyond them a list page or a feed is no longer one a
# reader can use, and a number past 64 bits cannot even be a slice index.
LIMITS = {"page_size": 1000, "home_editions": 100, "feed_entries": 1000}


@dataclass(frozen=True)
class Config:
    """Site settings; the defaults are what a site without `digest.toml` gets."""

    title: str = "News digest"
    description: str = "The news that matters, with the people and topics behind it."
    base_url: str = "/"
    site_url: str = ""  # the published site's absolute address: sitemap, canonical links
    language: str = "en"
    timezone: str = "UTC"
    edition: str = "week"
    page_size: int = 20
    home_editions: int = 5
    feed_entries: int = 20
    search: bool = True
    safe_mode: bool = False
    twitter_site: str = ""
    output: str = "site"
    allow_outside_links: bool = False  # follow symlinks that lead out of the site
    typography: bool = True  # curly quotes, dashes and ellipses in titles, summaries, bodies
    markdown: str = "default"  # or "kramdown-compatible", for content written for Jekyll
    # Front-matter keys whose names become topics besides `topics` (Jekyll's, Pelican's).
    topics_from: tuple[str, ...] = ("tags", "categories", "category")
    permalinks: str = "/{yyyy}/{mm}/{dd}/{slug}/"  # where entries go: see permalinks.py

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, always with a leading and trailing slash."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def origin(self) -> str:
        """`scheme://host` of `site_url` (or of an absolute `base_url`); '' when the
        site's address is not known."""
        parts = urlsplit(self.site_url or self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def fingerprint(self) -> str:
        """A hash of every setting: any config change invalidates every page."""
        text = repr(sorted((f.name, getattr(self, f.name)) for f in fields(self)))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


_KEYS = {f.name: f for f in fields(Config)}


def load_config(root: Path) -> Config:
    """Read `ROOT/digest.toml` if present; raise DigestError on any bad key or value."""
    if not (root / CONFIG_NAME).is_file():
        return Config()
    path = Path(CONFIG_NAME)  # messages name files relative to the site root
    try:
        text = (root / CONFIG_NAME).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise DigestError(
            f"{CONFIG_NAME} is not valid UTF-8", path, line, "save it as UTF-8 in your editor"
        ) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        toml_line = _toml_error_line(str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise DigestError(
            f"cannot parse {CONFIG_NAME}: {reason}",
            path,
            toml_line,
            "check quotes around strings and `key = value` syntax",
        ) from exc
    return config_from_dict(data, path, text)


def config_from_dict(data: dict[str, object], path: Path, text: str = "") -> Config:
    """Validate keys and types one by one so each message points at its own line."""
    values: dict[str, object] = {}
    for key, value in data.items():
        line = _key_line(text, key)
        if key not in _KEYS:
            near = difflib.get_close_matches(key, list(_KEYS), n=1)
            hint = f"did you mean `{near[0]}`?" if near else f"known keys: {', '.join(_KEYS)}"
            raise DigestError(f"unknown setting `{key}`", path, line, hint)
        expected = type(_KEYS[key].default)
        if expected is tuple and isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = tuple(value)  # TOML's arrays: a tuple keeps the config hashable
        if type(value) is not expected:
            raise DigestError(
                f"`{key}` must be a {_type_name(expected)}, not {_type_name(type(value))}",
                path,
                line,
                f"for example `{key} = {_example(_KEYS[key].default)}`",
            )
        found = first_illegal(value) if isinstance(value, str) else None
        if found is not None:
            raise DigestError(
                f"`{key}` holds a character XML cannot carry ({found[1]})",
                path,
                line,
                "delete it (a TOML escape such as \\u0001 writes it)",
            )
        values[key] = value
    if "base_url" not in values and _host_of(str(values.get("site_url", ""))):
        # The path of the address is where the site lives: `base_url` need not repeat it.
        values["base_url"] = _path_of(str(values["site_url"]))
    config = Config(**values)  # type: ignore[arg-type]
    _check_values(config, path, text)
    return config


# BCP 47 (RFC 5646) language tags, as the `lang` attribute and Pagefind take them:
# language[-extlang][-script][-region](-variant)*(-extension)*[-privateuse], a private
# use tag alone, or one of the grandfathered tags. Case does not matter.
_ALNUM = "[a-z0-9]"
_LANGTAG = re.compile(
    rf"""
    (?:[a-z]{{2,3}}(?:-[a-z]{{3}}){{0,3}}|[a-z]{{4}}|[a-z]{{5,8}})  # language, extlang
    (?:-[a-z]{{4}})?                                            # script
    (?:-(?:[a-z]{{2}}|[0-9]{{3}}))?                               # region
    (?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*                  # variants
    (?:-[0-9a-wyz](?:-{_ALNUM}{{2,8}})+)*                         # extensions
    (?:-x(?:-{_ALNUM}{{1,8}})+)?                                  # private use
    |x(?:-{_ALNUM}{{1,8}})+
    """,
    re.IGNORECASE | re.VERBOSE,
)
_GRANDFATHERED = {
    "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux",
    "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr", "sgn-be-nl",
    "sgn-ch-de", "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka",
    "zh-min", "zh-min-nan", "zh-xiang",
}  # fmt: skip


def is_language_tag(tag: str) -> bool:
    """Whether `tag` is a well-formed BCP 47 language tag (not whether it is registered)."""
    return bool(_LANGTAG.fullmatch(tag)) or tag.lower() in _GRANDFATHERED


def _check_values(config: Config, path: Path, text: str) -> None:
    if config.edition not in EDITION_PERIODS:
        raise DigestError(
            f"`edition` must be one of {', '.join(EDITION_PERIODS)}, not {config.edition!r}",
            path,
            _key_line(text, "edition"),
            'use `edition = "week"` or `edition = "day"`',
        )
    if not is_language_tag(config.language):
        raise DigestError(
            f"`language` must be a BCP 47 language tag, not {config.language!r}",
            path,
            _key_line(text, "language"),
            'for example `language = "en"`, "en-GB", "pt-BR" or "zh-Hant"',
        )
    if config.markdown not in DIALECTS:
        raise DigestError(
            f"`markdown` must be one of {', '.join(DIALECTS)}, not {config.markdown!r}",
            path,
            _key_line(text, "markdown"),
            'use `markdown = "default"` (Python-Markdown) or `markdown = "kramdown-compatible"`',
        )
    try:
        zoneinfo.ZoneInfo(config.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise DigestError(
            f"unknown time zone {config.timezone!r}",
            path,
            _key_line(text, "timezone"),
            'use an IANA name such as "UTC", "Europe/London" or "America/New_York"',
        ) from exc
    for key, most in LIMITS.items():
        if not 1 <= getattr(config, key) <= most:
            raise DigestError(
                f"`{key}` must be between 1 and {most}, not {getattr(config, key)}",
                path,
                _key_line(text, key),
                f"for example `{key} = {_KEYS[key].default}`",
            )
    try:
        base = urlsplit(config.base_url)
        valid = (base.scheme in ("http", "https") and bool(base.netloc)) or (
            not base.scheme and not base.netloc and config.base_url.startswith("/")
        )
    except ValueError:
        valid = False
    if not valid:
        raise DigestError(
            f"`base_url` must be an http(s) URL or a path, not {config.base_url!r}",
            path,
            _key_line(text, "base_url"),
            'for example `base_url = "https://example.org/news/"` or `base_url = "/news/"`',
        )
    _check_site_url(config, path, text)
    try:
        check_pattern(config.permalinks, needs_slug=True)
    except PermalinkError as exc:
        raise DigestError(
            f"`permalinks`: {exc}",
            path,
            _key_line(text, "permalinks"),
            f"placeholders: {known_placeholders()}",
        ) from exc


def _check_site_url(config: Config, path: Path, text: str) -> None:
    """`site_url` is absolute, and agrees with `base_url` on the path (and the host)."""
    if not config.site_url:
        return
    line = _key_line(text, "site_url")
    try:
        parts = urlsplit(config.site_url)
        valid = parts.scheme in ("http", "https") and bool(parts.netloc)
    except ValueError:
        valid = False
    if not valid or parts.query or parts.fragment:
        raise DigestError(
            f"`site_url` must be the site's absolute http(s) address, not {config.site_url!r}",
            path,
            line,
            'for example `site_url = "https://example.org/news/"`',
        )
    base = urlsplit(config.base_url)
    if _path_of(config.site_url) != config.base_path or (
        base.netloc and base.netloc != parts.netloc
    ):
        raise DigestError(
            f"`site_url` ({config.site_url}) and `base_url` ({config.base_url}) "
            "name different places",
            path,
            line,
            f'leave `base_url` out, or make it `base_url = "{_path_of(config.site_url)}"`',
        )


def _host_of(url: str) -> str:
    try:
        return urlsplit(url).netloc
    except ValueError:
        return ""  # reported by _check_site_url


def _path_of(url: str) -> str:
    path = urlsplit(url).path or "/"
    return path if path.endswith("/") else path + "/"


def _key_line(text: str, key: str) -> int | None:
    name = re.escape(key)
    match = re.search(rf"^[ \t]*(?:{name}[ \t]*=|\[[ \t]*{name}[ \t]*\])", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else None


def _type_name(kind: type) -> str:
    return {
        str: "string", int: "whole number", bool: "true/false", float: "number",
        tuple: "list of strings", list: "list",
    }.get(kind, kind.__name__)  # fmt: skip


def _example(default: object) -> str:
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, str):
        return f'"{default}"'
    if isinstance(default, tuple):
        return "[" + ", ".join(f'"{item}"' for item in default) + "]"
    return str(default)
