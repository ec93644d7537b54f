"""The Archon component provider plugin: serves ArchonStack to the Pulumi engine."""

import sys
from pathlib import Path

# The plugin directory is package/; the code it serves is the repository's archon/ and configkit/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi.provider import main  # noqa: E402

from archon.package.provider import ArchonProvider  # noqa: E402

if __name__ == "__main__":
    main(ArchonProvider(), sys.argv[1:])
