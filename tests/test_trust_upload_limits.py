"""Issue #12 item 8: an upload cannot exhaust the server.

Replayed as a school admin would, through the real upload form (CSRF on): a 300 KB XLSX holding
one 300 MB shared string (took the worker from 211 MB to 1.1 GB), a sheet of hundreds of
thousands of empty cells (95 s per preview, re-read on every preview GET). Each is now refused
quickly, in bounded memory, with a Bulgarian message naming the limit; a preview shown again is
not parsed again. The cost is counted (XML elements scanned, workbooks opened, rows read),
never timed: speed lives in bench/upload_limits.py. The files are generated in
tests/upload_bombs.py.
"""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import openpyxl
import pytest
from flask.testing import FlaskClient

from onboarding import importer
from onboarding import limits as limits_module
from onboarding import tabular
from onboarding.file_error import ImportFileError
from onboarding.import_subjects import SUBJECT_COLUMNS
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


@dataclass
class Work:
    """What reading a file cost, counted rather than timed: XML elements the limit scan
    streamed, workbooks openpyxl opened (the 95 s part) and rows it was asked for."""

    elements: int = 0
    workbooks: int = 0
    rows_asked: list[int] = field(default_factory=list)


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Work:
    counted = Work()
    real_stream = limits_module._stream
    real_load = openpyxl.load_workbook

    def stream(source: Any) -> Iterator[Any]:
        for item in real_stream(source):
            counted.elements += 1
            yield item

    def load_workbook(*args: Any, **kwargs: Any) -> Any:
        counted.workbooks += 1
        book = real_load(*args, **kwargs)
        real_iter = book.worksheets[0].iter_rows

        def iter_rows(*a: Any, **k: Any) -> Any:
            counted.rows_asked.append(int(k.get("max_row") or 0))
            return real_iter(*a, **k)

        book.worksheets[0].iter_rows = iter_rows
        return book

    monkeypatch.setattr(limits_module, "_stream", stream)
    monkeypatch.setattr(openpyxl, "load_workbook", load_workbook)
    return counted


def refused(data: bytes, **limits: int) -> tuple[str, float]:
    """The refusal's message and its peak memory in MB (tracemalloc)."""
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as refusal:
            read_table("list.xlsx", data, SUBJECT_COLUMNS, Limits(**limits))
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return refusal.value.message_bg, peak


def test_300_mb_shared_string_in_a_300_kb_xlsx_is_refused_by_its_declared_size(
    work: Work,
) -> None:
    data = huge_shared_string(300)
    assert len(data) < 400_000
    message, peak = refused(data)
    assert "над 20 MB" in message
    assert (work.elements, work.workbooks) == (0, 0)  # refused before a byte is unpacked
    assert peak < 30, peak


def test_a_long_shared_string_within_the_size_is_refused_by_the_cell_length(
    work: Work,
) -> None:
    message, peak = refused(huge_shared_string(4))
    assert "над 2000 знака" in message
    assert work.workbooks == 0 and work.elements == 4  # </t></si> twice: stops at the long string
    assert peak < 40, peak


def test_hundreds_of_thousands_of_empty_cells_are_refused_at_the_cell_limit(work: Work) -> None:
    data = empty_cells(rows=150, per_row=4000)  # 600,000 cells in wide rows, 6 MB unpacked
    message, peak = refused(data)
    assert "над 500000 клетки" in message
    assert work.workbooks == 0  # openpyxl never reads the sheet
    scanned_cells = work.elements - 5  # the shared strings' two <t>, two <si> and <sst>
    assert 500_000 < scanned_cells < 500_000 + 200, scanned_cells  # stops at the limit
    assert peak < 30, peak


def test_empty_rows_after_the_data_end_it_quickly(work: Work) -> None:
    data = empty_cells(rows=5700, per_row=100)  # 570,000 empty cells after one subject
    table = read_table("list.xlsx", data, SUBJECT_COLUMNS)
    assert [values["name"] for _, values in table.rows] == ["Математика"]
    assert work.rows_asked == [2]  # openpyxl reads the header and the one subject, no more
    assert work.elements < 570_000 // 10, work.elements  # the scan stops after the empty run


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
    demo_client: FlaskClient, work: Work
) -> None:
    login_staff(demo_client, ADMIN)
    url = upload(demo_client, "list.xlsx", huge_shared_string(300))
    page = demo_client.get(url)
    assert page.status_code == 422
    assert "над 20 MB" in page.get_data(as_text=True)
    assert (work.elements, work.workbooks) == (0, 0)


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
