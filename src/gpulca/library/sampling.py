"""Library parameters with a distribution, sampled: the exchange amounts their formulas give.

A library parameter (``network_switches_per_gpu``, ``datacenter_building_lifetime``...) enters
the inventory through the formulas of exchanges (and of other parameters). For a Monte Carlo,
each uncertain parameter gets one column of draws, in the unit its value is written in; every
parameter and exchange formula that depends on one is re-evaluated once for all iterations
(pint quantities holding numpy arrays, by the library's own whitelist evaluator), or, where a
formula cannot take arrays (``min``, ``max``, ``exp``...), once per iteration. Amounts are in the
unit of the process or flow the exchange points at, as :mod:`gpulca.library.inventory` writes
them (the same conversion as ``_exchange_amount`` there).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpulca.core.units import parse_quantity, registry, to_pint_unit
from gpulca.library.formulas import FUNCTIONS, FormulaError, as_quantity, evaluate, names_in
from gpulca.library.inventory import ResolvedExchange, ResolvedLibrary
from gpulca.schemas.common import Uncertainty


def _pure(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def wrapped(x: Any) -> Any:
        return function(x.to("dimensionless").magnitude if hasattr(x, "to") else x)
    return wrapped


ARRAY_FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "min": lambda *args: functools.reduce(np.minimum, args),
    "max": lambda *args: functools.reduce(np.maximum, args),
    "abs": np.abs,
    "sqrt": FUNCTIONS["sqrt"],
    "exp": _pure(np.exp),
    "log": _pure(np.log),
    "log10": _pure(np.log10),
}
"""The formulas' functions, element-wise over arrays (the same names as
:data:`gpulca.library.formulas.FUNCTIONS`)."""
assert set(ARRAY_FUNCTIONS) == set(FUNCTIONS)


@dataclass(frozen=True)
class LibraryParameterInput:
    """An uncertain library parameter: its distribution around its written value."""

    name: str
    written: float
    unit: str
    """The unit its value (and its distribution) is written in."""
    uncertainty: Uncertainty
    origin: str


@dataclass(frozen=True)
class SampledExchange:
    """One exchange whose formula depends on an uncertain library parameter."""

    process: str
    kind: str
    target: str
    amount: float
    """As resolved (the parameters at their values)."""
    exchange: ResolvedExchange
    depends_on: frozenset[str] = frozenset()
    """The uncertain parameters its formula depends on (directly or through others)."""


def uncertain_parameters(library: ResolvedLibrary) -> list[LibraryParameterInput]:
    """Every library parameter with a value and a distribution, in name order."""
    out = []
    for name in sorted(library.library.parameters):
        located = library.library.parameters[name]
        parameter = located.item
        if parameter.uncertainty is None or parameter.value is None:
            continue
        quantity = parse_quantity(parameter.value, "dimensionless")
        out.append(LibraryParameterInput(
            name, float(quantity.magnitude), str(quantity.units), parameter.uncertainty,
            f"{located.lines.file}:{located.lines.line_of(located.path)}"))
    return out


def _dependants(library: ResolvedLibrary, names: set[str]) -> set[str]:
    """``names`` and every parameter whose formula depends on them, transitively."""
    found = set(names)
    changed = True
    while changed:
        changed = False
        for name, located in library.library.parameters.items():
            formula = located.item.formula
            if name not in found and formula is not None and names_in(formula) & found:
                found.add(name)
                changed = True
    return found


def sampled_exchanges(library: ResolvedLibrary, names: set[str]) -> list[SampledExchange]:
    """The exchanges whose formulas depend (through other parameters too) on ``names``, each
    with the names it depends on in :attr:`SampledExchange.depends_on`."""
    closure: dict[str, frozenset[str]] = {}

    def inputs_of(parameter: str, chain: frozenset[str] = frozenset()) -> frozenset[str]:
        if parameter not in closure:
            located = library.library.parameters.get(parameter)
            formula = located.item.formula if located is not None else None
            found = {parameter} & names
            if formula is not None and parameter not in chain:
                for name in names_in(formula):
                    found |= inputs_of(name, chain | {parameter})
            closure[parameter] = frozenset(found)
        return closure[parameter]

    out = []
    for code, exchanges in library.exchanges.items():
        for exchange in exchanges:
            if exchange.formula is None or not isinstance(exchange.target, str):
                continue
            depends: set[str] = set()
            for name in names_in(exchange.formula):
                depends |= inputs_of(name)
            if depends:
                out.append(SampledExchange(code, exchange.kind, exchange.target,
                                           exchange.amount, exchange, frozenset(depends)))
    return out


def _amounts(exchange: ResolvedExchange, values: Mapping[str, Any]) -> Any:
    """The exchange's amount in its target's unit (magnitudes may be arrays)."""
    result = as_quantity(evaluate(str(exchange.formula), values, ARRAY_FUNCTIONS))
    spec_unit = exchange.spec.unit
    declared = (registry().Quantity(1.0, to_pint_unit(spec_unit)) if spec_unit
                else as_quantity(1.0))
    quantity = result * declared if result.dimensionless else result
    return quantity.to(to_pint_unit(exchange.unit)).magnitude


def _elementwise(function: Any, values: Mapping[str, Any], iterations: int) -> Any:
    """``function(values)`` where it takes arrays, else once per iteration (a formula with
    ``min``, ``max``, ``exp``...): the magnitudes of the iterations' results as one quantity."""
    try:
        return function(values)
    except (FormulaError, TypeError, ValueError):
        pass
    results = []
    arrays = [k for k, v in values.items() if getattr(v, "ndim", 0)]
    for i in range(iterations):
        one = dict(values)
        one.update({k: values[k][i] for k in arrays})
        results.append(function(one))
    first = as_quantity(results[0])
    return registry().Quantity(np.array([as_quantity(r).to(first.units).magnitude
                                         for r in results], dtype=float), first.units)


