# tests/integration/gdb_remote.py: sourced by gdb_remote.sh's GDB scripts.
# `continue-for SECONDS`: continue, and after SECONDS press Ctrl-C: a
# timer thread sends GDB the SIGINT a terminal would, and GDB sends the
# remote target its 0x03.  (A batch GDB has no terminal to type it in.)
# GDB keeps the interrupt's quit flag until its next prompt, which a batch
# run never shows: a script must not wait for the target again after it.
import os
import signal
import threading

import gdb


class ContinueFor(gdb.Command):
    """continue-for SECONDS: continue, then Ctrl-C after SECONDS."""

    def __init__(self):
        super().__init__("continue-for", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        timer = threading.Timer(float(arg), lambda: os.kill(os.getpid(), signal.SIGINT))
        timer.start()
        try:
            gdb.execute("continue")
        finally:
            timer.cancel()


ContinueFor()
