"""The reference engine's generated functions are remembered per model object, not on the frozen Model.

A changed model (``with_parameters``, ``dataclasses.replace``) is a new object: it must get functions
generated from its own declaration, never the ones of the model it was made from (the SBML Test Suite
runner adds outputs this way).
"""

from dataclasses import replace

import numpy as np

import iosim
from iosim.expr import Sym
from iosim.model import compiled
from iosim.model.compiled import compile_model, output_function
from iosim.model.declaration import Output


def test_a_model_object_is_generated_once():
    model = iosim.get_model("kuznetsov1994")
    assert compile_model(model) is compile_model(model)
    assert output_function(model, "tumour_cells") is output_function(model, "tumour_cells")


def test_a_changed_model_gets_functions_of_its_own_declaration():
    model = iosim.get_model("kuznetsov1994")
    compile_model(model)
    doubled = replace(model, outputs=(Output("double_T", Sym("T") * 2.0, "cells"),))
    assert compile_model(doubled) is not compile_model(model)
    y = np.array([[1.0], [3.0]])  # E, T at one time
    p = np.array(doubled.parameter_values())[:, None]
    np.testing.assert_array_equal(compile_model(doubled).outputs(np.zeros(1), y, p), [[6.0]])
    np.testing.assert_array_equal(output_function(doubled, "double_T")(np.zeros(1), y, p), [6.0])
    # Parameters changed: functions generated for the new object (whose constants it carries).
    faster = model.with_parameters(s=2.0 * model.parameter_values()[0])
    assert compile_model(faster).model is faster and compile_model(model).model is model

def test_the_registry_stays_bounded(monkeypatch):
    monkeypatch.setattr(compiled, "_GENERATED", {})
    monkeypatch.setattr(compiled, "_MAX", 3)
    model = iosim.get_model("kuznetsov1994")
    for k in range(10):
        compile_model(model.with_parameters(s=1e4 * (k + 1)))
        assert len(compiled._GENERATED) <= 3
