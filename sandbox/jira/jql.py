"""JQL, read into a tree: the syntax of the queries the Jira sandbox answers.

The grammar is `jql.lark` (a real LALR grammar, not string matching). This module only says what was
written; `jql_compile.py` says what it means (which fields exist, which operators they take, what a date is).
A query that does not parse raises `JqlError` carrying the sentence Jira Cloud answers in its 400 body, with
the offending token and its place, `(line 1, character N)`, both counted from 1 as Jira counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

ValueKind = Literal["word", "string", "function", "empty"]
Operator = Literal["=", "!=", ">", ">=", "<", "<=", "~", "!~", "in", "not in", "is", "is not"]

VALID_OPERATORS = "'=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'"

# Jira's reserved words (Atlassian, "JQL: reserved words"); the ones the grammar reads as keywords are not here.
RESERVED_WORDS = frozenset(
    [
        "a",
        "an",
        "abort",
        "access",
        "add",
        "after",
        "alias",
        "all",
        "alter",
        "any",
        "are",
        "as",
        "at",
        "audit",
        "avg",
        "before",
        "begin",
        "between",
        "boolean",
        "break",
        "byte",
        "catch",
        "cf",
        "char",
        "character",
        "check",
        "checkpoint",
        "collate",
        "collation",
        "column",
        "commit",
        "connect",
        "continue",
        "count",
        "create",
        "current",
        "date",
        "decimal",
        "declare",
        "decrement",
        "default",
        "defaults",
        "define",
        "delete",
        "delimiter",
        "difference",
        "distinct",
        "divide",
        "do",
        "double",
        "drop",
        "else",
        "encoding",
        "end",
        "equals",
        "escape",
        "exclusive",
        "exec",
        "execute",
        "exists",
        "explain",
        "false",
        "fetch",
        "file",
        "field",
        "first",
        "float",
        "for",
        "from",
        "function",
        "go",
        "goto",
        "grant",
        "greater",
        "group",
        "having",
        "identified",
        "if",
        "immediate",
        "increment",
        "index",
        "initial",
        "inner",
        "inout",
        "input",
        "insert",
        "int",
        "integer",
        "intersect",
        "intersection",
        "into",
        "isempty",
        "isnull",
        "join",
        "last",
        "left",
        "less",
        "like",
        "limit",
        "lock",
        "long",
        "max",
        "min",
        "minus",
        "mode",
        "modify",
        "modulo",
        "more",
        "multiply",
        "next",
        "noaudit",
        "notin",
        "nowait",
        "number",
        "object",
        "of",
        "on",
        "option",
        "outer",
        "output",
        "power",
        "previous",
        "prior",
        "privileges",
        "public",
        "raise",
        "raw",
        "remainder",
        "rename",
        "resource",
        "return",
        "returns",
        "revoke",
        "right",
        "row",
        "rowid",
        "rownum",
        "rows",
        "select",
        "session",
        "set",
        "share",
        "size",
        "sqrt",
        "start",
        "strict",
        "string",
        "subtract",
        "sum",
        "synonym",
        "table",
        "then",
        "to",
        "trans",
        "transaction",
        "trigger",
        "true",
        "uid",
        "union",
        "unique",
        "update",
        "user",
        "validate",
        "values",
        "view",
        "when",
        "whenever",
        "where",
        "while",
        "with",
    ]
)


class JqlError(Exception):
    """A query Jira would refuse: `message` is the sentence for the 400 body's `errorMessages`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Value:
    """One operand as written: a bare word, a quoted string (unescaped), a function call, or EMPTY/NULL."""

    kind: ValueKind
    text: str
    line: int
    column: int
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clause:
    field: str
    operator: Operator
    values: tuple[Value, ...]
    is_list: bool
    line: int
    column: int
    """Where the field name starts."""
    operator_text: str
    """The operator as written (`IN`, `not in`, `>=`), for error messages."""


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


Node = Clause | Not | And | Or


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool
    line: int
    column: int


@dataclass(frozen=True)
class Query:
    text: str
    where: Node | None
    order_by: tuple[SortKey, ...]


def where(line: int, column: int) -> str:
    return f"(line {line}, character {column})"


