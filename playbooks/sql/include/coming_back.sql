{#- Shared by the retention playbooks: the events that count as coming back after signup, from the events
    relation: qualifying activity of signed-in people since :start, only the `event` parameter's event if set. -#}
  FROM events
  WHERE occurred_at >= :start
    AND NOT is_anonymous
    AND counts_as_activity
    {% if event %}AND event_name = :event{% endif %}
