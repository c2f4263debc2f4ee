"""`jobpath app [--host 127.0.0.1] [--port 8501] [--scenarios DIR]`: start the web app (Streamlit)."""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_BAD_INPUT = 2
PAGE = Path(__file__).with_name("page.py")
MAX_UPLOAD_MB = 10  # the loader refuses scenario files above 10 MB (simulation/scenario/loader.py)


def register(subparsers) -> None:
    p = subparsers.add_parser("app", help="start the local web app for trying scenario variants")
    add_arguments(p)
    p.set_defaults(func=run)


def add_arguments(p) -> None:
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 to let others connect)",
    )
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument("--scenarios", default="scenarios", help="directory of scenario files to offer (default scenarios/)")


def streamlit_command(host: str, port: int, scenarios: str, work: str) -> list[str]:
    """The Streamlit command line: headless, no usage statistics, no file watching, no error details."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PAGE),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.showErrorDetails",
        "none",
        "--client.toolbarMode",
        "minimal",
        "--global.developmentMode",
        "false",
        "--global.disableWidgetStateDuplicationWarning",  # a language switch rewrites a field with a default
        "true",
        "--server.maxUploadSize",
        str(MAX_UPLOAD_MB),
        "--",
        "--scenarios",
        str(Path(scenarios).resolve()),
        "--work",
        work,
    ]


def run(args) -> int:
    """Run the app until interrupted or terminated; its runs' files are removed when it stops."""
    import shutil
    import signal
    import subprocess
    import tempfile

    if not 0 < args.port < 65536:
        print(f"--port: expected a port number in 1..65535, found {args.port}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not Path(args.scenarios).is_dir():
        print(
            f"--scenarios: expected a directory of scenario files, found none at '{args.scenarios}' "
            "(the app still accepts uploaded files)",
            file=sys.stderr,
        )
    print(f"jobpath app: http://{args.host}:{args.port}  (Ctrl-C to stop)", flush=True)
    work = tempfile.mkdtemp(prefix="jobpath-app-")
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return subprocess.call(streamlit_command(args.host, args.port, args.scenarios, work))
    except KeyboardInterrupt:
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _terminate(signum, frame) -> None:
    """SIGTERM ends the app like Ctrl-C, so that its temporary files are removed."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """python -m simulation.app [--host H] [--port P] [--scenarios DIR]: the same as `jobpath app`."""
    import argparse

    parser = argparse.ArgumentParser(prog="jobpath app")
    add_arguments(parser)
    return run(parser.parse_args(argv))
