"""Config: schema and validator, experiment loading, overrides, registry, paths."""
