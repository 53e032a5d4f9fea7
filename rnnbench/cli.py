"""The `rnnbench` command line.

TensorFlow is imported only by commands that build or train models, never
by `--help`, `list` or `show` (start-up is measured in BENCHMARKS.md).
Exit codes: 0 success, 1 a run failed, 2 bad input (one-paragraph message),
130 interrupted (Ctrl-C; the folder is kept and the resume command printed), 143
terminated (SIGTERM, handled as Ctrl-C).
"""

import argparse
import os
import sys
import textwrap

from rnnbench import __version__, console, errors
from rnnbench.errors import (DISK_ERRNOS, Interrupted, RunFailed, Terminated, UserError,
                             in_chain)


def main(argv=None):
    parser = make_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # The subcommand's own usage, not the top level's, says what it takes.
        parser_of(parser, getattr(args, "command", None)).error(
            f"unrecognized arguments: {' '.join(unknown)}")
    args.whole_process = argv is None  # only a real command line may re-exec itself
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    if args.whole_process:
        from rnnbench.runs import heap  # no TensorFlow: a flag for the first run
        heap.freeze_at_first_run()
    with console.session(args.verbose), console.stop_on_signals(Terminated):
        return run_command(args)


def parser_of(parser, command):
    """The subparser of `command`, or `parser` itself when there is none."""
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        if command in getattr(action, "choices", {}):
            return action.choices[command]
    return parser


