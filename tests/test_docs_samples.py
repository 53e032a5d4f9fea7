"""The command samples the README and docs show are the commands' real output
(issue 27): the `rnnbench list` sample truncated descriptions the command prints whole,
and the docs named a config key (`model.embedding.mask_zero`) that does not exist."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("page", ["README.md", "docs/cli.md"])
def test_the_list_sample_lines_are_lines_rnnbench_list_prints(page, capsys):
    from rnnbench.cli import main
    assert main(["list"]) == 0
    real = set(capsys.readouterr().out.splitlines())
    sample = re.search(r"\$ rnnbench list\n(.*?)```", (REPO / page).read_text(), re.S)
    shown = [line for line in sample.group(1).splitlines() if line.strip() != "..."]
    assert len(shown) >= 4
    for line in shown:
        assert line in real, f"{page}: not a line of `rnnbench list`: {line!r}"


def test_the_embedding_keys_the_docs_name_are_config_keys():
    import dataclasses
    from rnnbench.config.experiment import EmbeddingConfig
    keys = {f.name for f in dataclasses.fields(EmbeddingConfig)}
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        if page.name.startswith("benchmarks-history"):
            continue  # a dated record: it quotes what was true then
        for key in re.findall(r"model\.embedding\.(\w+)", page.read_text()):
            assert key in keys, f"{page.name} names model.embedding.{key}; keys: {keys}"
