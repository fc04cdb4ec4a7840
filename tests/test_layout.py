"""The package layout's two rules, read from the source with `ast`: arrows point down (nothing in
bot/ imports handlers/ or jobs/) and no import cycle among the project's modules."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "jobs", "config", "simulator")
UPPER = ("handlers", "jobs")

# bot/ modules that still reach up into handlers/ or jobs/ (issue 15, point 2). Each one is a
# composition that belongs in the caller; remove a line when its arrow is gone. A NEW upward arrow
# fails the test.
KNOWN_UPWARD_ARROWS = {
    ("bot.services", "handlers.routes"),  # the services container builds the chat routing table
    ("bot.chat.dispatch", "handlers.events"),  # events routed by a second table (issue 15, point 3)
    ("bot.delivery.broadcasts", "jobs.broadcast"),  # confirm() queues the fan-out itself
    ("bot.results.publication", "jobs.results"),  # publish() queues the personal results
    ("bot.h5.upload_complete", "jobs.media"),  # record_media_file is contest logic kept in jobs/
    ("bot.ops.cli", "jobs.menu"),  # operator commands queue jobs: ops is a composition root
    ("bot.ops.devstack", "jobs.menu"),
    ("bot.ops.notices_cli", "jobs.phases"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    return {_module_name(path): path for package in PACKAGES
            for path in sorted((ROOT / package).rglob("*.py"))}


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


def test_bot_never_imports_handlers_or_jobs():
    assert upward_arrows(import_arrows()) - KNOWN_UPWARD_ARROWS == set()


def test_known_upward_arrows_are_still_there():
    """A fixed arrow leaves the list, so the list never hides a new one."""
    assert KNOWN_UPWARD_ARROWS - upward_arrows(import_arrows()) == set()


def test_no_import_cycle():
    # The one cycle left (services -> handlers.routes -> handlers -> jobs -> jobs.context ->
    # services, and broadcasts/publication -> jobs) runs only through the known upward arrows.
    arrows = {source: {target for target in targets if (source, target) not in KNOWN_UPWARD_ARROWS}
              for source, targets in import_arrows().items()}
    assert cycles(arrows) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
