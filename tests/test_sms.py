"""Tests for notify.sms: transliteration (2009 law), GSM 03.38 segments, fitting."""

from __future__ import annotations

import pytest

from notify.sms import GSM7_BASIC
from notify.sms import GSM7_EXTENSION
from notify.sms import fit_sms
from notify.sms import is_gsm7
from notify.sms import segments
from notify.sms import transliterate

CYR = "ж"  # one Cyrillic letter, one UTF-16 unit, not GSM-7
EMOJI = "\U0001f600"  # 😀, outside the BMP: a surrogate pair, two UTF-16 units

# --- transliterate -----------------------------------------------------------

LAW_TABLE = [
    ("а", "a"), ("б", "b"), ("в", "v"), ("г", "g"), ("д", "d"), ("е", "e"),
    ("ж", "zh"), ("з", "z"), ("и", "i"), ("й", "y"), ("к", "k"), ("л", "l"),
    ("м", "m"), ("н", "n"), ("о", "o"), ("п", "p"), ("р", "r"), ("с", "s"),
    ("т", "t"), ("у", "u"), ("ф", "f"), ("х", "h"), ("ц", "ts"), ("ч", "ch"),
    ("ш", "sh"), ("щ", "sht"), ("ъ", "a"), ("ь", "y"), ("ю", "yu"), ("я", "ya"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cyr", "lat"),
    [pytest.param(c, lat, id=f"lower-{n:02d}-{lat}") for n, (c, lat) in enumerate(LAW_TABLE)]
    + [
        pytest.param(c.upper(), lat.capitalize(), id=f"upper-{n:02d}-{lat.capitalize()}")
        for n, (c, lat) in enumerate(LAW_TABLE)
    ],
)
def test_single_letter(cyr: str, lat: str) -> None:
    assert transliterate(cyr) == lat


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param(
            "абвгдежзийклмнопрстуфхцчшщъьюя",
            "abvgdezhziyklmnoprstufhtschshshtayyuya",
            id="alphabet-lower",
        ),
        pytest.param(
            "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЬЮЯ",
            "ABVGDEZHZIYKLMNOPRSTUFHTSCHSHSHTAYYUYA",
            id="alphabet-upper",
        ),
        pytest.param("София", "Sofia", id="sofia-final-ia"),
        pytest.param("Мария", "Maria", id="maria-final-ia"),
        pytest.param("Юлия", "Yulia", id="yulia-final-ia"),
        pytest.param("ЮЛИЯ", "YULIA", id="yulia-caps-final-ia"),
        pytest.param("Мария-Антоанета", "Maria-Antoaneta", id="final-ia-before-hyphen"),
        pytest.param("Биляна", "Bilyana", id="iya-inside-word-bilyana"),
        pytest.param("Илиян", "Iliyan", id="iya-inside-word-iliyan"),
        pytest.param("Ия", "Ia", id="word-is-just-iya"),
        pytest.param("България", "Bulgaria", id="bulgaria-exception"),
        pytest.param("БЪЛГАРИЯ", "BULGARIA", id="bulgaria-exception-caps"),
        pytest.param("в България.", "v Bulgaria.", id="bulgaria-in-sentence"),
        pytest.param("български", "balgarski", id="bulgarian-adjective-no-exception"),
        pytest.param("Щастливо", "Shtastlivo", id="sht-capitalised"),
        pytest.param("ЩАСТЛИВО", "SHTASTLIVO", id="sht-all-caps"),
        pytest.param("Жечо", "Zhecho", id="zh-capitalised"),
        pytest.param("ЖЕЧО", "ZHECHO", id="zh-all-caps"),
        pytest.param("ЖЕЧО Жечо жечо", "ZHECHO Zhecho zhecho", id="case-per-word"),
        pytest.param("Ябълка", "Yabalka", id="yabalka"),
        pytest.param("Цветан", "Tsvetan", id="tsvetan"),
        pytest.param("Георги Иванов", "Georgi Ivanov", id="georgi-ivanov"),
        pytest.param("Шумен", "Shumen", id="shumen"),
        pytest.param("Пловдив", "Plovdiv", id="plovdiv"),
        pytest.param("Кьосев", "Kyosev", id="soft-sign-yo"),
        pytest.param(
            "Нова оценка по Математика: Отличен 6",
            "Nova otsenka po Matematika: Otlichen 6",
            id="grade-message",
        ),
        pytest.param("ѝ каза", "i kaza", id="accented-pronoun"),
        pytest.param("7б клас, 12.03.2025", "7b klas, 12.03.2025", id="digits-pass"),
        pytest.param("Hello, World! 100%", "Hello, World! 100%", id="latin-unchanged"),
        pytest.param("Ivan Иван", "Ivan Ivan", id="mixed-scripts"),
        pytest.param("ёы", "ёы", id="non-bulgarian-cyrillic-unchanged"),
        pytest.param("", "", id="empty"),
    ],
)
def test_transliterate(src: str, expected: str) -> None:
    assert transliterate(src) == expected


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param("„Отличен“", '"Otlichen"', id="bulgarian-double-quotes"),
        pytest.param("\u201cok\u201d", '"ok"', id="english-double-quotes"),
        pytest.param("\u2018ok\u2019", "'ok'", id="single-quotes"),
        pytest.param("5 – 6", "5 - 6", id="en-dash"),
        pytest.param("да — не", "da - ne", id="em-dash"),
        pytest.param("и така…", "i taka...", id="ellipsis"),
        pytest.param("12\u00a0ч.", "12 ch.", id="no-break-space"),
        pytest.param("№ 5", "No 5", id="numero-sign"),
        pytest.param("Ученикът от 7„б“ клас", 'Uchenikat ot 7"b" klas', id="quotes-in-sentence"),
    ],
)
def test_typography_normalised(src: str, expected: str) -> None:
    out = transliterate(src)
    assert out == expected
    assert is_gsm7(out)


