"""The invalid-spec corpus: every file carries its exact expected error(s) in `# expect:` header lines.

Header format (first lines of each corpus file)::

    # expect: LINE:COL: FIELD: MESSAGE-FRAGMENT      (one line per expected error; {file} = the file's path)
    # args: --strict                                   (optional: load with strict=True)

The test loads the file, and requires exactly as many errors as expectations, each matching position and
field exactly and containing the message fragment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tenantctl.diagnostics import SpecInvalid
from tenantctl.loader import load_spec

CORPUS = Path(__file__).resolve().parent / "corpus"
FILES = sorted(CORPUS.glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+):(\d+): (\S+): (.+)$")


def test_corpus_is_large_enough() -> None:
    assert len(FILES) >= 45


def _expectations(path: Path) -> tuple[list[tuple[int, int, str, str]], bool]:
    expects, strict = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = EXPECT.match(line)
        if m:
            expects.append((int(m[1]), int(m[2]), m[3], m[4].replace("{file}", str(path))))
        elif line.strip() == "# args: --strict":
            strict = True
    return expects, strict


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_invalid_file_reports_expected_error(path: Path) -> None:
    expects, strict = _expectations(path)
    assert expects, f"{path.name} has no '# expect:' header"
    with pytest.raises(SpecInvalid) as info:
        load_spec(path, strict=strict)
    errors = info.value.errors
    assert len(errors) == len(expects), "\n".join(map(str, errors))
    for (line, col, field, fragment), d in zip(expects, errors, strict=True):
        assert (d.file, d.line, d.col, d.field) == (str(path), line, col, field), str(d)
        assert fragment in d.message, str(d)
        assert str(d) == f"{path}:{line}:{col}: {field}: {d.message}"
