"""The use-cases say nothing to people inline: their Bulgarian texts live in catalogues and the
use-cases refer to them by key — the staff web's ``gradebook/messages.py``, the parent
accounts' ``notify/account_messages.py`` (also the contacts of ``onboarding/contacts.py``), the
portal's ``portal/messages.py``. The sources are
scanned (ast), so a new inline message, an unknown key, a stale entry or a placeholder that does
not match its call fails here."""

from __future__ import annotations

import ast
import pickle
import re
import string
from dataclasses import dataclass
from pathlib import Path

import pytest

from gradebook import core
from gradebook import messages as staff_messages
from gradebook import rules
from gradebook.messages import Text
from gradebook.messages import msg
from notify import account_messages
from notify import operations as account_ops
from portal import messages as portal_messages

ROOT = Path(__file__).resolve().parent.parent
CYRILLIC = re.compile("[\u0400-\u04ff]")

PASSWORD_MAIL = "password-reset e-mail: a notification text, out of scope"


# the staff use-cases, one module per topic, share one catalogue and one allow-list
STAFF_USE_CASES = ",".join(
    f"gradebook/{name}.py"
    for name in (
        "core",
        "grades",
        "absences",
        "remarks",
        "health",
        "events",
        "exams",
        "conversations",
        "people",
        "school",
        "timetable",
        "school_year",
        "topics",
        "homework",
        "substitutions",
        "parent_notes",
        "sanctions",
        "support",
        "class_notes",
        "book_lock",
        "book_seal",
        "pg_attendance",
        "year_results",
        "school_settings",
    )
)

# the parent portal's use-cases, one module per topic, share the portal catalogue
PORTAL_USE_CASES = ",".join(
    f"portal/{name}.py"
    for name in (
        "children",
        "child_grades",
        "dashboard",
        "events",
        "conversations",
        "receipts",
        "accounts",
        "my_data",
        "urgent",
        "urgent_views",
        "note_views",
    )
)


@dataclass(frozen=True)
class Source:
    path: str  # one file, or several joined by commas that are scanned as one
    catalogue: dict[str, str]
    allowed: dict[str, str]  # Bulgarian strings that stay inline → why


SOURCES = [
    Source(
        STAFF_USE_CASES,
        staff_messages.MESSAGES,
        {
            # data, not messages: the letters a teacher types for a СОП mark
            "з": "SOP input key",
            "с": "SOP input key",
            "п": "SOP input key",
            # notification payloads (rendered by the catalogue notify/messages.py)
            "ОТМЕНЕНО: ": "notification payload of a cancelled event",
            "Причина: ": "notification payload of a cancelled event",
            "ОТМЕНЕНА": "notification payload of a cancelled meeting",
            "Срещата е отменена. Причина: ": "notification payload of a cancelled meeting",
            # stored data: an enrolment's leaving reason, audit reasons of the year change
            "преместен": "Enrollment.left_reason default",
            "премина в {to}": "audit reason of the promotion",
            "повтаря в {to}": "audit reason of the promotion",
            "отписан в края на годината": "audit reason of the promotion",
            "завършил": "audit reason of the promotion",
        },
    ),
    Source("gradebook/staff_accounts.py", staff_messages.MESSAGES, {}),
    Source("gradebook/views/staff_accounts.py", staff_messages.MESSAGES, {}),
    Source("gradebook/views/class_book.py", staff_messages.MESSAGES, {}),
    Source(
        "notify/operations.py",
        account_messages.MESSAGES,
        {
            "Потвърдете електронната си поща": "verification e-mail: a notification text",
            "Здравейте! За да завършите регистрацията си в Бележник, отворете връзката "
            "(валидна 24 часа):\n": "verification e-mail: a notification text",
        },
    ),
    # the phone PIN's hard stop tells the guardians by SMS in the parent accounts' words
    Source("ivr/pin_lock.py", account_messages.MESSAGES, {}),
    Source("notify/families.py", account_messages.MESSAGES, {}),
    Source("notify/account_rules.py", account_messages.MESSAGES, {}),
    # a contact typed into a class list or the school sign-up, in the accounts' words
    Source("onboarding/contacts.py", account_messages.MESSAGES, {}),
    Source(
        PORTAL_USE_CASES,
        portal_messages.MESSAGES,
        {
            "нова парола": PASSWORD_MAIL,
            "Бележник: ": PASSWORD_MAIL,
            "Здравейте, ": PASSWORD_MAIL,
            "родител": PASSWORD_MAIL,
            "!\n\nПолучихме заявка за нова парола за профила Ви в Бележник. Ако сте Вие, "
            "отворете връзката в рамките на един час:\n\n": PASSWORD_MAIL,
            "\n\nАко не сте поискали нова парола, не правете нищо: старата остава в сила.\n": (
                PASSWORD_MAIL
            ),
        },
    ),
]
BY_PATH = pytest.mark.parametrize(
    "source",
    SOURCES,
    ids=[
        s.path
        if "," not in s.path
        else "portal-use-cases"
        if "portal/" in s.path
        else "gradebook-use-cases"
        for s in SOURCES
    ],
)


