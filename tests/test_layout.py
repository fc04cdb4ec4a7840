"""The package layout's rules, read from the source with `ast`: arrows point down (nothing in
bot/ imports handlers/ or jobs/), no import cycle among the project's modules, imports inside
functions only with a comment that says why, and no module importing another's private name."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "jobs", "config", "simulator")
UPPER = ("handlers", "jobs")

def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    """Every module of the project's packages (and wsgi.py), by dotted name."""
    paths = [ROOT / "wsgi.py"] + [path for package in PACKAGES
                                  for path in sorted((ROOT / package).rglob("*.py"))]
    return {_module_name(path): path for path in paths}


def _type_checking_only(tree) -> set[int]:
    """ids of the import nodes under `if TYPE_CHECKING:` (never run, so no arrow)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    return skipped


def _targets(node, modules) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
        return []
    names = [f"{node.module}.{alias.name}" for alias in node.names]
    return [name if name in modules else node.module for name in names]


def import_arrows() -> dict[str, set[str]]:
    """module -> the project modules it imports (at the top or inside a function)."""
    modules = project_modules()
    arrows = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        skipped = _type_checking_only(tree)
        arrows[name] = {target for node in ast.walk(tree) if id(node) not in skipped
                        for target in _targets(node, modules)
                        if target in modules and target != name}
    return arrows


def _top(name: str) -> str:
    return name.split(".")[0]


def upward_arrows(arrows) -> set[tuple[str, str]]:
    """(bot module, handlers/jobs module) pairs."""
    return {(source, target) for source, targets in arrows.items() if _top(source) == "bot"
            for target in targets if _top(target) in UPPER}


def cycles(arrows) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(arrows.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(arrows):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_the_layout():
    arrows = import_arrows()
    assert "bot.chat.webhook" in arrows and "handlers.routes" in arrows
    assert "bot.voting.casting" in arrows["bot.voting"]


def imports_inside_functions(path: Path) -> list[tuple[int, str]]:
    """(line, statement) of each import nested in a function without a comment saying why (on
    its line or the line above)."""
    source = path.read_text(encoding="utf-8")
    lines, tree = source.splitlines(), ast.parse(source, str(path))
    skipped, found = _type_checking_only(tree), []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skipped:
                said = "#" in lines[node.lineno - 1] or lines[node.lineno - 2].strip().startswith("#")
                if not said:
                    found.append((node.lineno, lines[node.lineno - 1].strip()))
    return found


def private_names_imported(path: Path) -> list[str]:
    """`from x import _name` of another module's private names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return [f"{node.module}.{alias.name}" for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names if alias.name.startswith("_")]


def test_bot_never_imports_handlers_or_jobs():
    assert upward_arrows(import_arrows()) == set()


def test_no_import_cycle():
    assert cycles(import_arrows()) == []


def test_imports_inside_functions_say_why():
    found = {name: lines for name, path in project_modules().items()
             if (lines := imports_inside_functions(path))}
    assert found == {}


def test_no_module_imports_another_modules_private_names():
    found = {name: names for name, path in project_modules().items()
             if (names := private_names_imported(path))}
    assert found == {}


def test_the_import_checks_find_what_they_look_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from a import _hidden\n\n\ndef f():\n    import os\n\n\n"
                      "def g():\n    # optional dependency\n    import zlib\n", encoding="utf-8")
    assert imports_inside_functions(sample) == [(5, "import os")]
    assert private_names_imported(sample) == ["a._hidden"]


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
