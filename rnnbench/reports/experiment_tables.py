"""experiments/README.md's tables, generated from run folders.

Markdown tables over the plain runs under a results root: the cell families
(mean ± std of each experiment's reference metric, one column per cell),
every experiment (mean ± std, seeds, the naive baseline the runs scored,
1-NN Euclidean computed here for UCR/UEA data, quoted literature figures,
parameters, runtime), and the two comparisons with published results
(polyphonic music against Bai et al. 2018, UCR/UEA against 1-NN Euclidean).
Only runs whose config is the experiment file's (up to the seed) count, so a
table cannot disagree with what was measured. `replace_generated` puts a table between its marker comments.
"""

import functools
import logging
import re
import statistics

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths
from rnnbench.data import music, one_nn
from rnnbench.errors import UserError
from rnnbench.runs import references

log = logging.getLogger("rnnbench")

# Experiment-name suffix -> column of the family table.
CELLS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU", "bilstm": "BiLSTM"}

# Figures quoted from elsewhere (not measured by rnnbench), with their source.
# Only comparable ones: the same data and metric, a model of the same kind.
QUOTED = {
    "news_gru": "TF-IDF + LR 0.984 (benchmarks/bag_of_words.py)",
    **{f"sentiment_{cell}": "TF-IDF + LR 0.726 (benchmarks/bag_of_words.py)"
       for cell in ("simple_rnn", "lstm", "gru", "bilstm")},
}


def measured(root):
    """`{experiment: facts}` for every experiment with completed runs under `root`.

    Facts: `exp`, `metric`, `values` (`{seed: value}`), `baseline` (mean of
    the naive baseline's value of the metric), `baseline_name`, `params`,
    `runtime_s` (median wall time).
    """
    root = paths.results_root(root)
    found = {}
    for folder in _experiment_folders(root):
        try:
            exp = config_lib.load_experiment(folder.name)
        except UserError:
            log.warning(f"skipped {folder}: no experiment file named {folder.name!r}")
            continue
        if exp.reference is None:
            continue
        runs = references.comparable_runs(root, exp)
        # The reference's own seeds where it names them: the row is what the block holds.
        values = references.run_values(root, exp, exp.reference.metric,
                                       seeds=exp.reference.seeds or None, runs=runs)
        if values:
            found[exp.name] = {"exp": exp, "metric": exp.reference.metric,
                               "values": values, **_run_facts(runs, exp)}
    return found


def _experiment_folders(root):
    """The `<root>/<experiment>/` folders of plain runs (not sweeps or studies)."""
    if not root.is_dir():
        return
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name not in ("sweeps", "studies"):
            yield folder


def _run_facts(runs, exp):
    """Baseline, parameters and runtime from every comparable run (all seeds)."""
    baselines, walls, params, name = [], [], None, None
    for record in runs:
        metrics = record.metrics
        baselines.append(metrics.get(f"baseline_{exp.reference.metric}"))
        walls.append(metrics.get("wall_time_s"))
        params, name = metrics.get("params", params), metrics.get("baseline", name)
    baselines = [b for b in baselines if b is not None]
    walls = [w for w in walls if w is not None]
    return {"baseline": statistics.fmean(baselines) if baselines else None,
            "baseline_name": name, "params": params,
            "runtime_s": statistics.median(walls) if walls else None}


def family_of(name):
    """`(family, cell column)` of an experiment name like `airline_bilstm`, or None."""
    for suffix, column in CELLS.items():
        if name.endswith("_" + suffix):
            return name[:-len(suffix) - 1], column
    return None


def families_table(found):
    """Markdown: one row per family of >= 2 cells, mean ± std per cell."""
    groups = {}
    for name, facts in found.items():
        family = family_of(name)
        if family:
            groups.setdefault((family[0], facts["metric"]), {})[family[1]] = facts
    lines = ["| family | " + " | ".join(CELLS.values()) + " | naive baseline |",
             "|---|" + "---|" * (len(CELLS) + 1)]
    for (family, metric), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        cells = [_measured(members[c]["values"]) if c in members else "—"
                 for c in CELLS.values()]
        base = next((m["baseline"] for m in members.values() if m["baseline"] is not None),
                    None)
        lines.append(f"| {family}, {metric} | " + " | ".join(cells)
                     + f" | {_number(base)} |")
    return "\n".join(lines)


