# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`: run every benchmarks/bench_*.py in turn; exit non-zero if any misses its target."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    """Run each benchmark as its own process so one's sockets and threads cannot skew another's figures."""
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print("\n### %s" % script.name, flush=True)
        module = "benchmarks.%s" % script.stem
        if subprocess.run([sys.executable, "-m", module], cwd=str(HERE.parent), check=False).returncode != 0:
            failed.append(script.name)
    print("\nbenchmarks: %s" % ("all met their targets" if not failed else "MISSED: " + ", ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
