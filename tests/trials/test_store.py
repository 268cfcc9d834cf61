"""The trial store's table downloads: a table written to a file reads back as :meth:`ResultStore.table` gives it."""

from __future__ import annotations

import pandas as pd
import pytest

from iosim.trials import ResultStore, StoreError
from iosim.trials.store import TABLES


def _chunk(arm: str, patients: range) -> dict[str, pd.DataFrame]:
    ids = list(patients)
    return {name: pd.DataFrame({"arm": arm, "patient": ids, "value": [p / 10 for p in ids]}) for name in TABLES}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_table_written_to_a_file_is_the_table_in_patient_order(tmp_path, fmt):
    with ResultStore(tmp_path / "results.duckdb") as store:
        store.start('{"name": "t"}', resume=False)
        # Chunks finish in any order (workers); the file lists the patients in order, as table() does.
        store.write_chunk("b", 1, _chunk("b", range(5, 10)))
        store.write_chunk("a", 0, _chunk("a", range(0, 5)))
        store.write_chunk("b", 0, _chunk("b", range(0, 5)))
        path = store.write_table("outcomes", tmp_path / f"outcomes.{fmt}", fmt)
        expected = store.table("outcomes")
    got = pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path)
    assert list(zip(got.arm, got.patient)) == [("a", p) for p in range(5)] + [("b", p) for p in range(10)]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_write_table_refuses_an_unknown_table_or_format(tmp_path):
    with ResultStore(tmp_path / "results.duckdb") as store:
        store.start('{"name": "t"}', resume=False)
        store.write_chunk("a", 0, _chunk("a", range(2)))
        with pytest.raises(StoreError, match="choose parquet or csv"):
            store.write_table("outcomes", tmp_path / "o.xlsx", "xlsx")
        with pytest.raises(StoreError, match="unknown table 'secrets'"):
            store.write_table("secrets", tmp_path / "o.csv", "csv")
    assert not (tmp_path / "o.csv").exists()
