"""Whatever names, titles and slugs say, every output path stays inside the output."""

from __future__ import annotations

import posixpath
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config import Config
from generator.errors import BuildFailed, DigestError
from generator.index.index import build_index
from generator.render.plan import plan_pages
from generator.source.parse import parse_entry

NAME = st.text(min_size=1, max_size=20).filter(lambda s: "\n" not in s and "\r" not in s)
PATHISH = st.sampled_from(["..", "../..", "/etc", "a/../b", "\\", "%2e%2e", ".", "~", "CON"])


def _inside(output: str) -> bool:
    normal = posixpath.normpath(output)
    return not normal.startswith(("/", "..")) and "\\" not in output and "\x00" not in output


@settings(max_examples=150, deadline=None)
@given(
    names=st.lists(NAME | PATHISH, min_size=1, max_size=4),
    slug=NAME | PATHISH,
    stem=st.sampled_from(["a", "2025-06-04-b", "..", "c d", "é"]),
    base=st.sampled_from(["/", "/news/", "https://example.org/sub/"]),
)
def test_every_output_path_stays_inside(names: list[str], slug: str, stem: str, base: str) -> None:
    quoted = ", ".join('"' + n.replace("\\", "\\\\").replace('"', '\\"') + '"' for n in names)
    text = (
        f'---\ntitle: T\ndate: 2025-06-04\nslug: "{slug.replace(chr(92), "")}"\n'
        f"people: [{quoted}]\ntopics: [{quoted}]\n---\nBody.\n"
    )
    config = Config(base_url=base)
    try:
        entry = parse_entry(f"content/{stem}.md", text.encode(), ZoneInfo("UTC"))
        site = build_index([entry], [], [], config)
    except (DigestError, BuildFailed):
        return  # refused with a message: nothing is written
    for page in plan_pages(site, config):
        assert _inside(page.output), page.output
        assert page.url.startswith(config.base_path), page.url
        assert ".." not in page.url.split("/"), page.url
