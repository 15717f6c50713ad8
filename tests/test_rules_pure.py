"""The rule modules stay pure: each imports only the standard library and the other rule modules
(so every rule is tested with a table, without a database, clock or network), and so does the
phone line's wording, which builds on them."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULE_MODULES = sorted((ROOT / "gradebook" / "rules").glob("*.py"))
PURE = [*RULE_MODULES, ROOT / "ivr" / "speech.py", ROOT / "ivr" / "speech_input.py"]


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            names.add(node.module or "")
    return names


def test_the_rules_package_has_its_topics() -> None:
    assert {p.stem for p in RULE_MODULES} >= {"__init__", "scale", "absences", "locks", "wording"}


@pytest.mark.parametrize("path", PURE, ids=[str(p.relative_to(ROOT)) for p in PURE])
def test_imports_only_the_standard_library_and_the_rules(path: Path) -> None:
    impure = {
        name
        for name in _imported(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and name != "gradebook.rules"
        and not name.startswith("gradebook.rules.")
    }
    assert not impure, f"{path.relative_to(ROOT)} imports {sorted(impure)}"
