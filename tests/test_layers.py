"""The SDK's layers hold: every module of `rwa_token` sits in one layer and imports only its own layer or those
below it, no two modules import each other, directly or round a loop, and only the contract wrappers name a
contract function or event.

Imports are read from the source with `ast`, wherever they are written: at the top of a module, inside a function
(a lazy import is still a dependency), under `if TYPE_CHECKING:`, relative or absolute, and
`importlib.import_module("rwa_token...")` with a literal name.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rwa_token"

# Bottom to top: a module may import its own layer and the layers before it in this list.
LAYERS = (
    "primitives",  # units, countries, categories, errors (reason codes), EIP-712, ABIs and the compiler
    "inputs",      # offering spec, investor CSV, policy packs: validated offline, never touch the chain
    "chain",       # the node connection, the transaction layer (the only web3 user), signing keys
    "contracts",   # one typed wrapper per contract: the only code that names a contract function or event
    "store",       # the local state folder: journals, deployment records, the event index
    "services",    # one function per operation, shared by the CLI and the scripts
    "reporting",   # cap tables, jurisdictions, reconciliation, audit trail, the access matrix
    "web",         # the web console (`rwa serve`): pages over the same services and reports as the CLI
    "cli",         # the `rwa` command and the demo: parse, call a service, show the result
)
FACADE = "rwa_token"  # the package itself re-exports a few public names: it may import any layer, none imports it


def module_name(path: Path, package_dir: Path) -> str:
    parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    """Every module of the package that `path` (module `name`) imports, anywhere in its source."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    root = name.split(".")[0]
    found: set[str] = set()

    def add(target: str) -> None:
        while target and target not in modules:  # `from pkg.mod import function` -> pkg.mod
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == root:
                    add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != root:
                continue
            for alias in node.names:  # `from . import cli` names a module, `from .cli import run` a function
                add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source)
        elif (isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name))
              and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and node.args[0].value.split(".")[0] == root):
            add(node.args[0].value)
    return found


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    paths = {module_name(p, package_dir): p for p in sorted(package_dir.rglob("*.py"))}
    return {name: imports_of(path, name, set(paths)) for name, path in paths.items()}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def unplaced_modules(graph: dict[str, set[str]]) -> list[str]:
    return sorted(m for m in graph if m != FACADE and layer_of(m) is None)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """`a (layer) imports b (higher layer)` for every import that climbs; the facade may import anything."""
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    found = []
    for module, targets in sorted(graph.items()):
        if module == FACADE:
            continue
        for target in sorted(targets):
            here, there = layer_of(module), layer_of(target)
            if target == FACADE or (here and there and rank[there] > rank[here]):
                found.append(f"{module} ({here}) imports {target} ({there or 'the package facade'})")
    return found


