"""Compile `contracts/` into one JSON artifact per contract (ABI, bytecode, deployed bytecode, source hash).

A native solc is preferred when the user has one (a py-solc-x installed version or `solc` on PATH);
otherwise `tools/solc`, a solc-compatible command over the npm `solc` package. Artifacts are written into
the package (`rwa_token/artifacts/`) so a user who pip-installs the SDK can deploy without Node.js.

Two builds of the same sources: for prague (`rwa_token/artifacts/`) and for shanghai-level chains
(`rwa_token/artifacts/shanghai/`, bytecode only); the SDK picks one per chain (`rwa_token.chain.node.Chain.evm`).

Run `python -m rwa_token.primitives.compiler` (or `make compile`; `--evm shanghai` for one build); `--check` exits
non-zero when artifacts are stale.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

from .errors import CompilationFailed, CompilerNotFound

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # rwa_token/
PROJECT_ROOT = PACKAGE_DIR.parent
CONTRACTS_DIR = PROJECT_ROOT / "contracts"
ARTIFACTS_DIR = PACKAGE_DIR / "artifacts"
SOLC_VERSION = "0.8.30"
EVM_VERSION = "prague"  # the default build; artifacts.EVM_DEFAULT names the same
# Chains without the cancun opcodes (MCOPY, TLOAD/TSTORE), e.g. Ganache 7.9 or a chain behind the newest hardforks, get
# a second build of the same sources for shanghai, in artifacts/shanghai/ (bytecode only: the ABIs are the same).
# Its substitutions, remapped to stand-ins in contracts/compat/shanghai/ with the same names and API: OpenZeppelin's
# transient reentrancy guard and transient slots (storage instead) and SignatureChecker (without the MCOPY of its
# ERC-7913 part).
EVM_TARGETS = ("prague", "shanghai")  # as artifacts.EVM_TARGETS (tests/test_pipeline.py checks they agree)
EXTRA_REMAPPINGS = {
    "shanghai": [
        f"@openzeppelin/contracts/utils/{path}.sol=contracts/compat/shanghai/{path.rsplit('/', 1)[-1]}.sol"
        for path in ("ReentrancyGuardTransient", "TransientSlot", "cryptography/SignatureChecker")
    ],
}
OPTIMIZER_RUNS = 200
# Contracts built in a pass of their own with other optimizer runs. SecurityToken sits near the EIP-170 limit:
# 20 runs instead of 200 keeps 1 KiB of headroom (about 130 bytes smaller) for 40-90 gas more per operation
# (measured with bench/gas.py; bench/README.md has the figures).
RUNS_OVERRIDES = {"contracts/token/SecurityToken.sol": 20}
# Contracts an overridden source deploys (`new`), taken from that same pass so their artifact is the code deployed.
SAME_PASS = {"contracts/token/SecurityToken.sol": ("contracts/token/SecurityTokenAdmin.sol",)}
# A contract whose fallback delegates to a module answers the module's functions too: its artifact's ABI is the
# union (clients, the SDK and the docs see one ABI per address).
DELEGATED_MODULES = {"SecurityToken": "SecurityTokenAdmin"}
VIA_IR = True
REMAPPINGS = ["@openzeppelin/=node_modules/@openzeppelin/"]
# Contracts under these folders are compiled for tests and local demos but are not part of an offering.
ARTIFACT_FOLDERS = ("interfaces", "libraries", "access", "identity", "compliance", "token", "cashflow", "settlement", "proceeds", "factory", "mocks")


def find_solc() -> Path:
    """Return the solc executable to use: native first, then the solc-js shim in tools/."""
    explicit = os.environ.get("RWA_SOLC")
    if explicit:
        return Path(explicit)
    try:
        import solcx

        for version in solcx.get_installed_solc_versions():
            if str(version) == SOLC_VERSION:
                return Path(solcx.install.get_executable(version))
    except Exception:  # py-solc-x finds nothing installed: fall through to PATH and the shim
        pass
    native = shutil.which("solc")
    if native:
        return Path(native)
    shim = PROJECT_ROOT / "tools" / "solc"
    if shim.exists() and (PROJECT_ROOT / "node_modules" / "solc").exists() and shutil.which("node"):
        return shim
    raise CompilerNotFound(
        "no Solidity compiler found: install Node.js and run `npm install` in the project root "
        "(it provides tools/solc), or put solc 0.8.30 on PATH, or set RWA_SOLC"
    )


def source_files() -> list[Path]:
    return sorted(
        p for p in CONTRACTS_DIR.rglob("*.sol") if p.relative_to(CONTRACTS_DIR).parts[0] in ARTIFACT_FOLDERS
    )


def _read_source(path: str) -> str:
    """Read a source by its compiler path (project-relative or an @openzeppelin import)."""
    for prefix, target in (r.split("=", 1) for r in REMAPPINGS):
        if path.startswith(prefix):
            return (PROJECT_ROOT / target / path[len(prefix) :]).read_text()
    return (PROJECT_ROOT / path).read_text()


def target_dir(evm: str) -> Path:
    """Where the artifacts of an EVM target live: the package's artifacts folder for prague, a subfolder else."""
    return ARTIFACTS_DIR if evm == EVM_VERSION else ARTIFACTS_DIR / evm


