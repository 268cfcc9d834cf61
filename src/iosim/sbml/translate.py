"""The translation behind :func:`iosim.sbml.read_sbml` (the mapping is described there)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import libsbml

from iosim.dosing import Bolus, Regimen
from iosim.errors import ExpressionError
from iosim.expr import Expr, Sym, diff, evaluate, free_symbols, substitute
from iosim.model import Model, ModelBuilder, Reference
from iosim.sbml.errors import SBMLError, UnsupportedSBMLError
from iosim.sbml.events import dose, trigger_time
from iosim.sbml.math import HUGE, HUGE_VALUE, TIME, FunctionDef, constant, function_definition, to_expr


def _sid(x) -> str:
    return x.getId() if x.isSetId() else ""


@dataclass(frozen=True)
class SBMLImport:
    """The translated model and how each SBML symbol reads in it."""

    model: Model
    #: SBML id -> expression (over model names) of the value SBML means by that id.
    symbols: dict[str, Expr] = field(default_factory=dict)
    #: Species id -> expression of its amount.
    amounts: dict[str, Expr] = field(default_factory=dict)
    #: Species id -> expression of its concentration (amount / compartment size).
    concentrations: dict[str, Expr] = field(default_factory=dict)
    #: Events that fire at fixed times, as doses (see :mod:`iosim.sbml.events`).
    regimen: Regimen = field(default_factory=Regimen)
    level: int = 3
    version: int = 2
    #: No species, rate rule or reaction and no output: the model holds constants (and rules on
    #: them) only. The SBML test suite checks such models' values; a simulation shows nothing.
    nothing_to_simulate: bool = False


class Translator:
    """One SBML document to one :class:`SBMLImport`."""

    def __init__(self, doc: libsbml.SBMLDocument, model_id: str | None):
        self.doc, self.m = doc, doc.getModel()
        self.level, self.version = doc.getLevel(), doc.getVersion()
        self.model_id = model_id or self.m.getId() or "sbml_model"
        self.functions: dict[str, FunctionDef] = {}
        self.used: set[str] = set()  # every SBML id and every new name
        self.rename: dict[str, str] = {}  # SBML id -> model name
        self.kind: dict[str, str] = {}  # compartment / species / parameter / stoichiometry / reaction
        self.raw: dict[str, Expr | None] = {}  # default value expression (SBML space); None: unset
        self.initial: dict[str, Expr] = {}  # initial assignments (SBML space)
        self.assigned: dict[str, Expr] = {}  # assignment rules (SBML space)
        self.rates: dict[str, Expr] = {}  # rate rules (SBML space)
        self.kinetic: dict[str, Expr] = {}  # reaction id -> kinetic law (SBML space)
        self.local_values: dict[str, float] = {}  # renamed local parameter -> value
        self.species_comp: dict[str, str] = {}
        self.only_substance: dict[str, bool] = {}

    # -- checks ---------------------------------------------------------------------------
    def _reject_unsupported(self) -> None:
        doc, m = self.doc, self.m
        for i in range(doc.getNumPlugins()):
            name = doc.getPlugin(i).getPackageName()
            if doc.isPackageEnabled(name) and name not in _IGNORED_PACKAGES:
                raise UnsupportedSBMLError(f"SBML package '{name}'")
        if doc.getNumUnknownPackages():
            raise UnsupportedSBMLError(f"SBML package '{doc.getUnknownPackagePrefix(0)}'")
        for i in range(m.getNumRules()):
            if m.getRule(i).isAlgebraic():
                raise UnsupportedSBMLError("algebraic rules")
        for i in range(m.getNumReactions()):
            r = m.getReaction(i)
            if r.isSetFast() and r.getFast():
                raise UnsupportedSBMLError("fast reactions", f"reaction {r.getId()}")

    # -- names ----------------------------------------------------------------------------
    def _fresh(self, wanted: str) -> str:
        name = wanted if wanted.isidentifier() and wanted != "t" else f"{wanted}_"
        while name in self.used or name == "t":
            name += "_"
        self.used.add(name)
        return name

    def _math(self, node, where: str, names: dict[str, str] | None = None) -> Expr:
        return to_expr(node, self.functions, where=where, names=names)

    # -- collection ------------------------------------------------------------------------
    def _collect(self) -> None:
        m = self.m
        ids = [
            *(_sid(m.getCompartment(i)) for i in range(m.getNumCompartments())),
            *(_sid(m.getSpecies(i)) for i in range(m.getNumSpecies())),
            *(_sid(m.getParameter(i)) for i in range(m.getNumParameters())),
            *(_sid(m.getReaction(i)) for i in range(m.getNumReactions())),
        ]
        self.used.update(x for x in ids if x)
        for i in range(m.getNumFunctionDefinitions()):
            fd = m.getFunctionDefinition(i)
            if fd.isSetMath():  # SBML L3V2: a definition without math has no effect
                self.functions[fd.getId()] = function_definition(fd, self.functions)

        for i in range(m.getNumCompartments()):
            c = m.getCompartment(i)
            self.kind[c.getId()] = "compartment"
            self.raw[c.getId()] = _num(c.getSize()) if c.isSetSize() else (_num(1.0) if self.level < 3 else None)
        for i in range(m.getNumParameters()):
            p = m.getParameter(i)
            self.kind[p.getId()] = "parameter"
            self.raw[p.getId()] = _num(p.getValue()) if p.isSetValue() else None
        for i in range(m.getNumSpecies()):
            s = m.getSpecies(i)
            sid, comp = s.getId(), s.getCompartment()
            self.kind[sid] = "species"
            self.species_comp[sid] = comp
            hosu = s.getHasOnlySubstanceUnits() if s.isSetHasOnlySubstanceUnits() else False
            c = m.getCompartment(comp)
            if c is None:
                raise SBMLError(f"species {sid} lives in unknown compartment {comp!r}")
            if c.isSetSpatialDimensions() and c.getSpatialDimensions() == 0:
                hosu = True  # a 0-D compartment has no size: its species are amounts
            self.only_substance[sid] = hosu
            if s.isSetInitialAmount():
                amount = _num(s.getInitialAmount())
                self.raw[sid] = amount if hosu else amount / Sym(comp)
            elif s.isSetInitialConcentration():
                conc = _num(s.getInitialConcentration())
                self.raw[sid] = conc * Sym(comp) if hosu else conc
            else:
                self.raw[sid] = None
        for i in range(m.getNumReactions()):
            self._collect_reaction(m.getReaction(i))
        for i in range(m.getNumInitialAssignments()):
            ia = m.getInitialAssignment(i)
            if not ia.isSetMath():  # SBML L3V2: no math, no effect
                continue
            self.initial[ia.getSymbol()] = self._math(ia.getMath(), f"initial assignment to {ia.getSymbol()}")
        for i in range(m.getNumRules()):
            rule = m.getRule(i)
            var = rule.getVariable()
            where = f"rule for {var}"
            if not rule.isSetMath():
                continue
            if var not in self.kind:
                raise SBMLError(f"{where}: no compartment, species, parameter or stoichiometry has that id")
            if rule.isRate():
                self.rates[var] = self._math(rule.getMath(), where)
            else:
                self.assigned[var] = self._math(rule.getMath(), where)
        for sid in self.kind:
            self.rename[sid] = self._fresh(sid) if (sid == "t" or not sid.isidentifier()) else sid

    def _collect_reaction(self, r: libsbml.Reaction) -> None:
        rid = r.getId()
        self.kind[rid] = "reaction"
        law = r.getKineticLaw() if r.isSetKineticLaw() else None
        names: dict[str, str] = {}
        if law is not None:
            locals_ = [law.getLocalParameter(i) for i in range(law.getNumLocalParameters())]
            locals_ += [law.getParameter(i) for i in range(law.getNumParameters()) if self.level < 3]
            for lp in locals_:
                new = self._fresh(f"{rid}_{lp.getId()}")
                names[lp.getId()] = new
                self.local_values[new] = lp.getValue() if lp.isSetValue() else math.nan
        if law is None or not law.isSetMath():
            self.kinetic[rid] = _num(0.0)
        else:
            self.kinetic[rid] = self._math(law.getMath(), f"kinetic law of {rid}", names)
        for sr in [r.getReactant(i) for i in range(r.getNumReactants())] + [
            r.getProduct(i) for i in range(r.getNumProducts())
        ]:
            if sr.isSetId() and sr.getId():
                self.kind[sr.getId()] = "stoichiometry"
                self.used.add(sr.getId())
                self.raw[sr.getId()] = _num(_stoichiometry(sr, self.level))

    # -- initial values ----------------------------------------------------------------------
    def _initial_values(self) -> dict[str, float]:
        exprs: dict[str, Expr | None] = {}
        for sid in self.kind:
            if self.kind[sid] == "reaction":
                exprs[sid] = self.kinetic[sid]
            elif sid in self.initial:
                exprs[sid] = self.initial[sid]
            elif sid in self.assigned:
                exprs[sid] = self.assigned[sid]
            else:
                exprs[sid] = self.raw[sid]
        values: dict[str, float] = {TIME: 0.0, HUGE: HUGE_VALUE, **self.local_values}
        visiting: set[str] = set()

        def value(sid: str) -> float:
            if sid in values:
                return values[sid]
            if sid not in exprs:
                raise SBMLError(f"math refers to {sid!r}, which the model does not define")
            if sid in visiting:
                raise SBMLError(f"initial values of {sid} depend on themselves (cyclic assignments)")
            visiting.add(sid)
            e = exprs[sid]
            if e is None:
                values[sid] = math.nan
                visiting.discard(sid)
                return math.nan
            env = {s: value(s) for s in free_symbols(e)}
            try:
                v = evaluate(e, env)
            except (ArithmeticError, ValueError, ExpressionError) as exc:
                raise SBMLError(f"cannot compute the initial value of {sid}: {exc}") from None
            visiting.discard(sid)
            values[sid] = v
            return v

        for sid in exprs:
            value(sid)
        return values

    # -- translation -----------------------------------------------------------------------
    def run(self) -> SBMLImport:
        self._reject_unsupported()
        self._collect()
        init = self._initial_values()
        m = self.m
        title = m.getName() if m.isSetName() else self.model_id
        b = ModelBuilder(
            _identifier(self.model_id),
            title,
            reference=Reference(f"SBML model {self.model_id} (Level {self.level} Version {self.version})"),
            time_unit=m.getTimeUnits() if m.isSetTimeUnits() else "",
        )
        src = f"SBML model {self.model_id}"

        # Which ids change, and how.
        changed_by_reactions = self._reaction_targets()
        role: dict[str, str] = {}
        for sid, kind in self.kind.items():
            if kind == "reaction":
                continue
            if sid in self.assigned:
                role[sid] = "intermediate"
            elif sid in self.rates or (kind == "species" and sid in changed_by_reactions):
                role[sid] = "state"
            elif kind == "species" or sid in self._event_targets():
                role[sid] = "state"  # species keep their amount; event targets change by jumps
            else:
                role[sid] = "parameter"

        # SBML space -> model space.
        sym: dict[str, Expr] = {TIME: Sym("t")}
        amounts: dict[str, Expr] = {}
        for sid, r in role.items():
            name = Sym(self.rename[sid])
            if self.kind[sid] == "species" and not self.only_substance[sid]:
                vol = Sym(self.rename[self.species_comp[sid]])
                sym[sid] = name / vol if r == "state" else name
                amounts[sid] = name if r == "state" else name * vol
            else:
                sym[sid] = name
                if self.kind[sid] == "species":
                    amounts[sid] = name
        for lp in self.local_values:
            sym[lp] = Sym(lp)
        reaction_sym: dict[str, Sym] = {}
        for rid in (k for k, v in self.kind.items() if v == "reaction"):
            sym[rid] = reaction_sym[rid] = Sym(rid if rid.isidentifier() and rid != "t" else self._fresh(rid))

        huge = self._fresh("sbml_huge")
        sym[HUGE] = Sym(huge)
        needs_huge = []

        def to_model(e: Expr) -> Expr:
            # Reaction ids inside rules stand for their rates: inline the kinetic law.
            out = substitute(substitute(e, {**self.kinetic}) if self._mentions_reaction(e) else e, sym)
            if huge in free_symbols(out):
                needs_huge.append(True)
            return out

        for lp, v in self.local_values.items():
            b.parameter(lp, _finite(lp, v), "", f"local parameter of a kinetic law in {src}", source=src, bounds=_ANY)
        for sid, r in role.items():
            if r != "parameter":
                continue
            unit, v = self._units(sid), init[sid]
            if not math.isfinite(v):  # unset (NaN) or infinite: iosim parameters are finite numbers
                b.intermediate(self.rename[sid], to_model(constant(v)), unit=unit)
                continue
            b.parameter(self.rename[sid], _finite(sid, v), unit, self._describe(sid), source=src, bounds=_ANY)
        states = [sid for sid, r in role.items() if r == "state"]
        states.sort(key=lambda sid: self.kind[sid] != "species")  # species first, in document order
        for sid in states:
            v = init[sid]
            if math.isnan(v) and self.raw.get(sid, 0) is None and sid not in self.initial:
                v = 0.0  # no initial value at all: start from 0, as common SBML tools do
                b.note(f"{sid} has no initial value in the SBML file; iosim starts it at 0.")
            if self.kind[sid] == "species" and not self.only_substance[sid]:
                v *= init[self.species_comp[sid]]
            b.state(
                self.rename[sid],
                self._units(sid),
                self._describe(sid),
                initial=_finite(sid, v),
                kind="other",
                extinction_threshold=None,
                nonnegative=False,
            )
        for sid in self._assignment_order(role):
            b.intermediate(self.rename[sid], to_model(self.assigned[sid]), unit=self._units(sid))

        # Reactions, with constant stoichiometries as changes; the rest as equation terms.
        extra: dict[str, list[Expr]] = {}
        for i in range(m.getNumReactions()):
            r = m.getReaction(i)
            rid = r.getId()
            changes: dict[Sym | str, float] = {}
            for sign, srs in ((-1.0, _reactants(r)), (1.0, _products(r))):
                for sr in srs:
                    sp = sr.getSpecies()
                    if sp not in changed_by_reactions:
                        continue
                    factor = self._conversion_factor(sp)
                    srid = sr.getId() if sr.isSetId() else ""
                    variable = (
                        sr.isSetStoichiometryMath() if self.level == 2 else (srid and role.get(srid) != "parameter")
                    )
                    fixed = init[srid] if srid else _stoichiometry(sr, self.level)
                    if not variable and factor is None:
                        target = self.rename[sp]
                        changes[target] = changes.get(target, 0.0) + sign * fixed
                        continue
                    if self.level == 2 and sr.isSetStoichiometryMath():
                        where = f"stoichiometryMath of {sp} in {rid}"
                        stoich = to_model(self._math(sr.getStoichiometryMath().getMath(), where))
                    elif variable:
                        stoich = sym[srid]
                    else:
                        stoich = _num(fixed)
                    term = sign * stoich * sym[rid]
                    if factor is not None:
                        term = term * sym[factor]
                    extra.setdefault(self.rename[sp], []).append(term)
            changes = {k: v for k, v in changes.items() if v != 0.0}
            b.reaction(reaction_sym[rid].name, to_model(self.kinetic[rid]), changes, description=r.getName())

        for sid, r in role.items():
            if r != "state" or sid not in self.rates:
                continue
            rate = to_model(self.rates[sid])
            if self.kind[sid] == "species" and not self.only_substance[sid]:
                comp = self.species_comp[sid]
                volume = sym[comp]
                rate = rate * volume + Sym(self.rename[sid]) / volume * self._volume_rate(comp, role, to_model)
            extra.setdefault(self.rename[sid], []).append(rate)
        for state, terms in extra.items():
            b.equation(state, sum(terms[1:], terms[0]))

        no_state = not any(r == "state" for r in role.values())
        if no_state:
            # iosim models need a state; SBML allows a model of rules only.
            b.state(self._fresh("no_state"), "", "placeholder: the SBML model has no state variables", kind="other")

        # Outputs: concentrations of amount states, and assignment-ruled species.
        for sid, r in role.items():
            if self.kind[sid] != "species":
                continue
            if r == "state" and not self.only_substance[sid]:
                b.output(self._fresh(f"{self.rename[sid]}_conc"), sym[sid], "", f"concentration of {sid}")
            elif r == "intermediate":
                b.output(self.rename[sid], sym[sid], self._units(sid), f"species {sid} (assignment rule)")
        b.note(
            "Imported from SBML: species states hold amounts; concentration species are read as "
            "amount/compartment in every formula and reported as <id>_conc outputs."
        )
        if needs_huge:
            b.parameter(huge, HUGE_VALUE, "", "stands in for SBML infinity (huge * 10 overflows to inf)", source=src)
        regimen = self._regimen(init, role)
        symbols = {k: v for k, v in sym.items() if k not in (TIME, HUGE)}
        concentrations = {
            sid: sym[sid] if not self.only_substance[sid] else amounts[sid] / sym[self.species_comp[sid]]
            for sid in amounts
        }
        try:
            model = b.build()
        except ExpressionError as e:
            raise SBMLError(str(e)) from None
        return SBMLImport(model, symbols, amounts, concentrations, regimen, self.level, self.version,
                          nothing_to_simulate=no_state and not model.outputs)  # fmt: skip

    # -- helpers ---------------------------------------------------------------------------
    def _regimen(self, init: dict[str, float], role: dict[str, str]) -> Regimen:
        """Fixed-time events as doses (see :mod:`iosim.sbml.events`)."""
        m = self.m
        constants = {sid for sid, r in role.items() if r == "parameter"} | set(self.local_values) | {HUGE}

        def value(e: Expr) -> float | None:
            names = free_symbols(e)
            if not names <= constants:
                return None
            try:
                return evaluate(e, {n: init[n] for n in names})
            except (ArithmeticError, ValueError, ExpressionError):
                return None

        doses = []
        for i in range(m.getNumEvents()):
            ev = m.getEvent(i)
            where = f"event {ev.getId() or i + 1}"
            delay = 0.0
            if ev.isSetDelay() and ev.getDelay().isSetMath():
                given = value(self._math(ev.getDelay().getMath(), where))
                if given is None or given < 0:
                    raise UnsupportedSBMLError("events with a delay that is not a constant", where)
                delay = given
            if ev.isSetPriority():
                raise UnsupportedSBMLError("event priorities", where)
            trig = ev.getTrigger()
            if trig is None or not trig.isSetMath():
                continue  # never fires
            found = trigger_time(self._math(trig.getMath(), where), value)
            if found is None:
                raise UnsupportedSBMLError("events with state-dependent triggers", where)
            at, strict = found
            if at < 0.0 or (at == 0.0 and not strict):  # the trigger already holds at the start
                if trig.getInitialValue():
                    continue  # no false-to-true transition: it never fires
                at = 0.0
            for j in range(ev.getNumEventAssignments()):
                ea = ev.getEventAssignment(j)
                var = ea.getVariable()
                if not ea.isSetMath():
                    continue
                if role.get(var) != "state":
                    raise UnsupportedSBMLError("event assigning a value that is not a state", f"{where}: {var}")
                scale = 1.0
                if self.kind[var] == "species" and not self.only_substance[var]:
                    comp = self.species_comp[var]
                    if role[comp] != "parameter":
                        raise UnsupportedSBMLError("event on a species in a varying compartment", where)
                    scale = init[comp]
                assigned = self._math(ea.getMath(), where)
                d = dose(self.rename[var], var, assigned, at + delay, scale, value, f"{where}: {var}")
                if delay and isinstance(d, Bolus) and ev.getUseValuesFromTriggerTime():
                    # x + c computed at the trigger and assigned later is not an added amount.
                    raise UnsupportedSBMLError("delayed event using values from its trigger time", where)
                doses.append(d)
        return Regimen(tuple(doses), "SBML events" if doses else "")

    def _event_targets(self) -> set[str]:
        m = self.m
        return {
            m.getEvent(i).getEventAssignment(j).getVariable()
            for i in range(m.getNumEvents())
            for j in range(m.getEvent(i).getNumEventAssignments())
        }

    def _mentions_reaction(self, e: Expr) -> bool:
        return any(self.kind.get(s) == "reaction" for s in free_symbols(e))

    def _reaction_targets(self) -> set[str]:
        out = set()
        m = self.m
        for i in range(m.getNumReactions()):
            r = m.getReaction(i)
            for sr in _reactants(r) + _products(r):
                s = m.getSpecies(sr.getSpecies())
                if s is None:
                    raise SBMLError(f"reaction {r.getId()} refers to unknown species {sr.getSpecies()!r}")
                if not s.getBoundaryCondition() and not _species_constant(s):
                    out.add(s.getId())
        return out

    def _conversion_factor(self, sp: str) -> str | None:
        if self.level < 3:
            return None
        s = self.m.getSpecies(sp)
        if s.isSetConversionFactor():
            return s.getConversionFactor()
        if self.m.isSetConversionFactor():
            return self.m.getConversionFactor()
        return None

    def _volume_rate(self, comp: str, role: dict[str, str], to_model) -> Expr:
        """d(compartment size)/dt as an expression over model names."""
        if role.get(comp) == "parameter":
            return _num(0.0)
        if comp in self.rates:
            return to_model(self.rates[comp])
        # Assignment-ruled: differentiate the rule (states' rates must not need this one).
        size = to_model(self.assigned[comp])
        env: dict[str, Expr] = {}
        for i in self._assignment_order(role):
            env[self.rename[i]] = substitute(to_model(self.assigned[i]), env)
        size = substitute(size, env)
        total = diff(size, "t")
        for s in free_symbols(size):
            if s != "t" and role.get(self._sbml_id(s)) == "state":
                sid = self._sbml_id(s)
                if sid in self.rates and self.kind[sid] != "species":
                    total = total + diff(size, s) * to_model(self.rates[sid])
                else:
                    raise UnsupportedSBMLError(
                        "rate rule on a concentration in a compartment whose assigned size depends on species"
                    )
        return total

    def _sbml_id(self, name: str) -> str:
        for k, v in self.rename.items():
            if v == name:
                return k
        return name

    def _assignment_order(self, role: dict[str, str]) -> list[str]:
        pending = [s for s, r in role.items() if r == "intermediate"]
        uses = {s: free_symbols(substitute(self.assigned[s], self.kinetic)) for s in pending}
        deps = {s: {d for d in uses[s] if d in pending and d != s} for s in pending}
        for s in pending:
            if s in uses[s]:
                raise SBMLError(f"assignment rule for {s} refers to itself")
        order: list[str] = []
        done: set[str] = set()
        while pending:
            ready = [s for s in pending if deps[s] <= done]
            if not ready:
                raise SBMLError(f"assignment rules form a cycle among {sorted(pending)}")
            for s in ready:
                order.append(s)
                done.add(s)
            pending = [s for s in pending if s not in done]
        return order

    def _units(self, sid: str) -> str:
        obj = self.m.getElementBySId(sid)
        if self.kind.get(sid) == "species":
            return obj.getSubstanceUnits() if obj.isSetSubstanceUnits() else ""
        if self.kind.get(sid) in ("compartment", "parameter") and obj.isSetUnits():
            return obj.getUnits()
        return ""

    def _describe(self, sid: str) -> str:
        obj = self.m.getElementBySId(sid)
        name = obj.getName() if obj is not None and obj.isSetName() else sid
        return f"{self.kind[sid]} {name}"


_ANY = (-math.inf, math.inf)
#: libSBML's plugin for core L3V2 math, and diagram packages that carry no dynamics.
_IGNORED_PACKAGES = {"l3v2extendedmath", "layout", "render"}


def _num(v: float) -> Expr:
    return constant(float(v))


def _finite(sid: str, v: float) -> float:
    if not math.isfinite(v):
        raise SBMLError(f"{sid} has no finite initial value ({v}); give it a value or an initial assignment")
    return float(v)


def _identifier(text: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in text)
    return out if out.isidentifier() else f"m_{out}"


def _reactants(r: libsbml.Reaction) -> list:
    return [r.getReactant(i) for i in range(r.getNumReactants())]


def _products(r: libsbml.Reaction) -> list:
    return [r.getProduct(i) for i in range(r.getNumProducts())]


def _stoichiometry(sr, level: int) -> float:
    if sr.isSetStoichiometry():
        return float(sr.getStoichiometry())
    return 1.0


def _species_constant(s) -> bool:
    return bool(s.isSetConstant() and s.getConstant())
