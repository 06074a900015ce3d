"""Running one group of fraudsim's sub-commands (a ``cli_*`` module's ``register``) in a test."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from fraudsim.cli_args import EXIT_BAD_INPUT, Handler

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], dict[str, Handler]]
"""Adds a group's sub-commands to a parser and returns their handlers by name."""


@dataclass(frozen=True)
class SubCommands:
    """A parser holding only the sub-commands one ``register`` adds, as ``fraudsim`` does."""

    register: Register

    def parse(self, argv: list[str]) -> tuple[dict[str, Handler], argparse.Namespace]:
        """Parse ``argv``; return the handlers by name and the arguments."""
        parser = argparse.ArgumentParser(prog="fraudsim")
        handlers = self.register(parser.add_subparsers(dest="command", required=True))
        return handlers, parser.parse_args(argv)

    def run(self, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        """Run the chosen sub-command's handler; return its exit code and output."""
        handlers, args = self.parse(argv)
        code = handlers[args.command](args)
        out, err = capsys.readouterr()
        return code, out, err

    def usage_error(self, argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
        """Parse ``argv``, which must be refused with exit code 2; return the message."""
        with pytest.raises(SystemExit) as info:
            self.parse(argv)
        assert info.value.code == EXIT_BAD_INPUT
        return capsys.readouterr().err
