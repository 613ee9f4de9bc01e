"""Playbooks: which analyses exist. Each is one .sql file whose header (YAML in the first comment)
declares its id, title, parameters and their types, words and examples (library.py validates it);
params.py holds the parameter types. Knows no warehouse, no Slack and no matplotlib.
"""

from .library import Library, Lookup, Playbook, PlaybookError, load_library, parse_playbook
from .params import ParamError, ParamSpec

__all__ = ["Library", "Lookup", "ParamError", "ParamSpec", "Playbook", "PlaybookError", "load_library",
           "parse_playbook"]
