"""Run every benchmark script in this folder, one after another, and report which missed a target."""

import subprocess
import sys
from pathlib import Path

here = Path(__file__).parent
failed = []
for script in sorted(here.glob("*.py")):
    if script.name == Path(__file__).name:
        continue
    print(f"\n== {script.name} ==", flush=True)
    if subprocess.run([sys.executable, str(script)]).returncode != 0:
        failed.append(script.name)
print("\nmissed a target:" if failed else "\nall targets met", ", ".join(failed))
sys.exit(1 if failed else 0)