# --- is_gsm7 -------------------------------------------------------------------

BASIC_ALPHABET = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def test_basic_alphabet_is_exactly_127_characters() -> None:
    assert len(BASIC_ALPHABET) == 127  # 128 codes minus ESC
    assert frozenset(BASIC_ALPHABET) == GSM7_BASIC
    assert frozenset("^{}\\[~]|€\f") == GSM7_EXTENSION


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(BASIC_ALPHABET, True, id="basic-alphabet"),
        pytest.param("^{}\\[~]|€\f", True, id="extension-table"),
        pytest.param("", True, id="empty"),
        pytest.param("Otlichen 6", True, id="latin"),
        pytest.param("Otlichen 6" + CYR, False, id="one-cyrillic-letter"),
        pytest.param("ç", False, id="lowercase-c-cedilla-not-gsm"),
        pytest.param("á", False, id="a-acute-not-gsm"),
        pytest.param("`", False, id="backtick-not-gsm"),
        pytest.param("\t", False, id="tab-not-gsm"),
        pytest.param("\x1b", False, id="escape-not-a-character"),
        pytest.param("\u2126", False, id="ohm-sign-is-not-omega"),
        pytest.param("„", False, id="low-quote-not-gsm"),
        pytest.param(EMOJI, False, id="emoji"),
    ],
)
def test_is_gsm7(text: str, expected: bool) -> None:
    assert is_gsm7(text) is expected


