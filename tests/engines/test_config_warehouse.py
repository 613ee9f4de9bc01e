"""Configuration: defaults, environment overrides, and one-line errors that name the key and the fix."""




from ..fast.test_config import _bot, write


def test_missing_source_schema_is_one_line(tmp_path, built):
    path = write(tmp_path, f"warehouses:\n  segment: {{url: 'duckdb:///{built['messenger']}'}}\n"
                           "segment: {sources: [messenger_web, ios_prod]}\n")
    result = _bot("--config", str(path), "ask", "--json", "invites yesterday")
    assert result.returncode == 2
    assert result.stdout.count("\n") == 1
    assert "ios_prod" in result.stdout and "segment.sources" in result.stdout
