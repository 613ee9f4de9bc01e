/* playbook
id: user_path
title: User paths (parser sketch)
question: What do people do before (or after) an event?
description: >
  A header-only stand-in used by the question corpus while the real user_path playbook is not
  built in (see funnel.sql here). Never run.
params:
  event: {type: event, required: true}
  direction:
    type: enum
    choices: [before, after]
    default: before
    words: {before: [before, leading up to, lead up to, prior to, led to, leads to], after: [after, following, next]}
  steps: {type: int, default: 3, min: 1, max: 8}
  start: {type: date}
  end: {type: date}
  session_gap_minutes: {type: int, default: 30, min: 1, max: 1440}
  top: {type: int, default: 10, min: 1, max: 50}
default_range: {day: 30}
words: [path, paths, user path, journey, journeys, leading up to, what do people do, what do users do, flow, sequence]
examples:
  - what do people do before sending a message
*/
SELECT 1 FROM events WHERE event_name = :event AND occurred_at >= :start AND occurred_at < :end
