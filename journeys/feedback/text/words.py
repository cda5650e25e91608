"""Words of a comment: case and accent folding, tokens, and their dictionary forms."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents, so ``Café`` and ``cafe`` compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """The words of a text, lower case (accents kept: the lemmatizer needs them)."""
    return _WORD.findall(text.casefold())


def letter_count(text: str) -> int:
    """How many letters a text has (digits, spaces and punctuation do not count)."""
    return sum(1 for c in text if c.isalpha())


class SimplemmaLemmatizer:
    """Dictionary forms from simplemma, whose word lists ship inside its package."""

    def lemma(self, word: str, language: str) -> str:
        """The dictionary form of ``word``; the word itself for an unsupported language."""
        return _lemma(word, language)


@lru_cache(maxsize=200_000)
def _lemma(word: str, language: str) -> str:
    import simplemma

    try:
        return str(simplemma.lemmatize(word, lang=language))
    except ValueError:  # a language simplemma has no dictionary for
        return word
