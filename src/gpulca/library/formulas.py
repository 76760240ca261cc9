"""Safe evaluation of parameter and exchange formulas, with units.

Formulas are user text, so they are never given to Python's ``eval`` (nor to bw2data's asteval,
which can read files and loop forever). A formula is parsed with :mod:`ast` and only a whitelist
is accepted: numbers, parameter names, ``+ - * /``, ``**`` with a small constant exponent and a
base without another power (numbers are floats, so a power overflows at once), parentheses, and
the functions ``min max abs sqrt exp log log10``. Values are pint quantities, so
``gpu_power * hours`` has a unit that is checked against the exchange's unit.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from gpulca.core.errors import GpulcaError
from gpulca.core.units import registry

MAX_FORMULA_LENGTH = 500
MAX_EXPONENT = 100

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def _sqrt(x: Any) -> Any:
    return x ** 0.5


def _dimensionless(function: Callable[[float], float]) -> Callable[[Any], float]:
    def wrapped(x: Any) -> float:
        if hasattr(x, "to"):
            x = x.to("dimensionless").magnitude  # raises DimensionalityError if not pure
        return function(float(x))
    return wrapped


FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "min": min,
    "max": max,
    "abs": abs,
    "sqrt": _sqrt,
    "exp": _dimensionless(math.exp),
    "log": _dimensionless(math.log),
    "log10": _dimensionless(math.log10),
}


class FormulaError(ValueError, GpulcaError):
    """A formula that is not allowed, refers to unknown names, or fails to evaluate."""


def parse_formula(text: str) -> ast.Expression:
    """Parse and check a formula against the whitelist; return its AST."""
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(f"formula longer than {MAX_FORMULA_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"not a valid expression ({exc.msg})") from exc
    for node in ast.walk(tree):
        _check_node(node)
    return tree


_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load,
                  ast.Call, ast.operator, ast.unaryop)


def _check_binary(node: ast.BinOp) -> None:
    if type(node.op) not in _BINARY:
        raise FormulaError(f"operator {type(node.op).__name__} is not allowed")
    if isinstance(node.op, ast.Pow):  # bounded exponents: no 9 ** 9 ** 9
        exponent = node.right
        if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.operand, ast.Constant):
            exponent = exponent.operand
        if not isinstance(exponent, ast.Constant) or not isinstance(exponent.value, int | float) \
                or abs(exponent.value) > MAX_EXPONENT:
            raise FormulaError(f"an exponent must be a number of at most {MAX_EXPONENT}")
        # bounded on the base's side too: (9 ** 99) ** 99 would multiply the exponents
        if any(isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Pow)
               for inner in ast.walk(node.left)):
            raise FormulaError("a power of a power is not allowed; multiply the exponents "
                               "(write x ** 6, not (x ** 2) ** 3)")


def _check_call(node: ast.Call) -> None:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        raise FormulaError(f"only the functions {', '.join(FUNCTIONS)} may be called")
    if node.keywords:
        raise FormulaError("keyword arguments are not allowed")


def _check_node(node: ast.AST) -> None:
    if not isinstance(node, _ALLOWED_NODES):
        raise FormulaError(f"{type(node).__name__} is not allowed in a formula")
    if isinstance(node, ast.BinOp):
        _check_binary(node)
    elif isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.USub | ast.UAdd):
        raise FormulaError(f"operator {type(node.op).__name__} is not allowed")
    elif isinstance(node, ast.Constant) and (
        isinstance(node.value, bool) or not isinstance(node.value, int | float)
    ):
        raise FormulaError(f"constant {node.value!r} is not a number")
    elif isinstance(node, ast.Call):
        _check_call(node)
    elif isinstance(node, ast.Name) and node.id.startswith("_"):
        raise FormulaError(f"name {node.id!r} is not allowed")


def names_in(text: str) -> set[str]:
    """Return the parameter names a formula refers to (function names excluded)."""
    tree = parse_formula(text)
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)
              and isinstance(n.func, ast.Name)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - called


def evaluate(text: str, values: Mapping[str, Any],
             functions: Mapping[str, Callable[..., Any]] | None = None) -> Any:
    """Evaluate a whitelisted formula with ``values`` (numbers or pint quantities); ``functions``
    replaces the implementations of the whitelisted functions (same names), e.g. by numpy's
    element-wise ones for quantities that hold arrays."""
    tree = parse_formula(text)
    try:
        result = _eval(tree.body, values, functions or FUNCTIONS)
        magnitude = getattr(result, "magnitude", result)
        if isinstance(magnitude, int | float) and not math.isfinite(magnitude):
            raise FormulaError(f"the result is not a finite number ({magnitude}): a value "
                               "overflows")
        return result
    except FormulaError:
        raise
    except ZeroDivisionError as exc:
        raise FormulaError("division by zero") from exc
    except Exception as exc:  # pint dimensionality errors, overflow...
        raise FormulaError(str(exc)) from exc


def _eval(node: ast.AST, values: Mapping[str, Any],
          functions: Mapping[str, Callable[..., Any]] = FUNCTIONS) -> Any:
    if isinstance(node, ast.Constant):
        # floats, never Python's unbounded ints: a power overflows at once instead of
        # computing a number with millions of digits
        return float(node.value)  # type: ignore[arg-type]  # numbers only (_check_node)
    if isinstance(node, ast.Name):
        if node.id not in values:
            raise FormulaError(f"unknown parameter {node.id!r}")
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, values, functions)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, values, functions),
                                      _eval(node.right, values, functions))
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return functions[node.func.id](*(_eval(arg, values, functions) for arg in node.args))
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula")


def as_quantity(value: Any) -> Any:
    """Return ``value`` as a pint quantity (plain numbers become dimensionless)."""
    if hasattr(value, "to"):
        return value
    return registry().Quantity(float(value), "dimensionless")
