import sys

from florilege.cli import main

sys.exit(main())
