/* playbook
id: sessions
title: Sessions
question: How many sessions do people have, how long are they, how many events do they hold, and how often do web visits bounce?
description: >
  Sessions that started in the range (a session ends after session_gap_minutes without an event), per
  period: sessions, people, median and mean length in seconds (first to last event), events per session,
  sessions that landed on a web page and how many of those bounced (the page view was their only
  event). Rows with an empty period are totals for the whole range; with group_by, the segment is the
  value on the session's first event (event dimensions) or the person's, top N and Other.
presenter: sessions
chart: line
lookback_days: 1
# sessions at the gaps the activity rollup cuts (10 and 30 minutes), by day or coarser, are chained from its
# session pieces (rollup/pieces.py); another gap, hourly, a breakdown or a filter reads raw events
rollup: {tables: ["rollup_session_pieces_{session_gap_minutes}"], unless: {interval: [hour]}}
params:
  start: {type: date, help: first day of the range (inclusive)}
  end: {type: date, help: day after the range (exclusive)}
  interval: {type: interval, default: day, choices: [hour, day, week, month]}
  session_gap_minutes: {type: int, default: 30, min: 1, max: 1440, help: "minutes without an event that end a session"}
  group_by: {type: dimension, help: "break down by channel, device, platform, os, ..."}
  top: {type: int, default: 5, min: 1, max: 10, help: "with group_by: the N largest segments; the rest are Other"}
  filters: {type: filters, applies: events, help: "only sessions of events matching, e.g. platform:iOS (sessions are built from those events)"}
default_range: {hour: 2, day: 30, week: 12, month: 6}
words: [how much time, time spent, time do people spend, time people spend, time in the app, sessions, session, session length, session duration, bounce rate, bounce, bounces, time on site,
        events per session, session count, how long are sessions, how many sessions, number of sessions, time spent,
        time per session, spend per session, per session, session time, visit length, how long do, how long are,
        events per visit, bounced, number of visits, visits per day, visit count,
        events in a typical session, events are in a typical session, events in a session, events are in a session, events does a session have,
        typical ios session, typical web session, typical android session, events are in a typical,
        short bursts, long sittings, bursts or long, how long people stay, sittings]
examples:
  - sessions last 30 days
  - bounce rate by channel
  - session length weekly
  - sessions by device last 14 days
  - how long are sessions by platform
  - sessions per hour today
*/
{% if rollup %}
-- the activity rollup's pieces of sessions at this gap (runs of events within one local day, rollup/pieces.py)
-- over the days raw events would read, chained again: a piece continues the session of the one before when it
-- starts within the gap of that one's end, so each session, its first event, length and events are the raw ones
WITH pieces AS (
  SELECT user_id, first_at, last_at, first_event, n,
         CASE WHEN LAG(last_at) OVER (PARTITION BY user_id ORDER BY first_at) IS NULL
                OR first_at > LAG(last_at) OVER (PARTITION BY user_id ORDER BY first_at)
                              + INTERVAL '{{ session_gap_minutes }} minutes'
              THEN 1 ELSE 0 END AS opens
  FROM rollup_session_pieces_{{ session_gap_minutes }}
  WHERE day >= :_lo AND day < :_hi
),
chained AS (
  SELECT p.*, SUM(opens) OVER (PARTITION BY user_id ORDER BY first_at ROWS UNBOUNDED PRECEDING) AS session_number
  FROM pieces p
),
session_rows AS (
  SELECT user_id, session_number, MIN(first_at) AS started_at, MAX(last_at) AS ended_at,
         CAST(SUM(n) AS BIGINT) AS events,
         MAX(CASE WHEN opens = 1 AND first_event LIKE 'Viewed % Page' THEN 1 ELSE 0 END) AS landed_on_page
  FROM chained
  GROUP BY user_id, session_number
),
{% else %}
WITH {{ session_events(session_gap_minutes) }},
session_rows AS (
  SELECT user_id, session_number, MIN(occurred_at) AS started_at, MAX(occurred_at) AS ended_at, COUNT(*) AS events,
         {% if utc_hours %}MIN(occurred_at_utc) AS started_at_utc,{% endif %}
         MAX(CASE WHEN position = 1 AND event_name LIKE 'Viewed % Page' THEN 1 ELSE 0 END) AS landed_on_page
         {% if group_by %}, COALESCE(MAX(CASE WHEN position = 1 THEN {{ group_by }} END), '(none)') AS segment{% endif %}
  FROM session_events
  GROUP BY user_id, session_number
),
{% endif %}
in_range AS (
  SELECT * FROM session_rows WHERE started_at >= :start AND started_at < :end
){% if group_by %},
-- segments ranked by windows (DENSE_RANK over (sessions, segment), unique per segment), not by joining
-- each session to its segment's rank: no join whose plan depends on guessed row counts
sized AS (
  SELECT s.*, COUNT(*) OVER (PARTITION BY segment) AS segment_sessions FROM in_range s
),
labelled AS (
  SELECT z.*, CASE WHEN DENSE_RANK() OVER (ORDER BY segment_sessions DESC, segment) <= :top THEN segment
                   ELSE 'Other' END AS label
  FROM sized z
){% endif %}
{% macro measures() %}COUNT(*) AS sessions, COUNT(DISTINCT user_id) AS users,
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (ended_at - started_at))) AS median_seconds,
       AVG(EXTRACT(EPOCH FROM (ended_at - started_at))) AS mean_seconds,
       SUM(events) AS events, SUM(landed_on_page) AS page_landings,
       SUM(CASE WHEN landed_on_page = 1 AND events = 1 THEN 1 ELSE 0 END) AS bounces{% endmacro %}
SELECT {{ trunc('started_at') }} AS period, CAST(NULL AS VARCHAR) AS segment, {{ measures() }}
FROM in_range
GROUP BY 1
UNION ALL
SELECT NULL, CAST(NULL AS VARCHAR), {{ measures() }}
FROM in_range
{% if group_by %}
UNION ALL
SELECT NULL, label, {{ measures() }}
FROM labelled
GROUP BY label
{% endif %}
ORDER BY 1, 2
