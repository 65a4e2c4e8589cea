"""The headless command line (argparse; never imports Qt except to open the GUI on request)."""
