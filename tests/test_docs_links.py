"""Every relative link in README.md and docs/*.md leads somewhere: the file exists and, when the
link names a section (`page.md#section`), the page has a heading with that anchor, as GitHub
derives anchors from headings. Links to web pages are not fetched (no network here)."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")


def links(text: str) -> list[str]:
    """Link targets outside code blocks and code spans (where brackets are code, not links)."""
    return LINK.findall(CODE_SPAN.sub("", FENCE.sub("", text)))


def anchors(markdown: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces to hyphens,
    a repeated heading numbered -1, -2, …"""
    found: set[str] = set()
    for heading in re.findall(r"^#+\s+(.*?)\s*$", FENCE.sub("", markdown.read_text()), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in found:
            n += 1
            candidate = f"{slug}-{n}"
        found.add(candidate)
    return found


def broken_links(page: Path) -> list[str]:
    """'target: why' for each relative link of a page that leads nowhere."""
    problems = []
    for target in links(page.read_text()):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            problems.append(f"{target}: no such file {file}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            problems.append(f"{target}: no heading with anchor #{anchor} in {file.name}")
    return problems


def test_every_relative_link_in_readme_and_docs_resolves():
    problems = [f"{page.relative_to(REPO)}: {problem}" for page in PAGES for problem in broken_links(page)]
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_pages_link_to_something():
    # a parser that found no links would pass the test above on any text
    assert len(links((REPO / "README.md").read_text())) >= 20


def test_a_missing_file_and_a_missing_section_are_reported(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## Its section, in full\n")
    page = tmp_path / "page.md"
    page.write_text("[ok](other.md#its-section-in-full) [gone](missing.md) [no section](other.md#nope)\n"
                    "`[code](not-a-link.md)` [web](https://example.org/x.md) [here](#a-heading)\n\n"
                    "## A heading\n")
    assert broken_links(page) == [f"missing.md: no such file {tmp_path / 'missing.md'}",
                                  "other.md#nope: no heading with anchor #nope in other.md"]
