/* playbook
id: funnel
title: Funnel
question: Of the people who did the first step, how many went on to do each next step, in order, within the window?
description: >
  Ordered steps (2 to 6 events). A person enters with their first step-1 event in the range; each
  later step counts if it happens after the previous step and within window_days of entering.
  Rows: segment (NULL = everyone), step number, people who reached the step, and the median time
  from the previous step in seconds. With group_by, the segment is the value on the entering
  event (event dimensions) or the person's (person dimensions): the top N and "Other".
presenter: funnel
chart: funnel
scope: [events]
lookahead: window_days
params:
  events:
    type: events
    required: true
    min: 2
    max: 6
    help: "the steps in order, e.g. Product Viewed -> Order Completed"
    # named step lists for questions that name no steps; Segment's e-commerce spec v2 names, matched to the
    # catalog like typed steps (so a spec v1 warehouse gets Viewed Product -> ... -> Completed Order)
    words: {"Product Viewed, Product Added, Checkout Started, Order Completed": [checkout funnel, ecommerce funnel,
            e-commerce funnel, purchase funnel, shopping funnel, sales funnel, store funnel]}
  start: {type: date, help: first day people can enter the funnel (inclusive)}
  end: {type: date, help: day after the last day people can enter (exclusive)}
  window_days: {type: int, default: 7, min: 1, max: 90, help: "days from entering to finish every step"}
  group_by: {type: dimension, help: "compare segments: platform, os, channel, plan, country, ..."}
  top: {type: int, default: 5, min: 1, max: 10, help: "with group_by: the N largest segments; the rest are Other"}
  filters: {type: filters, help: "only entries matching, e.g. platform:iOS"}
default_range: {day: 30}
words: [funnel, conversion, convert, converted, conversion rate, drop off, drop-off, dropoff, checkout funnel, steps,
        ecommerce funnel, e-commerce funnel, purchase funnel, shopping funnel]
definitions:
  - "People: stitched users (anonymous visitors count per device until they sign in)."
examples:
  - funnel product viewed then product added then checkout started then order completed
  - conversion product viewed then order completed last 30 days
  - funnel events='Product Viewed,Order Completed' window_days=3
  - checkout funnel product added -> checkout started -> order completed by platform
  - drop-off from viewed store page -> product viewed -> product added last 14 days
  - checkout funnel last 60 days
*/
{% set n = events|length %}
WITH entries AS (
  -- each person's first step-1 event in the range
  SELECT user_id, MIN(occurred_at) AS t1
  FROM events
  WHERE event_name = {{ events[0] }}
    AND occurred_at >= :start AND occurred_at < :end
    {{ filters }}
  GROUP BY user_id
),
{% if group_by %}
entry_segments AS (
  SELECT f.user_id, f.t1, COALESCE(MIN(e.{{ group_by }}), '(none)') AS segment
  FROM entries f
  JOIN events e ON e.user_id = f.user_id AND e.event_name = {{ events[0] }} AND e.occurred_at = f.t1
  GROUP BY f.user_id, f.t1
),
ranked AS (
  SELECT segment, ROW_NUMBER() OVER (ORDER BY COUNT(*) DESC, segment) AS segment_rank
  FROM entry_segments
  GROUP BY segment
),
step1 AS (
  SELECT s.user_id, CASE WHEN r.segment_rank <= :top THEN s.segment ELSE 'Other' END AS segment, s.t1
  FROM entry_segments s
  JOIN ranked r ON r.segment = s.segment
){% else %}
step1 AS (
  SELECT user_id, CAST(NULL AS VARCHAR) AS segment, t1 FROM entries
){% endif %}
{% for i in range(1, n) %},
-- step {{ i + 1 }}: the first occurrence after step {{ i }}, within the window from entering
step{{ i + 1 }} AS (
  SELECT p.user_id, p.segment{% for j in range(1, i + 1) %}, p.t{{ j }}{% endfor %}, MIN(e.occurred_at) AS t{{ i + 1 }}
  FROM step{{ i }} p
  LEFT JOIN events e
    ON e.user_id = p.user_id AND e.event_name = {{ events[i] }}
   AND e.occurred_at >= p.t{{ i }} AND e.occurred_at < p.t1 + INTERVAL '{{ window_days }} days'
  GROUP BY p.user_id, p.segment{% for j in range(1, i + 1) %}, p.t{{ j }}{% endfor %}
){% endfor %}
{% macro per_step(segment, grouped) %}
SELECT {{ segment }} AS segment, 1 AS step, COUNT(*) AS users, CAST(NULL AS DOUBLE PRECISION) AS median_seconds
FROM step{{ n }}
{{ grouped }}
{% for i in range(2, n + 1) %}
UNION ALL
SELECT {{ segment }}, {{ i }}, COUNT(t{{ i }}),
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (t{{ i }} - t{{ i - 1 }})))
FROM step{{ n }}
{{ grouped }}
{% endfor %}
{% endmacro %}
{{ per_step('segment', 'GROUP BY segment') }}
{% if group_by %}
UNION ALL
{{ per_step('CAST(NULL AS VARCHAR)', '') }}
{% endif %}
ORDER BY 1, 2
