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
params:
  start: {type: date, help: first day of the range (inclusive)}
  end: {type: date, help: day after the range (exclusive)}
  steps: {type: int, default: 5, min: 1, max: 6, help: "how many events from the start of each session"}
  session_gap_minutes: {type: int, default: 30, min: 1, max: 1440, help: "minutes without an event that end a session"}
  top: {type: int, default: 10, min: 1, max: 25, help: "how many sequences to show"}
  filters: {type: filters, applies: events, help: "only events matching, e.g. platform:iOS (sessions are built from those events)"}
default_range: {day: 30}
words: [session flows, session flow, sequences within sessions, event sequences within, first events in a session, first events in sessions, do first when, move through, navigate, navigation, first events of sessions, how users move,
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
        click around, clicks around, clicking around, click through the product]
examples:
  - how do users move through the product
  - session flows last 7 days
  - how people navigate the product steps=3
  - first events of sessions last 30 days
  - how do people start their sessions
*/
WITH {{ session_events(session_gap_minutes) }},
openings AS (
  SELECT user_id, session_number, MIN(occurred_at) AS started_at{% for k in range(1, steps + 1) %},
         MAX(CASE WHEN position = {{ k }} THEN event_name END) AS step_{{ k }}{% endfor %}
  FROM session_events
  WHERE position <= {{ steps }}
  GROUP BY user_id, session_number
),
paths AS (
  SELECT {% for k in range(1, steps + 1) %}step_{{ k }}, {% endfor %}COUNT(*) AS sessions, COUNT(DISTINCT user_id) AS users
  FROM openings
  WHERE started_at >= :start AND started_at < :end
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
WHERE started_at >= :start AND started_at < :end
ORDER BY 1, {{ steps + 2 }} DESC
