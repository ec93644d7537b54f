"""Rules that the program and the policy pack both enforce, written once.

The program builds its pods and checks its settings with them; the policy pack (policy/, where
`archon_rules` is a link to this package) judges any program's objects with the same code. The
package uses the standard library only, because the pack runs in its own virtualenv.
"""
