"""What a frozen bundle holds, checked against the allow-list and the lock; its SBOM.

Used by build.py (``make installer``, ``make installer-test``) and by the tests:

* :func:`distributions` reads the bundle itself (the modules archived in the executable and the
  packages and extension modules in ``_internal/``) and names the distribution each came from;
* :func:`problems` compares them with ``installer/bundle-allowlist.txt`` (a package outside it,
  such as a test or development tool pulled in by a hook, fails the build) and with the
  versions pinned in ``requirements/dev.lock``;
* :func:`write_sbom` writes the CycloneDX SBOM of exactly those distributions, with the
  versions and SHA-256 hashes of the lock.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWLIST = ROOT / "installer" / "bundle-allowlist.txt"
LOCK = ROOT / "requirements" / "dev.lock"

#: modules PyInstaller itself adds (its bootstrap, runtime hooks, the build's sysconfig)
_PYINSTALLER = re.compile(r"^(pyimod\d|pyiboot\d|pyi_rth_|_pyi_rth_|_sysconfigdata)")
_EXTENSION = re.compile(r"^([A-Za-z_][\w]*)\.(cpython-[^.]+|abi3)\.(so|pyd)$|^([A-Za-z_]\w*)\.pyd$")


def normalise(name: str) -> str:
    """A distribution's name as PEP 503 compares them (``PySide6_Essentials`` ->
    ``pyside6-essentials``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _archived_modules(exe: Path) -> set[str]:
    """Top-level names of the Python modules archived in the bundle's executable."""
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(exe))
    names = [n for n in archive.toc if n.endswith(".pyz")]
    tops: set[str] = set()
    for name in names:
        tops |= {module.split(".")[0] for module in archive.open_embedded_archive(name).toc}
    return tops


def _internal_modules(internal: Path) -> tuple[set[str], set[str]]:
    """(top-level packages and extension modules, distributions named by a .dist-info) in the
    bundle's ``_internal`` folder; shared libraries and data folders are not modules."""
    modules: set[str] = set()
    dists: set[str] = set()
    for entry in internal.iterdir():
        if entry.name.endswith(".dist-info"):
            dists.add(normalise(entry.name.removesuffix(".dist-info").rsplit("-", 1)[0]))
        elif entry.is_dir() and any(entry.glob("__init__*")):
            modules.add(entry.name)
        elif entry.is_dir() and any(_EXTENSION.match(p.name) for p in entry.iterdir()
                                    if p.is_file()):
            modules.add(entry.name)  # a namespace package of extension modules
        else:
            match = _EXTENSION.match(entry.name)
            if match:
                modules.add(match.group(1) or match.group(4))
    return modules, dists


def distributions(folder: Path) -> tuple[set[str], set[str]]:
    """(the distributions the bundle in ``folder`` holds, top-level modules in it that belong
    to none and are neither the standard library nor PyInstaller's own)."""
    exe = folder / ("cse-desktop.exe" if sys.platform == "win32" else "cse-desktop")
    internal = folder / "_internal"
    modules, dists = _internal_modules(internal)
    modules |= _archived_modules(exe)
    owners = metadata.packages_distributions()
    unknown: set[str] = set()
    for module in modules:
        if module in sys.stdlib_module_names or _PYINSTALLER.match(module):
            continue
        if module in owners:
            dists |= {normalise(d) for d in owners[module]}
        else:
            unknown.add(module)
    return dists, unknown


def allowed() -> dict[str, str]:
    """The allow-list: normalised distribution name -> why it ships."""
    out: dict[str, str] = {}
    for line in ALLOWLIST.read_text("utf-8").splitlines():
        name, _, why = line.partition("#")
        if name.strip():
            out[normalise(name.strip())] = why.strip()
    return out


def pinned(lock: Path = LOCK) -> dict[str, tuple[str, str]]:
    """The lock's pins: normalised name -> (version, the requirement block with its hashes)."""
    pins: dict[str, tuple[str, str]] = {}
    blocks = re.split(r"\n(?=[A-Za-z0-9])", lock.read_text("utf-8"))
    for block in blocks:
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", block)
        if match:
            requirement = "\n".join(line for line in block.splitlines()
                                    if not line.lstrip().startswith("#"))
            pins[normalise(match.group(1))] = (match.group(2), requirement.strip())
    return pins


def installed_version(dist: str) -> str:
    return metadata.version(dist)


def problems(dists: set[str], unknown: set[str]) -> list[str]:
    """Why the bundle must not ship (empty when it may)."""
    found: list[str] = []
    allow = allowed()
    extra = sorted(dists - set(allow))
    if extra:
        found.append("packages outside installer/bundle-allowlist.txt (test or development "
                     "tools, or new dependencies to review): " + ", ".join(extra))
    if unknown:
        found.append("modules that belong to no installed distribution: "
                     + ", ".join(sorted(unknown)))
    pins = pinned()
    for dist in sorted(dists - {"cse-desktop"}):
        if dist not in pins:
            found.append(f"{dist} is not pinned in requirements/dev.lock")
        elif installed_version(dist) != pins[dist][0]:
            found.append(f"{dist} {installed_version(dist)} is installed, the lock pins "
                         f"{pins[dist][0]}: run 'make install'")
    return found


def write_sbom(dists: set[str], out: Path, work: Path) -> Path:
    """The CycloneDX (JSON) SBOM of ``dists``: the app as the root component (from
    pyproject.toml), each distribution with the lock's version and SHA-256 hashes."""
    pins = pinned()
    work.mkdir(parents=True, exist_ok=True)
    requirements = work / "bundle-requirements.txt"
    requirements.write_text("".join(pins[d][1] + "\n" for d in sorted(dists) if d in pins),
                            "utf-8")
    subprocess.run([sys.executable, "-W", "ignore::UserWarning", "-m", "cyclonedx_py",
                    "requirements", str(requirements),
                    "--pyproject", str(ROOT / "pyproject.toml"), "--of", "JSON",
                    "--output-reproducible", "-o", str(out)], check=True)
    return out
