import sys

from qbcircuit._launch import main

sys.exit(main())
