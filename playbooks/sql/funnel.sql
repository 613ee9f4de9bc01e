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
            e-commerce funnel, purchase funnel, shopping funnel, sales funnel, store funnel],
            "Checkout Started, Order Completed": [checkout abandonment, abandoned checkouts, abandoned checkout,
            checkout completion, checkout conversion],
            "Product Added, Order Completed": [cart abandonment, abandoned carts, abandoned cart, cart conversion]}
  start: {type: date, help: first day people can enter the funnel (inclusive)}
  end: {type: date, help: day after the last day people can enter (exclusive)}
  window_days: {type: int, default: 7, min: 1, max: 90, help: "days from entering to finish every step"}
  group_by: {type: dimension, help: "compare segments: platform, os, channel, plan, country, ..."}
  top: {type: int, default: 5, min: 1, max: 10, help: "with group_by: the N largest segments; the rest are Other"}
  filters: {type: filters, help: "only entries matching, e.g. platform:iOS"}
default_range: {day: 30}
words: [how many make it, make it through, how many make it to, how many get to, funnel, conversion, convert, converted, conversion rate, drop off, drop-off, dropoff, checkout funnel, steps,
        ecommerce funnel, e-commerce funnel, purchase funnel, shopping funnel, convertion, conversions, converts,
        abandonment, abandonment rate, abandon, abandoned, turn into, turned into, went on to, go on to, goes on to,
        then did, to-purchase, view-to-purchase, drop-off rate, drop off rate, completion rate,
        how leaky is, leaky funnel, leaky flow, leaking, leaks]
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
WITH
-- One pass over the funnel's events, no joins: each step's time is a per-person window MIN over
-- the same partition (one sort), so the cost is the same whatever the planner estimates. (A join
-- per step made PostgreSQL, which estimates one row for a filtered CTE, nest loops: 21 s at 1M.)
step_events AS (
  SELECT user_id, event_name, occurred_at{% if group_by %}, {{ group_by }} AS segment_value{% endif %},
         -- each person's first step-1 event in the range (the filters apply to this entering event)
         MIN(CASE WHEN event_name = {{ events[0] }} AND occurred_at < :end {{ filters }} THEN occurred_at END)
           OVER (PARTITION BY user_id) AS t1
  FROM events
  WHERE event_name IN ({% for i in range(n) %}{{ events[i] }}{% if not loop.last %}, {% endif %}{% endfor %})
    AND occurred_at >= :start
)
{% for i in range(1, n) %},
-- step {{ i + 1 }}: the first occurrence after step {{ i }}, within the window from entering
reached{{ i + 1 }} AS (
  SELECT s.*, MIN(CASE WHEN event_name = {{ events[i] }} AND occurred_at >= t{{ i }}
                        AND occurred_at < t1 + INTERVAL '{{ window_days }} days' THEN occurred_at END)
                OVER (PARTITION BY user_id) AS t{{ i + 1 }}
  FROM {% if i == 1 %}step_events{% else %}reached{{ i }}{% endif %} s
  WHERE t1 IS NOT NULL
){% endfor %},
journeys AS (
  SELECT user_id{% for j in range(1, n + 1) %}, MIN(t{{ j }}) AS t{{ j }}{% endfor %}{% if group_by %},
         COALESCE(MIN(CASE WHEN event_name = {{ events[0] }} AND occurred_at = t1 THEN segment_value END), '(none)')
           AS segment{% endif %}
  FROM reached{{ n }}
  GROUP BY user_id
),
{% if group_by %}
ranked AS (
  SELECT segment, ROW_NUMBER() OVER (ORDER BY COUNT(*) DESC, segment) AS segment_rank
  FROM journeys
  GROUP BY segment
),
step{{ n }} AS (
  SELECT CASE WHEN r.segment_rank <= :top THEN j.segment ELSE 'Other' END AS segment{% for j in range(1, n + 1) %}, j.t{{ j }}{% endfor %}
  FROM journeys j
  JOIN ranked r ON r.segment = j.segment
){% else %}
step{{ n }} AS (
  SELECT CAST(NULL AS VARCHAR) AS segment{% for j in range(1, n + 1) %}, t{{ j }}{% endfor %} FROM journeys
){% endif %}
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
