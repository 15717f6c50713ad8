"""Issue #12 item 8: an upload cannot exhaust the server.

Replayed as a school admin would, through the real upload form (CSRF on): a 300 KB XLSX holding
one 300 MB shared string (took the worker from 211 MB to 1.1 GB), a sheet of hundreds of
thousands of empty cells (95 s per preview, re-read on every preview GET). Each is now refused
quickly, in bounded memory, with a Bulgarian message naming the limit; a preview shown again is
not parsed again. The files are generated in tests/upload_bombs.py.
"""

from __future__ import annotations

import io
import time
import tracemalloc
from typing import Any

import pytest
from flask.testing import FlaskClient

from onboarding import importer
from onboarding import tabular
from onboarding.file_error import ImportFileError
from onboarding.importer import SUBJECT_COLUMNS
from onboarding.limits import Limits
from onboarding.tabular import read_table
from tests.conftest import csrf_from
from tests.conftest import login_staff
from tests.upload_bombs import empty_cells
from tests.upload_bombs import huge_shared_string

ADMIN = "direktor@sou1.demo.bg"


def upload(client: FlaskClient, filename: str, data: bytes) -> Any:
    page = client.get("/onboarding/import")
    response = client.post(
        "/onboarding/import/subjects",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)),
              "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def refused_quickly(data: bytes, **limits: int) -> tuple[str, float, float]:
    """The refusal's message, its time (untraced) and its peak memory in MB (tracemalloc)."""
    start = time.monotonic()
    with pytest.raises(ImportFileError) as refused:
        read_table("list.xlsx", data, SUBJECT_COLUMNS, Limits(**limits))
    seconds = time.monotonic() - start
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError):
            read_table("list.xlsx", data, SUBJECT_COLUMNS, Limits(**limits))
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return refused.value.message_bg, seconds, peak


def test_300_mb_shared_string_in_a_300_kb_xlsx_is_refused_by_its_declared_size() -> None:
    data = huge_shared_string(300)
    assert len(data) < 400_000
    message, seconds, peak = refused_quickly(data)
    assert "над 20 MB" in message
    assert seconds < 2 and peak < 30, (seconds, peak)


def test_a_long_shared_string_within_the_size_is_refused_by_the_cell_length() -> None:
    message, seconds, peak = refused_quickly(huge_shared_string(4))
    assert "над 2000 знака" in message
    assert seconds < 3 and peak < 40, (seconds, peak)


def test_hundreds_of_thousands_of_empty_cells_are_refused_at_the_cell_limit() -> None:
    data = empty_cells(rows=150, per_row=4000)  # 600,000 cells in wide rows, 6 MB unpacked
    message, seconds, peak = refused_quickly(data)
    assert "над 500000 клетки" in message
    assert seconds < 5 and peak < 30, (seconds, peak)


def test_empty_rows_after_the_data_end_it_quickly() -> None:
    data = empty_cells(rows=5700, per_row=100)  # 570,000 empty cells after one subject
    start = time.monotonic()
    table = read_table("list.xlsx", data, SUBJECT_COLUMNS)
    assert [values["name"] for _, values in table.rows] == ["Математика"]
    assert time.monotonic() - start < 5


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("Предмет\n" + "x" * 2001 + "\n", "над 2000 знака"),
        ("Предмет\n" + "Математика\n" * 20002, "над 20000 реда"),
        ("Предмет" + ";x" * 61 + "\nМатематика\n", "над 60 колони"),
    ],
)
def test_csv_over_a_limit_is_refused_naming_it(text: str, limit: str) -> None:
    with pytest.raises(ImportFileError) as refused:
        read_table("list.csv", text.encode(), SUBJECT_COLUMNS)
    assert limit in refused.value.message_bg


def test_hostile_upload_through_the_form_is_a_bulgarian_error_naming_the_limit(
    demo_client: FlaskClient,
) -> None:
    login_staff(demo_client, ADMIN)
    url = upload(demo_client, "list.xlsx", huge_shared_string(300))
    start = time.monotonic()
    page = demo_client.get(url)
    assert page.status_code == 422 and time.monotonic() - start < 3
    assert "над 20 MB" in page.get_data(as_text=True)


def test_preview_shown_again_does_not_parse_the_file_again(
    demo_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = tabular.read_table

    def counting(filename: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(filename)
        return real(filename, *args, **kwargs)

    monkeypatch.setattr(importer, "read_table", counting)
    login_staff(demo_client, ADMIN)
    url = upload(demo_client, "list.csv", "Предмет;Кратко име\nАстрономия;АСТ\n".encode())
    for _ in range(3):
        page = demo_client.get(url)
        assert page.status_code == 200 and "Астрономия" in page.get_data(as_text=True)
    assert len(calls) == 1
    refused = upload(demo_client, "bomb.xlsx", huge_shared_string(300))
    for _ in range(2):
        assert demo_client.get(refused).status_code == 422
    assert len(calls) == 2  # a refused file is not read again either