def parse(text: str) -> Query:
    """Parse `text` as JQL; raises `JqlError` with Jira's wording when it is not JQL."""
    try:
        tree = _parser().parse(text)
        built = _Build().transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, JqlError):
            raise error.orig_exc from None
        raise
    except JqlError:
        raise
    except UnexpectedCharacters as error:
        raise _bad_character(text, error) from None
    except UnexpectedToken as error:
        raise _unexpected(error) from None
    except UnexpectedInput as error:  # pragma: no cover - LALR raises the two above
        raise JqlError(
            f"Error in the JQL Query: Unable to parse the query. {where(error.line, error.column)}"
        ) from None
    where_node, order_by = built
    return Query(text=text, where=where_node, order_by=order_by)


@cache
def _parser() -> Lark:
    grammar = resources.files(__package__).joinpath("jql.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="basic",
        propagate_positions=False,
        maybe_placeholders=True,
        lexer_callbacks={"WORD": _check_word, "HISTORY": _refuse_history},
    )


def _check_word(token: Token) -> Token:
    if token.value.lower() in RESERVED_WORDS:
        raise JqlError(
            f"Error in the JQL Query: '{token.value}' is a reserved JQL word. You must surround it in quotation "
            f"marks to use it in a query. {where(token.line or 1, token.column or 1)}"
        )
    return token


def _refuse_history(token: Token) -> Token:
    raise JqlError(
        f"Error in the JQL Query: The Jira sandbox does not search history; the operator '{token.value}' is not "
        f"supported here. {where(token.line or 1, token.column or 1)}"
    )


def _unquote(raw: str) -> str:
    body = raw[1:-1]
    out: list[str] = []
    index = 0
    simple = {"n": "\n", "r": "\r", "t": "\t"}
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            following = body[index + 1]
            if following == "u" and index + 6 <= len(body):
                out.append(chr(int(body[index + 2 : index + 6], 16)))
                index += 6
                continue
            out.append(simple.get(following, following))
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _token_text(token: Token) -> str:
    return _unquote(token.value) if token.type == "STRING" else token.value


@v_args(inline=True)
class _Build(Transformer[Token, tuple[Node | None, tuple[SortKey, ...]]]):
    """Tree to AST. Each method gets its children in order; tokens keep their positions."""

    def start(
        self, where_node: Node | None, order_by: tuple[SortKey, ...] | None
    ) -> tuple[Node | None, tuple[SortKey, ...]]:
        return where_node, order_by or ()

    def or_(self, left: Node, _op: Token, right: Node) -> Node:
        parts = (*left.parts, right) if isinstance(left, Or) else (left, right)
        return Or(parts)

    def and_(self, left: Node, _op: Token, right: Node) -> Node:
        parts = (*left.parts, right) if isinstance(left, And) else (left, right)
        return And(parts)

    def not_(self, _op: Token, operand: Node) -> Node:
        return Not(operand)

    def group(self, _open: Token, inner: Node, _close: Token) -> Node:
        return inner

    def field(self, token: Token) -> Token:
        return token

    def operator(self, token: Token) -> tuple[Operator, str]:
        symbol: Operator = token.value
        return symbol, token.value

    def op_in(self, token: Token) -> tuple[Operator, str]:
        return "in", token.value

    def op_not_in(self, first: Token, second: Token) -> tuple[Operator, str]:
        return "not in", f"{first.value} {second.value}"

    def op_is(self, token: Token) -> tuple[Operator, str]:
        return "is", token.value

    def op_is_not(self, first: Token, second: Token) -> tuple[Operator, str]:
        return "is not", f"{first.value} {second.value}"

    def op_history(self, token: Token) -> tuple[Operator, str]:  # pragma: no cover - the lexer refuses it first
        _refuse_history(token)
        raise AssertionError("unreachable")

    def word(self, token: Token) -> Value:
        return Value("word", token.value, token.line or 1, token.column or 1)

    def string(self, token: Token) -> Value:
        return Value("string", _unquote(token.value), token.line or 1, token.column or 1)

    def empty(self, token: Token) -> Value:
        return Value("empty", token.value, token.line or 1, token.column or 1)

    def function(self, name: Token, _open: Token, *rest: Token | None) -> Value:
        args = tuple(_token_text(item) for item in rest if isinstance(item, Token) and item.type in ("WORD", "STRING"))
        return Value("function", name.value, name.line or 1, name.column or 1, args)

    def list(self, _open: Token, *items: Value | Token | None) -> tuple[Value, ...]:
        return tuple(item for item in items if isinstance(item, Value))

    def clause(self, field: Token, operator: tuple[Operator, str], operand: Value | tuple[Value, ...]) -> Clause:
        symbol, written = operator
        is_list = isinstance(operand, tuple)
        values = operand if isinstance(operand, tuple) else (operand,)
        return Clause(
            field=_token_text(field),
            operator=symbol,
            values=values,
            is_list=is_list,
            line=field.line or 1,
            column=field.column or 1,
            operator_text=written,
        )

    def sort(self, field: Token, direction: Token | None) -> SortKey:
        descending = direction is not None and direction.type == "DESC"
        return SortKey(_token_text(field), descending, field.line or 1, field.column or 1)

    def order_by(self, _order: Token, _by: Token, *items: SortKey | Token) -> tuple[SortKey, ...]:
        return tuple(item for item in items if isinstance(item, SortKey))


