"""Exceptions raised by iosim.

Every error derives from :class:`IosimError` and mixes in the built-in it refines,
so callers can catch either::

    IosimError
    ├── ModelError (ValueError)           a model declaration is inconsistent
    │   ├── UnknownNameError (KeyError)   a state, parameter or model id does not exist
    │   ├── SBMLError                     an SBML document cannot be read or translated (iosim.sbml)
    │   │   └── UnsupportedSBMLError      it uses a construct iosim does not support
    │   └── NotEventReadableError         the model cannot run event by event (iosim.stochastic)
    ├── ExpressionError (ValueError)      an expression uses an unsupported construct
    ├── DosingError (ValueError)          a dose or regimen is malformed
    ├── InputError (ValueError)           a user-supplied value is out of range
    │   ├── TrialSpecError                a trial specification is invalid (iosim.trials)
    │   ├── StoreError                    a results folder cannot be used (iosim.trials)
    │   ├── RegistryError                 the calibration registry is malformed (iosim.validation)
    │   ├── EventTableError               an event table is malformed (iosim.exchange)
    │   ├── CriteriaError                 response criteria unknown or unfit for the cancer (iosim.endpoints)
    │   └── FitError                      data or fitting options cannot be used (iosim.fitting)
    ├── SimulationError (RuntimeError)    the integrator failed
    └── QueueFull                         the web app's trial queue is full (iosim.web, a 429)

The subclasses outside this module live beside the code that raises them. Built-in exceptions
are raised only where a protocol asks for one: ``ValueError`` inside pydantic validators (pydantic
reports it as a ``ValidationError``, turned into ``TrialSpecError`` or a 422) and ``AttributeError``
from the package's module ``__getattr__``. ``tests/test_architecture.py`` checks all of this.
"""

from __future__ import annotations

import difflib


class IosimError(Exception):
    """Root of every error iosim raises on purpose."""


class ModelError(IosimError, ValueError):
    """A model declaration is inconsistent (duplicate name, missing equation, ...)."""


class UnknownNameError(ModelError, KeyError):
    """A name (state, parameter, model id) that does not exist."""

    def __init__(self, kind: str, name: str, choices: list[str] | tuple[str, ...]):
        self.kind, self.name, self.choices = kind, name, tuple(choices)
        close = difflib.get_close_matches(name, self.choices, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"choose from {', '.join(self.choices)}"
        super().__init__(f"unknown {kind} {name!r}: {hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class ExpressionError(IosimError, ValueError):
    """An expression uses an operator or function iosim does not support."""


class DosingError(IosimError, ValueError):
    """A dose, infusion or regimen is malformed."""


class InputError(IosimError, ValueError):
    """A user-supplied value is out of range or not finite."""


class SimulationError(IosimError, RuntimeError):
    """The numerical integration failed."""
