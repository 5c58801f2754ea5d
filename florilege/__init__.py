import sys

# httpx imports its command-line client (click, rich, Pygments: about 8 MB a process) at
# import whenever those are installed, and falls back to a stub when that import fails.
# No process of ours runs that client: mark it absent before anything imports httpx.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