def run_command(args):
    """Runs the command's handler; maps its outcome to an exit code."""
    try:
        return args.handler(args) or 0
    except UserError as e:
        print(paragraph(f"rnnbench: error: {e}"), file=sys.stderr)
        return 2
    except RunFailed as e:
        print(bounded(f"rnnbench: run failed: {e}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        if sys.stdout.isatty():  # end Keras' progress bar line before the paragraph
            print(flush=True)
        print(paragraph(interrupt_message(e, args)), file=sys.stderr)
        signal = stopping_signal(e)
        return 128 + signal.signum if signal else 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr = open(os.devnull, "w")
        return 0
    except OSError as e:
        if e.errno not in DISK_ERRNOS:  # a full or read-only disk is no bug to trace
            return terminated_instead(e, args)
        print(paragraph(f"rnnbench: error: could not write {e.filename or 'a file'}: "
                        f"{e.strerror}."), file=sys.stderr)
        return 1
    except Exception as e:
        return terminated_instead(e, args)


def terminated_instead(error, args):
    """The exit code of a signal that a library turned into `error` (a SIGTERM landing in
    C code may surface as a `SystemError` or a `ValueError`); re-raises `error` when no
    signal came, so a real bug keeps its traceback."""
    stop = errors.uncaught_signal()
    if stop is None:
        raise error
    print(paragraph(f"rnnbench: terminated ({stop.name}), stopped `rnnbench {args.command}` "
                    f"(the signal surfaced as {type(error).__name__}); what it wrote so far "
                    "is kept."), file=sys.stderr)
    return 128 + stop.signum


MAX_MESSAGE = 2000  # characters; a value quoted from a huge file must not flood the terminal


def paragraph(text):
    """One wrapped paragraph of at most about MAX_MESSAGE characters."""
    return textwrap.fill(bounded(text), width=100, break_long_words=False,
                         break_on_hyphens=False)


def bounded(text, limit=MAX_MESSAGE):
    """`text`, cut to `limit` characters with a note of how much was left out."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]} ... ({len(text) - limit:,} more characters left out)"


def stopping_signal(error):
    """The `Terminated` (SIGTERM) behind a KeyboardInterrupt, else None (Ctrl-C)."""
    return in_chain(error, Terminated)


def interrupt_message(error, args):
    """One paragraph for Ctrl-C or SIGTERM: what stopped, what is kept, how to go on."""
    signal = stopping_signal(error)
    how = f"terminated ({signal.name}), stopped" if signal else "interrupted"
    if not isinstance(error, Interrupted):
        return f"rnnbench: {how} `rnnbench {args.command}` before it wrote anything."
    text = error.message(how)
    if error.resume is None and args.command == "run":
        text += f" Run it again with: {rerun_command(args)}"
    return text


def rerun_command(args):
    """The command line the user typed, quoted for a shell, flags and all."""
    import shlex
    return shlex.join(["rnnbench", *args.argv])


def make_parser():
    """The `rnnbench` command line: its global flags, then each subcommand in `--help` order."""
    parser, sub = _root_parser()
    _add_list(sub)
    _add_show_and_check(sub)
    _add_new(sub)
    _add_run(sub)
    _add_tune(sub)
    _add_promote(sub)
    _add_worker(sub)
    _add_results(sub)
    _add_reproduce(sub)
    _add_backtest(sub)
    _add_baseline(sub)
    _add_study(sub)
    _add_bench(sub)
    _add_predict(sub)
    _add_export(sub)
    _add_board(sub)
    return parser


def _root_parser():
    """The top-level parser, with `-v`, `--version` and no subcommand yet.

    Returns:
        `(parser, subparsers)`: `subparsers.add_parser` gives each subcommand `-v` too.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="also show TensorFlow's and other libraries' log lines and "
                             f"warnings (or set {console.VERBOSE_ENV}=1)")
    parser = argparse.ArgumentParser(
        prog="rnnbench", parents=[common],
        description="Config-driven experiments for recurrent networks "
                    "(Keras 3 / TensorFlow): build, train, sweep, reproduce.")
    parser.add_argument("--version", action="version", version=f"rnnbench {__version__}")
    parser.set_defaults(verbose=False, whole_process=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_parser = sub.add_parser

    def sub_add_parser(*args, **kwargs):
        return add_parser(*args, parents=[common], **kwargs)
    sub.add_parser = sub_add_parser
    return parser, sub


def _add_list(sub):
    p = sub.add_parser("list", help="named experiments and sweeps, one line each")
    p.add_argument("--datasets", action="store_true",
                   help="list the datasets instead: tasks, split/scale, what each needs, "
                        "and every parameter's type, default, bounds and help")
    p.set_defaults(handler=cmd_list)


def _add_show_and_check(sub):
    """`show` and `check`: an experiment and its `--set` overrides, nothing more."""
    p = sub.add_parser("show", help="print the resolved config of an experiment")
    add_experiment_arguments(p)
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("check", help="validate, model summary, parameters, "
                                     "cuDNN eligibility per layer")
    add_experiment_arguments(p)
    p.set_defaults(handler=cmd_check)


def _add_new(sub):
    p = sub.add_parser("new", help="experiments/NAME.yaml (and tuning/NAME.yaml) for your "
                                   "own file: a CSV/Parquet table, a text, arrays")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--data", required=True, metavar="FILE",
                   help="the file (.csv, .csv.gz, .parquet, .jsonl/.json, .txt, a folder or a "
                        "glob of texts, .npz/.npy)")
    p.add_argument("--target", metavar="COLUMN", help="the column to forecast or classify; "
                   "several joined by commas (temp,humidity) are forecast together "
                   "(arrays: the labels' array in an .npz, or the labels' .npy)")
    p.add_argument("--task", choices=["forecast", "classify", "regress", "language_model"],
                   help="what to learn (default: inferred from the file and the target)")
    p.add_argument("--force", action="store_true", help="replace existing files")
    p.set_defaults(handler=cmd_new)


def _add_run(sub):
    p = sub.add_parser("run", help="train an experiment and write a run folder")
    add_experiment_arguments(p)
    p.add_argument("--seed", type=int, help="override the experiment's seed")
    p.add_argument("--epochs", type=int, help="override train.epochs")
    add_results_dir_argument(p)
    p.set_defaults(handler=cmd_run)


def _add_tune(sub):
    p = sub.add_parser("tune", help="run a hyperparameter sweep (tuning/NAME.yaml) "
                                    "with Keras Tuner")
    p.add_argument("sweep", metavar="SWEEP|FILE", nargs="?")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="run N worker processes against a chief oracle on 127.0.0.1 "
                        "(Keras Tuner's distributed mode)")
    p.add_argument("--resume", nargs="?", const=True, default=False, metavar="SWEEP_ID",
                   help="continue the latest (or the named) interrupted sweep folder, "
                        "as its sweep.yaml recorded it (even if the tuning file changed); "
                        "a complete one: says there is nothing to resume (exit 0)")
    p.add_argument("--max-trials", type=int, metavar="N",
                   help="override tuner.max_trials (recorded in the sweep folder's sweep.yaml)")
    add_set_argument(p)
    add_results_dir_argument(p)
    p.add_argument("--trials-per-process", type=int, default=10, metavar="K",
                   help="run at most K trials in one process, then go on in a fresh one "
                        "(bounds memory over long sweeps; 0: never; default 10)")
    p.add_argument("--worker-dir", metavar="SWEEP_DIR",
                   help="run as a worker of the chief oracle named by KERASTUNER_* "
                        "environment variables, for the sweep folder SWEEP_DIR")
    add_distributed_arguments(p)
    p.add_argument("--confirm", type=int, metavar="K",
                   help="after the search, re-run the top K trials (by the objective) over "
                        "--seeds fresh seeds and rank them by mean (default: the sweep's "
                        "`confirm:` block, else none)")
    p.add_argument("--seeds", type=int, metavar="N",
                   help="seeds per confirmed trial (with --confirm or a `confirm:` block)")
    p.set_defaults(handler=cmd_tune)


