"""Checks that prove a rendered stack safe before it reaches a cluster.

They work on the Kubernetes objects that the program renders (see tests/harness.py) and are used
by the test suite: Pod Security Standards with Kubernetes' own evaluator, a NetworkPolicy
reachability evaluator, and a checkov scan.
"""
