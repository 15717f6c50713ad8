"""``models`` is the one import point of the tables kept by topic in ``tables/``: every mapped
class and every enumeration is there under its own name, and no table module imports ``models``
(which imports them all: that would be a cycle)."""

from __future__ import annotations

import ast
import enum
from pathlib import Path

import models

TABLES = Path(__file__).resolve().parent.parent / "tables"


def test_every_mapped_class_is_exported_by_models() -> None:
    mapped = {mapper.class_ for mapper in models.db.Model.registry.mappers}
    assert len(mapped) == len(models.db.metadata.tables)
    for cls in mapped:
        assert cls.__name__ in models.__all__
        assert getattr(models, cls.__name__) is cls


def test_every_enumeration_is_exported_by_models() -> None:
    import tables.enums

    for name, value in vars(tables.enums).items():
        if (
            isinstance(value, type)
            and issubclass(value, enum.Enum)
            and value.__module__ == "tables.enums"
        ):
            assert getattr(models, name) is value


def test_no_table_module_imports_models() -> None:
    for path in TABLES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                assert all(alias.name != "models" for alias in node.names), path.name
            elif isinstance(node, ast.ImportFrom):
                assert node.module != "models", path.name
