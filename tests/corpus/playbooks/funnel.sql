/* playbook
id: funnel
title: Funnel (parser sketch)
question: Of the people who did the first step, how many did each next step within the window?
description: >
  A header-only stand-in used by the question corpus while the real funnel playbook is not
  built in: it declares the contract's parameters (playbooks/PARAMETERS.md) and is never run.
  When playbooks/sql/funnel.sql exists, the corpus uses that one instead.
params:
  events: {type: events, required: true, min: 2, max: 6}
  start: {type: date}
  end: {type: date}
  window_days: {type: int, default: 7, min: 1, max: 90}
  group_by: {type: dimension}
  top: {type: int, default: 5, min: 1, max: 10}
  filters: {type: filters}
default_range: {day: 30, week: 12, month: 6}
words: [funnel, conversion, convert, converted, conversion rate, drop off, drop-off, dropoff, checkout funnel, steps]
examples:
  - funnel product viewed -> product added -> checkout started -> order completed
*/
SELECT 1 FROM events WHERE event_name = ANY(:events) AND occurred_at >= :start AND occurred_at < :end
