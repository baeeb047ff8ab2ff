"""Every hook is documented in docs/plugins.md and has a test (like Datasette's test_docs.py).

For each hook in core/hookspecs.py: a ``### <hook>`` section under "## Hooks" whose signature
line matches the spec's arguments, and a test function ``test_hook_<hook>`` under tests/.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from core import hookspecs

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs" / "plugins.md"
TESTS = ROOT / "tests"


def _hooks() -> dict[str, list[str]]:
    """Hook name -> its arguments, in order."""
    marker = f"{hookspecs.PROJECT}_spec"
    return {
        name: list(inspect.signature(function).parameters)
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, marker)
    }


HOOKS = _hooks()


def _sections() -> dict[str, str]:
    """``### name`` -> the text of its section, for the sections under "## Hooks"."""
    text = DOCS.read_text()
    hooks_chapter = text.split("\n## Hooks\n", 1)[1].split("\n## ", 1)[0]
    parts = re.split(r"^### (\S+)\n", hooks_chapter, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _test_functions() -> set[str]:
    names: set[str] = set()
    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
    return names


SECTIONS = _sections()
TEST_FUNCTIONS = _test_functions()


def test_the_hooks_are_found() -> None:
    assert {"register_roles", "register_fields", "approval_steps", "goal_completed",
            "migration_directories"} <= set(HOOKS)


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_each_hook_is_documented(hook: str) -> None:
    assert hook in SECTIONS, f"docs/plugins.md has no '### {hook}' section under '## Hooks'"
    signature = f"`{hook}({', '.join(HOOKS[hook])})`"
    assert signature in SECTIONS[hook], (
        f"docs/plugins.md: the section on {hook} should show its signature {signature}"
    )
    assert "```python" in SECTIONS[hook], f"docs/plugins.md: {hook} needs an example"


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_each_hook_has_a_test(hook: str) -> None:
    assert f"test_hook_{hook}" in TEST_FUNCTIONS, f"no test named test_hook_{hook} in tests/"


def test_every_documented_hook_exists() -> None:
    assert sorted(set(SECTIONS) - set(HOOKS)) == []