def _tree(source: Source) -> ast.Module:
    body: list[ast.stmt] = []
    for path in source.path.split(","):
        module = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        docstring = ast.get_docstring(module, clean=False) is not None
        body.extend(module.body[1:] if docstring else module.body)
    return ast.Module(body=body, type_ignores=[])


def _msg_calls(tree: ast.Module) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "msg"
    ]


def _key(call: ast.Call) -> str:
    assert len(call.args) == 1, f"line {call.lineno}: msg(key, **values)"
    key = call.args[0]
    assert isinstance(key, ast.Constant) and isinstance(key.value, str), (
        f"line {call.lineno}: the key must be a literal, so that it can be checked"
    )
    return key.value


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _inline_bulgarian(tree: ast.Module) -> list[tuple[int, str]]:
    """String constants (f-string parts included) with Cyrillic; docstrings left out."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and CYRILLIC.search(node.value)
    ]


@BY_PATH
def test_every_key_used_exists(source: Source) -> None:
    calls = _msg_calls(_tree(source))
    assert calls, "no catalogue key used: the scan is broken"
    unknown = [(call.lineno, _key(call)) for call in calls if _key(call) not in source.catalogue]
    assert unknown == []


@BY_PATH
def test_every_catalogue_entry_is_used(source: Source) -> None:
    """Used by one of the sources that share the catalogue (the staff catalogue serves the
    staff use-cases, the staff accounts and their pages)."""
    sharing = [s for s in SOURCES if s.catalogue is source.catalogue]
    used = {_key(call) for other in sharing for call in _msg_calls(_tree(other))}
    assert set(source.catalogue) - used == set()


@BY_PATH
def test_placeholders_match_each_call(source: Source) -> None:
    for call in _msg_calls(_tree(source)):
        key = _key(call)
        given = {kw.arg for kw in call.keywords}
        assert None not in given, f"line {call.lineno}: no **values, name each placeholder"
        assert given == _placeholders(source.catalogue[key]), f"line {call.lineno}: {key}"


@BY_PATH
def test_no_bulgarian_left_inline(source: Source) -> None:
    inline = _inline_bulgarian(_tree(source))
    unexpected = [(line, text) for line, text in inline if text not in source.allowed]
    assert unexpected == [], f"move these into the catalogue of {source.path}"
    # the allow-list does not outlive what it allows
    assert {text for _, text in inline} == set(source.allowed)


@pytest.mark.parametrize(
    ("catalogue", "key"),
    [(s.catalogue, key) for s in SOURCES for key in sorted(s.catalogue)],
    ids=[f"{s.path.split('/')[0]}:{key}" for s in SOURCES for key in sorted(s.catalogue)],
)
def test_entry_is_a_bulgarian_text_that_formats(catalogue: dict[str, str], key: str) -> None:
    template = catalogue[key]
    assert re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", key), "keys: lower-case dotted English"
    assert CYRILLIC.search(template), "the catalogue holds the Bulgarian texts"
    assert template == template.strip()
    values = {name: "X" for name in _placeholders(template)}
    assert staff_messages.lookup(catalogue, key, **values) == template.format(**values)


def test_a_message_remembers_its_key() -> None:
    text = msg("absence.non_school_day", date="24.12.2026", name="Коледна ваканция")
    assert text == "24.12.2026 е неучебен ден (Коледна ваканция)."
    assert isinstance(text, str) and text.key == "absence.non_school_day"
    copy = pickle.loads(pickle.dumps(text))
    assert (copy, copy.key) == (text, "absence.non_school_day")
    assert isinstance(copy, Text)
    with pytest.raises(KeyError):
        msg("no.such_key")


def test_the_staff_error_carries_the_text_and_the_key() -> None:
    with pytest.raises(core.Invalid) as info:
        core.parse_date("31.02.2026")
    error = info.value
    assert error.message_bg == "Невалидна дата."
    assert error.key == "date.invalid"
    assert error.errors == {"date": "Въведете дата във вида дд.мм.гггг."}
    assert error.error_keys == {"date": "date.invalid_field"}
    assert core.OperationError("plain text").key is None
    assert core.CONFLICT_BG == staff_messages.MESSAGES["common.conflict"]
    assert core.LOCK_BG[rules.LOCK_MONTH].key == "lock.month"


def test_the_account_and_portal_errors_carry_the_key() -> None:
    problem = account_ops.pin_problem("1234")
    assert problem == "ПИН кодът не може да е поредица (напр. 1234)."
    assert account_ops.AccountError(problem, "pin").key == "pin.run"
    error = portal_messages.PortalError(portal_messages.msg("password.too_short", length=10))
    assert (error.message_bg, error.key) == (
        "Паролата трябва да е поне 10 знака.",
        "password.too_short",
    )
    assert portal_messages.PortalError("plain text").key is None


def test_every_module_that_uses_the_staff_catalogue_is_scanned() -> None:
    """A new topic module that takes ``msg`` from the staff catalogue joins the scan above."""
    scanned = {path for source in SOURCES for path in source.path.split(",")}
    users = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "gradebook").rglob("*.py")  # the view packages too
        if "from gradebook.messages import msg" in path.read_text(encoding="utf-8")
    }
    assert users and users - scanned == set()