# --- segments --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", ("GSM-7", 0), id="empty-is-zero"),
        pytest.param("a", ("GSM-7", 1), id="gsm-1"),
        pytest.param("a" * 160, ("GSM-7", 1), id="gsm-160"),
        pytest.param("a" * 161, ("GSM-7", 2), id="gsm-161"),
        pytest.param("a" * 306, ("GSM-7", 2), id="gsm-306"),
        pytest.param("a" * 307, ("GSM-7", 3), id="gsm-307"),
        pytest.param("a" * 459, ("GSM-7", 3), id="gsm-459"),
        pytest.param("a" * 460, ("GSM-7", 4), id="gsm-460"),
        pytest.param("€", ("GSM-7", 1), id="euro-alone"),
        pytest.param("€" * 80, ("GSM-7", 1), id="euro-80-is-160-septets"),
        pytest.param("€" * 81, ("GSM-7", 2), id="euro-81-is-162-septets"),
        pytest.param("a" * 159 + "€", ("GSM-7", 2), id="159-plain-plus-euro"),
        pytest.param("a" * 158 + "€", ("GSM-7", 1), id="158-plain-plus-euro"),
        pytest.param("a" * 152 + "€", ("GSM-7", 1), id="152-plus-euro-unsplit-154"),
        # 306 septets: 153 + 153 exactly, the ESC pair falls inside part 2.
        pytest.param("a" * 153 + "€" + "a" * 151, ("GSM-7", 2), id="euro-after-boundary"),
        # 306 septets, but the ESC pair would straddle 152|153: it moves to part 2,
        # part 1 holds 152, part 2 holds 2 + 151 = 153, one septet is left for part 3.
        pytest.param("a" * 152 + "€" + "a" * 152, ("GSM-7", 3), id="euro-straddles-boundary"),
        pytest.param("a" * 152 + "€" + "a" * 151, ("GSM-7", 2), id="euro-moved-still-fits"),
        # 612 septets would be 4 x 153, but ESC pairs fill a part only to 152 (76 chars).
        pytest.param("{}" * 152, ("GSM-7", 4), id="all-extension-304-chars"),
        pytest.param("{}" * 153, ("GSM-7", 5), id="all-extension-306-chars"),
        pytest.param(CYR, ("UCS-2", 1), id="ucs2-1"),
        pytest.param(CYR * 70, ("UCS-2", 1), id="ucs2-70"),
        pytest.param(CYR * 71, ("UCS-2", 2), id="ucs2-71"),
        pytest.param(CYR * 134, ("UCS-2", 2), id="ucs2-134"),
        pytest.param(CYR * 135, ("UCS-2", 3), id="ucs2-135"),
        pytest.param(CYR * 201, ("UCS-2", 3), id="ucs2-201"),
        pytest.param(CYR * 202, ("UCS-2", 4), id="ucs2-202"),
        pytest.param(EMOJI, ("UCS-2", 1), id="emoji-alone"),
        pytest.param(CYR * 68 + EMOJI, ("UCS-2", 1), id="68-cyrillic-plus-emoji-is-70"),
        pytest.param(CYR * 69 + EMOJI, ("UCS-2", 2), id="69-cyrillic-plus-emoji-is-71"),
        pytest.param(EMOJI * 35, ("UCS-2", 1), id="emoji-35-is-70-units"),
        pytest.param(EMOJI * 36, ("UCS-2", 2), id="emoji-36-is-72-units"),
        # 134 units, but the surrogate pair would straddle 66|67: 66 + (2 + 65) + 1.
        pytest.param(CYR * 66 + EMOJI + CYR * 66, ("UCS-2", 3), id="emoji-straddles-boundary"),
        pytest.param(CYR * 67 + EMOJI + CYR * 65, ("UCS-2", 2), id="emoji-after-boundary"),
        pytest.param("€" * 70 + CYR, ("UCS-2", 2), id="euro-is-one-unit-in-ucs2"),
        pytest.param("€" * 69 + CYR, ("UCS-2", 1), id="euro-69-plus-cyrillic-fits"),
        pytest.param("a" * 100 + CYR, ("UCS-2", 2), id="latin-plus-one-cyrillic"),
        pytest.param("Otlichen 6 ж", ("UCS-2", 1), id="short-latin-plus-one-cyrillic"),
        pytest.param("a" * 69 + "ç", ("UCS-2", 1), id="c-cedilla-forces-ucs2"),
    ],
)
def test_segments(text: str, expected: tuple[str, int]) -> None:
    assert segments(text) == expected


