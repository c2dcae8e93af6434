"""The CLI's arguments are checked before anything starts: a bad quarter or range is one line
on stderr naming the option and what it accepts, exit status 2, and no Dagster run is created
(a bad range given to ``dagster job execute`` leaves a run "Not started" for ever)."""

import pytest

from orchestration.ops import cli


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["backfill", "--from", "2015-16-Q9", "--to", "2019-20-Q4"], "--from '2015-16-Q9'"),
        (["run", "--from", "2015-16-Q2", "--to", "2019-2020-Q4"], "--to '2019-2020-Q4'"),
        (["run", "--from", "2009-10-Q1", "--to", "2019-20-Q4"], "--from '2009-10-Q1'"),
        (["templates", "--quarter", "2020-Q1"], "--quarter '2020-Q1'"),
        (["backfill", "--from", "2019-20-Q4", "--to", "2015-16-Q2"], "--from 2019-20-Q4 is after"),
        (["backfill", "--from", "2019-20-Q1"], "--from and --to"),
    ],
)
def test_a_bad_quarter_is_one_line_naming_the_option(argv, named, capsys, monkeypatch):
    started = []
    monkeypatch.setattr(cli, "prepare_environment", lambda: started.append(True))
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and named in err[0], err
    assert "Traceback" not in err[0] and not started


def test_a_bad_run_option_is_refused_by_name(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["run", "--report-periods", "lastest-year"])
    assert stop.value.code == 2
    assert "--report-periods: invalid choice: 'lastest-year'" in capsys.readouterr().err
