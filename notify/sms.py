"""SMS text helpers: Bulgarian transliteration, GSM 03.38 segment counting, fitting.

Pure module: imports only the Python standard library.

Transliteration -- Закон за транслитерацията (ДВ бр. 19 от 13.03.2009), чл. 3:

    а a   б b   в v   г g   д d   е e   ж zh  з z   и i   й y
    к k   л l   м m   н n   о o   п p   р r   с s   т t   у u
    ф f   х h   ц ts  ч ch  ш sh  щ sht ъ a   ь y   ю yu  я ya

* "ия" at the end of a word is "ia" (София -> Sofia, Мария -> Maria); inside a word
  it follows the table (Биляна -> Bilyana, Илиян -> Iliyan).
* чл. 4 (2): the name of the country, България, is "Bulgaria" (not "Balgaria").
* Case is kept. A letter that becomes two or three Latin letters is written all in
  capitals inside an all-capitals word (ЖЕЧО -> ZHECHO) and with only its first letter
  capitalised otherwise (Жечо -> Zhecho, lone "Щ" -> "Sht").
* "ѝ" (the accented pronoun, a spelling of "и") becomes "i".
* Everything else passes through unchanged, except a few typographic characters that
  are not in GSM-7, which are replaced by GSM-7 equivalents (see ``_TYPOGRAPHY``):
  „ “ ” « » -> ", ‚ ‘ ’ -> ', ‐ ‑ – — -> -, … -> ..., no-break spaces -> space,
  № -> No.
* Letters of other Cyrillic alphabets (ё, ы, э, і, ї, є, ґ ...) are not covered by the
  law and are left unchanged, so such text stays UCS-2.

Segments -- 3GPP TS 23.038 (GSM 03.38) default alphabet and its extension table, and
3GPP TS 23.040 concatenation (a 6-octet user-data header per part):

* GSM-7: every basic-set character is 1 septet; the extension characters
  ``^ { } \\ [ ~ ] | €`` and form feed are an ESC pair, 2 septets. 160 septets fit one
  message; a longer text is split into parts of at most 153 septets, and an ESC pair is
  never split across parts (it moves whole to the next part, leaving 152 in that one).
* UCS-2: if any character is outside the basic set and the extension table. 70 UTF-16
  code units in one message, at most 67 per part when split. A character outside the
  BMP (most emoji) is a surrogate pair, 2 units, never split across parts. (Only
  surrogate pairs are kept together; a multi-code-point emoji sequence may be split
  between parts, as handsets and carriers do.)
* The empty text is ("GSM-7", 0): there is nothing to send.
"""

from __future__ import annotations

import re

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "fit_sms",
    "is_gsm7",
    "segments",
    "transliterate",
]

# --- transliteration --------------------------------------------------------

_CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y",
    "ю": "yu", "я": "ya",
    "ѝ": "i",  # U+045D, the accented pronoun "ѝ"; not in the law's table
}  # fmt: skip

_BULGARIA = "българия"

# Typographic characters outside GSM-7 -> GSM-7 equivalents.
_TYPOGRAPHY: dict[int, str] = str.maketrans(
    {
        "\u201e": '"',  # „ double low-9 quotation mark (Bulgarian opening quote)
        "\u201c": '"',  # “ left double quotation mark
        "\u201d": '"',  # ” right double quotation mark
        "\u00ab": '"',  # « left-pointing double angle quotation mark
        "\u00bb": '"',  # » right-pointing double angle quotation mark
        "\u201a": "'",  # ‚ single low-9 quotation mark
        "\u2018": "'",  # ‘ left single quotation mark
        "\u2019": "'",  # ’ right single quotation mark
        "\u2010": "-",  # ‐ hyphen
        "\u2011": "-",  # ‑ non-breaking hyphen
        "\u2013": "-",  # – en dash
        "\u2014": "-",  # — em dash
        "\u2026": "...",  # … horizontal ellipsis
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\u2116": "No",  # № numero sign
    }
)

# A word is a maximal run of letters (Unicode, any script).
_WORD_RE = re.compile(r"[^\W\d_]+")


