/* playbook
id: top_events
title: Events tracked
question: Which events exist, how often did each happen and for how many people, and how fresh is the data?
description: >
  The catalog of what can be asked about: every event of the events relation in the range (track
  events by name, page views as "Viewed <name> Page", screen views as "Viewed <name> Screen"), with
  occurrences, distinct people, and the first and last time it happened; most common first, plus a
  total row (is_total = 1). The answer adds how fresh each Segment source is (its latest
  received_at) and, for "what can I ask?", a short guide to the other playbooks.
presenter: top_events
chart: bar
params:
  start: {type: date, help: first day of the range (inclusive)}
  end: {type: date, help: day after the range (exclusive)}
  top: {type: int, default: 25, min: 1, max: 100, help: "how many events to list and chart"}
  guide:
    type: bool
    default: false
    help: "also list what else can be asked, with an example each"
    words: {"true": [what can i ask, what can you do, what can you answer, what can you tell me, what questions,
                     what do you know, what can i do with you]}
  filters: {type: filters, applies: events, help: "only events matching, e.g. platform:iOS"}
default_range: {day: 30}
# counts, people and the first and last moment per event: the activity rollup's rows give each exactly (their
# `n` summed, the first of their first_at and the last of their last_at; docs/rollup.md)
rollup: true
words: [source still sending, still sending data, still sending events, still getting data, still coming in, data still flowing, dashboards are stale, what can i ask, what can you do, what can you answer, what can you tell me, what questions, what do you know,
        top events, which events, what events, events exist, event list, list of events, list events, all events,
        events do we track, events we track, tracked events, event catalog, catalog, most common events,
        data freshness, how fresh, last get data, last got data, get data from, lagging,
        data lag, last received, fresh is the data, freshness, stale, last data, latest data, data up to date,
        can i ask, what can i ask u, what can u do, what kind of stuff, data fresh, is the data fresh, up to date,
        how up to date, every event, list every event, in the warehouse, what is in the warehouse,
        whats in the warehouse, what data do we have, source last, event inventory, whats tracked, what's tracked,
        what is tracked, what do we track, events do we even have, what do we even have, full event list,
        most frequent events, most fired events, fired events, most triggered events, triggered events, biggest events, what data do you have, most popular events, busiest events,
        top events by unique users, events by unique users,
        top events by user count, top events by volume, events by volume, events by user count, events by count, top events by count, events by number of users,
        top 10 by unique users, top by unique users, by unique users, kinda data, kind of data, what data does, what data do, which data does, what kinda data, what sort of data,
        list all the events, list all events, all the events, which events happen the most, events happen the most, happen the most, happens the most]
examples:
  - what can I ask?
  - which events exist
  - top events last 7 days
  - what events do we track
  - how fresh is the data
*/
{#- on the rollup a row holds `n` events of one person, day, source, dimensions and event, and their first and
    last moment; on raw events a row is one event at its moment -#}
{%- set counted = "CAST(COALESCE(SUM(n), 0) AS BIGINT)" if rollup else "COUNT(*)" -%}
{%- set first, last = ("first_at", "last_at") if rollup else ("occurred_at", "occurred_at") -%}
WITH in_range AS (
  SELECT event_name, user_id, {% if rollup %}n, first_at, last_at{% else %}occurred_at{% endif %}
  FROM events
  WHERE occurred_at >= :start AND occurred_at < :end
)
SELECT 0 AS is_total, event_name, {{ counted }} AS occurrences, COUNT(DISTINCT user_id) AS people,
       MIN({{ first }}) AS first_seen, MAX({{ last }}) AS last_seen
FROM in_range
GROUP BY event_name
UNION ALL
SELECT 1, CAST(NULL AS VARCHAR), {{ counted }}, COUNT(DISTINCT user_id), MIN({{ first }}), MAX({{ last }})
FROM in_range
ORDER BY 1, 3 DESC, 2
