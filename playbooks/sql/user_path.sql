/* playbook
id: user_path
title: User paths
question: What do people do just before (or after) they do an event?
description: >
  The blog's User Path report: for each occurrence of the target event in the range, the N events
  before it (direction=after: after it) in the same session (a session ends after
  session_gap_minutes without an event). Identical paths are counted together; the most common
  (ties at the cut-off included) are returned, plus a total row (is_total = 1). A step is NULL
  where the session started (ended) less than N events away. step_1 is always the earliest.
presenter: user_path
chart: paths
lookback_days: 1
# at the session gaps the activity rollup keeps (10 and 30 minutes) every event's neighbours are read from its
# paths table (rollup/paths.py); another gap, or a filter, reads raw events
rollup: {tables: ["rollup_paths_{session_gap_minutes}", "rollup_path_names"]}
params:
  event: {type: event, required: true, help: "the target event, e.g. Message Sent"}
  start: {type: date, help: first day of the range (inclusive)}
  end: {type: date, help: day after the range (exclusive)}
  direction:
    type: enum
    choices: [before, after]
    default: before
    words: {before: [before, leading up to, lead up to, prior to, led to, leads to, lead to], after: [after, following]}
  steps: {type: int, default: 3, min: 1, max: 6, help: "how many events before (or after) the target"}
  session_gap_minutes: {type: int, default: 30, min: 1, max: 1440, help: "minutes without an event that end a session"}
  top: {type: int, default: 10, min: 1, max: 25, help: "how many paths to show"}
  filters: {type: filters, applies: events, help: "only events matching, e.g. platform:iOS (paths are built from those events)"}
default_range: {day: 30}
words: [what do new users do, what do shoppers do, what do customers do, what do visitors do, what leads, path, paths, user path, user paths, what comes after, what comes before, comes after, doing just before, doing right before, doing before, doing just after, doing right after, were doing before, just before they, just after they, journey, journeys, leading up to, what do people do, what do users do,
        what happens before, what happens after, leads to, lead to, leading to, steps before, sequence, do after,
        do before, do right before, right before, right after, precede, precedes, preceding, comes before,
        come before, leads people to, lead people to, events before, events after, happens before, happens after,
        do ppl do, do people do after, do users do after, path to, paths to, steps to, events come before, end up on,
        end up at, ended up on, how do people end up, get to the, how do people get to, go through before,
        screens before, hit before, hits before, visit before, see before, land on before, where do users go after, where do people go after, go after, what do people do after]
examples:
  - user paths before message sent
  - what do people do before they send an invite
  - what leads to order completed last 30 days
  - paths before checkout started steps=2
  - what do people do after signing up
*/
{%- if rollup %}
{#- the activity rollup's paths rows: each event with the events just before and after it (integer codes) and
    how many of them lie within its session at this gap; after it, an answer whose range ends at the next
    midnight (or at the moment of the data) reads none past that, as raw events read none. The codes are
    grouped and only the paths shown are named -#}
WITH coded AS (
  SELECT person AS user_id{% for k in range(1, steps + 1) %},
         {% if direction == 'after' -%}
         CASE WHEN after_steps >= {{ k }} AND (day + INTERVAL '1 day' < :_hi OR after_in_day >= {{ k }})
              THEN after_{{ k }} END AS step_{{ k }}
         {%- else -%}
         CASE WHEN before_steps >= {{ steps - k + 1 }} THEN before_{{ steps - k + 1 }} END AS step_{{ k }}
         {%- endif %}{% endfor %}
  FROM rollup_paths_{{ session_gap_minutes }}
  WHERE event = (SELECT code FROM rollup_path_names WHERE event_name = :event) AND day >= :start AND day < :end
),
coded_paths AS (
  SELECT {% for k in range(1, steps + 1) %}step_{{ k }}, {% endfor %}COUNT(*) AS occurrences, COUNT(DISTINCT user_id) AS users
  FROM coded
  GROUP BY {% for k in range(1, steps + 1) %}{{ ', ' if k > 1 }}step_{{ k }}{% endfor %}
),
paths AS (
  SELECT {% for k in range(1, steps + 1) %}n{{ k }}.event_name AS step_{{ k }}, {% endfor %}p.occurrences, p.users
  FROM coded_paths p{% for k in range(1, steps + 1) %}
  LEFT JOIN rollup_path_names n{{ k }} ON n{{ k }}.code = p.step_{{ k }}{% endfor %}
),
preceded AS (
  SELECT user_id FROM coded
),
{%- else %}
{#- one window pass over each person's events (one sort): each event sees the `steps` events before (or after)
    it and their moments; the k-th is a step of its path when no gap between it and the event is longer than
    the session gap, so the steps are those session_events would give within the event's session -#}
{%- set lag = 'LEAD' if direction == 'after' else 'LAG' -%}
{%- set over = 'OVER (PARTITION BY user_id ORDER BY occurred_at NULLS FIRST, event_name NULLS FIRST)' -%}
{%- set within = "INTERVAL '" ~ session_gap_minutes ~ " minutes'" -%}
WITH neighbours AS (
  SELECT user_id, event_name, occurred_at AS at_0{% for j in range(1, steps + 1) %},
         {{ lag }}(occurred_at, {{ j }}) {{ over }} AS at_{{ j }},
         {{ lag }}(event_name, {{ j }}) {{ over }} AS name_{{ j }}{% endfor %}
  FROM events
  WHERE counts_as_activity
),
stepped AS (
  SELECT user_id, event_name, at_0 AS occurred_at{% for k in range(steps, 0, -1) %},
         CASE WHEN {% for j in range(1, k + 1) %}{{ ' AND ' if j > 1 }}{% if direction == 'after' %}at_{{ j }} <= at_{{ j - 1 }} + {{ within }}{% else %}at_{{ j - 1 }} <= at_{{ j }} + {{ within }}{% endif %}{% endfor %}
              THEN name_{{ k }} END AS step_{{ steps - k + 1 if direction != 'after' else k }}{% endfor %}
  FROM neighbours
),
preceded AS (
  SELECT * FROM stepped WHERE event_name = :event AND occurred_at >= :start AND occurred_at < :end
),
paths AS (
  SELECT {% for k in range(1, steps + 1) %}step_{{ k }}, {% endfor %}COUNT(*) AS occurrences, COUNT(DISTINCT user_id) AS users
  FROM preceded
  GROUP BY {% for k in range(1, steps + 1) %}{{ ', ' if k > 1 }}step_{{ k }}{% endfor %}
),
{%- endif %}
ranked AS (
  SELECT p.*, RANK() OVER (ORDER BY occurrences DESC) AS path_rank FROM paths p
)
SELECT 0 AS is_total{% for k in range(1, steps + 1) %}, step_{{ k }}{% endfor %}, occurrences, users
FROM ranked
WHERE path_rank <= :top
UNION ALL
SELECT 1{% for k in range(1, steps + 1) %}, CAST(NULL AS VARCHAR){% endfor %}, COUNT(*), COUNT(DISTINCT user_id)
FROM preceded
ORDER BY 1, {{ steps + 2 }} DESC