def _add_promote(sub):
    p = sub.add_parser("promote", help="write experiments/NAME.yaml from a confirmed sweep "
                                       "trial, with a reference over its confirmation seeds")
    p.add_argument("trial_dir", metavar="SWEEP_DIR/trials/T")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--dir", metavar="DIR", help="where NAME.yaml goes (default "
                                                "$RNNBENCH_EXPERIMENTS, else ./experiments)")
    p.set_defaults(handler=cmd_promote)


def _add_worker(sub):
    p = sub.add_parser("worker", help="run trials for a chief started with "
                                      "`rnnbench tune SWEEP --serve HOST:PORT`")
    p.add_argument("--oracle", required=True, metavar="HOST:PORT",
                   help="the chief's address, as it printed it")
    p.add_argument("--sweep-dir", required=True, metavar="DIR",
                   help="the sweep folder, on a filesystem shared with the chief")
    p.add_argument("--id", metavar="NAME",
                   help="tuner id, unique among the live workers (default HOSTNAME-PID; "
                        "pass the same --id when restarting a worker so it gets its "
                        "trial back)")
    p.add_argument("--token-file", metavar="FILE",
                   help="the oracle's token (default: RNNBENCH_ORACLE_TOKEN, else the "
                        "sweep folder's oracle-token, written by the chief)")
    add_placement_arguments(p, "one worker process per GPU (ids NAME-gpuK)")
    p.add_argument("--oracle-timeout", type=float, default=60.0, metavar="SECONDS",
                   help="retry an unreachable oracle this long, then exit (default 60)")
    p.set_defaults(handler=cmd_worker)


def _add_results(sub):
    p = sub.add_parser("results", help="one table over every run folder under results/")
    p.add_argument("name", metavar="NAME|SWEEP|STUDY", nargs="?",
                   help="only runs of this experiment, sweep or study")
    p.add_argument("--format", choices=("table", "csv", "markdown"), default="table")
    p.add_argument("--sort", metavar="METRIC", help="sort by a metric, e.g. test_loss")
    add_results_dir_argument(p)
    p.set_defaults(handler=cmd_results)


