"""Input limits inside the query document, checked at validation (before any resolver runs).

Variables are checked on arrival (recovery_hub/limits.py); this is the same limit for values
written in the query itself: no list literal longer than ``max_list_entries``, no string
literal longer than ``max_text_length``. And one error for unknown directives, however many a
query uses (graphql-core reports each one: a cheap way to make a server write long answers).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    GraphQLError,
    KnownDirectivesRule,
    ListValueNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

__all__ = ["InputLimits"]


class _FirstUnknownDirective(KnownDirectivesRule):
    """graphql-core's rule, reporting only the first unknown directive of a document."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self._unknown_reported = False

    def report_error(self, error: GraphQLError) -> None:
        if error.message.startswith("Unknown directive"):
            if self._unknown_reported:
                return
            self._unknown_reported = True
        super().report_error(error)


def _size_rule(max_list_entries: int, max_text_length: int) -> type[ValidationRule]:
    class MaxInputSize(ValidationRule):
        def enter_list_value(self, node: ListValueNode, *_args: Any) -> None:
            if len(node.values) > max_list_entries:
                self.report_error(GraphQLError(
                    f"A list has {len(node.values)} entries: at most {max_list_entries} are "
                    "accepted.", node, extensions={"code": "LIST_TOO_LONG"}))

        def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
            if len(node.value) > max_text_length:
                self.report_error(GraphQLError(
                    f"A text has {len(node.value)} characters: at most {max_text_length} are "
                    "accepted.", node, extensions={"code": "TEXT_TOO_LONG"}))

    return MaxInputSize


class InputLimits(SchemaExtension):
    """Adds the size rule and swaps graphql-core's directive rule for ours. Build it with
    ``InputLimits.factory(max_list_entries, max_text_length)``."""

    rule: type[ValidationRule]

    @classmethod
    def factory(cls, max_list_entries: int, max_text_length: int) -> type[InputLimits]:
        return type("InputLimits", (cls,), {"rule": _size_rule(max_list_entries,
                                                                 max_text_length)})

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = (
            *(_FirstUnknownDirective if rule is KnownDirectivesRule else rule
              for rule in context.validation_rules),
            self.rule,
        )
        yield
