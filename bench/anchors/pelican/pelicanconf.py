"""Pelican anchor for digest's benchmark: the same pages as digest builds from the same corpus.

Pelican's closest equivalents: people are authors, topics are tags, the edition (ISO week) is
the category. bench/anchors/prepare.py writes content/entries/ and the two registries.
"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

SITENAME = "Bench digest"
SITEURL = ""
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
THEME = str(HERE / "theme")
THEME_STATIC_PATHS: list[str] = []
STATIC_PATHS: list[str] = []
ARTICLE_PATHS = ["entries"]
PAGE_PATHS: list[str] = []
# Long lists in pages of 20 at …/page/n/, as digest's `page_size`; an edition (category)
# is one page, as in digest. The edition archive cannot be paginated by Pelican.
DEFAULT_PAGINATION = 20
PAGINATED_TEMPLATES = {"index": None, "author": None, "tag": None}
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)
DEFAULT_DATE_FORMAT = "%-d %B %Y"
# The same Markdown extensions as digest.
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.tables": {},
        "markdown.extensions.footnotes": {},
        "markdown.extensions.fenced_code": {},
        "markdown.extensions.attr_list": {},
        "markdown.extensions.smarty": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}

ARTICLE_URL = "{date:%Y}/{date:%m}/{date:%d}/{slug}/"
ARTICLE_SAVE_AS = ARTICLE_URL + "index.html"
AUTHOR_URL = "people/{slug}/"
AUTHOR_SAVE_AS = AUTHOR_URL + "index.html"
AUTHORS_SAVE_AS = "people/index.html"
TAG_URL = "topics/{slug}/"
TAG_SAVE_AS = TAG_URL + "index.html"
TAGS_SAVE_AS = "topics/index.html"
CATEGORY_URL = "editions/{slug}/"
CATEGORY_SAVE_AS = CATEGORY_URL + "index.html"
CATEGORIES_SAVE_AS = "editions/index.html"
DIRECT_TEMPLATES = ["index", "authors", "tags", "categories"]
TEMPLATE_PAGES = {"404.html": "404.html", "search.html": "search/index.html"}

# Nothing digest does not make either.
ARCHIVES_SAVE_AS = ""
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

PEOPLE = json.loads((HERE / "people.json").read_text("utf-8"))
TOPICS = json.loads((HERE / "topics.json").read_text("utf-8"))