def _add_reproduce(sub):
    p = sub.add_parser("reproduce", help="re-run a named experiment or a run folder "
                                         "and compare its metrics (exit 1 on a miss)")
    p.add_argument("target", metavar="NAME|RUN_DIR")
    p.add_argument("--seeds", type=int,
                   help="for a named experiment: run this many seeds (seed, seed+1, ...) "
                        "and compare their mean (default: the reference's seeds)")
    p.add_argument("--tolerance", type=float,
                   help="allowed difference (default: the reference's tolerance for an "
                        "experiment, 0 for a run folder)")
    p.add_argument("--results-dir", help="where the new runs go")
    p.add_argument("--allow-data-change", action="store_true",
                   help="re-run even if a data file changed since the run (warns); "
                        "without it a changed file stops the reproduction (exit 2)")
    p.set_defaults(handler=cmd_reproduce)


def _add_backtest(sub):
    p = sub.add_parser("backtest", help="K rolling-origin folds of a forecast (expanding "
                                        "window): model, naive and ETS per fold, mean ± std")
    p.add_argument("target", metavar="NAME|RUN_DIR")
    p.add_argument("--folds", type=int, default=3, help="number of folds K (default 3)")
    p.add_argument("--epochs", type=int, help="override train.epochs")
    p.add_argument("--results-dir", help="results root; the backtest goes to "
                                         "<root>/backtests/<experiment>/<id>/")
    p.set_defaults(handler=cmd_backtest)


def _add_baseline(sub):
    p = sub.add_parser("baseline", help="the naive baseline of an experiment's data and, "
                                        "for UCR/UEA data, 1-NN Euclidean (no training)")
    p.add_argument("name", metavar="NAME|FILE")
    p.add_argument("--kind", choices=("all", "naive", "one_nn"), default="all",
                   help="which baselines (one_nn: exit 2 where the data has none)")
    add_set_argument(p)
    p.set_defaults(handler=cmd_baseline)


def _add_study(sub):
    p = sub.add_parser("study", help="a family of runs (grid x seeds) -> report.md + "
                                     "PNG figures")
    p.add_argument("name", metavar="STUDY|FILE")
    add_results_dir_argument(p)
    p.set_defaults(handler=cmd_study)


def _add_bench(sub):
    p = sub.add_parser("bench", help="training throughput of built models (samples/s)")
    p.add_argument("--workload", choices=("A", "B", "all"), default="all")
    p.add_argument("--cells", default="lstm,gru,simple_rnn,bilstm,textbook_lstm,fused_lstm",
                   help="comma-separated: lstm, gru, simple_rnn, bilstm, textbook_lstm, "
                        "fused_lstm, fused_bilstm")
    p.add_argument("--steps", type=int, default=20, help="training steps per timed epoch")
    p.add_argument("--rounds", type=int, default=8,
                   help="timed rounds, order alternating (medians reported)")
    p.add_argument("--jit", action="store_true", help="compile both models with XLA")
    p.add_argument("--vs-keras", action="store_true",
                   help="also time the identical hand-written Keras model, interleaved")
    p.add_argument("--control", action="store_true",
                   help="also time a second hand-written Keras model: its ratio to the "
                        "first is the noise floor of --vs-keras (implies --vs-keras)")
    p.add_argument("--torch", choices=("auto", "yes", "no"), default="auto",
                   help="also time the PyTorch twins, interleaved (auto: when torch "
                        "is installed, e.g. pip install -e '.[bench]')")
    p.add_argument("--torch-control", action="store_true",
                   help="also time a second PyTorch twin: its ratio to the first is the "
                        "noise floor of the rnnbench/PyTorch ratio (implies --torch yes)")
    p.add_argument("--steps-per-execution", type=int, metavar="K",
                   help="training steps per compiled call (Keras' steps_per_execution; "
                        "default: `rnnbench run`'s auto rule)")
    p.add_argument("--intra-op", type=int, metavar="N",
                   help="threads per op, for TensorFlow and PyTorch alike (default: theirs)")
    p.add_argument("--no-cudnn", action="store_true",
                   help="LSTM/GRU layers with use_cudnn=False (the generic GPU kernels)")
    p.add_argument("--json", metavar="FILE", help="write the rows as JSON")
    p.set_defaults(handler=cmd_bench)


