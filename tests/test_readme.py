"""The README's scenario example validates and changes what it says it changes."""

import re
import shutil
from pathlib import Path

from simulation.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_readme_variant_example_validates(tmp_path):
    blocks = re.findall(r"```toml\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert blocks, "the README shows a variant"
    shutil.copy(ROOT / "scenarios" / "kassel_2024.toml", tmp_path / "kassel_2024.toml")
    (tmp_path / "variants").mkdir()
    base = load_scenario(ROOT / "scenarios" / "kassel_2024.toml").scenario
    for i, block in enumerate(blocks):
        f = tmp_path / "variants" / f"example_{i}.toml"
        f.write_text(block)
        variant = load_scenario(f).scenario
        assert variant.programmes["integration_course"].places == base.programmes["integration_course"].places + 40
        assert variant.hazards == base.hazards
