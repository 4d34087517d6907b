"""The package's shape: every module in a package by concept, and imports only downward
(CLI -> workflows -> library -> backend and utils)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dlbio"
LIBRARY = {"data", "models", "training", "predict", "interpret", "motifs", "evaluation"}
BELOW = {"backend", "utils"}
# what each layer may import from dlbio (besides itself)
ALLOWED = {
    "cli": {"workflows", *LIBRARY, *BELOW},
    "workflows": {*LIBRARY, *BELOW},
    **{name: LIBRARY | BELOW for name in LIBRARY},
    "utils": BELOW,
    # the TensorFlow-only --multi-worker loop is a training loop
    "backend": BELOW | {"training", "data", "predict"},
}


def _dlbio_imports(path: Path) -> set[str]:
    """The dlbio packages *path* imports from (dlbio.X...), at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level == 0
            else []
        )
        for name in names:
            parts = name.split(".")
            if parts[0] == "dlbio" and len(parts) > 1:
                found.add(parts[1])
            elif name == "dlbio" and isinstance(node, ast.ImportFrom):
                found.update(a.name for a in node.names)
    return found


def test_every_module_is_in_a_package_that_says_what_it_holds():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert loose == []
    for init in PACKAGE.glob("*/__init__.py"):
        assert ast.get_docstring(ast.parse(init.read_text())), f"{init} has no docstring"


def test_imports_run_downward_only():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        layer = path.relative_to(PACKAGE).parts[0]
        if layer.endswith(".py"):  # dlbio/__init__.py (the public jobs, by name) and __main__.py
            continue
        for target in _dlbio_imports(path) - {layer}:
            if target in ALLOWED and target not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports dlbio.{target}")
    assert wrong == []


def test_no_function_outside_the_commands_takes_more_than_12_parameters():
    """Run parameters travel as option objects (RunConfig, MutagenesisOptions, ...), not as
    long argument lists; the click commands, one parameter per option, are the exception."""
    long = []
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] == "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                a = node.args
                count = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs) + bool(a.vararg) + bool(a.kwarg)
                if count > 12:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.name} ({count})")
    assert long == []


# Test modules named after what they test when that is not one module of dlbio: the public
# API, the bad inputs of docs/bad-input.md, the docs and their walk-throughs, this file, the
# Lmod modules, the wheel, the readers' property tests, the sbatch examples, the GPU benchmark.
NOT_ONE_MODULE = {
    "api",
    "bad_inputs",
    "benchmarks",
    "docs",
    "docs_walkthroughs",
    "layers",
    "modules",
    "packaging",
    "properties",
    "sbatch",
}


def test_tests_are_named_after_the_module_they_test():
    """tests/test_X.py tests dlbio's module X (ism.py: test_ism), or names its package too
    (cli/class2.py: test_class2_cli or test_cli_class2), or tests a package (test_backend)."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        names |= {parts[0]} if parts[-1] == "__init__" else {parts[-1], "_".join(parts), "_".join(reversed(parts))}
    tests = [p.stem.removeprefix("test_") for p in Path(__file__).parent.glob("test_*.py")]
    assert len(tests) >= 45
    assert sorted(t for t in tests if t not in names | NOT_ONE_MODULE) == []
