"""Every fixed sentence the phone line says: prompt id → Bulgarian text.

The audio of each is pre-rendered by ``flask --app app prompts build`` into files named by a hash
of the text (so a changed sentence gets a new file and old caches never serve stale speech).
Numbers are written in words: nothing reaches text-to-speech as digits.
"""

from __future__ import annotations

PROMPTS: dict[str, str] = {
    "welcome": "Бележник, здравейте.",
    "ask_code": "Въведете ИД кода на ученика и натиснете диез.",
    "ask_pin": "Въведете ПИН кода и диез.",
    "bad_code": "Този код е въведен грешно. Проверете цифрите.",
    "wrong_credentials": "Кодът или ПИН кодът не са верни.",
    "too_many_failures": "Твърде много неуспешни опити. Довиждане.",
    "locked": (
        "Достъпът временно е спрян заради много неуспешни опити. "
        "Опитайте отново след час или се обърнете към училището. Довиждане."
    ),
    "choose_child": "Изберете дете.",
    "menu": (
        "За последните оценки натиснете едно. За отсъствията – две. За успеха по предмети – три. "
        "За забележки и похвали – четири. За предстоящи контролни, събития и родителски "
        "срещи – пет. За програмата и домашните за утре – шест. За сравнение с класа – седем. "
        "За друго дете – девет. За повторение – нула."
    ),
    "after_content": (
        "За друг избор натиснете цифра от менюто. За повторение – нула, за менюто – звездичка."
    ),
    "more_grades": "За още оценки натиснете едно. За менюто – звездичка.",
    "no_more_grades": "Няма други оценки.",
    "invalid_choice": "Няма такъв избор.",
    "no_input": "Не чух избор.",
    "no_children": "Към този ПИН няма други деца. Въведете ИД кода на друго дете и натиснете диез.",
    "goodbye": "Благодарим ви за обаждането. Довиждане.",
    "error": "Извинете, възникна техническа грешка. Моля, обадете се по-късно. Довиждане.",
}


def text(prompt_id: str) -> str:
    """The Bulgarian text of a prompt (KeyError for an unknown id: a bug, not user input)."""
    return PROMPTS[prompt_id]
