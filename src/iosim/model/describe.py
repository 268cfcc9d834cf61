"""Human-readable descriptions of a model: equations and parameter tables.

Used by ``iosim show`` and to generate ``docs/models/*.md`` (a test checks the generated
pages match the declarations).
"""

from __future__ import annotations

from iosim.expr import to_text
from iosim.expr.render import format_number
from iosim.model.declaration import Model


def equation_lines(model: Model) -> list[str]:
    """``d<state>/dt = ...`` per state, with intermediates and reactions listed first."""
    lines = [f"{i.name} = {to_text(i.expr)}" for i in model.intermediates]
    lines += [f"{r.name} = {to_text(r.rate)}" for r in model.reactions]
    lines += [f"d{s}/dt = {to_text(model.rhs(s))}" for s in model.state_names]
    return lines


def parameter_rows(model: Model) -> list[tuple[str, str, str, str, str]]:
    """(name, value, unit, description, source) per parameter."""
    return [(p.name, format_number(p.value), p.unit, p.description, p.source) for p in model.parameters]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(model: Model) -> str:
    """A documentation page for ``model``, generated from its declaration."""
    out = [f"# `{model.id}` — {model.title}", "", f"**Reference:** {model.reference}", ""]
    if model.description:
        out += [model.description, ""]
    out += ["## States", "", "| state | unit | description | initial | extinction rule |", "|---|---|---|---|---|"]
    for s in model.states:
        rule = "off" if s.extinction_threshold is None else f"below {format_number(s.extinction_threshold)} → 0"
        out.append(f"| `{s.name}` | {s.unit} | {_md_cell(s.description)} | {format_number(s.initial)} | {rule} |")
    out += ["", "## Equations", "", "```"] + equation_lines(model) + ["```", ""]
    if model.reactions:
        out += ["Reactions (each changes the listed states by whole units):", ""]
        for r in model.reactions:
            changes = ", ".join(f"{s} {c:+g}" for s, c in r.changes)
            out.append(f"- `{r.name}`: {changes}" + (f" — {r.description}" if r.description else ""))
        out.append("")
    out += ["## Parameters", "", "| name | value | unit | description | source |", "|---|---|---|---|---|"]
    for name, value, unit, desc, source in parameter_rows(model):
        out.append(f"| `{name}` | {value} | {_md_cell(unit)} | {_md_cell(desc)} | {_md_cell(source)} |")
    if model.outputs:
        out += ["", "## Outputs", "", "| name | unit | definition |", "|---|---|---|"]
        for o in model.outputs:
            out.append(f"| `{o.name}` | {o.unit} | `{_md_cell(to_text(o.expr))}` |")
    if model.notes:
        out += ["", "## Decisions and corrections", ""] + [f"- {_md_cell(n)}" for n in model.notes]
    return "\n".join(out) + "\n"
