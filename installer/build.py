"""Build the desktop app for this machine with PyInstaller (one folder), and package it.

    python installer/build.py          # `make installer`: bundle, its checks, SBOM, tarball
    python installer/build.py --test   # `make installer-test`: the same, then the frozen app's
                                       # --self-test and --version; prints size and version

The bundle holds the app, Python, Qt, the forms (`forms/`) and the resources (`resources/`),
built from the virtualenv `make install` fills from the hash-pinned `requirements/dev.lock`.
Every build checks what the bundle holds (installer/contents.py): each Python distribution in
it must be on `installer/bundle-allowlist.txt` (no test or development package) and at the
version the lock pins. The CycloneDX SBOM of those distributions (`sbom.cdx.json`, versions and
SHA-256 hashes from the lock) ships inside the bundle and beside the package in dist/, with
`SHA256SUMS`. On Linux the tarball adds the `.desktop` entry and the icon; it is written
reproducibly (sorted, owner root, times from the commit). Windows (Inno Setup) and macOS (.app)
packaging are described in installer/README.md; they are not built on this machine.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contents  # installer/contents.py, beside this file

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "installer"
DIST = ROOT / "dist"


def version() -> str:
    from importlib.metadata import version as installed

    return installed("cse-desktop")


def source_date_epoch() -> int:
    """The time every build of this commit stamps on its files: SOURCE_DATE_EPOCH if set,
    else the commit's time (else now, outside a git checkout)."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        shown = subprocess.run(["git", "log", "-1", "--format=%ct"], capture_output=True,  # noqa: S607
                               text=True, cwd=ROOT, check=True).stdout.strip()
        return int(shown)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return int(time.time())


def bundle() -> Path:
    """Run PyInstaller; returns the bundle folder."""
    out = BUILD / "dist"
    started = time.monotonic()
    env = {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": str(source_date_epoch())}
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                    "--log-level", "WARN", "--distpath", str(out),
                    "--workpath", str(BUILD / "work"), str(ROOT / "installer" /
                                                         "cse-desktop.spec")],
                   check=True, cwd=ROOT / "installer", env=env)
    folder = out / "cse-desktop"
    print(f"bundle: {folder} ({size_mb(folder):.0f} MB) in {time.monotonic() - started:.0f} s")
    return folder


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def check_contents(folder: Path) -> set[str]:
    """The bundle's Python distributions; exits when one is not allowed or not the lock's."""
    dists, unknown = contents.distributions(folder)
    problems = contents.problems(dists, unknown)
    if problems:
        raise SystemExit("the bundle may not ship:\n  " + "\n  ".join(problems))
    print(f"contents: {len(dists)} distributions, all on installer/bundle-allowlist.txt and "
          "at the versions of requirements/dev.lock")
    return dists


def package_name() -> str:
    return f"cse-desktop-{version()}-linux-{platform.machine()}"


def tarball(folder: Path) -> Path:
    """The Linux package: the bundle (its SBOM inside), the .desktop entry and the icon, in
    one tarball, the same bytes for the same files (sorted, root-owned, the commit's time)."""
    DIST.mkdir(exist_ok=True)
    name = package_name()
    out = DIST / f"{name}.tar.gz"
    epoch = source_date_epoch()

    def fixed(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = epoch
        return info

    members = [(p, f"{name}/cse-desktop/{p.relative_to(folder).as_posix()}")
               for p in sorted(folder.rglob("*"))]
    members = [(folder, f"{name}/cse-desktop"), *members,
               (ROOT / "resources" / "cse-desktop.desktop", f"{name}/cse-desktop.desktop"),
               (ROOT / "resources" / "icons" / "app.svg", f"{name}/cse-desktop.svg"),
               (ROOT / "installer" / "README.md", f"{name}/README.md")]
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=epoch) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, arcname in members:
            tar.add(path, arcname=arcname, recursive=False, filter=fixed)
    print(f"package: {out} ({out.stat().st_size / 2**20:.0f} MB)")
    return out


def checksums(files: list[Path]) -> Path:
    """dist/SHA256SUMS for ``files`` (``sha256sum -c SHA256SUMS`` checks them)."""
    lines = []
    for file in files:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        lines.append(f"{digest}  {file.name}\n")
    out = DIST / "SHA256SUMS"
    out.write_text("".join(lines), "utf-8")
    print(f"checksums: {out}")
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
    dists = check_contents(folder)
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(source_date_epoch()))  # the SBOM's time
    sbom = contents.write_sbom(dists, folder / "sbom.cdx.json", BUILD / "work")
    print(f"sbom: {sbom} (CycloneDX, {len(dists)} components)")
    if sys.platform.startswith("linux"):
        DIST.mkdir(exist_ok=True)
        package = tarball(folder)
        shipped_sbom = DIST / f"{package_name()}.cdx.json"
        shutil.copyfile(sbom, shipped_sbom)
        checksums([package, shipped_sbom])
    if args.test:
        smoke(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
