"""How an answer is told: run a Request on its warehouse and turn the rows into an Answer (a headline,
comparisons, a table, a chart spec, definitions). answerer.py is the answer function (called only by
the answer service), model.py the values it returns, presenters/ one module per presenter.
"""

from .model import Answer, Change, Failure, KeyNumber, Outcome, QueryRun, Table

__all__ = ["Answer", "Change", "Failure", "KeyNumber", "Outcome", "QueryRun", "Table"]
