/* playbook
id: session_flows
title: How people move through the product
question: What are the first events of people's sessions, and which sequences are most common?
description: >
  Mode's "How Users Move Through Your Product": the first N events of every session that started in
  the range (a session ends after session_gap_minutes without an event), identical sequences counted
  together; the most common (ties at the cut-off included) are returned, plus a total row
  (is_total = 1). A step is NULL where the session had fewer than N events.
presenter: session_flows
chart: paths
lookback_days: 1
# sessions at the gaps the activity rollup cuts (10 and 30 minutes: rollup/sessions.py) are read from it;
# any other gap, or a filter, reads raw events (docs/rollup.md)
rollup: {tables: ["rollup_sessions_{session_gap_minutes}"]}
params:
  start: {type: date, help: first day of the range (inclusive)}
  end: {type: date, help: day after the range (exclusive)}
  steps: {type: int, default: 5, min: 1, max: 6, help: "how many events from the start of each session"}
  session_gap_minutes: {type: int, default: 30, min: 1, max: 1440, help: "minutes without an event that end a session"}
  top: {type: int, default: 10, min: 1, max: 25, help: "how many sequences to show"}
  filters: {type: filters, applies: events, help: "only events matching, e.g. platform:iOS (sessions are built from those events)"}
default_range: {day: 30}
words: [session flows, session flow, start of a session, start of sessions, start of their session, beginning of a session, beginning of sessions, sequences within sessions, event sequences within, first events in a session, first events in sessions, do first when, move through, navigate, navigation, first events of sessions, how users move,
        how people move, start their sessions, session paths, flows, first steps of sessions, journey through,
        typical journey, step by step, move around, moving around, session openers, session opener, event sequences,
        sequences, start a session, first thing people do, first thing users do, first thing, navigate the app,
        flow through, typical session, within sessions, per session sequences, click path, click paths,
        sessions usually start, sessions start with, session start with, start with, journeys through, journeys thru,
        paths through a session, first thing in a session, first thing people do in a session, first thing they do,
        typical paths through, start their visits, how do people start, in-session journeys, in-session,
        in session journeys, visits usually start, start their visit, first in a session, do first in a session,
        most common event sequences, common event sequences, common sequences, session starting events,
        session-starting events, starting events of sessions, paths people take, paths people take through,
        paths through the product, typical paths, when they start a session, they start a session,
        do first in sessions, first in their session, first thing in their session,
        click around, clicks around, clicking around, click through the product,
        navigating, navigating the app, session by session, navigate through, navigating through]
examples:
  - how do users move through the product
  - session flows last 7 days
  - how people navigate the product steps=3
  - first events of sessions last 30 days
  - how do people start their sessions
*/
{% if rollup %}
-- the sessions the activity rollup cut at this gap (rollup/sessions.py), each step kept only when its moment
-- is inside the events the raw query reads (before :_hi: the range's end, or the moment of the data), so a
-- session running past the range's end is cut where raw events cut it
WITH openings AS (
  SELECT user_id, started_at, step_1{% for k in range(2, steps + 1) %},
         CASE WHEN at_{{ k }} < :_hi THEN step_{{ k }} END AS step_{{ k }}{% endfor %}
  FROM rollup_sessions_{{ session_gap_minutes }}
  WHERE started_at >= :start AND started_at < :end AND started_at < :_hi
),
{% else %}
-- one row per session, with its first events, from one window pass over the events (rendering/render.py)
WITH {{ session_openings(session_gap_minutes, steps) }},
openings AS (
  SELECT * FROM session_openings
  WHERE started_at >= :start AND started_at < :end
),
{% endif %}
paths AS (
  SELECT {% for k in range(1, steps + 1) %}step_{{ k }}, {% endfor %}COUNT(*) AS sessions, COUNT(DISTINCT user_id) AS users
  FROM openings
  GROUP BY {% for k in range(1, steps + 1) %}{{ ', ' if k > 1 }}step_{{ k }}{% endfor %}
),
ranked AS (
  SELECT p.*, RANK() OVER (ORDER BY sessions DESC) AS path_rank FROM paths p
)
SELECT 0 AS is_total{% for k in range(1, steps + 1) %}, step_{{ k }}{% endfor %}, sessions, users
FROM ranked
WHERE path_rank <= :top
UNION ALL
SELECT 1{% for k in range(1, steps + 1) %}, CAST(NULL AS VARCHAR){% endfor %}, COUNT(*), COUNT(DISTINCT user_id)
FROM openings
-- ties in order of people, then of the steps' names, so every engine and both paths list them alike
ORDER BY is_total, sessions DESC, users DESC{% for k in range(1, steps + 1) %}, step_{{ k }} NULLS FIRST{% endfor %}
