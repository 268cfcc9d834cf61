"""Model declarations: what a model is, and how to declare one."""

from iosim.model.builder import ModelBuilder
from iosim.model.declaration import (
    Intermediate,
    Model,
    Output,
    Parameter,
    Reaction,
    Reference,
    State,
)

__all__ = ["Intermediate", "Model", "ModelBuilder", "Output", "Parameter", "Reaction", "Reference", "State"]