def _parameter_values(library: ResolvedLibrary, drawn: Mapping[str, Any],
                      inputs: Mapping[str, LibraryParameterInput], affected: set[str],
                      iterations: int) -> dict[str, Any]:
    values = dict(library.parameter_values)
    ureg = registry()
    for name, samples in drawn.items():
        values[name] = ureg.Quantity(samples, inputs[name].unit)
    pending = [n for n in affected if n not in drawn]
    while pending:  # dependency order: evaluate what can be evaluated
        progress = False
        for name in list(pending):
            formula = library.library.parameters[name].item.formula
            if not names_in(formula) & set(pending):
                values[name] = as_quantity(_elementwise(
                    lambda v, f=formula: as_quantity(evaluate(f, v, ARRAY_FUNCTIONS)), values,
                    iterations))
                pending.remove(name)
                progress = True
        if not progress:
            raise FormulaError(f"circular parameters {sorted(pending)}")
    return values


def exchange_amounts(library: ResolvedLibrary, inputs: list[LibraryParameterInput],
                     drawn: np.ndarray, exchanges: list[SampledExchange]) -> np.ndarray:
    """Amounts ``iterations x exchanges`` for parameter values ``drawn`` (iterations x
    inputs, each in its written unit)."""
    iterations = drawn.shape[0]
    by_name = {i.name: i for i in inputs}
    affected = _dependants(library, set(by_name))
    out = np.empty((iterations, len(exchanges)))
    values = _parameter_values(library, {i.name: drawn[:, c] for c, i in enumerate(inputs)},
                               by_name, affected, iterations)
    for e, sampled in enumerate(exchanges):
        amounts = _elementwise(lambda v, x=sampled.exchange: registry().Quantity(
            _amounts(x, v), "dimensionless"), values, iterations)
        out[:, e] = np.broadcast_to(np.asarray(as_quantity(amounts).magnitude, dtype=float),
                                    (iterations,))
    return out