def _add_predict(sub):
    p = sub.add_parser("predict", help="apply a finished run (or a sweep trial) to new data "
                                       "with its own preprocessing")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("data_file", nargs="?", metavar="FILE",
                   help="the same as --data FILE")
    p.add_argument("--data", metavar="FILE",
                   help="new data as the run's dataset reads it (a series CSV/Parquet, a "
                        "text file or table, an .npz; docs/use-a-model.md); default: the "
                        "run's own test split")
    p.add_argument("--out", metavar="FILE",
                   help="write every prediction to FILE, in the format its suffix names "
                        "(.csv, .tsv, .csv.gz, .parquet, .json, .jsonl; '-' for CSV on "
                        "stdout); default: print the first rows")
    p.add_argument("--batch-size", type=int, metavar="N",
                   help="samples per model call (default 256)")
    p.add_argument("--prompt", help="language models: the text to continue")
    p.add_argument("--length", type=int,
                   help="language models: tokens to sample (default 200)")
    p.add_argument("--temperature", type=float,
                   help="language models: softmax temperature, 0 for the likeliest token "
                        "(default 1.0)")
    p.add_argument("--seed", type=int, help="language models: sampling seed (default 0)")
    p.set_defaults(handler=cmd_predict)


def _add_export(sub):
    p = sub.add_parser("export", help="a finished run as a TF SavedModel (raw inputs in, "
                                      "original units out) or a TFLite model")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--format", choices=("saved_model", "tflite"), default="saved_model")
    p.add_argument("--out", metavar="DIR",
                   help="where to write (default RUN_DIR/export/<format>)")
    p.set_defaults(handler=cmd_export)


def _add_board(sub):
    p = sub.add_parser("board", help="TensorBoard over results/, bound to localhost")
    p.add_argument("--logdir", help="folder to show (default: the results root)")
    p.add_argument("--port", type=int, default=6006)
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; 0.0.0.0 exposes it to "
                        "your network)")
    p.add_argument("--results-dir", help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_board)


def add_set_argument(parser):
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="override a config value, e.g. --set model.layers[0].units=64 "
             "(values are parsed as YAML; repeatable)")


def add_experiment_arguments(p):
    """Adds the experiment to load (`NAME|FILE`) and its `--set` overrides."""
    p.add_argument("name", metavar="NAME|FILE")
    add_set_argument(p)


def add_results_dir_argument(p):
    """Adds `--results-dir`, the results root (the default root's help)."""
    p.add_argument("--results-dir", help="results root (default ./results or "
                                         "$RNNBENCH_RESULTS)")


def cmd_list(args):
    from rnnbench.reports import listing
    print(listing.render_datasets() if args.datasets else listing.render())


def config_imports(exp):
    """`imports Python code: mod (model.layers[0].cell); ...`, or None when it imports none.

    A `package.module:Class` cell or dataset imports (runs) that module when the config is
    validated, built or reproduced, so a shared config is to be trusted like code.
    """
    from rnnbench.config.registry import is_import_path
    named = [(exp.data.name, "data.name")] + [
        (layer.cell, f"model.layers[{i}].cell") for i, layer in enumerate(exp.model.layers)]
    found = [f"{name.partition(':')[0]} ({key})" for name, key in named
             if is_import_path(name)]
    if not found:
        return None
    return (f"imports Python code: {'; '.join(found)}. A config runs the modules it "
            "names: trust configs and run folders as you would their code.")


def cmd_show(args):
    from rnnbench.config import experiment as config_lib
    exp = config_lib.load_experiment(args.name, args.set)
    imports = config_imports(exp)
    if imports:  # a YAML comment, so the output stays a valid config
        print(f"# {imports}")
    print(config_lib.to_yaml(exp), end="")


