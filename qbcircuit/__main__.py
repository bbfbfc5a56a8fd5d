import sys

from qbcircuit.cli import main

sys.exit(main())
