#!/usr/bin/python3
"""The simulator's controls as pypowervm meets them: a busy VIOS retried by
vios_busy_retry_helper, a 412 retried by a WrapperTask, a fault rule on a
power-on, RMC held inactive refusing DLPAR, validate_vios_ready waiting for
a VIOS's RMC, a crashed partition, RMC errorInfo in the performance
monitor's partition file, the managed system losing power, a snapshot
restored under a live session.

Run by test/clients (scenario_test.go) against a fresh pvmd; see harness.py.
"""

import json
import threading
import time

import requests

import harness


def main():
    h = harness.Scenario('simulator controls with pypowervm')
    step, check = h.step, harness.check

    import pypowervm.adapter as adp
    import pypowervm.exceptions as pvmex
    from pypowervm.helpers import vios_busy
    from pypowervm.tasks import cna as pvm_cna
    from pypowervm.tasks import partition as pvm_part
    from pypowervm.tasks import power
    from pypowervm.tasks.monitor import util as mon_util
    from pypowervm.utils import transaction as tx
    from pypowervm.wrappers import entry_wrapper as ewrap
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import virtual_io_server as pvm_vios

    a = h.adapter()
    st = {}
    base = 'http://localhost:%d/rest/api/sim' % harness.HTTP_PORT

    def sim(method, path, body=None, ok=(200, 201, 204)):
        """A call of the simulator's controls with the adapter's session."""
        r = requests.request(method, base + path, headers={
            'X-API-Session': a.session._sessToken,
            'Content-Type': 'application/json'},
            data=None if body is None else json.dumps(body))
        check(r.status_code in ok, '%s %s: %s %s' % (method, path,
                                                     r.status_code, r.text))
        return r.json() if r.text.strip() else None

    def directory():
        d = sim('GET', '/Directory')
        st['sys'] = d['system']['uuid']
        st['ids'] = {p['name']: p['uuid'] for p in d['partitions']}
        check({'vios1', 'vios2', 'lpar10', 'lpar11', 'lpar12'} <=
              set(st['ids']), 'partitions %s' % sorted(st['ids']))
    step('the simulator lists the system and its partitions', directory)

    # --- A busy VIOS, and pypowervm's busy-retry helper --------------------
    def busy():
        sim('PUT', '/VirtualIOServer/%s/Busy' % st['ids']['vios1'],
            {'count': 1})
        try:
            pvm_vios.VIOS.get(a)
        except pvmex.HttpError as e:
            wrap = ewrap.EntryWrapper.wrap(e.response.entry)
            check(e.response.status == 500 and wrap.is_vios_busy(),
                  'status %s, busy %s' % (e.response.status,
                                          wrap.is_vios_busy()))
        else:
            raise harness.CheckFailed('a busy VIOS answered the feed')
        sleeps = []
        saved = vios_busy.SLEEP
        vios_busy.SLEEP = sleeps.append
        try:
            b = adp.Adapter(a.session,
                            helpers=[vios_busy.vios_busy_retry_helper])
            sim('PUT', '/VirtualIOServer/%s/Busy' % st['ids']['vios1'],
                {'count': 2})
            vioses = pvm_vios.VIOS.get(b)
        finally:
            vios_busy.SLEEP = saved
        check(len(vioses) == 2, '%d VIOSes' % len(vioses))
        check(sleeps == [5, 10], 'the helper waited %s' % sleeps)
        rules = sim('GET', '/Fault')['rules']
        check([r['fired'] for r in rules if r.get('label') == 'busy'] ==
              [1, 2], 'busy rules %s' % rules)
        sim('DELETE', '/Fault')
    step('a busy VIOS answers HSCL3205/VIOS0014 and vios_busy_retry_helper '
         'retries until it is free', busy)

    # --- 412 and the WrapperTask's retry -----------------------------------
    def etag_retry():
        uuid = st['ids']['lpar10']
        sim('PUT', '/Fault', {'route': '*/LogicalPartition/' + uuid,
                              'method': 'POST', 'status': 412,
                              'message': 'HSCL0E8E The object was changed by '
                                         'another request.', 'count': 1})
        calls = []

        def more_memory(lpar):
            calls.append(lpar.etag)
            lpar.mem_config.desired = 3072
            return True
        wt = tx.WrapperTask('mem', pvm_lpar.LPAR.getter(a, uuid))
        wt.add_functor_subtask(more_memory)
        wt.execute()
        lpar = pvm_lpar.LPAR.get(a, uuid=uuid)
        check(lpar.mem_config.desired == 3072, 'desired memory %s'
              % lpar.mem_config.desired)
        check(len(calls) == 2, 'the subtask ran %d times' % len(calls))
        rule = sim('GET', '/Fault')['rules'][0]
        check(rule['fired'] == 1 and rule['done'], 'rule %s' % rule)
        sim('DELETE', '/Fault')
    step('a 412 from a fault rule is retried by a WrapperTask, which '
         'refetches and succeeds', etag_retry)

    # --- A fault rule on a power-on -----------------------------------------
    def power_fault():
        sim('PUT', '/Fault', {'job': 'PowerOn', 'target': 'name=lpar11',
                              'jobStatus': 'COMPLETED_WITH_ERROR',
                              'message': 'HSCL13A4 The partition could not '
                                         'be activated.', 'count': 1})
        lpar = pvm_lpar.LPAR.get(a, uuid=st['ids']['lpar11'])
        try:
            power.power_on(lpar, st['sys'])
        except pvmex.Error as e:
            check('HSCL13A4' in str(e), 'the failure says %s' % e)
        else:
            raise harness.CheckFailed('the faulted power-on succeeded')
        lpar = pvm_lpar.LPAR.get(a, uuid=st['ids']['lpar11'])
        check(lpar.state == 'not activated', 'state %s' % lpar.state)
        power.power_on(lpar, st['sys'])
        harness.wait_for('lpar11 running with RMC active', lambda: (
            pvm_lpar.LPAR.get(a, uuid=st['ids']['lpar11']).rmc_state ==
            'active'))
        sim('DELETE', '/Fault')
    step('a fault rule fails the next power-on with its message; the one '
         'after runs', power_fault)

    # --- RMC held inactive: DLPAR refused ----------------------------------
    def rmc_dlpar():
        uuid = st['ids']['lpar11']
        got = sim('PUT', '/LogicalPartition/%s/State' % uuid,
                  {'rmc': 'inactive'})
        check(got['rmc'] == 'inactive', 'state %s' % got)
        lpar = pvm_lpar.LPAR.get(a, uuid=uuid)
        check(lpar.rmc_state == 'inactive', 'RMC %s' % lpar.rmc_state)
        try:
            pvm_cna.crt_cna(a, None, uuid, 20)
        except pvmex.HttpError as e:
            check(e.response.status == 409 and 'RMC connection is inactive'
                  in str(e), 'the refusal: %s' % e)
        else:
            raise harness.CheckFailed('DLPAR with RMC inactive succeeded')
        sim('PUT', '/LogicalPartition/%s/State' % uuid, {'rmc': 'auto'})
        cna = pvm_cna.crt_cna(a, None, uuid, 20)
        check(cna.pvid == 20, 'adapter %s' % cna.pvid)
    step('RMC held inactive refuses a DLPAR adapter; given back, it is '
         'made', rmc_dlpar)

    # --- validate_vios_ready waits for a VIOS's RMC -------------------------
    def vios_ready():
        for v in ('vios1', 'vios2'):
            sim('PUT', '/VirtualIOServer/%s/State' % st['ids'][v],
                {'rmc': 'inactive'})
        real_sleep = time.sleep
        waits = []

        def short_sleep(s):
            waits.append(s)
            real_sleep(0.2)
        pvm_part.time.sleep = short_sleep
        try:
            try:
                pvm_part.validate_vios_ready(a, max_wait_time=10)
            except pvmex.ViosNotAvailable:
                pass
            else:
                raise harness.CheckFailed('no VIOS with RMC, yet ready')
            check(len(waits) == 2, 'it polled after %s' % waits)
            del waits[:]
            done = {}

            def validate():
                try:
                    pvm_part.validate_vios_ready(a, max_wait_time=300)
                    done['ok'] = True
                except Exception as e:  # noqa
                    done['err'] = e
            t = threading.Thread(target=validate)
            t.start()
            harness.wait_for('validate_vios_ready polls', lambda: waits)
            check(t.is_alive(), 'it did not wait: %s' % done)
            sim('PUT', '/VirtualIOServer/%s/State' % st['ids']['vios1'],
                {'rmc': 'auto'})
            sim('PUT', '/VirtualIOServer/%s/State' % st['ids']['vios2'],
                {'rmc': 'auto'})
            t.join(30)
            check(done.get('ok'), 'validate_vios_ready: %s' % done)
        finally:
            pvm_part.time.sleep = real_sleep
    step('validate_vios_ready waits while the VIOSes\' RMC is down and '
         'returns once it is back', vios_ready)

    # --- A crash --------------------------------------------------------------
    def crash():
        uuid = st['ids']['lpar11']
        sim('PUT', '/LogicalPartition/%s/State' % uuid,
            {'state': 'error', 'refCode': 'B700F104'})
        lpar = pvm_lpar.LPAR.get(a, uuid=uuid)
        check(lpar.state == 'error' and lpar.ref_code == 'B700F104',
              'state %s ref code %s' % (lpar.state, lpar.ref_code))
    step('a crashed partition shows the error state and its reference code',
         crash)

    # --- RMC down in the performance monitor's partition file ---------------
    def pcm_rmc():
        uuid = st['ids']['lpar12']
        lpar = pvm_lpar.LPAR.get(a, uuid=uuid)
        power.power_on(lpar, st['sys'])
        sim('PUT', '/LogicalPartition/%s/State' % uuid, {'rmc': 'inactive'})
        mon_util.ensure_ltm_monitors(a, st['sys'])
        time.sleep(6)

        def inactive():
            cache = mon_util.LparMetricCache(a, st['sys'])
            _, cur = cache.get_latest_metric(uuid)
            return cur is not None and cur.memory.pct_real_mem_free == 0
        harness.wait_for('the RMC file saying RMC is inactive (6003)',
                         inactive, timeout=30, interval=1)
    step('RMC held inactive shows in the partitions\' RMC file (errorInfo '
         '6003: all memory counted as used)', pcm_rmc)

    # --- The managed system loses power -------------------------------------
    def power_loss():
        sim('PUT', '/ManagedSystem/%s/State' % st['sys'],
            {'state': 'power off'})
        s = pvm_ms.System.get(a)[0]
        check(s.system_state == 'power off', 'state %s' % s.system_state)
        lpar = pvm_lpar.LPAR.get(a, uuid=st['ids']['lpar10'])
        check(lpar.state == 'not activated', 'lpar10 %s' % lpar.state)
        try:
            power.power_on(lpar, st['sys'])
        except pvmex.Error as e:
            check('PVME01050950-0301' in str(e) and 'is powered off' in str(e),
                  'the refusal says %s' % e)
        else:
            raise harness.CheckFailed('a power-on on a powered-off system')
        sim('PUT', '/ManagedSystem/%s/State' % st['sys'],
            {'state': 'operating'})
        harness.wait_for('the VIOSes running again', lambda: all(
            v.state == 'running' for v in pvm_vios.VIOS.get(a)))
    step('the managed system in power off: partitions down, power-on '
         'refused; operating again, the VIOSes boot', power_loss)

    # --- A snapshot restored under a live session ---------------------------
    def snapshot():
        sim('PUT', '/Snapshot/before')
        uuid = st['ids']['lpar10']
        lpar = pvm_lpar.LPAR.get(a, uuid=uuid)
        lpar.mem_config.desired = 4096
        lpar = lpar.update()
        etag = lpar.etag
        got = sim('POST', '/Snapshot/before/Restore')
        check(got['changed'] >= 1, 'restore %s' % got)
        back = pvm_lpar.LPAR.get(a, uuid=uuid)
        check(back.mem_config.desired == 3072, 'desired memory %s'
              % back.mem_config.desired)
        check(back.etag != etag, 'the etag did not move')
        lpar.mem_config.desired = 2048
        try:
            lpar.update()
        except pvmex.HttpError as e:
            check(e.response.status == 412, 'stale update: %s' % e)
        else:
            raise harness.CheckFailed('an update with a stale etag passed')
    step('a restored snapshot is what clients read, with new etags, in the '
         'same session', snapshot)

    return h.finish()


if __name__ == '__main__':
    import sys
    sys.exit(main())