def cmd_check(args):
    from rnnbench.config import experiment as config_lib
    exp = config_lib.load_experiment(args.name, args.set)
    from rnnbench.models import check
    imports = config_imports(exp)
    if imports:
        print(imports)
    print(check.report(exp))
    from rnnbench.data.own.data_report import data_report
    report = data_report(exp)  # the user's own file: rows, windows, shapes, classes
    if report:
        print(report)


def cmd_new(args):
    from rnnbench.reports.new_experiment import new_experiment
    print("\n".join(new_experiment(args.name, args.data, args.target, args.task, args.force)))


def cmd_run(args):
    from rnnbench.config import experiment as config_lib
    overrides = config_lib.parse_overrides(args.set)
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.epochs is not None:
        overrides["train.epochs"] = args.epochs
    exp = config_lib.load_experiment(args.name, overrides)
    from rnnbench.runs import training
    training.run(exp, results_dir=args.results_dir)


def add_distributed_arguments(p):
    p.add_argument("--serve", metavar="HOST:PORT",
                   help="the chief only: serve the oracle on HOST:PORT for workers "
                        "started with `rnnbench worker` on other hosts")
    p.add_argument("--allow-public", action="store_true",
                   help="let --serve bind a public or wildcard address (the oracle's "
                        "token travels unencrypted)")
    add_placement_arguments(p, "with --workers: one worker per GPU")
    p.add_argument("--worker-timeout", type=float, default=120.0, metavar="SECONDS",
                   help="a worker silent this long is given up and its trial goes to "
                        "another (default 120)")


def add_placement_arguments(p, gpus_help):
    p.add_argument("--gpus", metavar="LIST|all",
                   help=f"{gpus_help} (0,1,2,3 or all), each with CUDA_VISIBLE_DEVICES "
                        "and memory growth on")
    p.add_argument("--threads", type=int, metavar="N",
                   help="intra-op threads per worker (default on CPU with --workers N: "
                        "cores / N)")


def check_positive(args, *names):
    for name in names:
        value = getattr(args, name, None)
        if value is not None and value <= 0:
            flag = "--" + name.replace("_", "-")
            raise UserError(f"Expected `{flag}` to be > 0. Received: {value}")


def cmd_worker(args):
    check_positive(args, "threads", "oracle_timeout")
    from rnnbench.sweeps import distributed
    distributed.run_workers(args.oracle, args.sweep_dir, args.id, args.gpus,
                            args.threads, args.oracle_timeout, args.token_file)


def cmd_tune(args):
    for name in ("workers", "trials_per_process"):  # before the seconds of imports
        if getattr(args, name) < 0:
            raise UserError(f"Expected `--{name.replace('_', '-')}` to be >= 0. "
                            f"Received: {getattr(args, name)}")
    check_positive(args, "threads", "worker_timeout")
    if args.serve and (args.workers or args.gpus):
        raise UserError("`--serve` runs the chief only: start workers with `rnnbench "
                        "worker` (which takes --gpus). Received: --serve with "
                        + ("--workers" if args.workers else "--gpus"))
    from rnnbench.sweeps import distributed, tuning
    from rnnbench.sweeps import report as sweep_report
    if args.worker_dir:
        distributed.run_worker(args.worker_dir)
        return
    if args.confirm is not None or args.seeds is not None:  # refused before the search
        from rnnbench.sweeps import confirm
        confirm.check_counts(1 if args.confirm is None else args.confirm,
                             2 if args.seeds is None else args.seeds)
    if not args.sweep:
        raise UserError("Expected a sweep name or file (see `rnnbench list`), or "
                        "`--worker-dir SWEEP_DIR` for a worker. Received neither.")
    try:
        if args.serve:
            sweep_dir = distributed.serve_sweep(args.sweep, args.serve, args.allow_public,
                                                args.results_dir, args.resume, args.set,
                                                args.max_trials, args.worker_timeout)
        elif args.workers or args.gpus:
            sweep_dir = distributed.tune_distributed(args.sweep, args.workers,
                                                     args.results_dir, args.resume,
                                                     args.set, args.max_trials, args.gpus,
                                                     args.threads, args.worker_timeout)
        else:
            sweep_dir = tuning.tune(args.sweep, args.results_dir, args.resume, args.set,
                                    args.max_trials, trials_per_process=(
                                        args.trials_per_process if args.whole_process else 0))
    except tuning.NothingToResume as e:  # a complete sweep: one line, exit 0
        print(f"rnnbench: {e}")
        return 0
    print(sweep_report.summary(sweep_dir))
    failed = sweep_report.all_failed(sweep_dir)
    if failed:  # a sweep with no result is no success (exit 1)
        raise RunFailed(failed)
    confirm_sweep(sweep_dir, args.confirm, args.seeds)


