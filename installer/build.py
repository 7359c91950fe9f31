"""Build the desktop app for this machine with PyInstaller (one folder), and package it.

    python installer/build.py          # `make installer`: bundle + Linux tarball
    python installer/build.py --test   # `make installer-test`: the same, then the frozen app's
                                       # --self-test and --version; prints size and version

The bundle holds the app, Python, Qt, the forms (`forms/`) and the resources (`resources/`).
On Linux the tarball adds the `.desktop` entry and the icon. Windows (Inno Setup) and macOS
(.app) packaging are described in installer/README.md; they are not built on this machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "installer"
DIST = ROOT / "dist"


def version() -> str:
    from importlib.metadata import version as installed

    return installed("cse-desktop")


def bundle() -> Path:
    """Run PyInstaller; returns the bundle folder."""
    out = BUILD / "dist"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                    "--log-level", "WARN", "--distpath", str(out),
                    "--workpath", str(BUILD / "work"), str(ROOT / "installer" /
                                                         "cse-desktop.spec")],
                   check=True, cwd=ROOT / "installer")
    folder = out / "cse-desktop"
    print(f"bundle: {folder} ({size_mb(folder):.0f} MB) in {time.monotonic() - started:.0f} s")
    return folder


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def tarball(folder: Path) -> Path:
    """The Linux package: the bundle, the .desktop entry and the icon, in one tarball."""
    DIST.mkdir(exist_ok=True)
    name = f"cse-desktop-{version()}-linux-{platform.machine()}"
    out = DIST / f"{name}.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        tar.add(folder, arcname=f"{name}/cse-desktop")
        tar.add(ROOT / "resources" / "cse-desktop.desktop",
                arcname=f"{name}/cse-desktop.desktop")
        tar.add(ROOT / "resources" / "icons" / "app.svg", arcname=f"{name}/cse-desktop.svg")
        tar.add(ROOT / "installer" / "README.md", arcname=f"{name}/README.md")
    print(f"package: {out} ({out.stat().st_size / 2**20:.0f} MB)")
    return out


def smoke(folder: Path) -> None:
    """The frozen app's own checks: --version, then --self-test offscreen."""
    exe = folder / ("cse-desktop.exe" if os.name == "nt" else "cse-desktop")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    shown = subprocess.run([str(exe), "--version"], capture_output=True, text=True,
                           timeout=120, env=env, check=True).stdout.strip()
    if shown != f"cse-desktop {version()}":
        raise SystemExit(f"the frozen app reports {shown!r}, expected {version()}")
    test = subprocess.run([str(exe), "--self-test"], capture_output=True, text=True,
                          timeout=600, env=env)
    print(test.stdout.strip() or test.stderr.strip())
    if test.returncode != 0:
        raise SystemExit(f"the frozen app's self-test failed (exit {test.returncode}):\n"
                         f"{test.stderr[-2000:]}")
    print(f"installer-test ok: {shown}, bundle {size_mb(folder):.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test", action="store_true", help="also run the frozen self-test")
    args = parser.parse_args()
    shutil.rmtree(BUILD / "dist", ignore_errors=True)
    folder = bundle()
    if sys.platform.startswith("linux"):
        tarball(folder)
    if args.test:
        smoke(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
