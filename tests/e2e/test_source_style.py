"""The sources keep the shape ARCHITECTURE.md promises: no line over 120 columns, one statement per line."""
import pathlib
import re

SOURCES = pathlib.Path(__file__).resolve().parents[2] / "Sources"
STRING = re.compile(r'"(\\.|[^"\\])*"')


def swift_lines():
    for path in sorted(SOURCES.rglob("*.swift")):
        inside_literal = False
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            toggles = line.count('"""') == 1
            yield path, number, line, inside_literal and not toggles
            if toggles:
                inside_literal = not inside_literal


def test_no_line_is_longer_than_120_columns():
    long = [f"{path.relative_to(SOURCES)}:{number}" for path, number, line, _ in swift_lines() if len(line) > 120]
    assert not long, f"lines over 120 columns: {long}"


def test_no_statements_are_joined_with_semicolons():
    joined = []
    for path, number, line, in_literal in swift_lines():
        if in_literal:
            continue
        code = STRING.sub('""', line).split("//")[0]
        if ";" in code:
            joined.append(f"{path.relative_to(SOURCES)}:{number}")
    assert not joined, f"statements joined with ';': {joined}"