def cycles(graph: dict[str, set[str]]) -> list[str]:
    """One loop per strongly connected group of modules, written `a -> b -> a` (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [" -> ".join(_loop(graph, group)) for group in groups]


def _loop(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for nxt in sorted(graph[node] & group):
                if nxt == start:
                    return paths[node] + [start]
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return sorted(group)


# --------------------------------------------------------------------------------------------------------- the SDK
@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(PACKAGE)


def test_every_module_sits_in_a_layer(graph):
    assert unplaced_modules(graph) == [], f"move these into one of the layers {LAYERS}"


def test_no_module_imports_a_higher_layer(graph):
    assert upward_imports(graph) == [], "a layer imports only itself and the layers below it (see LAYERS)"


def test_only_the_serve_command_imports_the_web_console(graph):
    """The web console sits beside the CLI: the CLI reaches it only to start it (`rwa serve`)."""
    assert sorted(m for m, targets in graph.items() if layer_of(m) == "cli"
                  and any(layer_of(t) == "web" for t in targets)) == ["rwa_token.cli.serve"]


def test_no_import_cycles(graph):
    assert cycles(graph) == [], "modules that import each other (even lazily, inside a function)"


def test_the_graph_is_read_from_every_layer(graph):
    """A guard for the guard: the scan sees the package (a wrong path would make every test above pass)."""
    assert {layer_of(m) for m in graph} >= set(LAYERS)
    assert "rwa_token.chain.tx" in graph["rwa_token.contracts.base"]


# ------------------------------------------------------------------------- contract functions are named by wrappers
# Methods that take a contract function or event name: wrappers' call/send/encode/function/events, the transactor's
# call_many, a receipt's events. The store and the reports query the local event index by the names stored there.
NAMING_METHODS = {"call", "call_many", "send", "encode", "function", "events"}
INDEX_READERS = ("store", "reporting")


def contract_names() -> set[str]:
    return {entry["name"] for path in (PACKAGE / "artifacts").glob("*.json")
            for entry in json.loads(path.read_text())["abi"] if entry["type"] in ("function", "event")}


def names_outside_wrappers(files: list[Path], names: set[str], root: Path = ROOT) -> list[str]:
    found = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in NAMING_METHODS):
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    for leaf in arg.elts if isinstance(arg, (ast.Tuple, ast.List)) else [arg]:
                        if isinstance(leaf, ast.Constant) and leaf.value in names:
                            found.append(f"{path.relative_to(root)}:{leaf.lineno} .{node.func.attr}({leaf.value!r})")
    return found


def test_only_the_wrappers_name_contract_functions_and_events():
    """A renamed contract function or event is fixed in its wrapper alone (tests may name functions)."""
    skip = {"contracts", *INDEX_READERS}
    files = [p for p in sorted(PACKAGE.rglob("*.py")) if p.relative_to(PACKAGE).parts[0] not in skip]
    files += [p for folder in ("scripts", "bench") for p in sorted((ROOT / folder).glob("*.py"))]
    assert names_outside_wrappers(files, contract_names()) == [], "add a typed method to the contract's wrapper"


# --------------------------------------------------------------------------------- the checker catches what it must
def _write(root: Path, files: dict[str, str]) -> Path:
    for relative, source in files.items():
        path = root / "rwa_token" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root / "rwa_token"


def test_a_lazy_import_cycle_between_two_cli_modules_is_caught(tmp_path):
    """The shape the CLI once had: the main module mounts the trading commands, which reach back for its helpers
    through an import hidden in a function."""
    package = _write(tmp_path, {
        "__init__.py": "",
        "cli/__init__.py": "from .main import app\n",
        "cli/main.py": "from .trading import trade_app\napp = None\ndef emit(x):\n    pass\n",
        "cli/trading.py": "trade_app = None\ndef _cli():\n    from . import main\n    return main\n",
    })
    assert cycles(import_graph(package)) == ["rwa_token.cli.main -> rwa_token.cli.trading -> rwa_token.cli.main"]


def test_an_upward_import_inside_a_function_is_caught(tmp_path):
    package = _write(tmp_path, {
        "__init__.py": "",
        "contracts/__init__.py": "",
        "contracts/factory.py": "def deploy_module():\n    from ..services.offering import infrastructure\n",
        "services/__init__.py": "",
        "services/offering.py": "import rwa_token.contracts.factory\n",
        "helpers.py": "",
    })
    graph = import_graph(package)
    assert upward_imports(graph) == [
        "rwa_token.contracts.factory (contracts) imports rwa_token.services.offering (services)"]
    assert cycles(graph) == ["rwa_token.contracts.factory -> rwa_token.services.offering -> rwa_token.contracts.factory"]
    assert unplaced_modules(graph) == ["rwa_token.helpers"]


def test_a_contract_function_named_outside_a_wrapper_is_caught(tmp_path):
    service = tmp_path / "service.py"
    service.write_text("def rules(token, tx):\n"
                       "    halted = token.call('tradingHalted')\n"
                       "    return tx.call_many(token.address, token.function('countryRule'), [])\n")
    assert names_outside_wrappers([service], {"tradingHalted", "countryRule"}, tmp_path) == [
        "service.py:2 .call('tradingHalted')", "service.py:3 .function('countryRule')"]
