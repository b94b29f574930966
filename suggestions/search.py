"""The words of a suggestion, for finding it again: "similar suggestions" while a child writes,
and the search page. Chinese has no spaces between words, so jieba cuts the text into words
("地下通道太黑了" → 地下 通道 地下通道 太黑); English words are kept as they are, lower-cased.
The words are stored space-separated in `Suggestion.search_words` by the services that write
the text, so that PostgreSQL's full-text search with the 'simple' configuration (which splits on
spaces and does no stemming) matches them word for word, from a GIN index (migration 0013).
SQLite, for `make run` and the tests, matches them word by word with LIKE."""

import logging
import re

import jieba
from django.db import connection
from django.db.models import BooleanField, Case, F, FloatField, Func, IntegerField, Q, Value, When

jieba.setLogLevel(logging.WARNING)

# What a query may hold: beyond this it is not a search but a paste.
MAX_QUERY = 200
# The words of a query that count; more make the query slower, not better.
MAX_QUERY_WORDS = 8
# A word is letters or digits (any script: \w); the rest (punctuation, emoji, quotes) separates.
_WORD = re.compile(r"\w+")
# Words in nearly every suggestion: they match everything and so tell nothing apart.
STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "有",
        "也",
        "就",
        "都",
        "很",
        "太",
        "我",
        "我们",
        "你",
        "他",
        "她",
        "它",
        "这",
        "那",
        "这个",
        "那个",
        "一个",
        "个",
        "把",
        "被",
        "让",
        "给",
        "里",
        "上",
        "下",
        "吗",
        "呢",
        "吧",
        "啊",
        "与",
        "及",
        "或",
        "an",
        "a",
        "the",
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "at",
        "is",
        "are",
        "was",
        "it",
        "this",
        "that",
        "for",
        "with",
        "i",
        "we",
        "my",
        "our",
        "be",
    ]
)


def words(*texts: str) -> list[str]:
    """The distinct words of the texts, lower-cased, in order of first appearance."""
    found: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        for token in jieba.cut_for_search(text.lower()):
            for word in _WORD.findall(token):
                if word not in STOP_WORDS and word != "_":
                    found.setdefault(word.strip("_"), None)
    found.pop("", None)
    return list(found)


def suggestion_words(suggestion) -> str:
    """What `Suggestion.search_words` holds: the words of its title, what the child noticed
    and what they suggest."""
    return " ".join(words(suggestion.title, suggestion.noticed, suggestion.proposal))


def query_words(text: str) -> list[str]:
    """The words to look for in what someone typed (at most MAX_QUERY_WORDS)."""
    return words(text[:MAX_QUERY])[:MAX_QUERY_WORDS]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


class _Vector(Func):
    # The very expression of the index of migration 0013: else PostgreSQL would not use it.
    template = "to_tsvector('simple'::regconfig, %(expressions)s)"


class _Query(Func):
    template = "to_tsquery('simple'::regconfig, %(expressions)s)"


class _Matches(Func):
    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _Rank(Func):
    function = "ts_rank"
    output_field = FloatField()


def _tsquery(found: list[str], joiner: str) -> str:
    # Words are \w only (no quotes or operators can get in); English words also match as the
    # start of a longer one ("under" finds "underpass"), as a child types.
    return joiner.join(f"'{w}':*" if w.isascii() else f"'{w}'" for w in found)


def matching(queryset, found: list[str], *, every: bool):
    """The suggestions with every word (`every`) or any of them, annotated with `rank`
    (higher is closer). `found` is not empty."""
    if _postgres():
        query = _Query(Value(_tsquery(found, " & " if every else " | ")))
        vector = _Vector(F("search_words"))
        return queryset.filter(_Matches(vector, query)).annotate(rank=_Rank(vector, query))
    # SQLite: the words one by one; the rank is how many of them it has.
    each = [Q(search_words__icontains=word) for word in found]
    condition = Q()
    for one in each:
        condition = (condition & one) if every else (condition | one)
    hits = sum(
        (Case(When(one, then=Value(1)), default=Value(0), output_field=IntegerField()))
        for one in each
    )
    return queryset.filter(condition).annotate(rank=hits)


def ranked(queryset, found: list[str]):
    """The suggestions, each annotated with `rank` by these words (0 without any of them)."""
    found = found[: MAX_QUERY_WORDS * 4]
    if not found:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    if _postgres():
        query = _Query(Value(_tsquery(found, " | ")))
        return queryset.annotate(rank=_Rank(_Vector(F("search_words")), query))
    hits = sum(
        Case(When(search_words__icontains=w, then=Value(1)), default=Value(0)) for w in found
    )
    return queryset.annotate(rank=hits)
