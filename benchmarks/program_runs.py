"""Evaluating the program under Pulumi mocks in a fresh interpreter, as the benchmarks time it: the real
`__main__.py`, or a variant of it that declares the hand-off `count` times (the program declares one binding
per stack; the variant repeats everything after the imports with each component, explicit provider and stack
output named with a suffix, so the engine would see `count` distinct sets of resources).

Each run starts a new Python (`sys.executable`), imports the program's modules and evaluates the project's
`__main__.py` through offline/program.py (mocks, no engine), and reports the process wall time (interpreter
start-up included), the in-process time (first import to stack outputs), the registrations and the peak RSS.
"""

from __future__ import annotations

import ast
import json
import pathlib
import shutil
import subprocess
import sys
import time
from typing import Optional

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHILD = """
import json, pathlib, resource, sys, time
started = time.perf_counter()
trace = sys.argv[2] == "trace"
if trace:
    import tracemalloc
    tracemalloc.start()
from offline.program import run_program
run = run_program(pathlib.Path(sys.argv[3]), stack=sys.argv[1])
figures = {"in_process_s": time.perf_counter() - started, "registrations": len(run.registrations),
           "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
if trace:
    figures["traced_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
print(json.dumps(figures))
"""
# What names a set of resources in __main__.py: the components' and stack outputs' first argument, and the
# explicit providers' `name` parameter (their defaults, which the variant suffixes).
COMPONENTS = ("BotIdentity", "AzureBot", "OmnichannelBinding", "export")
PROVIDERS = {"entra_provider": "azuread", "arm_provider": "azure-native"}


class _Suffixed(ast.NodeTransformer):
    """Appends `+ _suffix` to every resource and output name of the declarations."""

    def __init__(self) -> None:
        self.renamed: list[str] = []

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        suffix = ast.Name("_suffix", ast.Load())
        if name in COMPONENTS and node.args and isinstance(node.args[0], ast.Constant):
            node.args[0] = ast.BinOp(node.args[0], ast.Add(), suffix)
            self.renamed.append(name)
        elif name in PROVIDERS and len(node.args) == 1 and not node.keywords:
            node.args.append(ast.BinOp(ast.Constant(PROVIDERS[name]), ast.Add(), suffix))
            self.renamed.append(name)
        return node


def variant_source(source: str, count: int) -> str:
    """`source` (a program: imports, then declarations) with its declarations made `count` times."""
    tree = ast.parse(source)
    first = next(i for i, node in enumerate(tree.body) if isinstance(node, ast.Assign))  # settings = ...
    renamer = _Suffixed()
    # Functions too (an Azure bot's components are declared in one): `_suffix` is read when they are called.
    body = [renamer.visit(node) for node in tree.body]
    head, declarations = body[:first], body[first:]
    missing = [name for name in COMPONENTS[:3] if name not in renamer.renamed]
    if missing:  # the program changed shape: a variant declaring the same names twice would only fail later
        raise ValueError(f"__main__.py no longer declares {missing} by a literal name; update {__file__}")
    suffixes = ast.List([ast.Constant("" if i == 0 else f"-{i:02d}") for i in range(count)], ast.Load())
    loop = ast.For(ast.Name("_suffix", ast.Store()), suffixes, declarations, [])
    return ast.unparse(ast.fix_missing_locations(ast.Module(head + [loop], [])))


def write_variant(directory: pathlib.Path, count: int, stack: str = "dev") -> pathlib.Path:
    """A project directory whose program declares `count` hand-offs (the real stack files, copied)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("Pulumi.yaml", f"Pulumi.{stack}.yaml"):
        shutil.copyfile(ROOT / name, directory / name)
    program = (ROOT / "__main__.py").read_text(encoding="utf-8")
    (directory / "__main__.py").write_text(variant_source(program, count), encoding="utf-8")
    return directory


def one_run(stack: str = "dev", trace: bool = False, project: Optional[pathlib.Path] = None) -> dict:
    """Evaluate `project` (the repository by default) for `stack` in a fresh interpreter; its figures."""
    started = time.perf_counter()
    command = [sys.executable, "-c", CHILD, stack, "trace" if trace else "plain", str(project or ROOT)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["process_s"] = time.perf_counter() - started
    return figures