def standard_input(only: str | None = None, runs: int = OPTIMIZER_RUNS, evm: str = EVM_VERSION) -> dict:
    """The compiler input for every source (or, with `only`, that source and what it imports)."""
    sources = {
        rel: {"content": p.read_text()}
        for p in source_files()
        if (rel := str(p.relative_to(PROJECT_ROOT))) == only or only is None
    }
    return {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "optimizer": {"enabled": True, "runs": runs},
            "viaIR": VIA_IR,
            "evmVersion": evm,
            # solc applies the longest matching prefix, so a target's file remappings win over the folder ones.
            "remappings": REMAPPINGS + EXTRA_REMAPPINGS.get(evm, []),
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"]}},
        },
    }


def sources_hash(paths: list[str]) -> str:
    """sha256 over (path, content) of every source a contract depends on, in a stable order."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.encode() + b"\0" + _read_source(path).encode() + b"\0")
    return digest.hexdigest()


def compile_all(evm: str = EVM_VERSION) -> dict[str, dict]:
    """Compile every contract for `evm`; return artifacts keyed by contract name."""
    import solcx

    solc = find_solc()

    def run(compiler_input: dict) -> dict:
        try:
            output = solcx.compile_standard(
                compiler_input, solc_binary=str(solc), base_path=str(PROJECT_ROOT), allow_paths=[str(PROJECT_ROOT)]
            )
        except solcx.exceptions.SolcError as exc:
            raise CompilationFailed(str(exc)) from exc
        errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
        if errors:
            raise CompilationFailed("\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors))
        return output

    output = run(standard_input(evm=evm))
    for path, runs in RUNS_OVERRIDES.items():
        if runs != OPTIMIZER_RUNS:
            separate = run(standard_input(only=path, runs=runs, evm=evm))["contracts"]
            for same in (path, *SAME_PASS.get(path, ())):
                output["contracts"][same] = separate[same]
    artifacts: dict[str, dict] = {}
    for path, contracts in output["contracts"].items():
        if not path.startswith("contracts/") or path.startswith("contracts/compat/"):
            # Imported library code (OpenZeppelin, or a build's stand-in for it): its ABI fragments live in our
            # contracts' ABIs.
            continue
        for name, data in contracts.items():
            bytecode = data["evm"]["bytecode"]["object"]
            if name in artifacts:
                raise CompilationFailed(f"two contracts are named {name}: names must be unique across contracts/")
            metadata = json.loads(data["metadata"])
            artifacts[name] = {
                "contractName": name,
                "sourcePath": path,
                "abi": data["abi"],
                "bytecode": "0x" + bytecode,
                "deployedBytecode": "0x" + data["evm"]["deployedBytecode"]["object"],
                "sources": sorted(metadata["sources"]),
                "sourceHash": sources_hash(list(metadata["sources"])),
                "compiler": metadata["compiler"]["version"],
                "evmVersion": evm,
            }
    for host, module in DELEGATED_MODULES.items():
        artifacts[host]["abi"] = merged_abi(artifacts[host]["abi"], artifacts[module]["abi"])
        artifacts[host]["delegatesTo"] = module
    if evm != EVM_VERSION:
        # Only what deploys: the ABIs are the prague build's, identical.
        artifacts = {name: {k: v for k, v in a.items() if k != "abi"} for name, a in artifacts.items()
                     if len(a["bytecode"]) > 2}
    return artifacts


def _abi_key(entry: dict) -> tuple:
    return entry["type"], entry.get("name", ""), tuple(i["type"] for i in entry.get("inputs", []))


def merged_abi(host: list[dict], module: list[dict]) -> list[dict]:
    """`host`'s ABI plus every entry of `module`'s it lacks (a function the host defines itself wins)."""
    seen = {_abi_key(e) for e in host}
    return host + [e for e in module if e["type"] != "constructor" and _abi_key(e) not in seen]


def write_artifacts(artifacts: dict[str, dict], evm: str = EVM_VERSION) -> None:
    folder = target_dir(evm)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.json"):
        if stale.stem not in artifacts:
            stale.unlink()
    for name, artifact in artifacts.items():
        (folder / f"{name}.json").write_text(json.dumps(artifact, indent=1, sort_keys=True) + "\n")


def stale_artifacts() -> list[str]:
    """What no longer matches: artifacts whose sources changed, and sources no artifact was built from."""
    stale, covered = [], set()
    for evm in EVM_TARGETS:
        for artifact_path in sorted(target_dir(evm).glob("*.json")):
            artifact = json.loads(artifact_path.read_text())
            covered.update(artifact["sources"])
            if sources_hash(artifact["sources"]) != artifact["sourceHash"]:
                stale.append(artifact["contractName"] + ("" if evm == EVM_VERSION else f" ({evm})"))
    stale += [rel for rel in (str(p.relative_to(PROJECT_ROOT)) for p in source_files()) if rel not in covered]
    return stale


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = stale_artifacts()
        if stale:
            print("stale artifacts (run `make compile`): " + ", ".join(stale), file=sys.stderr)
            return 1
        print("artifacts match sources")
        return 0
    targets = [argv[argv.index("--evm") + 1]] if "--evm" in argv else list(EVM_TARGETS)
    for evm in targets:
        if evm not in EVM_TARGETS:
            print(f"--evm: one of {', '.join(EVM_TARGETS)}", file=sys.stderr)
            return 2
        artifacts = compile_all(evm)
        write_artifacts(artifacts, evm)
        print(f"compiled {len(artifacts)} contracts for {evm} into {target_dir(evm).relative_to(PROJECT_ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
