"""The reader's patterns, compiled once: `re`'s own cache keeps 512 patterns and the reader builds more
(word lists, said values, catalog names), so a question could find a hundred of them evicted and
recompile them all (40 to 200 ms instead of 2). The same calls as `re`'s, with a larger cache."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=16384)
def compiled(pattern, flags: int = 0) -> re.Pattern:
    return re.compile(pattern, flags)


def search(pattern, string: str, flags: int = 0):
    return compiled(pattern, flags).search(string)


def match(pattern, string: str, flags: int = 0):
    return compiled(pattern, flags).match(string)


def fullmatch(pattern, string: str, flags: int = 0):
    return compiled(pattern, flags).fullmatch(string)


def sub(pattern, repl, string: str, count: int = 0, flags: int = 0) -> str:
    return compiled(pattern, flags).sub(repl, string, count)


def subn(pattern, repl, string: str, count: int = 0, flags: int = 0):
    return compiled(pattern, flags).subn(repl, string, count)


def finditer(pattern, string: str, flags: int = 0):
    return compiled(pattern, flags).finditer(string)


def findall(pattern, string: str, flags: int = 0) -> list:
    return compiled(pattern, flags).findall(string)


def split(pattern, string: str, maxsplit: int = 0, flags: int = 0) -> list:
    return compiled(pattern, flags).split(string, maxsplit)
