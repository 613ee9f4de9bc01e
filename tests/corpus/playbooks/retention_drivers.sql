/* playbook
id: retention_drivers
title: Retention drivers (parser sketch)
question: Which early actions go with people staying?
description: >
  A header-only stand-in used by the question corpus while the real retention_drivers playbook
  is not built in (see funnel.sql here). Never run.
params:
  events: {type: events}
  threshold: {type: int, default: 1, min: 1, max: 100}
  first_days: {type: int, default: 7, min: 1, max: 90}
  start: {type: date}
  end: {type: date}
default_range: {week: 12}
words: [retention drivers, drivers of retention, what drives retention, early actions, aha moment, magic number, predicts retention, leading indicators]
examples:
  - retention drivers
*/
SELECT 1 FROM events WHERE occurred_at >= :start AND occurred_at < :end
