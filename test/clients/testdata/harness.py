"""What every scenario of test/clients shares.

A scenario is a list of steps, each named by the capability it checks
("nova destroy removes the partition"). Each step's outcome is written as
one JSON line to $PVM_TEST_RESULTS (read by scenario_test.go, which makes
each step a subtest), and a line "ok:/FAIL:/SKIP: <step>" goes to stdout.

A step depends by default on every step before it: after a failure, the
steps that follow fail as "not checked". needs=[...] names the steps it
really depends on instead (a skipped one skips it too), needs=[] none.
waits='pcm' or 'vterm' marks a step that needs another issue's server
work: it is skipped, saying which issue, while pvmd lacks that work, and
runs as soon as pvmd has it (PVM_CLIENTS_RUN_WAITING=1 runs it anyway).
gap='...' marks a step that fails for a known pvmd gap (issue 12 part 2):
it skips with the gap's name while it fails, and fails once it passes.

The environment (set by the Go side): PVM_TEST_HTTP_PORT,
PVM_TEST_HTTPS_PORT, PVM_TEST_PASSWORD (padmin), PVM_TEST_HMC_PASSWORD
(hscroot), PVM_TEST_STATE_DIR, PVM_TEST_WORK (a scratch directory),
PVM_TEST_RESULTS; PVM_PROC_DIR for python/partition.
"""

import json
import logging
import os
import shutil
import sys
import time
import traceback
import warnings

HTTP_PORT = int(os.environ['PVM_TEST_HTTP_PORT'])
HTTPS_PORT = int(os.environ['PVM_TEST_HTTPS_PORT'])
PASSWORD = os.environ['PVM_TEST_PASSWORD']
HMC_PASSWORD = os.environ['PVM_TEST_HMC_PASSWORD']
STATE_DIR = os.environ['PVM_TEST_STATE_DIR']
WORK = os.environ['PVM_TEST_WORK']

# PVM_CLIENTS_RUN_WAITING=1 runs the steps that wait for another issue's
# work anyway, to see how they fail.
RUN_WAITING = os.environ.get('PVM_CLIENTS_RUN_WAITING') == '1'

# What another issue builds, and how a step waiting for it says so.
WAITS = {
    'pcm': 'waits for issue 10 (the PCM metrics service)',
    'vterm': 'waits for issue 11 (the virtual terminal commands)',
}


class CheckFailed(AssertionError):
    """A check of a step failed; its message is the whole story."""


def check(cond, msg):
    if not cond:
        raise CheckFailed(msg)


class ClientRace(Exception):
    """A step saw the exact signature of a known race inside the client
    (not pvmd): the step skips, naming it. A scenario raises it only after
    checking that what it saw is that race and nothing else."""


def wait_for(what, pred, timeout=20, interval=0.1):
    """Polls pred until it returns something true; fails saying what."""
    deadline = time.time() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.time() > deadline:
            raise CheckFailed('%s: not so after %ss' % (what, timeout))
        time.sleep(interval)


