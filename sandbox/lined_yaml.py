"""YAML (or JSON) read with the line of every node, so a scenario's problems name the line they are on."""

from __future__ import annotations

from typing import Any

import yaml

NodePath = tuple[str | int, ...]


class ScenarioError(ValueError):
    """A scenario file is wrong; the message is `FILE:LINE: problem`."""

    def __init__(self, filename: str, line: int, problem: str) -> None:
        super().__init__(f"{filename}:{line}: {problem}")
        self.filename = filename
        self.line = line
        self.problem = problem


class LinedDocument:
    """The parsed document as plain Python values, plus the line of every mapping, key and list item."""

    def __init__(self, filename: str, text: str) -> None:
        self.filename = filename
        self.lines: dict[NodePath, int] = {}
        if text.lstrip().startswith(("{", "[")):
            # JSON may indent with tabs, which YAML forbids; valid JSON has no raw tabs inside strings.
            text = text.replace("\t", " ")
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            raise ScenarioError(filename, line, f"not valid YAML: {exc.problem or exc.context}") from None
        except yaml.YAMLError as exc:
            raise ScenarioError(filename, 1, f"not valid YAML: {exc}") from None
        if node is None:
            raise ScenarioError(filename, 1, "the file is empty")
        self._constructor = yaml.SafeLoader("")
        self.value = self._build(node, ())

    def _build(self, node: yaml.Node, path: NodePath) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise ScenarioError(self.filename, key_node.start_mark.line + 1, "keys must be plain strings")
                key = str(key_node.value)
                if key in mapping:
                    raise ScenarioError(self.filename, key_node.start_mark.line + 1, f"duplicate key '{key}'")
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                mapping[key] = self._build(value_node, (*path, key))
            return mapping
        if isinstance(node, yaml.SequenceNode):
            return [self._build(item, (*path, index)) for index, item in enumerate(node.value)]
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # times and dates stay text; the API shapes are strings
        return self._constructor.construct_object(node, deep=True)

    def line(self, path: NodePath) -> int:
        """Line of `path`, or of its nearest enclosing node that is in the file."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1

    def error(self, path: NodePath, problem: str) -> ScenarioError:
        return ScenarioError(self.filename, self.line(path), problem)


def where(path: NodePath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "the top level"
