"""The templates' side of rendering: where templates are found, the Jinja environment
every page is rendered in, and what every template may know about the site.

Templates come from the site's `templates/` first, then the built-in theme, file by file;
a template file must be UTF-8 and may not be a link out of the site and the theme."""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path
from markupsafe import Markup

from generator.config import Config
from generator.errors import DigestError
from generator.model import Site
from generator.source.load import Links, unreadable

THEME_STATIC = "static"


def theme_dir() -> Path:
    """The built-in theme: inside the installed package, or `templates/` in a source checkout."""
    package = Path(__file__).resolve().parent.parent  # generator/
    packaged = package / "theme"
    return packaged if packaged.is_dir() else package.parent / "templates"


@dataclass(frozen=True)
class SiteView:
    """What every template may know about the site: settings and the fixed section URLs."""

    title: str
    description: str
    language: str
    base_url: str
    origin: str  # `https://host` of the published site, or "" when it is not known
    home_url: str
    people_url: str
    topics_url: str
    editions_url: str
    stylesheet_url: str
    twitter_site: str
    nav: tuple[tuple[str, str], ...] = ()  # (title, url) of the static pages in the menu

    @classmethod
    def from_config(cls, config: Config, site: Site | None = None) -> SiteView:
        base = config.base_path
        return cls(
            title=config.title,
            description=config.description,
            language=config.language,
            base_url=config.base_url,
            origin=config.origin,
            home_url=base,
            people_url=f"{base}people/",
            topics_url=f"{base}topics/",
            editions_url=f"{base}editions/",
            stylesheet_url=f"{base}theme/style.css",
            twitter_site=config.twitter_site,
            nav=site_nav(site) if site is not None else (),
        )


def site_nav(site: Site) -> tuple[tuple[str, str], ...]:
    """The static pages marked `nav: true`, by title: the menu every page shows."""
    shown = sorted((p for p in site.pages if p.nav), key=lambda p: (p.title.casefold(), p.url))
    return tuple((p.title, p.url) for p in shown)


def set_site(env: jinja2.Environment, config: Config, site: Site) -> None:
    """Give the templates what they know of the site: settings, and the menu."""
    env.globals["site"] = SiteView.from_config(config, site)


def template_dirs(root: Path) -> list[Path]:
    """Site templates first, so a site overrides the theme file by file."""
    own = root / "templates"
    return [own, theme_dir()] if own.is_dir() else [theme_dir()]


class SiteLoader(jinja2.FileSystemLoader):
    """Templates from the site's `templates/` first, then the theme; a template file must
    be UTF-8 and may not be a link out of the site and the theme (load.Links), so a
    `{% include %}` cannot read `/etc/passwd` into every page."""

    def __init__(self, root: Path, anywhere: bool = False) -> None:
        super().__init__([str(d) for d in template_dirs(root)])
        self.root = root
        self.links = Links.inside(root, theme_dir(), anywhere=anywhere)

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for folder in self.searchpath:
            filename = os.path.normpath(os.path.join(folder, *pieces))
            if os.path.isfile(filename):
                break
        else:
            raise jinja2.TemplateNotFound(template)
        shown = shown_path(filename, self.root)
        real = os.path.realpath(filename)
        if not self.links.allows(real):
            raise self.links.refusal(shown or filename, real)
        try:
            with open(filename, "rb") as handle:
                data = handle.read()
            mtime = os.path.getmtime(filename)
        except OSError as exc:
            raise unreadable(exc, shown or filename) from exc
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DigestError(
                "this template is not valid UTF-8", shown, line, "save it as UTF-8 in your editor"
            ) from exc

        def uptodate() -> bool:
            try:
                return os.path.getmtime(filename) == mtime
            except OSError:
                return False

        return text, filename, uptodate


def make_environment(
    root: Path, config: Config, bytecode: jinja2.BytecodeCache | None = None
) -> jinja2.Environment:
    """One environment per build: templates compile once and are cached by Jinja, and
    in `bytecode` (the build cache's) for the next process, which then skips compiling."""
    env = jinja2.Environment(
        bytecode_cache=bytecode,
        loader=SiteLoader(root, config.allow_outside_links),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["format_date"] = date_formatter(config.tz)
    env.filters["isodate"] = lambda value: value.isoformat()
    env.filters["pagefind_filter"] = _pagefind_filter
    env.globals["site"] = SiteView.from_config(config)
    return env


def _pagefind_filter(value: object, name: str) -> Markup:
    """`data-pagefind-filter="{{ person.name | pagefind_filter('person') }}"`."""
    return pagefind_filter(name, value)


def date_formatter(tz: tzinfo) -> Callable[..., str]:
    """The `format_date` filter: dates in the site's zone, as pages show them."""

    def format_date(value: datetime, style: str = "short") -> str:
        """`4 June 2025`; `long` adds the weekday and, when one was given, the time."""
        local = value.astimezone(tz)
        text = f"{local.day} {local:%B %Y}"
        if style == "long":
            text = f"{local:%A} {text}"
            if (local.hour, local.minute) != (0, 0):
                text += f", {local:%H:%M}"
        return text

    return format_date


def pagefind_filter(name: str, value: object) -> Markup:
    """The `data-pagefind-filter` attribute value giving `name` the filter value `value`,
    escaped so that the index holds it as HTML text.

    Pagefind's search UI shows each filter value as HTML (a label's innerHTML), so a
    person or topic named `<img src=x onerror=…>` would run as script for everyone who
    searches. The index must hold the value HTML-escaped: the UI then shows the name
    as written. Pagefind reads an attribute's value HTML-decoded twice (once as HTML,
    once more itself), so the escaped value is escaped twice again here. Everything
    else the default UI shows is safe as it stands: titles and headings as text, and
    excerpts Pagefind escapes itself. tests/test_search.py proves it in Chromium.
    """
    shown = html.escape(str(value), quote=True)  # what the UI's innerHTML gets
    return Markup(f"{name}:" + html.escape(html.escape(shown, quote=True), quote=True))


def shown_path(filename: str | None, root: Path) -> str | None:
    """A template's path relative to the site root when inside it, else as it is.

    Both sides are normalised as Jinja normalises template file names, so a ROOT given as
    `../a/../site` does not show the root twice once the CLI puts it in front again."""
    if filename is None:
        return None
    name, base = os.path.normpath(os.path.abspath(filename)), os.path.abspath(root)
    if name.startswith(os.path.join(base, "")):
        return os.path.relpath(name, base)
    return filename
