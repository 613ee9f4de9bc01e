"""How a question is read: text (+ the thread's previous request) -> Request or Clarification.

parser.py runs the reading steps in order over one ReadingState; timerange.py reads dates and
ranges, kinds.py the generic parameter phrases, vocabulary.py matches event names, explain.py
says back how a question was read, persist.py stores a Request as JSON.
"""

from .parser import ParseContext, parse
from .request import Clarification, Reading, Request

__all__ = ["Clarification", "ParseContext", "Reading", "Request", "parse"]
