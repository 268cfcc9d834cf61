"""A catalogue model as plain data (equations, parameter table with sources) for the JSON API and
the workbench page alike."""

from __future__ import annotations

from iosim.errors import UnknownNameError


def model_card(model_id: str) -> dict:
    """Id, title, reference, states, outputs, equations and parameter rows of a catalogue model.

    Only catalogue ids are accepted (never a path to a model file): anything else raises
    :class:`~iosim.errors.UnknownNameError` naming the choices."""
    from iosim.model.describe import equation_lines, parameter_rows
    from iosim.models import get_model, model_ids

    if model_id not in model_ids():
        raise UnknownNameError("model", model_id, model_ids())
    m = get_model(model_id)
    return {
        "id": m.id,
        "title": m.title,
        "reference": str(m.reference) if m.reference else "",
        "states": list(m.state_names),
        "outputs": list(m.output_names),
        "equations": equation_lines(m),
        "parameters": [
            {"name": n, "value": v, "unit": u, "description": d, "source": s} for n, v, u, d, s in parameter_rows(m)
        ],
    }
