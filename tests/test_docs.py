"""The README and the docs site say what the repository holds (the site's own links:
`mkdocs build --strict` in CI)."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# [text](target) outside code spans; targets with a scheme are not checked here
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def markdown_links(path):
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)
    text = re.sub(r"`[^`\n]*`", "", text)
    return [t for t in LINK.findall(text) if "://" not in t and not t.startswith("mailto:")]


@pytest.mark.parametrize("page", ["README.md", "BENCHMARKS.md", "CONTRIBUTING.md"])
def test_links_of_the_top_level_pages_resolve(page):
    links = markdown_links(REPO / page)
    missing = [t for t in links if not (REPO / t.partition("#")[0]).exists()]
    assert not missing, f"{page} links to files that do not exist: {missing}"


def test_the_link_check_sees_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("[a](docs/cli.md) `[b](x.md)`\n```\n[c](y.md)\n```\n[d](nothere.md#x)\n")
    assert markdown_links(page) == ["docs/cli.md", "nothere.md#x"]


def test_the_benchmark_tables_are_those_the_json_files_hold(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    spec = importlib.util.spec_from_file_location(
        "docs_tables", REPO / "benchmarks" / "docs_tables.py")
    docs_tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(docs_tables)
    pages = {name: (REPO / "docs" / name).read_text() for name in ("benchmarks.md", "kernels.md")}
    for name, body in docs_tables.tables().items():
        (page,) = [p for p, text in pages.items() if f"<!-- generated: {name} -->" in text]
        generated = f"<!-- generated: {name} -->\n{body}\n<!-- end generated: {name} -->"
        assert generated in pages[page], (
            f"the {name} table differs from its JSON; regenerate it: "
            f"python benchmarks/docs_tables.py --write docs/{page}")


def test_the_experiment_count_in_the_docs_is_the_shipped_count():
    shipped = len(list((REPO / "experiments").glob("*.yaml")))
    for page in (REPO / "README.md", REPO / "docs" / "experiments.md"):
        text = page.read_text()
        counts = {int(n) for n in re.findall(r"\b(\d+) (?:named|shipped) experiments", text)}
        assert counts == {shipped}, f"{page.name} says {counts} experiments; {shipped} ship"


def test_ci_runs_the_readme_commands_and_builds_the_site_strictly():
    block = re.search(r"```bash\n(.*?)```", (REPO / "README.md").read_text(), re.DOTALL)
    install, tests = (line.partition("#")[0].strip() for line in block.group(1).splitlines())
    assert install == "pip install -e . && rnnbench tune sunspots_arch"
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert tests in ci, f"`.ci/run` must run the README's test command verbatim: {tests}"
    assert any(line.startswith("pip install -e '.[docs]' && mkdocs build --strict")
               for line in ci)
    assert 'if [ "$status" -eq 5 ]; then' in ci  # no tests collected fails CI
