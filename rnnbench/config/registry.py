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


def is_import_path(name):
    """Whether a config's name is `package.module:Attr` rather than a registered name."""
    return isinstance(name, str) and ":" in name


def import_path(path, where=None):
    """Import `package.module:Attr` and return the attribute.

    Args:
        path: the import path.
        where: the config key that names it, for the error (`data.name`).

    Raises:
        UserError: when the path is malformed, the module cannot be imported
            or the attribute does not exist.
    """
    named = f" (`{where}`)" if where else ""
    module_name, sep, attr = path.partition(":")
    if not sep or not module_name or not attr:
        raise UserError(
            f"Expected an import path of the form `package.module:ClassName`{named}. "
            f"Received: {path!r}"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise UserError(
            f"Could not import module {module_name!r} from {path!r}{named}: {e}. "
            "Check that the package is installed and on PYTHONPATH."
        ) from e
    except Exception as e:  # the user's module itself fails: a SyntaxError, a raise
        raise UserError(
            f"Importing module {module_name!r} (from {path!r}{named}) raised "
            f"{type(e).__name__}: {e}"
        ) from e
    try:
        return getattr(module, attr)
    except AttributeError:
        raise UserError(
            f"Module {module_name!r} has no attribute {attr!r} "
            f"(from {path!r}{named})."
        ) from None


class Registry:
    """A table of named entries of one kind.

    Args:
        kind: what the entries are, used in error messages ("cell", "dataset").
        providers: modules whose import registers the built-in entries;
            imported on the first `get`, `names` or `in`.
        user_classes: whether a config may name a user's own class by its
            import path (`resolve`); the unknown-name error then says how.
        base: the import path of the class a user's entry named by import
            path must subclass (checked by `resolve`), or None.
    """

    def __init__(self, kind, providers=(), user_classes=False, base=None):
        self.kind = kind
        self._entries = {}
        self._providers = tuple(providers)
        self._user_classes = user_classes
        self._base = base

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

    def resolve(self, name, where=None):
        """A registered name, or a user's `package.module:ClassName`, -> the entry.

        The one way a config's name becomes a class: registered names go
        through `get`, import paths through `import_path` (so a config can
        name a user's own class, as `model.layers[i].cell` and `data.name` do).

        Raises:
            UserError: naming `where`, what was received and what is allowed.
        """
        if not self._user_classes or not is_import_path(name):
            return self.get(name, where)
        subject = f"`{where}`" if where else f"the {self.kind} name"
        allowed = (f"{subject} takes a registered {self.kind} name (one of {self.names()}) "
                   f"or the import path of a class on PYTHONPATH")
        try:
            entry = import_path(name, where)
        except UserError as e:
            raise UserError(f"{e} {allowed}.") from None
        if self._base is None:
            return entry
        base = import_path(self._base)
        if not isinstance(entry, type) or not issubclass(entry, base):
            what = (f"the class {entry.__module__}.{entry.__qualname__}"
                    if isinstance(entry, type) else f"not a class but {entry!r}")
            raise UserError(
                f"Expected {subject} to name a subclass of "
                f"{base.__module__}.{base.__qualname__}. Received: {name!r}, which is "
                f"{what}. {allowed}.")
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
        if self._user_classes and isinstance(name, str) and "." in name and ":" not in name:
            # `mypkg.data.Waves` for `mypkg.data:Waves`: the usual slip with a user's class.
            close = [":".join(name.rsplit(".", 1))]
        if close:
            message += f" (did you mean {' or '.join(map(repr, close))}?)"
        if self._user_classes:
            message += (f". A {self.kind} class of your own is named by its import path, "
                        "`package.module:ClassName`, with the package on PYTHONPATH")
        return message


CELLS = Registry("cell", providers=["rnnbench.config.catalog"], user_classes=True)
DATASETS = Registry("dataset", providers=["rnnbench.data"], user_classes=True,
                    base="rnnbench.data.base:Dataset")
TASKS = Registry("task", providers=["rnnbench.data.tasks"])
TUNERS = Registry("tuner", providers=["rnnbench.config.catalog"])
