"""What a caller said, as the key they would have pressed: the phone line's speech input.

Every menu ``<Gather>`` of the call takes Bulgarian speech as well as keys (``input="dtmf
speech"``, ``language="bg-BG"``); Twilio posts the transcript as ``SpeechResult`` with a
``Confidence`` between 0 and 1. :func:`match` turns it into the key of the menu the caller is in,
or ``None`` ("не разбрах; натиснете…": the line asks again and the keys still work):

* below the confidence threshold (:data:`MIN_CONFIDENCE`, a setting) nothing is matched;
* the transcript is lower-cased, punctuation dropped, Twilio's usual mis-hearings mended
  (:data:`MISHEARD`: "от съствия", "за бележки", "потвори"…), filler words dropped ("ами",
  "искам да чуя", "моля"…);
* a digit alone ("8", "осем") is the key itself, when the menu has that key;
* otherwise every word is compared with the menu's vocabulary (:data:`MENU_WORDS`, or the
  state's own): the same word, or for words of four letters and more the same beginning but for
  the ending (inflections: "оценките", "успеха", "отсъствията", "домашното");
* a phrase of two words ("друго дете", "извини отсъствие") counts before its single words;
* words of two different keys with as many matches each: nothing is matched (ambiguous).

Codes and PINs are never spoken: those gathers stay keys only. Pure: standard library only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Final

MIN_CONFIDENCE: Final = 0.4
"""Twilio's ``Confidence`` below which a transcript is not trusted (``IVR_SPEECH_MIN_CONFIDENCE``)."""

Vocabulary = Mapping[str, Sequence[str]]
"""Key → the words and phrases that choose it."""

MENU_WORDS: Final[Vocabulary] = {
    "1": ("оценки", "оценка", "последни оценки", "бележки от изпитване"),
    "2": ("отсъствия", "отсъствие", "закъснения", "закъснение", "неуважителни"),
    "3": ("успех", "среден успех", "успех по предмети", "средни"),
    "4": ("забележки", "забележка", "похвали", "похвала"),
    "5": ("контролни", "контролно", "класни", "събития", "предстоящи", "родителска среща"),
    "6": ("програма", "програмата за утре", "разписание", "часове утре", "домашно", "домашни"),
    "7": ("сравнение", "сравни", "класа", "сравнение с класа"),
    "8": (
        "извини отсъствие",
        "извинение",
        "извиняване",
        "бележка за отсъствие",
        "отсъства днес",
        "няма да дойде",
        "болен",
        "болна",
    ),
    "9": ("друго дете", "другото дете", "следващо дете", "смени детето"),
    "0": ("повтори", "повторение", "отново", "още веднъж"),
    "*": ("меню", "главно меню", "назад", "начало"),
}
"""The main menu's words (the keys of ``ivr.flow``'s menu)."""

MORE_GRADES_WORDS: Final[Vocabulary] = {
    "1": ("още", "още оценки", "следващи", "продължи", "нататък"),
    "*": MENU_WORDS["*"],
}

NOTE_DAY_WORDS: Final[Vocabulary] = {
    "1": ("днес", "днеска", "сега"),
    "2": ("утре", "утрешния ден"),
    "*": ("отказ", "откажи", "не", *MENU_WORDS["*"]),
}
NOTE_SPAN_WORDS: Final[Vocabulary] = {
    "1": ("целия ден", "цял ден", "целия", "цял", "целият ден"),
    "2": ("от час", "от определен час", "след час", "по-късно", "от някой час"),
    "*": NOTE_DAY_WORDS["*"],
}
NOTE_PERIOD_WORDS: Final[Vocabulary] = {
    "1": ("първи", "първия", "първият", "един", "едно"),
    "2": ("втори", "втория", "вторият", "два", "две"),
    "3": ("трети", "третия", "третият", "три"),
    "4": ("четвърти", "четвъртия", "четири"),
    "5": ("пети", "петия", "пет"),
    "6": ("шести", "шестия", "шест"),
    "7": ("седми", "седмия", "седем"),
    "8": ("осми", "осмия", "осем"),
    "9": ("девети", "деветия", "девет"),
    "*": NOTE_DAY_WORDS["*"],
}
NOTE_REASON_WORDS: Final[Vocabulary] = {
    "1": (
        "здравословни",
        "здравословна",
        "здраве",
        "болест",
        "болен",
        "болна",
        "лекар",
        "болничен",
    ),
    "2": ("семейни", "семейна", "семейство", "по семейни причини"),
    "3": ("други", "друга", "друго", "други причини"),
    "*": NOTE_DAY_WORDS["*"],
}
CONFIRM_WORDS: Final[Vocabulary] = {
    "1": ("да", "потвърждавам", "потвърди", "потвърдете", "изпрати", "изпратете", "добре"),
    "*": ("не", "откажи", "отказ", "недей", *MENU_WORDS["*"]),
}

DIGIT_WORDS: Final[Mapping[str, str]] = {
    "нула": "0",
    "едно": "1",
    "един": "1",
    "една": "1",
    "две": "2",
    "два": "2",
    "три": "3",
    "четири": "4",
    "пет": "5",
    "шест": "6",
    "седем": "7",
    "осем": "8",
    "девет": "9",
    "звездичка": "*",
}

