"""Audio of the fixed prompts: rendered once, cached by content hash, served with long caching.

* ``build(audio_dir, ...)`` renders every catalogue sentence with gTTS (``lang="bg"``) into
  ``<sha256(text)[:16]>.mp3``, backing off on HTTP 429; when Google cannot be reached at all it
  falls back to espeak-ng (voice ``bg``) and writes ``<hash>.wav``. A file already present is
  never rendered again; a changed sentence gets a new name.
* ``audio_name(prompt_id, audio_dir)`` the cached file of a prompt, or ``None`` (the phone line
  then falls back to ``<Say>``).

gTTS is used only here, never during a live call (Google rate-limits it).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from prompts.catalog import PROMPTS

log = logging.getLogger("belezhnik.prompts")

EXTENSIONS = (".mp3", ".wav")
MIME = {".mp3": "audio/mpeg", ".wav": "audio/wav"}


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def audio_name(prompt_id: str, audio_dir: str | Path) -> str | None:
    """File name of the prompt's cached audio in ``audio_dir``, or None."""
    digest = text_hash(PROMPTS[prompt_id])
    folder = Path(audio_dir)
    for ext in EXTENSIONS:
        if (folder / f"{digest}{ext}").is_file():
            return f"{digest}{ext}"
    return None


def prompt_for_file(name: str) -> str | None:
    """The prompt id whose audio this file name is (for the simulators to show the text)."""
    stem = Path(name).stem
    for prompt_id, text in PROMPTS.items():
        if text_hash(text) == stem:
            return prompt_id
    return None


class RateLimited(Exception):
    pass


class Unreachable(Exception):
    pass


def gtts_render(text: str, path: Path) -> None:
    """Render with gTTS; RateLimited on HTTP 429, Unreachable when Google cannot be reached."""
    from gtts import gTTS
    from gtts import gTTSError

    tmp = path.with_suffix(".part")
    try:
        gTTS(text, lang="bg", lang_check=False, timeout=20).save(str(tmp))
    except gTTSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.rsp is None:
            raise Unreachable(str(exc)) from exc
        if exc.rsp.status_code == 429:
            raise RateLimited(str(exc)) from exc
        raise
    if tmp.stat().st_size == 0:
        tmp.unlink()
        raise Unreachable("empty audio from gTTS")
    tmp.replace(path)


def espeak_render(text: str, path: Path) -> None:
    """Render offline with espeak-ng, voice bg."""
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    if not exe:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    tmp = path.with_suffix(".part")
    subprocess.run([exe, "-v", "bg", "-w", str(tmp), text], check=True, capture_output=True)
    tmp.replace(path)


@dataclass
class BuildResult:
    rendered: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    fallback: list[str] = field(default_factory=list)


def build(
    audio_dir: str | Path,
    *,
    progress: Callable[[Iterable[str]], Iterator[str]] | None = None,
    offline: bool = False,
    retries: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> BuildResult:
    """Render every prompt not yet cached. gTTS first (with exponential backoff on 429),
    espeak-ng when offline or when Google cannot be reached."""
    folder = Path(audio_dir)
    folder.mkdir(parents=True, exist_ok=True)
    result = BuildResult()
    ids: Iterable[str] = list(PROMPTS)
    loop = progress(ids) if progress else iter(ids)
    use_google = not offline
    for prompt_id in loop:
        text = PROMPTS[prompt_id]
        if audio_name(prompt_id, folder):
            result.cached.append(prompt_id)
            continue
        digest = text_hash(text)
        if use_google:
            delay = 1.0
            for attempt in range(retries + 1):
                try:
                    gtts_render(text, folder / f"{digest}.mp3")
                    result.rendered.append(prompt_id)
                    break
                except RateLimited:
                    if attempt == retries:
                        raise
                    log.info("gTTS rate-limited; waiting %.0f s", delay)
                    sleep(delay)
                    delay = min(delay * 2, 60)
                except Unreachable as exc:
                    log.warning("gTTS unreachable (%s); using espeak-ng from now on", exc)
                    use_google = False
                    break
            else:  # pragma: no cover - the loop always breaks or raises
                pass
            if use_google:
                continue
        espeak_render(text, folder / f"{digest}.wav")
        result.fallback.append(prompt_id)
    return result
