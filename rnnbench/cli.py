"""The `rnnbench` command line.

TensorFlow is imported only by commands that build or train models, so
`--help`, `list` and `show` answer in well under a second.
Exit codes: 0 success, 1 a run failed, 2 bad input (one-paragraph message).
"""

import argparse
import os
import sys
import textwrap

from rnnbench.errors import RunFailed, UserError


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args) or 0
    except UserError as e:
        print(textwrap.fill(f"rnnbench: error: {e}", width=100,
                            break_long_words=False, break_on_hyphens=False),
              file=sys.stderr)
        return 2
    except RunFailed as e:
        print(f"rnnbench: run failed: {e}", file=sys.stderr)
        return 1


def make_parser():
    parser = argparse.ArgumentParser(
        prog="rnnbench",
        description="Config-driven experiments for recurrent networks "
                    "(Keras 3 / TensorFlow): build, train, sweep, reproduce.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("list", help="named experiments and sweeps, one line each")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("show", help="print the resolved config of an experiment")
    p.add_argument("name", metavar="NAME|FILE")
    add_set_argument(p)
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("check", help="validate, model summary, parameters, "
                                     "cuDNN eligibility per layer")
    p.add_argument("name", metavar="NAME|FILE")
    add_set_argument(p)
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("run", help="train an experiment and write a run folder")
    p.add_argument("name", metavar="NAME|FILE")
    add_set_argument(p)
    p.add_argument("--seed", type=int, help="override the experiment's seed")
    p.add_argument("--epochs", type=int, help="override train.epochs")
    p.add_argument("--results-dir", help="results root (default ./results or "
                                         "$RNNBENCH_RESULTS)")
    p.set_defaults(handler=cmd_run)
    return parser


def add_set_argument(parser):
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="override a config value, e.g. --set model.layers[0].units=64 "
             "(values are parsed as YAML; repeatable)")


def cmd_list(args):
    from rnnbench import listing
    print(listing.render())


def cmd_show(args):
    from rnnbench import config
    print(config.to_yaml(config.load_experiment(args.name, args.set)), end="")


def cmd_check(args):
    from rnnbench import config
    exp = config.load_experiment(args.name, args.set)
    quiet_tensorflow()
    from rnnbench import checking
    print(checking.report(exp))


def cmd_run(args):
    from rnnbench import config
    overrides = config.parse_overrides(args.set)
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.epochs is not None:
        overrides["train.epochs"] = args.epochs
    exp = config.load_experiment(args.name, overrides)
    quiet_tensorflow()
    from rnnbench import training
    training.run(exp, results_dir=args.results_dir)


def quiet_tensorflow():
    """Hides TensorFlow's C++ start-up chatter unless the user asked for it."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


if __name__ == "__main__":
    sys.exit(main())
