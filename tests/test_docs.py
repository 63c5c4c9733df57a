"""The documentation site (docs/, built with Sphinx; see docs/conf.py) without building it: every page is in a
toctree, every tutorial has code cells, and the API reference lists every top-level name."""
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
TOCTREE = re.compile(r"```\{toctree\}\n(.*?)```", re.S)
CODE_CELL = re.compile(r"^```\{code-cell\}", re.M)


def _toctree_entries():
    """Documents named in the toctrees of all pages, as paths relative to docs/ without suffix."""
    entries = set()
    for page in DOCS.rglob("*.md"):
        if "_build" in page.parts:
            continue
        for block in TOCTREE.findall(page.read_text(encoding="utf-8")):
            for line in block.splitlines():
                line = line.strip()
                if not line or line.startswith(":"):
                    continue
                target = re.sub(r"^.*<(.+)>$", r"\1", line)  # "Title <doc>" form
                entries.add((page.parent.relative_to(DOCS) / target).as_posix().removeprefix("./"))
    return entries


def _pages():
    return sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts and "generated" not in p.parts)


def test_every_page_is_in_a_toctree():
    entries = _toctree_entries()
    missing = [p.relative_to(DOCS).with_suffix("").as_posix() for p in _pages()
               if p.name != "index.md" or p.parent != DOCS]
    missing = [m for m in missing if m not in entries]
    assert not missing, f"pages not referenced in any toctree (add them to docs/index.md): {missing}"


def test_toctree_entries_exist():
    entries = _toctree_entries()
    absent = [e for e in entries if not (DOCS / f"{e}.md").is_file()]
    assert not absent, f"toctree entries without a page: {absent}"


@pytest.mark.parametrize("tutorial", sorted((DOCS / "tutorials").glob("*.md")), ids=lambda p: p.stem)
def test_tutorial_has_code_cells(tutorial):
    text = tutorial.read_text(encoding="utf-8")
    assert text.startswith("---\n") and "kernelspec:" in text, f"{tutorial.name}: missing the myst-nb header"
    assert CODE_CELL.search(text), f"{tutorial.name}: no {{code-cell}} (the tutorials are executed at build time)"


def test_there_are_tutorials():
    assert len(list((DOCS / "tutorials").glob("*.md"))) >= 5


def test_api_reference_lists_every_top_level_name():
    import spinertia

    api = (DOCS / "api" / "index.md").read_text(encoding="utf-8")
    missing = [name for name in spinertia._EXPORTS if f"`si.{name}`" not in api]
    assert not missing, f"top-level names missing from docs/api/index.md: {missing}"


def test_no_machine_paths_in_docs():
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        assert "/work/" not in text and "/tmp/" not in text, f"{page.name}: machine path"
