"""Issue 14: downloads as the software that opens them reads them.

* every report's XLSX holds numbers as numbers (with a number format), never "4,00" as text,
  so that Excel or LibreOffice can sort and sum them; dates as dates;
* each download's ``Content-Type`` names its charset once (``text/csv; charset=utf-8``, the АСП
  file ``text/plain; charset=windows-1251``), as RFC 9110 allows a parameter once;
* the АСП file's name transliterates by the 2009 law (``otsastvia``, not ``otsastviya``).
"""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from onboarding import asp
from onboarding import report_render
from onboarding import reports
from tests.test_onboarding_reports import _class
from tests.test_onboarding_reports import login
from tests.test_onboarding_reports import needs_pdf_font

NUMBER_AS_TEXT = re.compile(r"^-?\d+(?:[,.]\d+)?$")
DATE_AS_TEXT = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")


@needs_pdf_font
def test_every_reports_xlsx_holds_numbers_and_dates_as_such(demo_app: Flask) -> None:
    klass = _class(1, "5а")
    texts: list[str] = []
    numbers = 0
    for key in reports.REPORTS:
        report = reports.build(key, 1, class_id=klass.id, term=1, year=2026, month=11)
        content, _, _ = report_render.render(report, "xlsx")
        sheet = load_workbook(io.BytesIO(content)).active
        assert sheet is not None
        for row in sheet.iter_rows(min_row=4):
            for cell in row:
                if isinstance(cell.value, str) and (
                    NUMBER_AS_TEXT.match(cell.value) or DATE_AS_TEXT.match(cell.value)
                ):
                    texts.append(f"{key} {cell.coordinate}: {cell.value!r}")
                elif isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    numbers += 1
                    assert cell.number_format != "General" or isinstance(cell.value, int), (
                        key,
                        cell.coordinate,
                    )
    assert texts == []
    assert numbers > 0


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        pytest.param("/onboarding/reports/success?format=csv", "text/csv; charset=utf-8", id="csv"),
        pytest.param("/onboarding/import/students/template.csv", "text/csv; charset=utf-8",
                     id="import-template"),
        pytest.param("/onboarding/asp?download=1&month=11.2026",
                     "text/plain; charset=windows-1251", id="asp"),
    ],
)  # fmt: skip
def test_a_download_names_its_charset_once(
    demo_app: Flask, demo_client: FlaskClient, url: str, content_type: str
) -> None:
    login(demo_client, demo_app, "direktor@sou1.demo.bg")
    response = demo_client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == content_type


def test_the_asp_file_name_follows_the_transliteration_law(demo_app: Flask) -> None:
    from models import School
    from models import db

    school = db.session.get(School, 1)
    assert asp.filename(school, 2026, 11) == f"otsastvia-{school.neispuo_code}-2026-11.txt"