FILLERS: Final = frozenset(
    {
        "ами", "ъъ", "ъ", "ъм", "ммм", "мм", "хм", "ох", "ей", "ало", "абе", "ама", "ми",
        "искам", "искаме", "да", "чуя", "чуем", "чуе", "разбера", "знам", "науча", "моля",
        "кажете", "кажи", "ни", "ги", "бих", "искал", "искала", "желая", "аз", "ние",
        "може", "ли", "дайте", "дай", "пусни", "пуснете", "чуване", "за", "на", "по", "е",
        "нещо", "хайде", "значи", "така", "вижте", "ок", "окей", "здравейте", "благодаря",
        "натиснете", "натискам", "избирам", "бутон", "копче",
    }
)  # fmt: skip
"""Words that carry no choice: dropped before matching (but "да" is a word of the yes/no
question, where it is kept: see :func:`match`)."""

MISHEARD: Final[Mapping[str, str]] = {
    "от съствия": "отсъствия",
    "от съствие": "отсъствие",
    "отстъствия": "отсъствия",
    "отсаствия": "отсъствия",
    "за бележки": "забележки",
    "за бележка": "забележка",
    "забеляжки": "забележки",
    "у спех": "успех",
    "успехa": "успех",
    "оценкa": "оценка",
    "о ценки": "оценки",
    "про грама": "програма",
    "програмa": "програма",
    "до машно": "домашно",
    "потвори": "повтори",
    "повтаряне": "повторение",
    "извинете отсъствие": "извини отсъствие",
    "извиня": "извини",
    "утри": "утре",
    "днеc": "днес",
    "друго дете то": "другото дете",
}
"""What Twilio's Bulgarian recognition often writes for our words: split words, Latin look-alike
letters ("a", "c" for "а", "с"), near sounds."""

_PUNCTUATION = re.compile(r"[^\w\s*-]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower case, NFC, punctuation dropped, spaces collapsed, mis-hearings mended."""
    text = unicodedata.normalize("NFC", text or "").lower()
    text = _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()
    for wrong, right in sorted(MISHEARD.items(), key=lambda item: -len(item[0])):
        text = re.sub(rf"(?<!\w){re.escape(wrong)}(?!\w)", right, text)
    return text


def _same_word(spoken: str, word: str) -> bool:
    if spoken == word:
        return True
    if len(word) < 4 or len(spoken) < 4:
        return False
    common = 0
    for a, b in zip(spoken, word, strict=False):
        if a != b:
            break
        common += 1
    return common >= max(4, len(word) - 2) and common >= len(spoken) - 5


def _phrase_in(words: Sequence[str], phrase: Sequence[str]) -> bool:
    size = len(phrase)
    return any(
        all(_same_word(words[i + j], phrase[j]) for j in range(size))
        for i in range(len(words) - size + 1)
    )


def match(
    text: str,
    vocabulary: Vocabulary,
    confidence: float | None = None,
    *,
    min_confidence: float = MIN_CONFIDENCE,
) -> str | None:
    """The key ``text`` chooses in ``vocabulary``, or ``None`` (not understood).

    ``confidence`` is Twilio's (``None`` when it sent none: the words alone decide).

    >>> match("ами искам да чуя оценките", MENU_WORDS, 0.9)
    '1'
    """
    if confidence is not None and confidence < min_confidence:
        return None
    spoken = normalize(text)
    if not spoken:
        return None
    keys = set(vocabulary)
    tokens = spoken.split(" ")
    kept_words = _vocabulary_words(vocabulary)
    if len(tokens) == 1 and tokens[0] not in kept_words:
        digit = DIGIT_WORDS.get(tokens[0], tokens[0])
        if digit in keys:  # "8" or "осем" alone: the key itself
            return digit
    words = [t for t in tokens if t not in FILLERS or t in kept_words]
    if not words:
        return None
    scores: dict[str, int] = {}
    for key, phrases in vocabulary.items():
        best = 0
        for phrase in phrases:
            parts = phrase.split(" ")
            if _phrase_in(words, parts):
                best = max(best, len(parts))
        if best:
            scores[key] = best
    if not scores:
        digits = {DIGIT_WORDS.get(w, w) for w in words} & keys
        return digits.pop() if len(digits) == 1 else None
    top = max(scores.values())
    winners = [key for key, score in scores.items() if score == top]
    return winners[0] if len(winners) == 1 else None


def _vocabulary_words(vocabulary: Vocabulary) -> frozenset[str]:
    return frozenset(w for phrases in vocabulary.values() for p in phrases for w in p.split(" "))


def hints(vocabulary: Vocabulary, limit: int = 60) -> str:
    """Twilio's ``hints``: the vocabulary's phrases, comma-separated, each once, at most
    ``limit`` (Twilio takes up to 500 entries of up to 100 characters)."""
    seen: list[str] = []
    for phrases in vocabulary.values():
        for phrase in phrases:
            if phrase not in seen and len(phrase) <= 100:
                seen.append(phrase)
    return ", ".join(seen[:limit])


def names_vocabulary(names: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Choosing a child by name: "1" … for each first name (lower-cased), "*" for the menu."""
    vocabulary: dict[str, tuple[str, ...]] = {
        str(i + 1): (normalize(name),) for i, name in enumerate(names) if normalize(name)
    }
    return vocabulary
