#!/usr/bin/env python3
"""Every command README.md and docs/*.md show still parses: each program answers --help (exit
0) and lists every flag the command uses; each script exists, and names every flag it is shown
with. Commands are the lines of code blocks that start (after an optional "$ ") with
build/bin/NAME, build-debug/bin/NAME or scripts/NAME; a usage block's indented "[--flag ...]"
lines belong to the command above them.

  tests/docs_commands_test.py SOURCE_DIR BIN_DIR
"""
import pathlib
import re
import subprocess
import sys

source, bin_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
COMMAND = re.compile(r"^(?:\$ )?((?:build(?:-debug)?/bin|scripts)/[\w-]+)(.*)$")
# scripts whose extra arguments go to a program: their flags are that program's
FORWARDED = {"scripts/train-mnist": ["mnist", "train"]}


def commands(path):
    """(line number, program path, rest of the command) for each command in path's code blocks."""
    found, in_block = [], False
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith("```"):
            in_block = not in_block
            continue
        if not in_block:
            continue
        match = COMMAND.match(line)
        if match:
            found.append([number, match.group(1), match.group(2)])
        elif found and found[-1][0] == number - 1 and re.match(r"^\s+\[", line):
            found[-1][2] += " " + line  # a usage block's continuation line
            found[-1][0] = number
    return found


def help_text(argv):
    result = subprocess.run(argv + ["--help"], capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout + result.stderr


failures, checked = [], 0
docs = [source / "README.md"] + sorted((source / "docs").glob("*.md"))
for doc in docs:
    for number, program, rest in commands(doc):
        where = f"{doc.relative_to(source)}:{number}"
        rest = rest.split(" #")[0]  # a trailing comment is prose
        flags = set(FLAG.findall(rest))
        name = program.split("/")[-1]
        if program.startswith("scripts/"):
            script = source / program
            if not script.is_file():
                failures.append(f"{where}: {program} does not exist")
                continue
            if program in FORWARDED:
                target = FORWARDED[program]
                code, text = help_text([str(bin_dir / target[0])] + target[1:])
            else:
                text = script.read_text()
        else:
            binary = bin_dir / name
            words = rest.split()
            argv = [str(binary)]
            if name == "mnist" and words and not words[0].startswith("-"):
                argv.append(words[0])  # the subcommand
            if not binary.is_file():
                failures.append(f"{where}: {program} is not built ({binary})")
                continue
            code, text = help_text(argv)
            if code != 0:
                failures.append(f"{where}: {' '.join(argv[1:] + ['--help'])} exits {code}")
                continue
        for flag in sorted(flags):
            if not re.search(r"(?<![\w-])" + re.escape(flag) + r"(?![\w-])", text):
                failures.append(f"{where}: {program} is shown with {flag}, which its help does not list")
        checked += 1

for failure in failures:
    print("FAIL:", failure)
print(f"docs commands: {checked} checked in {len(docs)} documents, {len(failures)} failing")
sys.exit(1 if failures or checked == 0 else 0)
