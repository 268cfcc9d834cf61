"""One output on its own, broadcast over patients and times, equals the full outputs table."""

import numpy as np
import pytest

import iosim
from iosim.errors import UnknownNameError
from iosim.model.compiled import compile_model, output_function


@pytest.mark.parametrize("model_id", [m for m in iosim.model_ids() if iosim.get_model(m).outputs])
def test_each_output_alone_equals_the_full_table(model_id):
    model = iosim.get_model(model_id)
    rng = np.random.default_rng(0)
    n, m = 4, 6
    t = np.linspace(0.0, 30.0, m)
    y0 = np.array([s.initial for s in model.states], float)
    y = np.abs(y0)[:, None, None] * rng.uniform(0.5, 1.5, (len(model.states), n, m)) + 1.0
    p0 = np.array([p.value for p in model.parameters], float)
    p = p0[:, None, None] * rng.uniform(0.9, 1.1, (len(model.parameters), n, 1))
    # The full table takes flat columns: one per (patient, time).
    table = compile_model(model).outputs(np.tile(t, n), y.reshape(len(model.states), n * m),
                                         np.repeat(p[:, :, 0], m, axis=1))  # fmt: skip
    for k, name in enumerate(model.output_names):
        alone = output_function(model, name)(t, y, p)
        assert alone.shape == (n, m)
        np.testing.assert_array_equal(alone, table[k].reshape(n, m))


def test_unknown_output_names_the_choices():
    with pytest.raises(UnknownNameError, match="tumour_diameter_mm"):
        output_function(iosim.get_model("core"), "tumour_diameter")
