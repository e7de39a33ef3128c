"""bench/imports.py runs end to end (at a few rows: the mechanics, not figures)."""
from bench import imports


def test_the_import_bench_runs_both_paths_and_reports_the_ratio(tmp_path, capsys):
    imports.main(["--rows", "30", "--database", f"sqlite:///{tmp_path}/bench.sqlite3"])
    out = capsys.readouterr().out
    assert "60 audit entries written by the app" in out and "ratio app / baseline:" in out
