"""Playbooks are data: custom folders, validation naming file and line, and the same safety."""

from pathlib import Path

import pytest

from playbooks import PlaybookError, load_library, parse_playbook

GOOD = """/* playbook
id: signups_by_source
title: Signups by source
question: Which Segment source do signups come from?
params:
  start: {type: date}
  end: {type: date}
examples: [signups by source last 30 days]
words: [signups by source]
*/
SELECT source, COUNT(*) AS signups
FROM events
WHERE event_name = 'Signed Up' AND occurred_at >= :start AND occurred_at < :end
GROUP BY source
ORDER BY signups DESC
"""


def test_builtins_load_with_examples():
    library = load_library()
    for pb in library.all():
        assert pb.examples and pb.words and pb.title and pb.question


@pytest.mark.parametrize("text,line,words", [
    ("SELECT 1", 1, "missing header"),
    ("/* playbook\nid: x1\ntitle: t\nquestion: q\nbogus: 1\n*/\nSELECT 1", 5, "unknown key 'bogus'"),
    ("/* playbook\nid: x1\ntitle: t\nquestion: q\nparams:\n  a: {type: colour}\n*/\nSELECT 1", 6, "unknown type"),
    ("/* playbook\nid: x1\ntitle: t\nquestion: q\n*/\nSELECT 1\nFROM events\nWHERE x = :nope", 8, ":nope"),
    ("/* playbook\nid: x1\ntitle: [unclosed\n*/\nSELECT 1", 3, "not valid YAML"),
    ("/* playbook\nid: Bad-Id\ntitle: t\nquestion: q\n*/\nSELECT 1", 2, "lowercase"),
    ("/* playbook\nid: x1\ntitle: t\nquestion: q\nbreakdown_of: {playbook: active_users, dimension: colour}\n*/\n"
     "SELECT 1", 5, "breakdown_of must be"),
    ("/* playbook\nid: x1\ntitle: t\nquestion: q\nwords: [how many]\nweak_words: [how much]\n*/\nSELECT 1", 6,
     "weak_words must list"),
])
def test_mistakes_name_file_and_line(text, line, words):
    with pytest.raises(PlaybookError) as info:
        parse_playbook(text, "custom/bad.sql")
    assert info.value.line == line
    assert words in info.value.message
    assert str(info.value).startswith(f"custom/bad.sql:{line}:")


def test_duplicate_ids_are_refused(tmp_path):
    (tmp_path / "dup.sql").write_text(GOOD.replace("signups_by_source", "event_volume"))
    with pytest.raises(PlaybookError, match="already used"):
        load_library([Path(tmp_path)])
