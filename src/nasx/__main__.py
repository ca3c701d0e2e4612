from nasx.cli import main

raise SystemExit(main())
