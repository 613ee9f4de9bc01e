"""Presenters: a playbook's result -> key number, comparisons, table, chart spec, definitions.

A playbook names its presenter in its header (`presenter: volume`); one module per presenter.
Custom playbooks usually use `table`, which charts what it can recognise (a date column and
numbers -> lines; a label and a number -> bars). To add one: write a function
`present_x(env: PresentEnv) -> Presentation` in its own module, register it below and add its name
to playbooks.library.PRESENTER_NAMES (so a header naming it is accepted).
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Presentation, PresentEnv
from .active import present_active_by_lookup, present_active_users
from .adoption import present_feature_adoption
from .catalog import present_top_events
from .drivers import present_retention_drivers
from .ecommerce import present_ecommerce, present_ltv
from .funnel import present_funnel
from .growth import present_growth_accounting
from .intervention import present_intervention_impact
from .nday import present_nday_retention
from .paths import present_session_flows, present_user_path
from .retention import present_retention
from .sessions import present_sessions
from .slipping import present_slipping_away
from .table import present_table
from .volume import present_volume

PRESENTERS: dict[str, Callable[[PresentEnv], Presentation]] = {
    "volume": present_volume,
    "active_users": present_active_users,
    "active_by_lookup": present_active_by_lookup,
    "retention": present_retention,
    "nday_retention": present_nday_retention,
    "growth_accounting": present_growth_accounting,
    "feature_adoption": present_feature_adoption,
    "retention_drivers": present_retention_drivers,
    "slipping_away": present_slipping_away,
    "intervention_impact": present_intervention_impact,
    "table": present_table,
    "funnel": present_funnel,
    "user_path": present_user_path,
    "session_flows": present_session_flows,
    "sessions": present_sessions,
    "top_events": present_top_events,
    "ecommerce": present_ecommerce,
    "ltv": present_ltv,
}
