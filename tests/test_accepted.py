"""What real archives write is accepted without a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from generator.engine.build import build_site
from tests.conftest import WriteTree


def _entry(date: str, extra: str = "", title: str = "A title") -> str:
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\nBody text.\n"


ACCEPTED: dict[str, str | bytes] = {
    "content/bom.md": "\ufeff" + _entry("2020-12-02"),
    "content/crlf.md": _entry("2020-12-03").replace("\n", "\r\n").encode(),
    "content/short-date.md": _entry("2020-12-2", title="Short date"),
    "content/minutes.md": _entry("2020-12-02 10:00", title="With minutes"),
    "content/pelican-style.md": _entry("2013-06-07 18:46", title="Old archive"),
    "content/zoned.md": _entry("2013-06-07T18:46:00+02:00", title="Zoned"),
    "content/utc.md": _entry("2013-06-08 18:46Z", title="Zulu"),
    "content/comma-lists.md": _entry(
        "2021-01-01", "people: Xi Jinping, Joe Biden\ntopics: Trade, Tariffs\n", "Lists"
    ),
    "content/leftovers.md": _entry(
        "2021-01-02", "layout: post\ncategories: [news]\nlegacy_id: 42\n", "Leftover keys"
    ),
    "content/scripts.md": _entry(
        "2021-01-03", 'people: [习近平, José Álvarez, "Zoë O\'Neil"]\n', "Names in any script"
    ),
}


def test_real_archive_forms_build_without_a_message(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    # A published site: without `site_url` a build warns that it leaves the sitemap out.
    root = write_tree({**ACCEPTED, "digest.toml": 'site_url = "https://example.org/"\n'})
    assert main(["build", str(root)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    result = build_site(root, write=False)
    assert len(result.site.entries) == len(ACCEPTED)  # type: ignore[union-attr]
    names = {p.name for p in result.site.people}  # type: ignore[union-attr]
    assert {"习近平", "José Álvarez", "Zoë O'Neil", "Xi Jinping", "Joe Biden"} <= names
    assert (root / "site/people/xi-jin-ping/index.html").is_file()
    assert (root / "site/people/jose-alvarez/index.html").is_file()
    leftovers = next(
        e
        for e in result.site.entries
        if e.path.endswith("leftovers.md")  # type: ignore[union-attr]
    )
    assert leftovers.extra == {"layout": "post", "legacy_id": 42}
    assert leftovers.topic_names == ("news",)  # Jekyll's categories are topics


@pytest.mark.slow
def test_a_very_large_entry_builds(write_tree: WriteTree, tmp_path: Path) -> None:
    paragraph = "Words about the talks and the *tariffs*, with a [link](https://x.org). " * 8
    body = "\n\n".join(paragraph for _ in range(18_000))  # about 10 MB of Markdown
    root = write_tree({"content/huge.md": _entry("2021-02-01").replace("Body text.", body)})
    assert len(body) > 10_000_000
    build_site(root)
    page = (root / "site/2021/02/01/huge/index.html").read_bytes()
    assert len(page) > 10_000_000