def confirm_sweep(sweep_dir, top, seeds):
    """`--confirm K --seeds N` (or the sweep's `confirm:` block) after the search."""
    from rnnbench.sweeps import confirm, definition
    block = definition.load_saved_sweep(sweep_dir)[0].confirm
    if top is None and seeds is None and block is None:
        return
    if top is None and block is None:
        raise UserError("Expected `--confirm K` with `--seeds N` (or a `confirm:` block in "
                        f"the sweep file). Received: --seeds {seeds} alone")
    top = top if top is not None else block.top
    seeds = seeds if seeds is not None else (block.seeds if block else None)
    print(confirm.render(confirm.confirm(sweep_dir, top, seeds)))


def cmd_promote(args):
    from rnnbench.sweeps import promote
    print(f"wrote {promote.promote(args.trial_dir, args.name, args.dir)}; "
          f"`rnnbench reproduce {args.name}` checks it from now on")


def cmd_results(args):
    from rnnbench.config import paths
    from rnnbench.reports import results_table
    root = paths.results_root(args.results_dir)
    frame = results_table.table(root, args.name, args.sort)
    if frame.empty and args.format != "csv":  # csv: the header row, for scripts
        print(results_table.empty_message(root))
        return
    columns = None if args.format == "csv" else results_table.default_columns(frame, args.sort)
    print(results_table.render(frame, args.format, columns))


def cmd_reproduce(args):
    from rnnbench.runs import reproduce
    verdict = reproduce.reproduce(args.target, args.seeds, args.tolerance, args.results_dir,
                                  args.allow_data_change)
    print(verdict.render())
    return 0 if verdict.matched else 1


def cmd_backtest(args):
    from rnnbench.runs import backtest
    exp = backtest.load(args.target, args.epochs)
    out, result = backtest.backtest(exp, args.folds, args.results_dir)
    print("\n".join(backtest.render(out, result)))


def cmd_baseline(args):
    from rnnbench.config import experiment as config_lib
    from rnnbench.reports import baselines
    exp = config_lib.load_experiment(args.name, args.set)
    print(baselines.render(baselines.baselines(exp, args.kind)))


def cmd_study(args):
    from rnnbench.reports import study
    study_dir = study.run_study(args.name, args.results_dir)
    print(f"rnnbench: report {study_dir / 'report.md'}")
    print((study_dir / "report.md").read_text().split("## Figures")[0])


