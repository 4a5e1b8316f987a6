"""Be "on" the NovaLink partition of a pvmd, from any machine.

pypowervm (and so nova-powervm and networking-powervm) learns which
partition it runs in by reading /proc/ppc64/lparcfg, and the host's
processor clock from /proc/cpuinfo. Those files exist only on a Power
partition. pvmd writes its management partition's copies of both in its
--proc-dir (default <state-dir>/proc); with this directory on PYTHONPATH
and PVM_PROC_DIR naming that directory, Python start-up redirects reads of

    /proc/ppc64/lparcfg  ->  $PVM_PROC_DIR/ppc64/lparcfg
    /proc/cpuinfo        ->  $PVM_PROC_DIR/cpuinfo

so the clients find the NovaLink partition of the pvmd they talk to.
Nothing else is changed; without PVM_PROC_DIR this hook does nothing. The
sitecustomize module this one hides (Debian ships one) is still run.
"""

import builtins
import importlib.machinery
import importlib.util
import os
import sys


def _install(proc_dir):
    redirect = {}
    for path, rel in (('/proc/ppc64/lparcfg', ('ppc64', 'lparcfg')),
                      ('/proc/cpuinfo', ('cpuinfo',))):
        target = os.path.join(proc_dir, *rel)
        if os.path.isfile(target):
            redirect[path] = target
    if not redirect:
        sys.stderr.write('PVM_PROC_DIR=%s holds no ppc64/lparcfg or cpuinfo '
                         '(pvmd writes them in its --proc-dir)\n' % proc_dir)
        return
    real_open = builtins.open

    def open_on_partition(file, *args, **kwargs):
        if isinstance(file, str) and file in redirect:
            file = redirect[file]
        return real_open(file, *args, **kwargs)

    open_on_partition.__doc__ = real_open.__doc__
    builtins.open = open_on_partition


def _run_hidden_sitecustomize():
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path
            if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec('sitecustomize', rest)
    if spec is None or spec.loader is None:
        return
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception as e:  # as site.py does for a failing sitecustomize
        sys.stderr.write('Error in sitecustomize (%s): %r\n' %
                         (spec.origin, e))


if os.environ.get('PVM_PROC_DIR'):
    _install(os.environ['PVM_PROC_DIR'])
_run_hidden_sitecustomize()
