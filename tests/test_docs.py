"""The documentation: every command it names exists, and the README stays a front page."""

import re
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND = re.compile(r"(?:danq|mdet|mdisc|vgrad)-[a-z0-9]+$")
LAUNCHERS = {"srun", "time", "exec", "nohup", "command"}


def _code(text: str) -> list[str]:
    """What a page shows as code: each line of its fenced blocks, and its `inline` spans."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.S | re.M))
    return [line for block in fenced for line in block.splitlines()] + inline


def _invocations(line: str):
    """The commands a line of code runs: the first word of each part between ;, &&, || and |
    (after VAR=value settings and launchers such as srun), with a dlbio subcommand."""
    for part in re.split(r"&&|\|\||;|\||\$\(", line):
        words = part.strip().lstrip("$ ").split()
        while words and ("=" in words[0] or words[0] in LAUNCHERS):
            words = words[1:]
        if words[:3] == ["python", "-m", "dlbio"]:
            words = words[2:]
        if not words:
            continue
        if COMMAND.match(words[0]):
            yield words[0]
        elif words[0] == "dlbio" and len(words) > 1 and re.match(r"[a-z][a-z0-9-]*", words[1]):
            yield "dlbio " + re.match(r"[a-z][a-z0-9-]*", words[1]).group()  # $(dlbio data-dir)/danq


def _commands():
    from dlbio.cli import ALIASES, main

    scripts = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"])
    return scripts, set(main.commands) | set(ALIASES)


def test_commands_are_found_where_a_line_of_code_runs_them():
    runs = [
        "danq-train -d data -g 4 && danq-visualize -t 1",
        "KERAS_BACKEND=jax srun danq-train --multi-worker",
        "dlbio mutagenesis --seqlets",
        "error: notes.txt: not a dlbio metrics TSV",
        "from dlbio import train_danq",
    ]
    assert [list(_invocations(line)) for line in runs] == [
        ["danq-train", "danq-visualize"],
        ["danq-train"],
        ["dlbio mutagenesis"],
        [],
        [],
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_a_page_names_exists(page):
    scripts, subcommands = _commands()
    named = {cmd for line in _code(page.read_text()) for cmd in _invocations(line)}
    missing = {c for c in named if c not in scripts and c.split(" ", 1)[-1] not in subcommands}
    assert not missing, f"{page.name} names commands that do not exist: {sorted(missing)}"


def test_the_readme_is_a_front_page():
    text = (ROOT / "README.md").read_text()
    assert len(text.encode()) <= 8 * 1024
    assert "make demo" in text and "make test" in text
    for link in re.findall(r"\]\((docs/[^)#]+)", text):
        assert (ROOT / link).is_file(), link


def _documented_calls():
    """(page, line, command name, arguments) of every dlbio command a page's shell block runs;
    a shell variable or placeholder in an argument is read as a plain word."""
    import shlex

    from dlbio.cli import ALIASES, main

    calls = []
    for page in PAGES:
        blocks = re.findall(r"^```(?:bash|sh|console)?\n(.*?)^```", page.read_text(), flags=re.S | re.M)
        for line in (ln for block in blocks for ln in block.replace("\\\n", " ").splitlines()):
            for part in re.split(r"&&|\|\||;|\|", line.split(" #")[0]):
                try:
                    words = shlex.split(part)
                except ValueError:
                    continue
                while words and ("=" in words[0] or words[0] in LAUNCHERS | {"do", "then"}):
                    words = words[1:]
                if words[:1] == ["dlbio"] and len(words) > 1:
                    name, args = words[1], words[2:]
                elif words and COMMAND.match(words[0]):
                    name, args = words[0], words[1:]
                else:
                    continue
                name = ALIASES.get(name, name)
                if name in main.commands:
                    calls.append((page.name, part.strip(), name, [a if "$" not in a else "x" for a in args]))
    return calls


def test_every_documented_call_parses():
    """Each command line the pages show names options the command has, with values it takes
    (click parses it as the shell would pass it; nothing runs): a renamed option or a choice
    that is gone fails here, not in a user's terminal."""
    from dlbio.cli import main

    calls = _documented_calls()
    assert len(calls) >= 40 and {c[2] for c in calls} >= {"train", "attribute", "modisco", "fimo", "motifs"}
    refused = []
    for page, line, name, args in calls:
        try:
            main.commands[name].make_context(name, args)
        except BaseException as exc:  # noqa: BLE001  (click may exit, or raise a usage error)
            if not (isinstance(exc, SystemExit) and exc.code == 0):
                refused.append(f"{page}: {line} ({type(exc).__name__}: {exc})")
    assert not refused, "\n".join(refused)


def _undocumented(path: Path) -> list[str]:
    """The public functions and methods of a module whose docstring lacks a numpydoc Parameters
    section (when they take any) or a Returns/Yields section (unless they return None)."""
    import ast

    missing = []

    def visit(nodes, prefix=""):
        for node in nodes:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                visit(node.body, f"{node.name}.")
            if (
                not isinstance(node, ast.FunctionDef)
                or node.name.startswith("_")
                or (prefix and node.name.startswith("on_"))
            ):
                continue
            doc = ast.get_docstring(node) or ""
            a = node.args
            takes = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs if x.arg not in ("self", "cls")]
            takes += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
            returns_none = node.returns is not None and ast.unparse(node.returns) == "None"
            is_property = any(ast.unparse(d).endswith("property") for d in node.decorator_list)
            if (takes and "\nParameters\n---" not in f"\n{doc}") or not (
                returns_none or is_property or re.search(r"\n(Returns|Yields)\n---", f"\n{doc}")
            ):
                missing.append(f"{path.relative_to(ROOT)}: {prefix}{node.name}")

    visit(ast.parse(path.read_text()).body)
    return missing


def test_the_api_reference_documents_every_public_function():
    """Every library module is on a page of the API reference (docs/api/), and each of its public
    functions and methods has numpydoc Parameters and Returns (or Yields), so that the page
    says what each takes and gives, array shapes included. Keras callback hooks (``on_*``)
    are Keras's to document; the click commands document themselves with --help."""
    rendered = {
        m
        for page in (ROOT / "docs" / "api").glob("*.md")
        for m in re.findall(r"^::: (\S+)", page.read_text(), flags=re.M)
    }
    modules = {}
    for path in sorted((ROOT / "dlbio").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[1] in ("cli", "__init__", "__main__") or len(parts) < 3:
            continue
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    unrendered = sorted(m for m in modules if m not in rendered and m.count(".") > 1)
    assert not unrendered, f"modules missing from docs/api/: {unrendered}"
    assert len(modules) >= 80
    missing = [line for path in modules.values() for line in _undocumented(path)]
    assert not missing, "\n".join(missing)
