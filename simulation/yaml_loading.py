"""A strict YAML loader for every file users write: safe tags only, no duplicate keys.

``yaml.safe_load`` keeps the later of two equal keys in a mapping without a word, so a
spec that sets ``n_consumers`` twice silently runs with the second value. :func:`load_yaml`
has the same semantics as ``yaml.safe_load`` (no python tags, same types) but refuses a
duplicate key, naming the file, the key and both line numbers.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Hashable
from pathlib import Path
from typing import IO, Any

import yaml
from yaml.nodes import MappingNode, Node

MERGE_TAG = "tag:yaml.org,2002:merge"
"""The ``<<`` merge key: merged entries may be overridden by explicit keys (YAML 1.1)."""

UNNAMED_STREAMS = ("<unicode string>", "<byte string>", "<file>")
"""Stream names PyYAML gives text that did not come from a named file."""


class DuplicateKeyError(yaml.YAMLError, ValueError):
    """A mapping names the same key twice; both YAML (not valid) and a bad input value."""

    def __init__(self, source: str, key: Any, first_line: int, line: int) -> None:
        self.source = source
        self.key = key
        self.first_line = first_line
        self.line = line
        where = f"{source}: " if source else ""
        super().__init__(f"{where}line {line}: duplicate key {key!r} (first at line "
                         f"{first_line}); each key may appear only once in a mapping")

    def __str__(self) -> str:
        return str(self.args[0])


class StrictSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` whose mappings refuse duplicate keys."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build the mapping after checking that no explicit key is repeated."""
        if isinstance(node, MappingNode):
            self._check_unique_keys(node)
        return super().construct_mapping(node, deep=deep)

    def _check_unique_keys(self, node: MappingNode) -> None:
        seen: dict[Any, Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                continue  # the base constructor reports unhashable keys
            if key in seen:
                name = key_node.start_mark.name
                source = "" if name in UNNAMED_STREAMS else str(name)
                raise DuplicateKeyError(source, key, seen[key].start_mark.line + 1,
                                        key_node.start_mark.line + 1)
            seen[key] = key_node


def load_yaml(source: str | IO[str] | IO[bytes]) -> Any:
    """Parse one YAML document like ``yaml.safe_load``, refusing duplicate keys."""
    loader = StrictSafeLoader(source)  # what yaml.safe_load does, with the strict loader
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_yaml_file(path: Path | str) -> Any:
    """Parse the YAML file at ``path`` strictly (see :func:`load_yaml`)."""
    with open(path, encoding="utf-8") as fh:
        return load_yaml(fh)


def load_yaml_file_cached(path: Path | str) -> Any:
    """:func:`load_yaml_file`, parsed once per file version; a fresh copy each call.

    Files read for every model (the region catalog, parameter profiles) would otherwise be
    parsed again for each run; the version (mtime, size) is part of the key, so edits are seen.
    """
    stat = os.stat(path)
    return copy.deepcopy(_parsed(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=16)
def _parsed(path: str, mtime_ns: int, size: int) -> Any:
    return load_yaml_file(path)


__all__ = ["DuplicateKeyError", "StrictSafeLoader", "load_yaml", "load_yaml_file",
           "load_yaml_file_cached"]
