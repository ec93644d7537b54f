"""Archon's CrossGuard policies as plain functions over Kubernetes resource inputs (dicts).

Nothing here imports pulumi_policy or the Archon program: every validator takes the resource type
token and its inputs (camelCase, as the Kubernetes provider receives them) plus the policy's
config, and returns violation messages. `pack.py` wraps them into pulumi_policy policies.
"""