def cmd_bench(args):
    from rnnbench.bench import benchmark
    cells = [c.strip() for c in args.cells.split(",") if c.strip()]
    unknown = sorted(set(cells) - set(benchmark.CELLS))
    k = args.steps_per_execution
    if unknown or args.steps < 1 or args.rounds < 1 or (
            k is not None and (k < 1 or args.steps < 2 * k)):
        raise UserError(f"Expected `--cells` from {sorted(benchmark.CELLS)}, positive "
                        f"--steps/--rounds/--steps-per-execution, and --steps at least twice "
                        f"--steps-per-execution. Received: cells={cells}, steps={args.steps}, "
                        f"rounds={args.rounds}, steps-per-execution={k}")
    if args.intra_op is not None:
        if args.intra_op < 1:
            raise UserError(f"Expected `--intra-op` to be at least 1. Received: {args.intra_op}")
        benchmark.set_intra_op_threads(args.intra_op)
    workloads = ("A", "B") if args.workload == "all" else (args.workload,)
    from rnnbench.bench import torch_twins
    if args.torch_control and args.torch == "no":
        raise UserError("Expected `--torch-control` without `--torch no`: the control is a "
                        "second PyTorch twin. Received: --torch no --torch-control")
    if (args.torch == "yes" or args.torch_control) and not torch_twins.available():
        raise UserError("`--torch yes` needs PyTorch. Install it with: "
                        "pip install -e '.[bench]'")
    vs_torch = args.torch == "yes" or (args.torch == "auto" and torch_twins.available())
    rows = []

    def log(line):
        print(line, flush=True)
        if args.json:  # after every row, so an interrupted bench keeps what it measured
            benchmark.save_rows(args.json, rows)

    benchmark.run(workloads, cells, args.steps, args.rounds, args.jit, args.vs_keras,
              vs_torch, False if args.no_cudnn else None, log=log, rows=rows,
              steps_per_execution="auto" if k is None else k, control=args.control,
              torch_control=args.torch_control)


def cmd_predict(args):
    check_positive(args, "batch_size")
    if args.data_file is not None:
        if args.data is not None:
            raise UserError(f"Expected the new data once: `FILE` or `--data FILE`. Received: "
                            f"{args.data_file!r} and --data {args.data!r}.")
        args.data = args.data_file
    from rnnbench.runs import use
    if args.out and args.out != "-":
        use.out_format(args.out)
        use.check_out_path(args.out, args.data, args.run_dir)
    run = use.load_run(args.run_dir)
    sampling = ("prompt", "length", "temperature", "seed")
    unread = (["--batch-size"] if run.task == "language_model" else
              [f"--{name}" for name in sampling]) + (
        ["--data"] if run.task == "language_model" and args.prompt is not None else [])
    given = [flag for flag in unread if getattr(args, flag[2:].replace("-", "_")) is not None]
    if given:
        raise UserError(f"Expected {given[0]} to be left out: the run in {run.run_dir} is a "
                        f"{run.task} run, which does not read it ("
                        + ("a language model samples one token at a time; --data and "
                           "--prompt are two prompts" if run.task == "language_model" else
                           "--prompt, --length, --temperature and --seed are for language "
                           "models") + f"). Received: {given[0]}")
    frame = run.predict(args.data, batch_size=args.batch_size or use.BATCH_SIZE,
                        prompt=args.prompt, length=200 if args.length is None else args.length,
                        temperature=1.0 if args.temperature is None else args.temperature,
                        seed=args.seed or 0)
    if args.out == "-":
        print(frame.to_csv(index=False), end="")
    elif args.out:
        path = use.write_predictions(frame, args.out)
        print(f"rnnbench: {len(frame)} predictions written to {path}")
    elif run.task == "language_model":
        print(run.continued(frame["prompt"][0], frame["generated"][0]))
    else:
        print(use.render(frame))


def cmd_export(args):
    from rnnbench.runs import export
    out = export.export(args.run_dir, args.format, args.out)
    print(f"rnnbench: {args.format} written to {out}")


def cmd_board(args):
    from rnnbench.config import paths
    from rnnbench.reports import board
    board.serve(args.logdir or paths.results_root(args.results_dir), args.host, args.port)
    # TensorBoard reads and never writes, and its background threads held the
    # interpreter's shutdown past 30 s under load (CI, 2026-11-23): after
    # Ctrl-C, leave at once.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
