"""The README's set-up commands are the ones CI runs, and its Python example works."""

from __future__ import annotations

import re
import subprocess


def test_ci_runs_exactly_the_readme_test_command(repo):
    readme = (repo / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    install_and_run, install_and_test = blocks[0], blocks[1]
    assert "pip install -e ." in install_and_run and "gpulca run scenarios/" in install_and_run
    assert "pytest" in install_and_test
    extracted = subprocess.run(
        ["awk", r'/<!-- test-command/{found=1; next} found && /^```bash/{inblock=1; next} '
                r'inblock && /^```/{exit} inblock{print}', "README.md"],
        cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
    assert extracted == install_and_test
    assert "README.md" in (repo / ".ci" / "run").read_text()


def test_readme_python_example_runs(repo, bw_shipped_dir, monkeypatch):
    readme = (repo / "README.md").read_text()
    code = re.findall(r"```python\n(.*?)\n```", readme, flags=re.S)[0]
    monkeypatch.chdir(repo)
    monkeypatch.setenv("BRIGHTWAY2_DIR", str(bw_shipped_dir))
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["result"].scores["score"].sum() > 0
