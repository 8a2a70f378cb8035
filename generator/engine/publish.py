"""Which pages a build renders, and putting them with the static files into the output.

A page is rendered only when its fingerprint changed or the output lost the bytes
written for it; a static file is copied only when its bytes changed. What is neither
is kept as the output holds it."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2

from generator.config import Config
from generator.engine.inputs import Inputs, read_source
from generator.engine.progress import Progress
from generator.engine.workers import render_pages
from generator.errors import BuildFailed, DigestError
from generator.model import Page
from generator.output.write import OutputWriter
from generator.render.plan import Plan
from generator.source.load import SourceFile


def stale_pages(
    plan: Plan,
    reuse: dict[str, tuple[str, str]],
    manifest: dict[str, str],
    out: Path,
    trusted: bool,
) -> list[Page]:
    """The pages to render: those whose inputs changed or whose bytes are gone.
    `trusted`: the output holds exactly what this builder last wrote there."""
    return [p for p in plan.pages if not _reusable(p.output, plan, reuse, manifest, out, trusted)]


def _reusable(
    output: str,
    plan: Plan,
    reuse: dict[str, tuple[str, str]],
    manifest: dict[str, str],
    out: Path,
    trusted: bool,
) -> bool:
    """A page can be kept when its inputs are unchanged and its bytes are still there."""
    known = reuse.get(output)
    return (
        known is not None
        and known[0] == plan.fingerprints[output]
        and manifest.get(output) == known[1]
        and (trusted or os.path.isfile(os.path.join(out, output)))
    )


def publish(
    root: Path,
    config: Config,
    stale: list[Page],
    plan: Plan,
    inputs: Inputs,
    hashes: dict[str, str],
    manifest: dict[str, str],
    out: Path,
    env: jinja2.Environment | None,
    output: OutputWriter | None,
    progress: Progress,
) -> tuple[list[str], dict[str, str]]:
    """Render `stale` into `output` as each chunk is done, and copy the changed static
    files; return what was regenerated, and the outputs kept with their hashes.

    Pages go to disk (beside the site, not into it) as each chunk is rendered; only their
    paths are kept. An error drops what was written; the site stays. Without `output`
    (`digest check`) the pages are rendered and dropped."""
    count = progress.counter(len(stale))
    chunks = render_pages(root, config, stale, env, on_chunk=count)
    regenerated: list[str] = []
    try:
        for chunk in chunks:
            for path, data, digest in chunk:
                if output is not None:
                    output.put(path, data, digest)
                regenerated.append(path)
        copies, keep = _static_outputs(inputs, set(plan.fingerprints), hashes, manifest, out)
        for target, source in copies.items():
            if output is not None:
                output.put(target, read_source(source))
            regenerated.append(target)
    except BaseException:
        chunks.close()  # the workers stop now, not when the error is forgotten
        if output is not None:
            output.abort()
        raise
    made = set(regenerated)
    keep.update({p.output: manifest[p.output] for p in plan.pages if p.output not in made})
    return regenerated, keep


def _static_outputs(
    inputs: Inputs,
    pages: set[str],
    hashes: dict[str, str],
    manifest: dict[str, str],
    out: Path,
) -> tuple[dict[str, SourceFile], dict[str, str]]:
    """The static files to copy (those whose bytes changed), and those kept as they are."""
    clashes = [
        DigestError(
            f"this static file would replace the generated /{target}",
            source.rel,
            hint="rename or move it",
        )
        for target, source in inputs.site_static.items()
        if target in pages or target in inputs.theme_static
    ]
    if clashes:
        raise BuildFailed(clashes)
    copies: dict[str, SourceFile] = {}
    keep: dict[str, str] = {}
    for target, source in {**inputs.theme_static, **inputs.site_static}.items():
        # Copied verbatim, so the output's manifest hash is the source's content hash.
        if manifest.get(target) == hashes[source.rel] and (out / target).is_file():
            keep[target] = manifest[target]
        else:
            copies[target] = source
    return copies, keep
