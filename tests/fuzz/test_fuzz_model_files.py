"""Fuzzing model files: SBML (``.xml``) and Antimony (``.ant``) through ``load_model_file``.

Seeds are the small documents of the SBML Test Suite (``tests/data``) and a BioModels file.
Mutations work on the XML tree (drop, duplicate or retag an element, garbage attributes and
numbers, deeply nested math, another namespace) and on the text (truncation, invalid UTF-8,
NUL bytes). A file that loads must describe itself (what ``iosim show`` prints) and carry
finite doses.
"""

from __future__ import annotations

import copy
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from iosim.model.describe import equation_lines, parameter_rows
from iosim.models import load_model_file
from iosim.sbml import import_sbml

from ._contract import REPO, FileGuard, outcome
from ._strategies import NASTY_TEXT, mutated_text

DATA = REPO / "tests" / "data"
#: Small test-suite documents (under 4 kB: quick to parse, many constructs) and one BioModels file.
SEEDS = sorted(str(p.relative_to(DATA)) for p in DATA.glob("sbml-test-suite/semantic/*/*-sbml-l3v2.xml")
               if p.stat().st_size < 4000) + ["biomodels/BIOMD0000000762.xml"]  # fmt: skip
MATHML = "http://www.w3.org/1998/Math/MathML"
SBML_L3V2 = "http://www.sbml.org/sbml/level3/version2/core"
TAGS = ["apply", "ci", "cn", "csymbol", "piecewise", "lambda", "bvar", "plus", "divide", "minus", "power", "root",
        "log", "delay", "species", "parameter", "event", "rateRule", "reaction", "kineticLaw"]  # fmt: skip
GARBAGE = [*NASTY_TEXT, "NaN", "INF", "-INF", "1e308", "t", "time", "true", "0", "-0", "3.5"]


@st.composite
def mutated_sbml(draw) -> bytes:
    """A test-suite document with 1..3 tree mutations, or one text mutation."""
    text = (DATA / draw(st.sampled_from(SEEDS))).read_text(encoding="utf-8")
    if draw(st.integers(0, 4)) == 0:
        return draw(mutated_text(text, steps=2))
    ET.register_namespace("", SBML_L3V2)
    ET.register_namespace("m", MATHML)
    root = ET.fromstring(text)
    for _ in range(draw(st.integers(1, 3))):
        pairs = [(p, c) for p in root.iter() for c in p]
        if not pairs:
            break
        parent, child = draw(st.sampled_from(pairs))
        kind = draw(st.sampled_from(["drop", "duplicate", "attribute", "text", "retag", "nest", "namespace"]))
        if kind == "drop":
            parent.remove(child)
        elif kind == "duplicate":  # duplicate ids, two <math> elements, two kinetic laws, ...
            parent.insert(list(parent).index(child), copy.deepcopy(child))
        elif kind == "attribute":
            name = draw(st.sampled_from([*child.attrib, "id", "value", "size", "stoichiometry", "constant", "units"]))
            child.set(name, draw(st.sampled_from(GARBAGE)))
        elif kind == "text":
            child.text = draw(st.sampled_from(GARBAGE))
        elif kind == "retag" and "}" in child.tag:
            child.tag = re.sub(r"}.*", "}" + draw(st.sampled_from(TAGS)), child.tag)
        elif kind == "nest":  # wrap a formula in many operators
            maths = [e for e in root.iter() if e.tag == f"{{{MATHML}}}math" and len(e)]
            if maths:
                math_el = draw(st.sampled_from(maths))
                node = math_el[0]
                math_el.remove(node)
                for _ in range(draw(st.sampled_from([10, 150, 250]))):  # deeper: see below
                    wrapper = ET.Element(f"{{{MATHML}}}apply")
                    ET.SubElement(wrapper, f"{{{MATHML}}}{draw(st.sampled_from(['minus', 'exp', 'abs', 'plus']))}")
                    wrapper.append(node)
                    node = wrapper
                math_el.append(node)
        else:
            ns = draw(st.sampled_from(["http://x", "", "http://www.sbml.org/sbml/level2/version4"]))
            return ET.tostring(root, encoding="unicode").replace(SBML_L3V2, ns).encode("utf-8")
    out = ET.tostring(root, encoding="unicode")
    if draw(st.integers(0, 9)) == 0:  # nesting too deep for ElementTree to write: edit the text
        out = re.sub(r"(<m:math[^>]*>)(.*?)(</m:math>)", lambda m: m[1] + "<m:apply><m:minus/>" * 3000 + m[2]
                     + "</m:apply>" * 3000 + m[3], out, count=1, flags=re.S)  # fmt: skip
    return out.encode("utf-8")


def _check_loaded(loaded) -> None:
    model, regimen = loaded
    assert equation_lines(model) and parameter_rows(model) is not None
    assert all(math.isfinite(e.time) for e in regimen)


def _load(folder: Path, name: str, data: bytes) -> None:
    path = folder / "in" / name
    path.write_bytes(data)
    loaded, _ = outcome(load_model_file, str(path))
    if loaded is not None:
        _check_loaded(loaded)


@settings(max_examples=250)
@given(mutated_sbml())
def test_mutated_sbml_files_load_or_fail_with_one_line(workdir, data):
    guard = FileGuard(workdir)
    _load(workdir, "model.xml", data)
    # The same document as text, as a web form would pass it (undecodable bytes kept as
    # lone surrogates: text read with errors="surrogateescape").
    outcome(import_sbml, "<" + data.decode("utf-8", "surrogateescape").lstrip("\ufeff \t\r\n<"))
    guard.check()


ANTIMONY = [
    "model tumour\n  T' = r*T*(1 - T/K) - k*E*T\n  E' = s - d*E\n  T = 1e6; E = 1e5\n"
    "  r = 0.5; K = 1e9; k = 1e-7; s = 1e4; d = 0.1\nend\n",
    "model m\n  J0: A -> B; k1*A\n  J1: B -> ; k2*B\n  A = 10; B = 0; k1 = 0.3; k2 = 0.1\n"
    "  at (time > 5): A = A + 2\nend\n",
    "function hill(x, h, n)\n  x^n/(h^n + x^n)\nend\nmodel m\n  compartment c = 2\n  species S in c = 1\n"
    "  S' = hill(S, 0.5, 2) - 0.1*S\n  y := S*2\nend\n",
]
TOKENS = ["", "(", ")", "'", ";", "=", ":=", "->", "+", "*", "/", "^", "1e999", "NaN", "-", "end", "model", "at",
          "time", "delay(S, 1)", "rateOf(S)", "import", "\"x.ant\"", "\udcff", "\x00", "\n", "x" * 50]  # fmt: skip


@st.composite
def mutated_antimony(draw) -> bytes:
    text = draw(st.sampled_from(ANTIMONY))
    if draw(st.booleans()):
        return draw(mutated_text(text, steps=2))
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 3))
        text = text[:pos] + draw(st.sampled_from(TOKENS)) + text[pos + cut :]
    return text.encode("utf-8", "surrogateescape")


@settings(max_examples=100)
@given(mutated_antimony())
def test_mutated_antimony_files_load_or_fail_with_one_line(workdir, data):
    guard = FileGuard(workdir)
    _load(workdir, "model.ant", data)
    guard.check()