def experiments_table(found):
    """Markdown: every experiment with its measured metric and its references."""
    lines = ["| experiment | data | metric | mean ± std | seeds | naive baseline "
             "| 1-NN Euclidean (computed) / quoted | params | runtime |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, facts in sorted(found.items()):
        exp = facts["exp"]
        seeds = ", ".join(str(s) for s in facts["values"])
        base = _number(facts["baseline"])
        if facts["baseline_name"] and facts["baseline"] is not None:
            base += f" ({facts['baseline_name']})"
        runtime = "" if facts["runtime_s"] is None else f"~{facts['runtime_s']:.0f} s"
        params = "" if facts["params"] is None else f"{facts['params']:,}"
        lines.append(f"| `{name}` | {exp.data.name} | {facts['metric']} | "
                     f"{_measured(facts['values'])} | {seeds} | {base} | "
                     f"{reference_cell(name, exp)} | {params} | {runtime} |")
    return "\n".join(lines)


def reference_cell(name, exp):
    """1-NN Euclidean for UCR/UEA data (computed now), else a quoted figure, else ''."""
    if exp.data.task == "classify" and one_nn.has_one_nn(exp.data.name):
        found = _one_nn(exp.data.name)
        published = found["published_error"]
        archive = "" if published is None else f"; archive {1 - published:.4f}"
        return f"1-NN ED {found['accuracy']:.4f} (`rnnbench baseline {name}`{archive})"
    return published_nll(exp) or QUOTED.get(name, "")


@functools.lru_cache(maxsize=None)
def _one_nn(dataset_name):
    """1-NN Euclidean of a dataset, scored once: both tables and every experiment on it."""
    return one_nn.one_nn_euclidean(dataset_name)


# Cell of a one-layer, one-direction model -> its row in music.PUBLISHED_TEST_NLL.
PUBLISHED_CELLS = {"lstm": "LSTM", "gru": "GRU", "simple_rnn": "RNN"}


def published_nll(exp):
    """Bai et al. 2018's test NLL for a polyphonic experiment's corpus and cell, else ''."""
    figure = _published_figure(exp)
    if figure is None:
        return ""
    label = " tanh-RNN" if exp.model.layers[0].cell == "simple_rnn" else ""
    return f"{figure:.4g}{label} (Bai et al. 2018)"


def published_music_table(found):
    """Markdown: each polyphonic experiment against Bai et al. 2018's figure."""
    lines = ["| corpus, cell | ours (mean ± std, seeds) | published | ours − published "
             "| experiment |", "|---|---|---|---|---|"]
    for name, facts in sorted(found.items(), key=lambda kv: _music_order(kv[1]["exp"])):
        published = _published_figure(facts["exp"])
        if published is None or facts["metric"] != "test_nll":
            continue
        layer = facts["exp"].model.layers[0]
        mean = statistics.fmean(facts["values"].values())
        lines.append(f"| {facts['exp'].data.params['corpus']}, {CELLS[layer.cell]}"
                     f"({layer.units}) | {_measured(facts['values'])} "
                     f"({len(facts['values'])}) | {published:.4g} | "
                     f"{mean - published:+.3g} | `{name}` |")
    return "\n".join(lines)


def _music_order(exp):
    return (exp.data.params.get("corpus", ""), exp.model.layers[0].cell, exp.name)


def _published_figure(exp):
    """Bai et al.'s test NLL for a one-layer polyphonic experiment's cell, or None."""
    layers = exp.model.layers
    if exp.data.name != "polyphonic" or len(layers) != 1 or layers[0].bidirectional:
        return None
    figures = music.PUBLISHED_TEST_NLL.get(exp.data.params["corpus"], {})
    return figures.get(PUBLISHED_CELLS.get(layers[0].cell))


# Published accuracy of convolutional models on the same UCR problems, for context
# (Fawaz et al. 2019 FCN; InceptionTime 2020): quoted, not measured here.
CONVOLUTIONAL_ACCURACY = {"gunpoint": "≈ 1.00", "italy_power_demand": "≈ 0.965",
                          "arrow_head": "≈ 0.846"}


def published_one_nn_table(found):
    """Markdown: each UCR/UEA classifier against 1-NN Euclidean, computed on its split."""
    lines = ["| dataset | experiment | ours (mean ± std, seeds) | seeds above 1-NN "
             "| 1-NN Euclidean (computed; archive) | convolutional (published) |",
             "|---|---|---|---|---|---|"]
    for name, facts in sorted(found.items(), key=lambda kv: (kv[1]["exp"].data.name, kv[0])):
        exp = facts["exp"]
        if facts["metric"] != "test_accuracy" or not one_nn.has_one_nn(exp.data.name):
            continue
        nn = _one_nn(exp.data.name)
        archive = "" if nn["published_error"] is None else \
            f"; {1 - nn['published_error']:.4f}"
        above = sum(v > nn["accuracy"] for v in facts["values"].values())
        lines.append(f"| {exp.data.name} | `{name}` | {_measured(facts['values'])} "
                     f"({len(facts['values'])}) | {above} of {len(facts['values'])} | "
                     f"{nn['accuracy']:.4f}{archive} | "
                     f"{CONVOLUTIONAL_ACCURACY.get(exp.data.name, '')} |")
    return "\n".join(lines)


def _measured(values):
    """`{seed: value}` as "mean ± std"."""
    return references.mean_std_text(*references.summary(values.values()))


def _number(value):
    return "" if value is None else f"{value:.4g}"


def tables(root):
    """`{table name: markdown}` from the runs under `root`, one per marker pair."""
    found = measured(root)
    return {"families": families_table(found), "experiments": experiments_table(found),
            "published_music": published_music_table(found),
            "published_one_nn": published_one_nn_table(found)}


def replace_generated(text, name, body):
    """`text` with what lies between `<!-- generated: NAME -->` and its end marker replaced.

    Raises:
        UserError: the markers are missing.
    """
    start, end = f"<!-- generated: {name} -->", f"<!-- end generated: {name} -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise UserError(f"Expected the markers `{start}` and `{end}` around the {name} "
                        "table; add them where the table goes.")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text, count=1)
