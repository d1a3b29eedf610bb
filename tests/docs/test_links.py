"""The README and docs/ hold together: every relative link names a file that exists and every `#anchor`
a heading of that file (GitHub's rule for heading ids), and the README stays a five-minute read."""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def headings(page):
    """The ids GitHub gives the page's headings (outside code blocks)."""
    ids, fenced = set(), False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"#{1,6} (.*)", line)):
            ids.add(re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-"))
    return ids


def links(page):
    return [link for link in LINK.findall(page.read_text()) if not re.match(r"[a-z]+:", link)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_and_anchor_resolves(page):
    broken = []
    for link in links(page):
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            broken.append(f"{link}: no such file")
        elif anchor and target.suffix == ".md" and anchor not in headings(target):
            broken.append(f"{link}: no such heading in {target.relative_to(ROOT)}")
    assert not broken, broken


def test_the_checker_sees_a_broken_anchor(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n```\n# not a heading\n```\nSee [there](#not-a-heading) and [here](#title).\n")
    assert headings(page) == {"title"}
    assert links(page) == ["#not-a-heading", "#title"]


def test_the_readme_is_short_and_indexes_every_page():
    readme = (ROOT / "README.md").read_text()
    assert readme.count("\n") < 150
    for page in PAGES[1:]:
        assert f"(docs/{page.name})" in readme, f"the README does not list {page.name}"
