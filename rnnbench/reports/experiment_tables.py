"""experiments/README.md's tables, generated from run folders.

Markdown tables over the plain runs under a results root: the cell families
(mean ± std of each experiment's reference metric, one column per cell),
every experiment (mean ± std, seeds, the naive baseline the runs scored,
1-NN Euclidean computed here for UCR/UEA data, quoted literature figures,
parameters, runtime), and the two comparisons with published results
(polyphonic music against Bai et al. 2018, UCR/UEA against 1-NN Euclidean), and
the forecasts against naive, persistence and ETS (`forecast_targets`).
Only runs whose config is the experiment file's (up to the seed) count, so a
table cannot disagree with what was measured; without run folders
(`from_references`) the rows are the experiment files' `reference:` blocks,
which were measured from such runs. `replace_generated` puts a table between
its marker comments.

Every spread is the sample std (ddof 1) with n, every interval the 95 %
confidence interval of the mean, and every comparison names its test and p
(`rnnbench.runs.stats`: one-sample t-test against a single figure; the words
"better", "worse", "level" or "not distinguishable over n seeds" follow it).
"""

import functools
import logging
import re
import statistics

from rnnbench.config import experiment as config_lib
from rnnbench.config import paths
from rnnbench.data import music, one_nn, tasks
from rnnbench.errors import UserError
from rnnbench.reports import forecast_targets
from rnnbench.runs import references, stats

log = logging.getLogger("rnnbench")

# Experiment-name suffix -> column of the family table.
CELLS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU", "bilstm": "BiLSTM"}

# Figures quoted from elsewhere (not measured by rnnbench), with their source.
# Only comparable ones: the same data and metric, a model of the same kind.
QUOTED_FIGURES = {"news_gru": 0.984, **{f"sentiment_{cell}": 0.726
                                         for cell in ("simple_rnn", "lstm", "gru", "bilstm")}}
QUOTED = {name: f"TF-IDF + LR {figure:g} (benchmarks/bag_of_words.py)"
          for name, figure in QUOTED_FIGURES.items()}


def measured(root):
    """`{experiment: facts}` for every experiment with completed runs under `root`.

    Facts: `exp`, `metric`, `values` (`{seed: value}`), `baseline` (mean of
    the naive baseline's value of the metric), `baseline_name`, `params`,
    `runtime` (median wall time, as text).
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


def from_references(names=None):
    """`{experiment: facts}` from the shipped files' `reference:` blocks (no run folders).

    The mean, std and seeds are the block's, the per-seed values its comment's
    (4 significant digits), the baseline the block's `baseline`; parameters
    are counted on the built model and the runtime is the header's.
    """
    from rnnbench.models import builders
    found = {}
    for name, path in sorted(paths.named_files(paths.experiment_dirs()).items()):
        if names and name not in names:
            continue
        exp = config_lib.load_experiment(str(path))
        ref = exp.reference
        if ref is None or ref.std is None:
            continue
        text = path.read_text()
        values = _comment_values(text, ref)
        runtime = re.search(r"^# runtime: (?:about )?(.*?) on ", text, re.M)
        found[name] = {
            "exp": exp, "metric": ref.metric, "values": values,
            "summary": (ref.value, ref.std, len(ref.seeds)), "seeds": list(ref.seeds),
            "baseline": ref.baseline, "baseline_name": references.naive_scores(exp)[0],
            "params": builders.build_model(exp).count_params(),
            "runtime": runtime.group(1) if runtime else None}
    return found


def _comment_values(text, ref):
    """`{seed: value}` from the block's comment line, or None where it does not list them."""
    line = next((l for l in text.splitlines() if l.startswith(references.COMMENT)), "")
    pairs = re.findall(r"(\d+): ([-\d.e]+)", line.partition("(")[2])
    values = {int(seed): float(value) for seed, value in pairs}
    return values if sorted(values) == sorted(ref.seeds) else None


def _summary(facts):
    """`(mean, sample std, n)` of an experiment's facts."""
    if "summary" in facts:
        return facts["summary"]
    return stats.summary(facts["values"].values())


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
            "runtime": f"{statistics.median(walls):.0f} s" if walls else None}


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
        cells = [_measured(members[c]) if c in members else "—" for c in CELLS.values()]
        base = next((m["baseline"] for m in members.values() if m["baseline"] is not None),
                    None)
        lines.append(f"| {family}, {metric} | " + " | ".join(cells)
                     + f" | {_number(base)} |")
    return "\n".join(lines)


