"""Every relative link of the README and docs/ leads to a file, and to a heading in it."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = "`" * 3


def anchor(title: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def headings(page: Path) -> set[str]:
    found, in_code = set(), False
    for line in page.read_text().splitlines():
        if line.startswith(FENCE):
            in_code = not in_code
        elif not in_code and (m := re.match(r"#{1,6} (.+)", line)):
            found.add(anchor(m.group(1)))
    return found


def links(page: Path) -> list[str]:
    text = re.sub(rf"{FENCE}.*?{FENCE}", "", page.read_text(), flags=re.S)
    return [t for t in LINK.findall(text) if not t.startswith(("http://", "https://", "mailto:"))]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_link_of_a_page_is_alive(page):
    dead = []
    for target in links(page):
        path, _, fragment = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            dead.append(f"{target}: no file {file}")
        elif fragment and file.suffix == ".md" and fragment not in headings(file):
            dead.append(f"{target}: no heading #{fragment} in {file.name}")
    assert not dead, f"{page.name}: " + "; ".join(dead)


def test_the_readme_stays_a_newcomers_page():
    assert len((REPO / "README.md").read_text().splitlines()) <= 300