class Scenario(object):

    def __init__(self, label):
        self.label = label
        self.results = {}     # step -> (status, detail)
        self.order = []
        self.state = {}
        self._have = {}
        self._out = open(os.environ['PVM_TEST_RESULTS'], 'a')
        logging.basicConfig(
            level=logging.WARNING, stream=sys.stderr,
            format='%(asctime)s %(levelname)s %(name)s: %(message)s')
        warnings.simplefilter('ignore', DeprecationWarning)

    # --- results ---------------------------------------------------------
    def _record(self, name, status, detail='', log=''):
        if name in self.results:
            raise RuntimeError('step %r reported twice' % name)
        self.results[name] = (status, detail)
        self.order.append(name)
        self._out.write(json.dumps({'step': name, 'status': status,
                                    'detail': detail, 'log': log}) + '\n')
        self._out.flush()
        tag = {'ok': 'ok', 'fail': 'FAIL', 'skip': 'SKIP'}[status]
        print('%s: %s%s' % (tag, name, (': ' + detail) if detail else ''),
              flush=True)

    def step(self, name, fn, needs=None, waits=None, gap=None,
             intermittent=False):
        """Runs fn as the step name; returns what fn returns (None when it
        did not run or failed). gap names a known pvmd gap (issue 12 part
        2): the step is expected to fail, and skips saying so; once it
        passes it fails, asking for the gap mark to be removed. An
        intermittent gap fails only some runs: it skips when it fails and
        passes when it passes."""
        deps = self.order if needs is None else needs
        for dep in deps:
            status, detail = self.results.get(dep, ('fail', 'never ran'))
            if status == 'fail':
                self._record(name, 'fail', 'not checked: step "%s" failed'
                             % dep)
                return None
            if status == 'skip' and needs is not None:
                self._record(name, 'skip', detail)
                return None
        if waits and not self.have(waits) and not RUN_WAITING:
            self._record(name, 'skip', WAITS[waits])
            return None
        try:
            out = fn()
        except ClientRace as e:
            self._record(name, 'skip', 'known race in the client, not pvmd: '
                         '%s' % str(e)[:400])
            return None
        except BaseException as e:  # noqa: everything a client may raise
            detail = (str(e) if isinstance(e, CheckFailed) else
                      '%s: %s' % (type(e).__name__, e))
            if gap:
                self._record(name, 'skip', 'pvmd gap, issue 12 part 2 (%s%s): '
                             '%s' % (gap, ', intermittent' if intermittent
                                     else '', detail[:300]))
            else:
                self._record(name, 'fail', detail, traceback.format_exc())
            return None
        if gap and not intermittent:
            self._record(name, 'fail', 'the known gap "%s" works now: remove '
                         'its gap mark from the scenario' % gap)
            return None
        self._record(name, 'ok')
        return out

    def ok(self, name):
        return self.results.get(name, ('', ''))[0] == 'ok'

    def finish(self):
        self._out.write(json.dumps({'step': '', 'status': 'end'}) + '\n')
        self._out.close()
        failed = [n for n in self.order if self.results[n][0] == 'fail']
        print('%s: %d steps, %d failed' % (self.label, len(self.order),
                                           len(failed)), flush=True)
        return 0

    # --- what pvmd has ----------------------------------------------------
    def have(self, feature):
        if feature not in self._have:
            self._have[feature] = getattr(self, '_probe_' + feature)()
        return self._have[feature]

    def _probe_pcm(self):
        # The PCM preferences of the managed system, as
        # pypowervm.tasks.monitor reads them.
        import pypowervm.exceptions as pvm_ex
        adapter = self.adapter()
        sys_uuid = adapter.read('ManagedSystem').feed.entries[0].uuid
        try:
            adapter.read('ManagedSystem', root_id=sys_uuid,
                         suffix_type='preferences', service='pcm')
        except pvm_ex.HttpError as e:
            if e.response is not None and e.response.status == 404:
                return False
            raise
        return True

    def _probe_vterm(self):
        return all(shutil.which(c) for c in ('mkvterm', 'rmvterm'))

    # --- connections --------------------------------------------------------
    def adapter(self):
        """A password session's adapter (padmin over plain HTTP)."""
        if 'adapter' not in self.state:
            import pypowervm.adapter as adp
            sess = adp.Session(host='localhost', username='padmin',
                               password=PASSWORD, protocol='http',
                               port=HTTP_PORT)
            self.state['adapter'] = adp.Adapter(sess)
        return self.state['adapter']

    def session_config(self):
        """Makes pypowervm.adapter.Session() with no arguments (as the
        agents call it) log on locally to this pvmd: through
        PYPOWERVM_SESSION_CONFIG, pypowervm's own hook, naming a module
        that sets the port."""
        path = os.path.join(WORK, 'pvm_session_config.py')
        with open(path, 'w') as f:
            f.write('def session_config(sess):\n'
                    '    if sess.host == "localhost" and '
                    'sess.protocol == "http":\n'
                    '        sess.port = %d\n'
                    '        sess.dest = "http://localhost:%d"\n'
                    % (HTTP_PORT, HTTP_PORT))
        os.environ['PYPOWERVM_SESSION_CONFIG'] = path
        return path
