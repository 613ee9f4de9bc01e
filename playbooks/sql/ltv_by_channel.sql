/* playbook
id: ltv_by_channel
title: Lifetime value by channel
question: Which marketing channels bring the customers with the highest lifetime value?
description: >
  People who signed up in the range, grouped by acquisition channel (the UTM source on their first
  signup event: the channel dimension), and the revenue of their completed orders in their first
  first_days days after signup (default 90). Only people whose window is over by today are counted; the
  rest are reported as waiting. Rows per channel (top N by people, the rest Other; an empty segment
  is everyone): people acquired, customers (at least one order in the window), orders, revenue.
  Filters keep the people whose signup matches (plan, platform, country, ...).
presenter: ltv
chart: bar
tags: [revenue]
lookahead: first_days
params:
  start: {type: date, help: first signup day (inclusive)}
  end: {type: date, help: day after the last signup day (exclusive)}
  first_days: {type: int, default: 90, min: 1, max: 730, help: "the lifetime: revenue in each person's first N days after signup"}
  measure:
    type: enum
    choices: [revenue, total]
    default: revenue
    help: "revenue: the order's revenue (no shipping or tax); total: with shipping and tax"
    words: {total: [total with tax, including tax, incl tax, with shipping, including shipping, gross total,
                    order total, order totals]}
  group_by: {type: dimension, default: channel, help: "channel by default; also plan, country, platform at signup, ..."}
  top: {type: int, default: 10, min: 1, max: 20, help: "the N largest groups by people acquired; the rest are Other"}
  filters: {type: filters, applies: users, help: "only people whose signup matches, e.g. plan:pro, platform:iOS"}
default_range: {day: 180}
words: [high value shoppers, high value customers, high value users, higher value users, higher value customers, higher value shoppers, higher-value users, high-value customers, bringing us higher value, bring in high value, end up buying, end up spending, end up spending the most, worth the most, better customers, bringing us better customers, best customers long term, customers long term, better customers long term, lifetime value, ltv, clv, customer lifetime value, highest value customers, most valuable customers,
        best customers, revenue per customer, value per customer, customer value, lifetime revenue, ltv by channel,
        channels bring the best customers, most valuable users, valuable users, most valuable, highest-spending,
        highest spending, spend more, spending more, spend the most, spends the most, where they came from,
        utm channel, per channel ltv, lifetime spend, value of customers, worth the most,
        revenue per user by channel, revenue per user by source, end up spending, spending with us, worth more,
        budget into, more budget, spend over time, value per user,
        best paying customers, best-paying customers, highest paying customers, top paying customers, best customers come from, higher-value buyers, higher value buyers, revenue per acquired user,
        more valuable customers, valuable customers, bringing us more valuable, lifetime store spend, whose lifetime, spend more over their lifetime,
        biggest spenders, big spenders, top spenders, spenders,
        better value customers, higher value customers, value customers,
        ltv by utm source, ltv by source, ltv by utm, lifetime value by utm source]
examples:
  - which marketing channels bring the highest lifetime value customers
  - lifetime value by channel
  - ltv by acquisition channel in their first 30 days
  - revenue per customer by channel since 2026-08-01
  - customer lifetime value by plan
  - ltv including tax top 3
  - ltv by channel for ios users
*/
{% set amount = "COALESCE(o.revenue, o.total)" if measure == "revenue" else "COALESCE(o.total, o.revenue)" %}
{% set fallback = "o.revenue IS NULL AND o.total IS NOT NULL" if measure == "revenue" else "o.total IS NULL AND o.revenue IS NOT NULL" %}
WITH acquired AS (
  -- people who signed up in the range; their window is over when first_days have passed by today
  SELECT u.user_id, u.activated_at, COALESCE(CAST(u.{{ group_by }} AS VARCHAR), '(none)') AS segment,
         CASE WHEN u.activated_at + INTERVAL '{{ first_days }} days' <= :today THEN 1 ELSE 0 END AS window_over
  FROM users u
  WHERE u.activated_at >= :start AND u.activated_at < :end {{ filters }}
),
spend AS (
  -- each person's completed orders in their first first_days days from signup
  SELECT a.user_id, a.segment, COUNT(o.user_id) AS orders, SUM({{ amount }}) AS revenue,
         SUM(CASE WHEN {{ fallback }} THEN 1 ELSE 0 END) AS fallback_orders
  FROM acquired a
  LEFT JOIN orders o
    ON o.user_id = a.user_id AND o.occurred_at >= a.activated_at
   AND o.occurred_at < a.activated_at + INTERVAL '{{ first_days }} days'
  WHERE a.window_over = 1
  GROUP BY a.user_id, a.segment
),
ranked AS (
  SELECT segment, ROW_NUMBER() OVER (ORDER BY COUNT(*) DESC, segment) AS segment_rank
  FROM spend
  GROUP BY segment
),
labelled AS (
  SELECT CASE WHEN r.segment_rank <= :top THEN s.segment ELSE 'Other' END AS segment,
         s.orders, s.revenue, s.fallback_orders
  FROM spend s
  JOIN ranked r ON r.segment = s.segment
)
{% macro measures() %}COUNT(*) AS people, SUM(CASE WHEN orders > 0 THEN 1 ELSE 0 END) AS customers,
       SUM(orders) AS orders, SUM(revenue) AS revenue, SUM(fallback_orders) AS fallback_orders{% endmacro %}
SELECT segment, {{ measures() }}, CAST(NULL AS INTEGER) AS waiting
FROM labelled
GROUP BY segment
UNION ALL
-- everyone, and the people left out because their window is not over yet
SELECT CAST(NULL AS VARCHAR), {{ measures() }}, (SELECT COUNT(*) FROM acquired WHERE window_over = 0)
FROM labelled
ORDER BY 1