def experiments_table(found):
    """Markdown: every experiment with its measured metric and its references."""
    lines = ["| experiment | data | metric | mean ± std (n) | 95% CI | seeds "
             "| naive baseline | vs baseline | 1-NN Euclidean (computed) / quoted "
             "| vs it | params | runtime |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, facts in sorted(found.items()):
        exp = facts["exp"]
        summary = _summary(facts)
        seeds = ", ".join(str(s) for s in (facts.get("seeds") or facts["values"]))
        base = _number(facts["baseline"])
        if facts["baseline_name"] and facts["baseline"] is not None:
            base += f" ({facts['baseline_name']})"
        runtime = "" if facts.get("runtime") is None else f"~{facts['runtime']}"
        params = "" if facts["params"] is None else f"{facts['params']:,}"
        text, figure = reference_figure(name, exp)
        lines.append(f"| `{name}` | {exp.data.name} | {facts['metric']} | "
                     f"{_measured(facts)} | {stats.interval_text(stats.interval(*summary))} "
                     f"| {seeds} | {base} | {_versus(summary, facts['baseline'], facts)} | "
                     f"{text} | {_versus(summary, figure, facts)} | {params} | {runtime} |")
    return "\n".join(lines)


def _versus(summary, figure, facts):
    """"better (p < 0.001)": the one-sample t-test of the seeds against `figure`, or ''."""
    if figure is None:
        return ""
    result = stats.compare_to_figure(summary, figure, tasks.higher_is_better(facts["metric"]))
    return f"{result['words']} ({stats.p_text(result['p'])})" if result["p"] is not None \
        else result["words"]


def reference_cell(name, exp):
    """1-NN Euclidean for UCR/UEA data (computed now), else a quoted figure, else ''."""
    return reference_figure(name, exp)[0]


def reference_figure(name, exp):
    """`(text, figure)`: 1-NN Euclidean (computed now), Bai et al., a quoted figure, or ''."""
    if exp.data.task == "classify" and one_nn.has_one_nn(exp.data.name):
        found = _one_nn(exp.data.name)
        published = found["published_error"]
        archive = "" if published is None else f"; archive {1 - published:.4f}"
        return (f"1-NN ED {found['accuracy']:.4f} (`rnnbench baseline {name}`{archive})",
                found["accuracy"])
    if published_nll(exp):
        return published_nll(exp), _published_figure(exp)
    return QUOTED.get(name, ""), QUOTED_FIGURES.get(name)


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


# Bai et al. 2018's model sizes as this project quotes them (issue 25's audit: Nottingham
# at ~1M parameters); the paper's epochs and updates are not in the table quoted.
PAPER_SIZE = {"jsb_chorales": "~300K", "nottingham": "~1M"}


def published_music_table(found, budgets=None):
    """Markdown: each polyphonic experiment against Bai et al. 2018's figure.

    Args:
        budgets: `{experiment: (epochs, updates)}` of ours (`music_budget`), else
            the epochs alone.
    """
    lines = ["| corpus, cell | ours (mean ± std, n) | 95% CI | published | ours − published "
             "| one-sample t-test | ours: params, epochs, updates (at most) "
             "| paper: params (epochs, updates not quoted) | experiment |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, facts in sorted(found.items(), key=lambda kv: _music_order(kv[1]["exp"])):
        published = _published_figure(facts["exp"])
        if published is None or facts["metric"] != "test_nll":
            continue
        exp = facts["exp"]
        layer = exp.model.layers[0]
        summary = _summary(facts)
        corpus = exp.data.params["corpus"]
        epochs, updates = (budgets or {}).get(name, (exp.train.epochs, None))
        params = "" if facts.get("params") is None else f"{facts['params'] / 1000:.0f}K"
        ours = (f"{params}, " if params else "") + f"{epochs} epochs, " + \
            (f"{updates:,} updates" if updates else "updates not counted")
        lines.append(f"| {corpus}, {CELLS[layer.cell]}({layer.units}) | {_measured(facts)} | "
                     f"{stats.interval_text(stats.interval(*summary))} | {published:.4g} | "
                     f"{summary[0] - published:+.3g} | {_versus(summary, published, facts)} | "
                     f"{ours} | {PAPER_SIZE.get(corpus, '?')} | `{name}` |")
    return "\n".join(lines)


def music_budget(exp):
    """`(epochs, updates)` at most: epochs × batches of the training split (early
    stopping may end sooner). Loads the data."""
    import math
    splits = config_lib.dataset_of(exp).load(dict(exp.data.params), None, None, exp.seed)
    return exp.train.epochs, exp.train.epochs * math.ceil(len(splits.train) /
                                                          exp.train.batch_size)


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
    lines = ["| dataset | experiment | ours (mean ± std, n) | 95% CI | seeds above 1-NN "
             "| 1-NN Euclidean (computed; archive) | against 1-NN | convolutional (published) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, facts in sorted(found.items(), key=lambda kv: (kv[1]["exp"].data.name, kv[0])):
        exp = facts["exp"]
        if facts["metric"] != "test_accuracy" or not one_nn.has_one_nn(exp.data.name):
            continue
        nn = _one_nn(exp.data.name)
        archive = "" if nn["published_error"] is None else \
            f"; {1 - nn['published_error']:.4f}"
        summary = _summary(facts)
        above = "" if not facts.get("values") else \
            f"{sum(v > nn['accuracy'] for v in facts['values'].values())} of {summary[2]}"
        test = stats.compare_to_figure(summary, nn["accuracy"], True)
        lines.append(f"| {exp.data.name} | `{name}` | {_measured(facts)} | "
                     f"{stats.interval_text(test['interval'])} | {above} | "
                     f"{nn['accuracy']:.4f}{archive} | {test['words']} (one-sample t-test, "
                     f"{stats.p_text(test['p'])}) | "
                     f"{CONVOLUTIONAL_ACCURACY.get(exp.data.name, '')} |")
    return "\n".join(lines)


def _measured(facts):
    """An experiment's facts as "mean ± std (n)" (sample std)."""
    mean, std, n = _summary(facts)
    return f"{references.mean_std_text(mean, std)} ({n})"


def _number(value):
    return "" if value is None else f"{value:.4g}"


def tables(root=None, found=None):
    """`{table name: markdown}` from the runs under `root` (or `found`), one per marker pair."""
    found = measured(root) if found is None else found
    budgets = {name: music_budget(f["exp"]) for name, f in found.items()
               if _published_figure(f["exp"]) is not None}
    return {"families": families_table(found), "experiments": experiments_table(found),
            "published_music": published_music_table(found, budgets),
            "published_one_nn": published_one_nn_table(found),
            "forecasts": forecast_targets.forecast_table(found)}


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
