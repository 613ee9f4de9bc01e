"""`bot.py ask --json`: a mistake on the command line is still one JSON object on stdout (and usage on
stderr without --json), before any warehouse is opened."""

import json

import pytest

import bot


@pytest.mark.parametrize("argv,words", [
    (["ask", "--json", "--bogus", "dau"], "unrecognized arguments: --bogus"),
    (["ask", "--json"], "the following arguments are required: question"),
    (["audit", "--json", "--limit", "many"], "invalid int value"),
])
def test_argument_mistakes_with_json_print_one_json_object(capsys, argv, words):
    with pytest.raises(SystemExit) as info:
        bot.main(argv)
    assert info.value.code == 2
    out = capsys.readouterr().out
    payload = json.loads(out)
    assert words in payload["error"] and payload["suggestions"][0].startswith("usage:")
    assert out.count("\n") == 1  # one object, one line


def test_argument_mistakes_without_json_are_argparse_usage(capsys):
    with pytest.raises(SystemExit) as info:
        bot.main(["ask", "--bogus", "dau"])
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "unrecognized arguments: --bogus" in captured.err
