"""The Archon component package: `ArchonStack` for Pulumi programs in other languages.

`package/` at the repository root is the plugin directory a program points at
(`pulumi package add <repository>/package@<tag>`); see docs/package.md. The version below is the
package's, in step with CHANGELOG.md (a test checks it).
"""

NAME = "archon"
VERSION = "0.1.0"