GRADE_MESSAGE = (
    "Уважаеми родители, ученикът Георги Иванов от 7„б“ клас получи оценка "
    "Отличен 6 по Математика на 12.03.2025 г. — Бележник"
)


def test_grade_message_cyrillic_vs_latin() -> None:
    assert segments(GRADE_MESSAGE) == ("UCS-2", 2)
    latin = transliterate(GRADE_MESSAGE)
    assert latin == (
        'Uvazhaemi roditeli, uchenikat Georgi Ivanov ot 7"b" klas poluchi otsenka '
        "Otlichen 6 po Matematika na 12.03.2025 g. - Belezhnik"
    )
    assert segments(latin) == ("GSM-7", 1)


# --- fit_sms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "latin", "max_segments", "expected"),
    [
        pytest.param("", True, 1, "", id="empty"),
        pytest.param("Отличен 6", True, 1, "Otlichen 6", id="short-transliterated"),
        pytest.param("Отличен 6", False, 1, "Отличен 6", id="short-cyrillic-kept"),
        pytest.param("a" * 160, True, 1, "a" * 160, id="exactly-160-untouched"),
        pytest.param("a" * 161, True, 1, "a" * 157 + "...", id="one-long-word-hard-cut"),
        pytest.param("€" * 100, True, 1, "€" * 78 + "...", id="extension-chars-hard-cut"),
        pytest.param(CYR * 71, False, 1, CYR * 67 + "...", id="cyrillic-hard-cut-ucs2"),
        pytest.param("duma " * 40, True, 1, "duma " * 30 + "duma...", id="word-boundary-cut"),
        pytest.param("дума " * 40, True, 1, "duma " * 30 + "duma...", id="cyrillic-words-latin"),
        pytest.param("ab, " * 50, True, 1, "ab, " * 38 + "ab...", id="trailing-comma-dropped"),
        pytest.param("a" * 161, True, 2, "a" * 161, id="two-segments-allowed"),
        pytest.param("a" * 310, True, 2, "a" * 303 + "...", id="two-segments-hard-cut"),
    ],
)
def test_fit_sms(text: str, latin: bool, max_segments: int, expected: str) -> None:
    out = fit_sms(text, latin=latin, max_segments=max_segments)
    assert out == expected
    assert segments(out)[1] <= max_segments


@pytest.mark.parametrize(
    ("text", "latin", "encoding"),
    [
        pytest.param(GRADE_MESSAGE * 3, True, "GSM-7", id="long-latin"),
        pytest.param(GRADE_MESSAGE * 3, False, "UCS-2", id="long-cyrillic"),
        pytest.param(
            ("Родителска среща на 15.03. от 18:00 ч. в кабинет № 12. " * 5) + EMOJI,
            False,
            "UCS-2",
            id="long-cyrillic-with-emoji",
        ),
    ],
)
def test_fit_sms_truncates_at_word_boundary_within_one_segment(
    text: str, latin: bool, encoding: str
) -> None:
    out = fit_sms(text, latin=latin)
    assert segments(out) == (encoding, 1)
    assert out.endswith("...")
    core = out.removesuffix("...")
    source = transliterate(text) if latin else text
    assert source.startswith(core)
    assert source[len(core)] in " ,.;:!?-"  # cut where a word ends
    # Nothing longer that also ends on a word boundary would have fitted.
    next_space = source.find(" ", len(core) + 1)
    assert next_space == -1 or segments(source[:next_space] + "...")[1] > 1


def test_fit_sms_rejects_zero_segments() -> None:
    with pytest.raises(ValueError, match="max_segments"):
        fit_sms("текст", max_segments=0)
