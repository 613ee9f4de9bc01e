/* playbook
id: retention_drivers
title: Retention drivers
question: Which early actions go with people staying?
description: >
  Mode's "Metrics That Matter": for each candidate event and threshold, the people who did it at
  least N times in their first days, how many of them were still active a month later, compared
  with everyone else who signed up then. Lift = their retention / the others' retention; coverage =
  the share of signups who did it. Correlation, not cause. Filters keep the people whose signup matches;
  their early actions and month-later activity count wherever they happened.
presenter: retention_drivers
chart: bar
params:
  events: {type: events, max: 12, help: "candidate early actions (default: the 12 most common in the first days)"}
  threshold: {type: int, min: 1, max: 100, help: "at least N times (default: 1, 2, 3, 5 and 10 are compared)"}
  first_days: {type: int, default: 7, min: 1, max: 28}
  start: {type: date, help: first signup day}
  end: {type: date, help: day after the last signup day}
  filters: {type: filters, applies: users, help: "only people whose signup matches, e.g. platform:Android, channel:google"}
events_between: [start, tomorrow]
# the embedded rollup's early-action counts per person (rollup/early.py): the rollup branch below reads
# them, with the same numbers (docs/rollup.md); a filter reads the rollup's people (the users relation), and
# one on a dimension they do not keep reads raw events
rollup: {tables: [rollup_early_counts, rollup_early_people]}
default_range: {day: 120}
words: [drive retention, drives retention, driving retention, drive people to stay, so they stick, so they stay, nudge people to do, nudge people toward, early actions correlate, which actions correlate, actions correlate with, correlate with people sticking around, correlate with people staying, retention drivers, go with people sticking around, go with sticking around, go with retention, go with staying, goes with retention, correlate with sticking around, correlate with retention, correlate with staying, behaviours correlate, behaviors correlate, first-week behaviours, first-week behaviors, first week behaviours, first week behaviors, drivers of retention, what drives retention, early actions, early actions predict, actions predict, predict sticking around, predicts sticking around, predict retention, predicts retention, aha moment, magic number,
        predicts retention, predict retention, actions predict, predict people, predicts who, leading indicators, metrics that matter, actions that matter,
        go with retention, correlate with retention, early behaviors, early behaviour, early behaviours,
        early behavior, stick around, what makes people stay, makes people stay, first-week actions,
        first week actions, correlate, correlates, correlated, do early, early on, in week 1, in week one, week one,
        matter for retention, retained customers, stay longer, first few days, go along with, goes along with,
        users staying, people staying, what separates retained, separates retained, separates retained users,
        tied to retention, linked to retention, early tied to retention, from the ones who churn,
        retained users from, early behaviors predict, behaviors predict, behaviours predict, predict someone,
        early behaviours predict,
        line up with, lines up with, do early on, early on that,
        does it matter, make a difference to retention,
        associated with, are associated with, correlate with, correlated with, predict someone sticking]
definitions:
  - "Windows are 24-hour steps from each person's signup moment (not calendar days, unlike nday_retention's default): the first N days = the N x 24 hours after signing up; retained = active (any qualifying event) between 28 x 24 and 35 x 24 hours after it; only people whose 35 x 24 hours are over are counted."
  - "Lift = retention of those who did it / retention of the rest; coverage = the share of signups who did it. Correlation, not cause: people who were going to stay anyway may simply do more."
  - "Filters (platform, channel, plan, ...) read each person's signup, as the cohort playbooks do: the people are those who signed up that way, and everything they did counts, on any platform."
examples:
  - retention drivers
  - what drives retention
  - users who sent at least 3 messages in their first 7 days
  - retention drivers for people who add 5 or more friends in their first week
  - early actions at least 2 times in the first 14 days
  - magic number
  - what drives retention on android
*/
{% set in_list %}{% for i in range(events | length) %}{{ events[i] }}{{ ", " if not loop.last }}{% endfor %}{% endset %}
{% set matching %}{% if filters %}
    AND user_id IN (SELECT user_id FROM users WHERE activated_at IS NOT NULL {{ filters }}){% endif %}{% endset %}
{% if rollup %}
-- from the activity rollup (rollup/early.py): each person's count of each event in their first k x 24 hours
-- after signing up (first_k), and whether they were active between 28 and 35 x 24 hours after it, counted
-- from the same events in the same windows as the raw query below
WITH early AS (
  SELECT user_id, event_name, is_retained, first_{{ first_days }} AS times
  FROM rollup_early_counts
  WHERE activated_at >= :start AND activated_at < :end AND activated_at + INTERVAL '35 days' <= :now
    AND first_{{ first_days }} > 0
    {% if events %}AND event_name IN ({{ in_list }}){% endif %}{{ matching }}
),
cohort_totals AS (
  SELECT COUNT(*) AS people, SUM(is_retained) AS retained
  FROM rollup_early_people
  WHERE activated_at >= :start AND activated_at < :end AND activated_at + INTERVAL '35 days' <= :now{{ matching }}
),
{% else %}
WITH cohort AS (
  SELECT user_id, activated_at
  FROM users
  WHERE activated_at >= :start AND activated_at < :end
    AND activated_at + INTERVAL '35 days' <= :now {{ filters }}
),
-- each person's signup time set beside their events by a window, not joined to them: a join of two
-- inputs whose sizes PostgreSQL guesses (tables never analysed) can become a nested loop over both
-- (docs/warehouses.md "Plans that do not depend on statistics")
placed AS (
  SELECT user_id, event_name, occurred_at, MAX(activated_at) OVER (PARTITION BY user_id) AS signed_up_at
  FROM (
    SELECT user_id, CAST(NULL AS VARCHAR) AS event_name, CAST(NULL AS TIMESTAMP) AS occurred_at, activated_at
    FROM cohort
    UNION ALL
    SELECT user_id, event_name, occurred_at, NULL
    FROM events
    WHERE occurred_at >= :start AND counts_as_activity AND NOT is_anonymous
  ) side_by_side
),
cohort_events AS (
  -- qualifying events of people in the cohort, with their signup time and whether they were active
  -- a month later (days 28 to 35 after signup; a window again, over the same rows)
  SELECT user_id, event_name, occurred_at, signed_up_at,
         MAX(CASE WHEN occurred_at >= signed_up_at + INTERVAL '28 days'
                   AND occurred_at < signed_up_at + INTERVAL '35 days' THEN 1 ELSE 0 END)
           OVER (PARTITION BY user_id) AS is_retained
  FROM placed
  WHERE signed_up_at IS NOT NULL
),
early AS (
  -- how many times each person did each event in their first days
  SELECT user_id, event_name, is_retained, COUNT(*) AS times
  FROM cohort_events
  WHERE occurred_at >= signed_up_at AND occurred_at < signed_up_at + INTERVAL '{{ first_days }} days'
    {% if events %}AND event_name IN ({{ in_list }}){% endif %}
  GROUP BY 1, 2, 3
),
cohort_totals AS (
  -- everyone who signed up then (a row each, events or not) and how many of them were retained
  SELECT COUNT(*) AS people, SUM(is_retained) AS retained
  FROM (SELECT user_id, MAX(is_retained) AS is_retained FROM cohort_events GROUP BY user_id) people
),
{% endif %}
candidates AS (
  SELECT event_name FROM early GROUP BY event_name ORDER BY COUNT(*) DESC, event_name LIMIT 12
),
thresholds AS (
  {% if threshold %}SELECT {{ threshold }} AS threshold
  {% else %}SELECT 1 AS threshold UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 5 UNION ALL SELECT 10{% endif %}
)
-- per candidate and threshold, over the (person, event) counts: joined only to the 12 candidates,
-- the thresholds and the one row of totals, never person to person
SELECT k.event_name AS event, t.threshold,
       MAX(c.people) AS people,
       SUM(CASE WHEN x.times >= t.threshold THEN 1 ELSE 0 END) AS did,
       SUM(CASE WHEN x.times >= t.threshold AND x.is_retained = 1 THEN 1 ELSE 0 END) AS did_retained,
       MAX(c.retained) AS retained
FROM candidates k
CROSS JOIN thresholds t
CROSS JOIN cohort_totals c
LEFT JOIN early x ON x.event_name = k.event_name
GROUP BY 1, 2
ORDER BY 1, 2
