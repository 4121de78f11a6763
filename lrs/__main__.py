import sys

from lrs.cli import main

sys.exit(main())
