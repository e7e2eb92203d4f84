from monitor.cli import main

# Guarded: parse worker processes import __main__ again and must not run the CLI.
if __name__ == "__main__":
    raise SystemExit(main())
