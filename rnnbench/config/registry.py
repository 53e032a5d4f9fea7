"""One registry shape for every kind of named thing: cells, datasets, tasks, tuners.

Entries are either objects or lazy import paths (`"package.module:Attr"`), so
names can be listed and validated without importing TensorFlow. Each registry
names the modules that fill it (its providers) and imports them on first
look-up, so the config layer never imports the layers above it to validate a
name, and a name is known however the registry is reached.
"""

import difflib
import importlib

from rnnbench.errors import UserError


def import_path(path):
    """Import `package.module:Attr` and return the attribute.

    Raises:
        UserError: when the path is malformed, the module cannot be imported
            or the attribute does not exist.
    """
    module_name, sep, attr = path.partition(":")
    if not sep or not module_name or not attr:
        raise UserError(
            "Expected an import path of the form `package.module:ClassName`. "
            f"Received: {path!r}"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise UserError(
            f"Could not import module {module_name!r} from {path!r}: {e}. "
            "Check that the package is installed and on PYTHONPATH."
        ) from e
    except Exception as e:  # the user's module itself fails: a SyntaxError, a raise
        raise UserError(
            f"Importing module {module_name!r} (from {path!r}) raised "
            f"{type(e).__name__}: {e}"
        ) from e
    try:
        return getattr(module, attr)
    except AttributeError:
        raise UserError(
            f"Module {module_name!r} has no attribute {attr!r} "
            f"(from {path!r})."
        ) from None


class Registry:
    """A table of named entries of one kind.

    Args:
        kind: what the entries are, used in error messages ("cell", "dataset").
        providers: modules whose import registers the built-in entries;
            imported on the first `get`, `names` or `in`.
    """

    def __init__(self, kind, providers=()):
        self.kind = kind
        self._entries = {}
        self._providers = tuple(providers)

    def _load_providers(self):
        providers, self._providers = self._providers, ()
        for module in providers:
            importlib.import_module(module)

    def register(self, name, entry=None):
        """Registers `entry` under `name`; without `entry`, returns a decorator.

        `entry` may be an import path string, resolved on first `get`.

        Raises:
            ValueError: when `name` is already registered.
        """
        if entry is None:
            def decorator(obj):
                self.register(name, obj)
                return obj
            return decorator
        if name in self._entries:
            raise ValueError(
                f"A {self.kind} named {name!r} is already registered."
            )
        self._entries[name] = entry
        return entry

    def get(self, name, where=None):
        """Returns the entry for `name`, importing it if it was lazy.

        Args:
            name: the registered name.
            where: the config key path to name in the error, if any.

        Raises:
            UserError: listing the known names and the closest matches.
        """
        self._load_providers()
        if name not in self._entries:
            raise UserError(self.unknown_message(name, where))
        entry = self._entries[name]
        if isinstance(entry, str):
            entry = import_path(entry)
            self._entries[name] = entry
        return entry

    def names(self):
        self._load_providers()
        return sorted(self._entries)

    def __contains__(self, name):
        self._load_providers()
        return name in self._entries

    def unknown_message(self, name, where=None):
        """The Keras-style message for a name that is not registered."""
        subject = f"`{where}`" if where else f"the {self.kind} name"
        message = (
            f"Expected {subject} to be one of {self.names()}. "
            f"Received: {name!r}"
        )
        close = difflib.get_close_matches(str(name), self.names(), n=3)
        if close:
            message += f" (did you mean {' or '.join(map(repr, close))}?)"
        return message


CELLS = Registry("cell", providers=["rnnbench.config.catalog"])
DATASETS = Registry("dataset", providers=["rnnbench.data"])
TASKS = Registry("task", providers=["rnnbench.data.tasks"])
TUNERS = Registry("tuner", providers=["rnnbench.config.catalog"])
