"""`rnnbench list --datasets`: the dataset reference, read back from its output."""

import re

import yaml

from rnnbench.config import schema
from rnnbench.config.registry import DATASETS
from rnnbench.reports import listing


def parse_reference(text):
    """`{dataset: {"facts": {...}, "params": {key: (type, default, bounds, help)}}}`."""
    datasets, current = {}, None
    for line in text.splitlines()[1:]:
        if re.match(r"^  \S", line):
            current = datasets.setdefault(line.split()[0], {"facts": {}, "params": {}})
        elif line.startswith("      "):
            key, type_name, default, bounds, *help_text = re.split(r"\s{2,}", line.strip())
            current["params"][key] = (type_name, default, bounds, " ".join(help_text))
        else:
            fact, _, value = line.strip().partition(": ")
            current["facts"][fact.rstrip(":")] = value
    return datasets


def test_list_datasets_shows_every_param_with_type_default_bounds_and_help():
    reference = parse_reference(listing.render_datasets())
    assert sorted(reference) == DATASETS.names()
    for name in DATASETS.names():
        dataset = DATASETS.get(name)()
        facts = reference[name]["facts"]
        assert facts["task"].split(" (")[0] == ", ".join(dataset.tasks)
        assert ("split" in facts["takes"].split(", ")) == dataset.takes_split
        assert ("scale" in facts["takes"].split(", ")) == dataset.takes_scale
        for package in dataset.requires:
            assert f"pip install {package}" in facts["needs"]
        assert facts["reads"] == (dataset.reads or "nothing (generated)")
        shown = reference[name]["params"]
        assert list(shown) == list(dataset.params)
        for key, param in dataset.params.items():
            type_name, default, bounds, help_text = shown[key]
            assert type_name == param.type.__name__
            assert yaml.safe_load(default.removeprefix("default ")) == param.default
            expected_bounds = (f"one of {list(param.choices)}" if param.choices
                               else schema.describe_bounds(param.bounds) or "any")
            assert bounds == expected_bounds
            assert help_text == param.help

