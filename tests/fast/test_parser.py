"""The short forms the core understands, follow-ups, and what happens when it cannot."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questions import Clarification, Request
from questions.parser import ParseContext, parse
from tests.fixtures import catalog as snapshot_catalog
from tests.helpers import builtin_library

TODAY = date(2026, 11, 20)  # a Friday


@pytest.fixture(scope="module")
def ctx():
    catalog = snapshot_catalog("messenger")
    return ParseContext(library=builtin_library(), catalog=catalog, today=TODAY)


def p(ctx, text, previous=None):
    ctx.previous = previous
    return parse(text, ctx)


@pytest.mark.parametrize("text,playbook,params", [
    ("invites yesterday", "event_volume",
     {"event": "Invite Sent", "interval": "day", "start": date(2026, 11, 19), "end": date(2026, 11, 20)}),
    ("messages sent last 30 days", "event_volume",
     {"event": "Message Sent", "interval": "day", "start": date(2026, 10, 21), "end": date(2026, 11, 20)}),
    ("signups per week since 2026-09-01", "event_volume",
     {"event": "Signed Up", "interval": "week", "start": date(2026, 9, 1), "end": date(2026, 11, 21)}),
    ("How many photos were shared this month?", "event_volume", {"event": "Photo Shared", "start": date(2026, 11, 1)}),
    ("invtes yesterday", "event_volume", {"event": "Invite Sent"}),
    ("sent an invite last week", "event_volume", {"event": "Invite Sent", "start": date(2026, 11, 9)}),
    ("purchases last month", "ecommerce", {"metric": "orders", "start": date(2026, 10, 1)}),  # each order once
    ("Viewed Pricing Page yesterday", "event_volume", {"event": "Viewed Pricing Page"}),
    ("retention weekly", "retention",
     {"interval": "week", "start": date(2026, 8, 24), "end": date(2026, 11, 16)}),
    ("monthly retention", "retention", {"interval": "month"}),
    ("active users monthly", "active_users", {"interval": "month"}),
    ("dau", "active_users", {"interval": "day", "start": date(2026, 10, 21), "end": date(2026, 11, 20)}),
    ("mau", "active_users", {"interval": "month"}),
    ("stickiness", "active_users", {"metric": "stickiness"}),
    ("event_volume event='Invite Sent' interval=week start=2026-09-01", "event_volume",
     {"event": "Invite Sent", "interval": "week", "start": date(2026, 9, 1)}),
])
def test_short_forms(ctx, text, playbook, params):
    request = p(ctx, text)
    assert isinstance(request, Request), request
    assert request.playbook == playbook
    for key, value in params.items():
        assert request.params[key] == value, key


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "flux capacitor readings", "'; DROP TABLE users; --",
                                  "SELECT * FROM users", "x" * 5000, "¿cuántos usuarios?", "help"])
def test_cannot_answer_gets_suggestions_and_an_example(ctx, text):
    outcome = p(ctx, text)
    assert isinstance(outcome, Clarification)
    assert outcome.message
    assert outcome.example
    assert len(outcome.suggestions) <= 3


def test_unknown_event_suggests_close_ones(ctx):
    outcome = p(ctx, "event_volume event='Invitation Sennt'")
    assert isinstance(outcome, Request) and outcome.params["event"] == "Invite Sent"
    outcome = p(ctx, "event_volume event=Teleported")
    assert isinstance(outcome, Clarification)
    assert "Teleported" in outcome.message


def test_ambiguous_words_ask_instead_of_guessing(ctx):
    outcome = p(ctx, "sent yesterday")
    assert isinstance(outcome, Clarification)
    assert {"Message Sent", "Invite Sent"} <= set(outcome.choices)
    outcome = p(ctx, "inbox views yesterday")
    assert isinstance(outcome, Clarification)
    assert set(outcome.choices) == {"Viewed Inbox Page", "Viewed Inbox Screen"}


def test_bad_values_say_what_fits(ctx):
    outcome = p(ctx, "event_volume event='Invite Sent' interval=fortnight")
    assert isinstance(outcome, Clarification) and "day" in outcome.choices
    outcome = p(ctx, "invites since 2099-01-01")
    assert isinstance(outcome, Clarification) and "future" in outcome.message
    outcome = p(ctx, "event_volume event='Invite Sent' colour=blue")
    assert isinstance(outcome, Clarification) and "colour" in outcome.message


def test_follow_ups_change_only_what_they_say(ctx):
    first = p(ctx, "invites last 7 days")
    assert isinstance(first, Request)
    monthly = p(ctx, "monthly", previous=first)
    assert monthly.playbook == "event_volume" and monthly.params["event"] == "Invite Sent"
    assert monthly.params["interval"] == "month"
    assert (monthly.params["start"], monthly.params["end"]) == (date(2025, 11, 1), date(2026, 11, 1))
    daily = p(ctx, "daily", previous=first)  # a finer interval keeps the range
    assert (daily.params["start"], daily.params["end"]) == (first.params["start"], first.params["end"])
    photos = p(ctx, "and photos?", previous=first)
    assert photos.params["event"] == "Photo Shared"
    assert (photos.params["start"], photos.params["end"]) == (first.params["start"], first.params["end"])
    later = p(ctx, "last month", previous=photos)
    assert later.params["event"] == "Photo Shared" and later.params["start"] == date(2026, 10, 1)
    yesterday = p(ctx, "invites yesterday")
    monthly = p(ctx, "monthly", previous=yesterday)
    assert monthly.params["interval"] == "month" and monthly.params["event"] == "Invite Sent"
    assert monthly.params["start"] == date(2025, 11, 1) and monthly.params["end"] == date(2026, 11, 1)
    retention = p(ctx, "retention weekly")
    monthly = p(ctx, "monthly", previous=retention)
    assert monthly.playbook == "retention" and monthly.params["interval"] == "month"


def test_a_follow_up_that_does_not_fit_reads_as_a_new_question(ctx):
    funnel = p(ctx, "signup -> invite -> message funnel this month")
    assert isinstance(funnel, Request) and funnel.playbook == "funnel"
    alone = p(ctx, "messages vs last week")
    after = p(ctx, "messages vs last week", previous=funnel)  # a funnel has no comparison: a new question
    assert isinstance(after, Request) and after.playbook == "event_volume" == alone.playbook
    assert after.params == alone.params and after.params["event"] == "Message Sent"
    still = p(ctx, "by platform", previous=funnel)  # one that fits stays a follow-up
    assert still.playbook == "funnel" and still.params["group_by"] == "platform"
    nothing = p(ctx, "zzqx flurbs", previous=funnel)  # neither: the follow-up's own question back
    assert isinstance(nothing, Clarification)


def test_a_filter_a_playbook_cannot_apply_is_said_not_ignored(ctx):
    for text in ("monthly active users by payment plan on ios", "mau by payment plan for users from google"):
        said = p(ctx, text)  # the product database's plans: no Segment dimension to filter on
        assert isinstance(said, Clarification) and "can't be filtered by" in said.message, (text, said)
    email = p(ctx, "did the email work for pro users")  # intervention_impact takes filters since 7ebfbae
    assert isinstance(email, Request) and email.params["filters"] == (("plan", "pro"),), email
    plans = p(ctx, "monthly active users by payment plan")
    assert isinstance(plans, Request) and plans.playbook == "active_by_payment_plan"
    follow = p(ctx, "on ios", previous=plans)
    assert isinstance(follow, Clarification) and "can't be filtered by platform" in follow.message, follow
    growth = p(ctx, "growth accounting on ios")  # one that can, does
    assert isinstance(growth, Request) and growth.params["filters"] == (("platform", "iOS"),), growth
    web = p(ctx, "web bounce rate")  # a platform said without a preposition is a filter too, and sessions take it
    assert isinstance(web, Request) and web.params["filters"] == (("platform", "Web"),), web
    assert p(ctx, "dau on ios").params["filters"] == (("platform", "iOS"),)  # one that can, does


def test_lifetime_value_and_retention_drivers_take_filters(ctx):
    """Issue 18: both were asked back ("can't be filtered by ... yet"); the filter is now read, as a question
    and as a follow-up in the thread, and the rest of the reading is kept."""
    for text, playbook, filters in (
            ("ltv by channel for ios users", "ltv_by_channel", (("platform", "iOS"),)),
            ("lifetime value by channel for ios users", "ltv_by_channel", (("platform", "iOS"),)),
            ("what drives retention on android", "retention_drivers", (("os", "Android"),)),
            ("retention drivers for users from google last 30 days", "retention_drivers", (("channel", "google"),))):
        request = p(ctx, text)
        assert isinstance(request, Request) and request.playbook == playbook, (text, request)
        assert request.params["filters"] == filters, (text, request.params)
        assert any(r.name == "filters" for r in request.readings), text  # said back in the reading
    ltv = p(ctx, "which marketing channels bring us the highest ltv customers")
    pro = p(ctx, "just for pro", previous=ltv)
    assert isinstance(pro, Request) and pro.playbook == "ltv_by_channel" and pro.params["filters"] == (("plan", "pro"),)
    assert {k: v for k, v in pro.params.items() if k != "filters"} == \
        {k: v for k, v in ltv.params.items() if k != "filters"}
    drivers = p(ctx, "retention drivers")
    ios = p(ctx, "on ios", previous=drivers)
    assert isinstance(ios, Request) and ios.playbook == "retention_drivers"
    assert ios.params["filters"] == (("platform", "iOS"),) and ios.params["first_days"] == drivers.params["first_days"]
    # two values of the split it already shows: the split, not a filter
    both = p(ctx, "is newsletter traffic worth more than facebook ltv-wise?")
    assert both.playbook == "ltv_by_channel" and both.params["group_by"] == "channel" and not both.params["filters"]


def test_readings_explain_where_each_value_came_from(ctx):
    request = p(ctx, "invites per week since 2026-09-01")
    words = {r.name: r.words for r in request.readings}
    assert words["event"] == "invites"
    assert words["interval"] == "per week"
    assert "2026-09-01" in words["start"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_no_input_raises(ctx, text):
    outcome = p(ctx, text)
    assert isinstance(outcome, (Request, Clarification))
    if isinstance(outcome, Request):
        assert outcome.playbook in ctx.library


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["invites", "messages", "signups", "photos", "dau", "retention"]),
       st.sampled_from(["yesterday", "last 7 days", "this month", "weekly", "since 2026-10-01", ""]))
def test_parses_are_stable(ctx, subject, when):
    a, b = p(ctx, f"{subject} {when}"), p(ctx, f"{subject} {when}")
    assert a == b
    if isinstance(a, Request) and "start" in a.params:
        assert a.params["start"] < a.params["end"] <= TODAY + timedelta(days=1)


@pytest.mark.parametrize("text,group_by,filters,top", [
    ("invites last 30 days by platform", "platform", None, None),
    ("messages by plan top 3", "plan", None, 3),
    ("signups by acquisition channel last month", "channel", None, None),
    ("photos shared on ios yesterday", None, (("platform", "iOS"),), None),
    ("messages sent for pro users last week", None, (("plan", "pro"),), None),
    ("orders from google this month", None, (("channel", "google"),), None),
    ("weekly active users by os", "os", None, None),
    ("dau on android", None, (("os", "Android"),), None),
])
def test_breakdowns_and_filters(ctx, text, group_by, filters, top):
    request = p(ctx, text)
    assert isinstance(request, Request), request
    assert request.params.get("group_by") == group_by
    assert (request.params.get("filters") or None) == filters
    if top:
        assert request.params["top"] == top


@pytest.mark.parametrize("text,playbook,group_by,interval", [
    ("revenue by channel weekly", "ecommerce", "channel", "week"),
    ("invites by platform yesterday", "event_volume", "platform", "day"),
    ("messages by plan vs last week", "event_volume", "plan", "day"),
    ("signups by signup day of week monthly", "event_volume", "signup_weekday", "month"),
])
def test_breakdown_followed_by_time_words(ctx, text, playbook, group_by, interval):
    got = p(ctx, text)
    assert isinstance(got, Request), got
    assert (got.playbook, got.params["group_by"], got.params["interval"]) == (playbook, group_by, interval)


def test_breakdown_a_playbook_cannot_do_is_said(ctx):
    from playbooks.library import Library, parse_playbook

    plain = parse_playbook("/* playbook\nid: signup_total\ntitle: Signup total\nquestion: How many?\n"
                           "words: [signup total]\n*/\nSELECT COUNT(*) AS people FROM users\n")
    outcome = parse("signup total by platform", ParseContext(library=Library([plain]), catalog=ctx.catalog, today=TODAY))
    assert isinstance(outcome, Clarification) and "broken down" in outcome.message


def test_sensitive_dimensions_are_kept_for_the_policy_to_refuse(ctx):
    # the policy refuses them with its reason, and render never puts them in SQL (tests/test_policy.py)
    outcome = p(ctx, "invites by ip address")
    assert isinstance(outcome, Request) and outcome.params["group_by"] == "ip"


@pytest.mark.parametrize("text,events,group_by,filters", [
    ("invite adoption by os", ("Invite Sent",), "os", None),
    ("photo sharing adoption by app version", ("Photo Shared",), "app_version", None),
    ("how many active users use stickers, by platfrom", ("Sticker Sent",), "platform", None),
    ("friend added adoption by country", ("Friend Added",), "country", None),
    ("sticker adoption on ios by country", ("Sticker Sent",), "country", (("platform", "iOS"),)),
    ("feature usage of stickers and photos by week by plan for pro users", ("Sticker Sent", "Photo Shared"), "plan",
     (("plan", "pro"),)),
])
def test_feature_adoption_breaks_down(ctx, text, events, group_by, filters):
    got = p(ctx, text)
    assert isinstance(got, Request), got
    assert (got.playbook, got.params["events"], got.params["group_by"]) == ("feature_adoption", events, group_by)
    assert got.params["filters"] == filters and got.params["top"] == 5
    from questions.explain import describe_reading

    assert f"group_by {group_by} ← “" in describe_reading(got)


@pytest.mark.parametrize("reply,group_by", [("by country?", "country"), ("by platform?", "platform"),
                                            ("and by os", "os")])
def test_a_breakdown_follow_up_of_feature_adoption(ctx, reply, group_by):
    from questions.explain import describe_reading

    first = p(ctx, "sticker adoption weekly on ios")
    assert isinstance(first, Request) and first.playbook == "feature_adoption"
    got = p(ctx, reply, previous=first)
    assert isinstance(got, Request), got
    assert got.playbook == "feature_adoption" and got.params["group_by"] == group_by
    kept = {k: v for k, v in first.params.items() if k != "group_by"}
    assert {k: v for k, v in got.params.items() if k != "group_by"} == kept  # events, range, interval, filter kept
    assert got.params["filters"] == (("platform", "iOS"),)
    assert f"group_by {group_by} ← “" in describe_reading(got)
