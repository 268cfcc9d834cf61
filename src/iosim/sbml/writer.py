"""An iosim :class:`~iosim.Model` (and optionally a regimen) to SBML Level 3 Version 2.

The mapping
-----------
- One compartment ``default_compartment`` of size 1 (dimensionless); every state is a
  species with ``hasOnlySubstanceUnits=true``, so the species symbol is the state's value.
- Parameters are constant SBML parameters; intermediates are non-constant parameters with
  assignment rules (in evaluation order).
- Reactions are SBML reactions whose kinetic law is the reaction rate, whose
  stoichiometries are the reaction's changes, and whose other species read by the rate are
  modifiers. A state with explicit equation terms gets
  ``boundaryCondition=true`` and a rate rule holding its whole right-hand side (reaction
  contributions included, referring to the reactions by id), because SBML forbids a rate
  rule on a species that reactions change.
- Outputs are non-constant parameters with assignment rules.
- A regimen becomes events at ``time >= t_dose`` (``initialValue=false`` so a dose at the
  start fires): a bolus adds its amount, a set-event assigns its value, an infusion switches
  a parameter ``<state>_infusion_<k>`` on and off with two events; that parameter is added to
  the state's rate rule, or feeds a source reaction when the state has no rate rule.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import libsbml

from iosim.dosing import Bolus, Infusion, Regimen, SetState
from iosim.expr import Expr, Num, Op, Sym, free_symbols
from iosim.model import Model
from iosim.sbml.errors import SBMLError

_COMPARTMENT = "default_compartment"
_SID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BOOLEAN = {"lt", "le", "gt", "ge", "eq", "ne", "and", "or", "not"}
_RELATION = {
    "lt": libsbml.AST_RELATIONAL_LT,
    "le": libsbml.AST_RELATIONAL_LEQ,
    "gt": libsbml.AST_RELATIONAL_GT,
    "ge": libsbml.AST_RELATIONAL_GEQ,
    "eq": libsbml.AST_RELATIONAL_EQ,
    "ne": libsbml.AST_RELATIONAL_NEQ,
}
_SIMPLE = {
    "add": libsbml.AST_PLUS,
    "mul": libsbml.AST_TIMES,
    "div": libsbml.AST_DIVIDE,
    "pow": libsbml.AST_POWER,
    "neg": libsbml.AST_MINUS,
    "exp": libsbml.AST_FUNCTION_EXP,
    "log": libsbml.AST_FUNCTION_LN,
    "abs": libsbml.AST_FUNCTION_ABS,
    "tanh": libsbml.AST_FUNCTION_TANH,
    "sin": libsbml.AST_FUNCTION_SIN,
    "cos": libsbml.AST_FUNCTION_COS,
    "tan": libsbml.AST_FUNCTION_TAN,
    "floor": libsbml.AST_FUNCTION_FLOOR,
    "ceil": libsbml.AST_FUNCTION_CEILING,
    "and": libsbml.AST_LOGICAL_AND,
    "or": libsbml.AST_LOGICAL_OR,
    "not": libsbml.AST_LOGICAL_NOT,
    **_RELATION,
}


def _node(kind: int, *children: libsbml.ASTNode) -> libsbml.ASTNode:
    n = libsbml.ASTNode(kind)
    for c in children:
        n.addChild(c)
    return n


def _number(v: float) -> libsbml.ASTNode:
    n = libsbml.ASTNode(libsbml.AST_REAL)
    n.setValue(float(v))
    return n


def to_ast(e: Expr, *, boolean: bool = False) -> libsbml.ASTNode:
    """An iosim expression as a libSBML AST; ``boolean`` asks for a truth value.

    SBML separates numbers from truth values, iosim does not (comparisons give 1.0/0.0), so
    a number used as a condition becomes ``x != 0`` and a comparison used as a number
    becomes ``piecewise(1, cond, 0)``."""
    is_bool = isinstance(e, Op) and e.op in _BOOLEAN
    if boolean and not is_bool:
        return _node(libsbml.AST_RELATIONAL_NEQ, to_ast(e), _number(0.0))
    if not boolean and is_bool:
        return _node(libsbml.AST_FUNCTION_PIECEWISE, _number(1.0), to_ast(e, boolean=True), _number(0.0))
    if isinstance(e, Num):
        return _number(e.value)
    if isinstance(e, Sym):
        if e.name == "t":
            n = libsbml.ASTNode(libsbml.AST_NAME_TIME)
            n.setName("time")
            return n
        n = libsbml.ASTNode(libsbml.AST_NAME)
        n.setName(e.name)
        return n
    assert isinstance(e, Op)
    op, a = e.op, e.args
    if op in ("and", "or", "not"):
        return _node(_SIMPLE[op], *(to_ast(x, boolean=True) for x in a))
    if op in _SIMPLE:
        return _node(_SIMPLE[op], *(to_ast(x) for x in a))
    if op == "sqrt":
        return _node(libsbml.AST_FUNCTION_ROOT, to_ast(a[0]))
    if op == "log10":
        base = libsbml.ASTNode(libsbml.AST_INTEGER)
        base.setValue(10)
        return _node(libsbml.AST_FUNCTION_LOG, base, to_ast(a[0]))  # <logbase> 10, then the argument
    if op in ("min", "max"):
        # Written as nested piecewise, which every SBML level and simulator reads.
        out = to_ast(a[0])
        for x in a[1:]:
            cmp = libsbml.AST_RELATIONAL_LEQ if op == "min" else libsbml.AST_RELATIONAL_GEQ
            left = out
            out = _node(libsbml.AST_FUNCTION_PIECEWISE, left, _node(cmp, left.deepCopy(), to_ast(x)), to_ast(x))
        return out
    if op == "piecewise":
        kids = []
        for i in range(0, len(a) - 1, 2):
            kids += [to_ast(a[i]), to_ast(a[i + 1], boolean=True)]
        kids.append(to_ast(a[-1]))
        return _node(libsbml.AST_FUNCTION_PIECEWISE, *kids)
    raise SBMLError(f"no SBML form for operator {op!r}")


def _check(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLError(f"cannot write {what}: {libsbml.OperationReturnValue_toString(code)}")


def _math(setter, e: Expr, what: str, *, boolean: bool = False) -> None:
    _check(setter(to_ast(e, boolean=boolean)), what)


def write_sbml(model: Model, path: str | os.PathLike | None = None, regimen: Regimen | None = None) -> str:
    """SBML Level 3 Version 2 text for ``model`` (written to ``path`` when given)."""
    for name in (*model.state_names, *model.parameter_names, *(i.name for i in model.intermediates)):
        if not _SID.fullmatch(name):
            raise SBMLError(f"{name!r} is not a valid SBML id (ASCII letters, digits and _); rename it to export")
    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    m.setId(model.id if model.id.isidentifier() else "iosim_model")
    m.setName(model.title)
    if model.reference.citation:
        m.setNotes(_notes(model))
    taken = {*model.state_names, *model.parameter_names, *(i.name for i in model.intermediates)}
    taken |= {r.name for r in model.reactions}
    compartment = _fresh(_COMPARTMENT, taken)
    c = m.createCompartment()
    c.setId(compartment)
    c.setSize(1.0)
    c.setConstant(True)
    c.setSpatialDimensions(3.0)

    explicit = {s for s, _ in model.equations}
    # Declaration order, not set order: the document must not depend on Python's hash seed.
    rate_terms: dict[str, list[Expr]] = {s: [model.rhs(s)] for s in model.state_names if s in explicit}
    for s in model.states:
        sp = m.createSpecies()
        sp.setId(s.name)
        sp.setName(s.description or s.name)
        sp.setCompartment(compartment)
        sp.setInitialAmount(s.initial)
        sp.setHasOnlySubstanceUnits(True)
        sp.setBoundaryCondition(s.name in explicit)
        sp.setConstant(False)
    for p in model.parameters:
        _parameter(m, p.name, p.value, True, p.description)
    for i in model.intermediates:
        _parameter(m, i.name, None, False, i.description)
        rule = m.createAssignmentRule()
        rule.setVariable(i.name)
        _math(rule.setMath, i.expr, f"assignment rule for {i.name}")
    for r in model.reactions:
        rx = m.createReaction()
        rx.setId(r.name)
        rx.setReversible(False)
        for state, coeff in r.changes:
            if coeff == 0:
                continue
            sr = rx.createReactant() if coeff < 0 else rx.createProduct()
            sr.setSpecies(state)
            sr.setStoichiometry(abs(coeff))
            sr.setConstant(True)
        touched = {state for state, coeff in r.changes if coeff != 0}
        for state in sorted((free_symbols(r.rate) & set(model.state_names)) - touched):
            rx.createModifier().setSpecies(state)  # SBML wants every species a rate reads declared
        law = rx.createKineticLaw()
        _math(law.setMath, r.rate, f"kinetic law of {r.name}")

    ids = taken
    for o in model.outputs:
        if o.name.isidentifier() and o.name not in ids and o.name != "t":
            _parameter(m, o.name, None, False, o.description)
            rule = m.createAssignmentRule()
            rule.setVariable(o.name)
            _math(rule.setMath, o.expr, f"output {o.name}")
            ids.add(o.name)

    if regimen is not None:
        _events(m, model, regimen, ids, rate_terms)
    for state, terms in rate_terms.items():
        rule = m.createRateRule()
        rule.setVariable(state)
        total = terms[0]
        for x in terms[1:]:
            total = total + x
        _math(rule.setMath, total, f"rate rule for {state}")

    text = libsbml.writeSBMLToString(doc)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def _parameter(m, pid: str, value: float | None, constant: bool, name: str = "") -> None:
    p = m.createParameter()
    p.setId(pid)
    if name:
        p.setName(name)
    if value is not None:
        p.setValue(value)
    p.setConstant(constant)


def _notes(model: Model) -> str:
    from xml.sax.saxutils import escape

    lines = [str(model.reference), *model.notes]
    body = "".join(f"<p>{escape(x)}</p>" for x in lines)
    return f'<body xmlns="http://www.w3.org/1999/xhtml">{body}</body>'


def _fresh(wanted: str, ids: set[str]) -> str:
    name = wanted
    k = 1
    while name in ids:
        k += 1
        name = f"{wanted}_{k}"
    ids.add(name)
    return name


def _event(m, eid: str, time: float, assignments: list[tuple[str, Expr]]) -> None:
    ev = m.createEvent()
    ev.setId(eid)
    ev.setUseValuesFromTriggerTime(True)
    trig = ev.createTrigger()
    trig.setInitialValue(False)  # a dose at the start time fires at the start
    trig.setPersistent(True)
    _math(trig.setMath, Op("ge", (Sym("t"), Num(float(time)))), f"trigger of {eid}", boolean=True)
    for var, e in assignments:
        ea = ev.createEventAssignment()
        ea.setVariable(var)
        _math(ea.setMath, e, f"assignment of {eid}")


def _events(m, model: Model, regimen: Regimen, ids: set[str], rate_terms: dict[str, list[Expr]]) -> None:
    for k, dose in enumerate(regimen, start=1):
        model.state_index(dose.state)
        if not math.isfinite(dose.time):
            raise SBMLError(f"dose {k} has no finite time")
        if isinstance(dose, Bolus):
            eid = _fresh(f"dose_{k}_bolus_{dose.state}", ids)
            _event(m, eid, dose.time, [(dose.state, Sym(dose.state) + dose.amount)])
        elif isinstance(dose, SetState):
            eid = _fresh(f"dose_{k}_set_{dose.state}", ids)
            _event(m, eid, dose.time, [(dose.state, Num(dose.value))])
        elif isinstance(dose, Infusion):
            pid = _fresh(f"{dose.state}_infusion_{k}", ids)
            _parameter(m, pid, 0.0, False, f"infusion {k} into {dose.state} (rate while running)")
            _event(m, _fresh(f"dose_{k}_infusion_on", ids), dose.time, [(pid, Num(dose.rate))])
            _event(m, _fresh(f"dose_{k}_infusion_off", ids), dose.end, [(pid, Num(0.0))])
            if dose.state in rate_terms:
                rate_terms[dose.state].append(Sym(pid))
            else:
                rx = m.createReaction()
                rx.setId(_fresh(f"infusion_{k}_{dose.state}", ids))
                rx.setReversible(False)
                sr = rx.createProduct()
                sr.setSpecies(dose.state)
                sr.setStoichiometry(1.0)
                sr.setConstant(True)
                law = rx.createKineticLaw()
                _math(law.setMath, Sym(pid), f"infusion {k}")
        else:
            raise SBMLError(f"cannot export dose {dose!r} as an SBML event")