def _transliterate_word(word: str) -> str:
    all_caps = len(word) > 1 and word.isupper()
    lows = [ch.lower() for ch in word]  # per character: str.lower() may change lengths
    is_bulgaria = "".join(lows) == _BULGARIA
    out: list[str] = []
    for i, ch in enumerate(word):
        low = lows[i]
        if low == "я" and i == len(word) - 1 and i > 0 and lows[i - 1] == "и":
            latin = "a"  # word-final "ия" -> "ia"
        elif low == "ъ" and is_bulgaria:
            latin = "u"  # the law's exception: България -> Bulgaria
        elif low in _CYRILLIC_TO_LATIN:
            latin = _CYRILLIC_TO_LATIN[low]
        else:
            out.append(ch)
            continue
        if ch != low:  # an uppercase letter
            latin = latin.upper() if all_caps else latin.capitalize()
        out.append(latin)
    return "".join(out)


def transliterate(text: str) -> str:
    """Transliterate Bulgarian Cyrillic to Latin by the 2009 law; normalise typography.

    >>> transliterate("Нова оценка по Математика: Отличен 6")
    'Nova otsenka po Matematika: Otlichen 6'
    """
    latin = _WORD_RE.sub(lambda m: _transliterate_word(m.group(0)), text)
    return latin.translate(_TYPOGRAPHY)


# --- GSM 03.38 --------------------------------------------------------------

# The default alphabet, in code order 0x00-0x7F (Greek capitals spelled as escapes so
# that Ω is U+03A9, not the ohm sign). 0x1B is ESC, not a character: removed below.
GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\x1bÆæßÉ"  # Δ_ΦΓΛΩΠΨΣΘΞ
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
) - {"\x1b"}  # fmt: skip

# The extension table: each is sent as ESC + code, 2 septets.
GSM7_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE = 160
GSM7_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67


def is_gsm7(text: str) -> bool:
    """True if every character is in the GSM 03.38 basic set or its extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _count_parts(widths: list[int], single: int, part: int) -> int:
    total = sum(widths)
    if total == 0:
        return 0
    if total <= single:
        return 1
    parts, used = 1, 0
    for w in widths:
        if used + w > part:  # an ESC pair or surrogate pair is never split
            parts += 1
            used = 0
        used += w
    return parts


def segments(text: str) -> tuple[str, int]:
    """Return (encoding, number of SMS parts): ("GSM-7" | "UCS-2", n); "" -> ("GSM-7", 0)."""
    if is_gsm7(text):
        widths = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return "GSM-7", _count_parts(widths, GSM7_SINGLE, GSM7_PART)
    widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return "UCS-2", _count_parts(widths, UCS2_SINGLE, UCS2_PART)


# --- fitting ----------------------------------------------------------------

_ELLIPSIS = "..."
_TRAILING_JUNK = " \t\r\n\f,;:.!?-"


def _fits(text: str, max_segments: int) -> bool:
    return segments(text)[1] <= max_segments


def fit_sms(text: str, latin: bool = True, max_segments: int = 1) -> str:
    """Transliterate (when ``latin``) and shorten to at most ``max_segments`` parts.

    A text that is too long is cut at the last word boundary that leaves room for
    "..." (trailing spaces and punctuation before it are dropped), or mid-word if the
    first word alone is too long. Without ``latin`` the text is left as it is.
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    if latin:
        text = transliterate(text)
    if _fits(text, max_segments):
        return text

    # Longest prefix that fits with the ellipsis; the part count only grows with length.
    lo, hi = 0, len(text) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _fits(text[:mid] + _ELLIPSIS, max_segments):
            lo = mid
        else:
            hi = mid - 1
    cut = lo

    if text[cut].isspace():
        prefix = text[:cut]
    else:
        space = max((i for i in range(cut) if text[i].isspace()), default=-1)
        prefix = text[:space] if space > 0 else text[:cut]
    core = prefix.rstrip(_TRAILING_JUNK) or text[:cut].rstrip()
    return core + _ELLIPSIS
