"""Archon on Kubernetes: load this stack's settings, build the stack, export what operators need."""

import pulumi

from archon.components.stack import ArchonStack
from archon.settings.loader import load_settings

settings = load_settings()
stack = ArchonStack("archon", settings)
for name, value in stack.outputs.items():
    pulumi.export(name, value)