def _bad_character(text: str, error: UnexpectedCharacters) -> JqlError:
    position = error.pos_in_stream or 0
    char = text[position]
    place = where(error.line, error.column)
    if char in "\"'":
        rest = text[position + 1 :]
        return JqlError(f"Error in the JQL Query: The quoted string '{rest}' has not been completed. {place}")
    return JqlError(
        f"Error in the JQL Query: The character '{char}' is a reserved JQL character. You must enclose it in a "
        f"string or use the escape '\\u{ord(char):04x}' instead. {place}"
    )


def _unexpected(error: UnexpectedToken) -> JqlError:
    token = error.token
    # What the parser could really shift here (LALR's own `expected` is merged across contexts).
    expected = set(error.interactive_parser.accepts()) if error.interactive_parser is not None else set(error.expected)
    at_end = token.type == "$END"
    got = token.value
    place = where(token.line or 1, token.column or 1)
    if expected & {"EQ", "IN", "IS"}:
        if at_end:
            return JqlError(
                "Error in the JQL Query: Expecting operator before the end of the query. "
                f"The valid operators are {VALID_OPERATORS}."
            )
        return JqlError(
            f"Error in the JQL Query: Expecting operator but got '{got}'. The valid operators are {VALID_OPERATORS}. "
            f"{place}"
        )
    if "EMPTY" in expected:
        if at_end:
            return JqlError(
                "Error in JQL Query: Expecting either a value, list or function before the end of the query."
            )
        return JqlError(
            f"Error in JQL Query: Expecting either a value, list or function but got '{got}'. You must surround "
            f"'{got}' in quotation marks to use it as a value. {place}"
        )
    if "CF" in expected:
        if at_end:
            return JqlError("Error in the JQL Query: Expecting a field name at the end of the query.")
        return JqlError(f"Error in the JQL Query: Expecting a field name but got '{got}'. {place}")
    if expected == {"BY"}:
        if at_end:
            return JqlError("Error in the JQL Query: Expecting 'BY' before the end of the query.")
        return JqlError(f"Error in the JQL Query: Expecting 'BY' but got '{got}'. {place}")
    if "RPAR" in expected and (at_end or "COMMA" in expected):  # a group, a list or a function's arguments
        if at_end:
            return JqlError("Error in the JQL Query: Expecting ')' before the end of the query.")
        return JqlError(f"Error in the JQL Query: Expecting ')' but got '{got}'. {place}")
    if "ASC" in expected:
        return JqlError(f"Error in the JQL Query: Expecting either 'ASC' or 'DESC' but got '{got}'. {place}")
    if expected & {"AND", "OR"}:
        return JqlError(f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{got}'. {place}")
    if at_end:
        return JqlError("Error in the JQL Query: Unable to parse the query before the end of the query.")
    return JqlError(f"Error in the JQL Query: Unable to parse the query at '{got}'. {place}")


__all__ = ["And", "Clause", "JqlError", "Node", "Not", "Or", "Query", "SortKey", "Value", "parse", "where"]
