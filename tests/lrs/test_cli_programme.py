"""`lrs programme ...` and `lrs roster import ...` through the real command line entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lrs.cli import main
from tests.lrs.programme.definitions import EXAMPLES_DIR

ROSTER = (
    "Name,Work email,Employee number,Council,Role,Cohort\n"
    "Priya Shah,priya.shah@ashbourne-vale.gov.example,AV1,Ashbourne Vale District Council,"
    "Director,lal-2025-autumn\n"
    "Tom Reid,tom.reid@dunmere.gov.example,DU7,dunmere-ua,Head of IT,lal-2025-autumn\n"
)


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LRS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("LRS_PROGRAMMES_DIR", str(EXAMPLES_DIR))
    monkeypatch.setenv("LRS_LOG_LEVEL", "WARNING")
    return tmp_path


def test_validate_load_and_list(sqlite_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "validate"]) == 0
    assert "learn-adapt-lead (2 cohorts, 5 modules, 20 sessions)" in capsys.readouterr().out
    assert main(["programme", "load"]) == 0
    assert "learn-adapt-lead: saved (version 1)" in capsys.readouterr().out
    assert main(["programme", "load", str(EXAMPLES_DIR / "learn-adapt-lead.toml")]) == 0
    assert "learn-adapt-lead: unchanged (version 1)" in capsys.readouterr().out
    assert main(["programme", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"id": "learn-adapt-lead", "title": "Learn, Adapt, Lead", "version": 1} in listed


def test_an_invalid_file_exits_1_naming_file_and_key(
    sqlite_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = sqlite_env / "bad.toml"
    text = (EXAMPLES_DIR / "chief-executive-round-tables.toml").read_text()
    bad.write_text(text.replace('kind = "round-table"', 'kind = "breakfast"', 1))
    assert main(["programme", "validate", str(bad)]) == 1
    assert f"{bad}: sessions[0].kind: 'breakfast' is not one of" in capsys.readouterr().err


def test_a_programme_template_that_does_not_render_is_refused_at_load(
    sqlite_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = sqlite_env / "programmes"
    folder.mkdir()
    text = (EXAMPLES_DIR / "chief-executive-round-tables.toml").read_text()
    (folder / "round-tables.toml").write_text(text + '\n[notifications]\ntemplates = "our-templates"\n')
    inactivity = folder / "our-templates" / "en" / "inactivity"
    inactivity.mkdir(parents=True)
    (inactivity / "body.txt").write_text("Hello {{ first_nam }},")
    monkeypatch.setenv("LRS_PROGRAMMES_DIR", str(folder))
    assert main(["programme", "validate"]) == 1
    assert main(["programme", "load"]) == 1
    err = capsys.readouterr().err
    problem = "notifications.templates: template en/inactivity/body.txt: 'first_nam' is undefined"
    assert f"{folder / 'round-tables.toml'}: {problem}" in err
    (inactivity / "body.txt").write_text("Hello {{ first_name }},")
    assert main(["programme", "validate"]) == 0
    (inactivity / "body.txt").unlink()
    inactivity.rmdir()
    (folder / "our-templates" / "en").rmdir()
    (folder / "our-templates").rmdir()
    assert main(["programme", "validate"]) == 1
    assert f"notifications.templates: no folder {folder / 'our-templates'}" in capsys.readouterr().err


def test_roster_import_exit_codes(sqlite_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = sqlite_env / "roster.csv"
    roster.write_text(ROSTER)
    assert main(["programme", "load"]) == 0
    capsys.readouterr()
    assert main(["roster", "import", str(roster)]) == 1
    out = capsys.readouterr().out
    assert "rejected" in out and "Dunmere Unitary Authority is not eligible" in out
    assert "nothing written" in out
    assert main(["roster", "import", str(roster), "--dry-run", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["counts"]["would create"] == 1
    roster.write_text(ROSTER.rsplit("Tom Reid", 1)[0])
    assert main(["roster", "import", str(roster), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "would create": 0,
        "would update": 0,
    }
    assert main(["roster", "import", str(roster), "--cohort", "lal-2025-autumn"]) == 0
    assert "0 created, 0 updated, 1 unchanged, 0 rejected; written" in capsys.readouterr().out
    assert main(["roster", "import", str(roster), "--cohort", "no-such-cohort"]) == 2
    assert "no cohort 'no-such-cohort'" in capsys.readouterr().err
    roster.write_text("name,emial,council\n")
    assert main(["roster", "import", str(roster)]) == 2


def test_the_console_command_exits_with_the_code(sqlite_env: Path) -> None:
    bad = sqlite_env / "bad.toml"
    bad.write_text('[programme]\nid = "x"\n\n[[cohorts]]\n')
    done = subprocess.run(
        [sys.executable, "-m", "lrs", "programme", "validate", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert f"{bad}: programme.title: is required" in done.stderr
