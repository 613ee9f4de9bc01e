"""Charts: every kind renders a real PNG that decodes, has the expected size and is not blank."""


from answers import Answer
from charts import render_png

from ..fast.test_charts import decode
from ..helpers import ask


def test_answers_render_their_charts(answerers):
    answerer = answerers[("duckdb", "messenger")]
    for question in ("invites yesterday", "dau last 30 days", "retention weekly", "signups weekly"):
        answer = ask(answerer, question)
        assert isinstance(answer, Answer)
        decode(render_png(answer.chart))
