#!/usr/bin/python3
"""Smoke test of pvmd with the real pypowervm client library.

Run by test/e2e/pypowervm_test.go with PYTHONPATH pointing at a pypowervm
source tree:

    pypowervm_smoke.py --port HTTP_PORT --password PASSWORD

Every step prints "ok: <step>" or "FAIL: <step>: <error>" (with the
traceback); the first failure ends the script with status 1.
"""

import argparse
import logging
import sys
import threading
import time
import traceback
import uuid as uuidlib
import warnings


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--password', required=True)
    args = ap.parse_args()

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    warnings.simplefilter('ignore', DeprecationWarning)

    failed = []

    def step(name, fn):
        if failed:
            return None
        try:
            out = fn()
        except BaseException as e:  # noqa
            failed.append(name)
            print('FAIL: %s: %s: %s' % (name, type(e).__name__, e),
                  flush=True)
            traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
            return None
        print('ok: %s' % name, flush=True)
        return out

    def check(cond, msg):
        if not cond:
            raise AssertionError(msg)

    import pypowervm.adapter as adp
    import pypowervm.const as pc
    from pypowervm.tasks import power
    from pypowervm.utils import lpar_builder as lb
    from pypowervm.wrappers import event as pvm_event
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import virtual_io_server as pvm_vios

    st = {}

    # --- Password logon --------------------------------------------------
    def logon():
        sess = adp.Session(host='localhost', username='padmin',
                           password=args.password, protocol='http',
                           port=args.port)
        check(sess.mc_type == 'PVM', 'mc_type %r, want PVM' % sess.mc_type)
        check(not sess.traits.has_lpar_profiles,
              'traits say HMC (has_lpar_profiles)')
        st['sess'] = sess
        st['adapter'] = adp.Adapter(sess)
    step('password Session + Adapter', logon)

    def get_system():
        systems = pvm_ms.System.get(st['adapter'])
        check(len(systems) == 1, '%d managed systems' % len(systems))
        s = systems[0]
        check(s.uuid, 'no system uuid')
        check(s.memory_total > 0 and s.memory_free > 0,
              'memory total %s free %s' % (s.memory_total, s.memory_free))
        check(s.proc_units > 0, 'proc units %s' % s.proc_units)
        check(s.memory_region_size > 0, 'LMB %s' % s.memory_region_size)
        check(s.system_state == 'operating', 'state %s' % s.system_state)
        print('   system %s %s mem %d/%d MB' % (s.system_name, s.mtms.mtms_str,
                                               s.memory_free, s.memory_total))
        st['sys'] = s
    step('System.get', get_system)

    def get_lpars():
        lpars = pvm_lpar.LPAR.get(st['adapter'])
        names = sorted(lp.name for lp in lpars)
        print('   LPARs: %s' % ', '.join(
            '%s(%s)' % (lp.name, lp.state) for lp in lpars))
        for want in ('lpar10', 'lpar11', 'lpar12'):
            check(want in names, '%s missing from %s' % (want, names))
        mgmt = [lp for lp in lpars if lp.is_mgmt_partition]
        check(len(mgmt) == 1, '%d management partitions' % len(mgmt))
        # The child feed under the managed system, as nova-powervm reads it.
        child = pvm_lpar.LPAR.get(st['adapter'], parent=st['sys'])
        check(sorted(lp.uuid for lp in child) ==
              sorted(lp.uuid for lp in lpars), 'child feed differs')
    step('LPAR.get', get_lpars)

    def get_vios():
        vioses = pvm_vios.VIOS.get(st['adapter'])
        check(len(vioses) == 2, '%d VIOS' % len(vioses))
        for v in vioses:
            check(v.state == 'running', 'VIOS %s is %s' % (v.name, v.state))
            print('   VIOS %s id %d rmc %s' % (v.name, v.id, v.rmc_state))
    step('VIOS.get', get_vios)

    # --- Events ----------------------------------------------------------
    def raw_event_get():
        appid = uuidlib.uuid4().hex
        evs = pvm_event.Event.get(st['adapter'], appid)
        types = [e.etype for e in evs]
        check('NEW_CLIENT' in types, 'first Event.get gave %s' % types)
    step('Event.get sees NEW_CLIENT', raw_event_get)

    class Collector(adp.RawEventHandler):
        def __init__(self):
            self.lock = threading.Lock()
            self.events = []

        def process(self, events):
            with self.lock:
                self.events.extend(events)

        def wait(self, what, pred, timeout=15):
            deadline = time.time() + timeout
            while time.time() < deadline:
                with self.lock:
                    for e in self.events:
                        if pred(e):
                            return e
                time.sleep(0.05)
            with self.lock:
                seen = ['%s %s %s' % (e['EventType'], e['EventData'],
                                      e['EventDetail']) for e in self.events]
            raise AssertionError('no %s event in %ds; saw:\n  %s' %
                                 (what, timeout, '\n  '.join(seen)))

    coll = Collector()

    def listener():
        # Priming the listener reads the first answer of a new queue and
        # raises unless it is NEW_CLIENT.
        lst = st['sess'].get_event_listener()
        lst.subscribe(coll)
        st['listener'] = lst
    step('EventListener primed with NEW_CLIENT + handler subscribed',
         listener)

    # --- Create with LPARBuilder -----------------------------------------
    name = 'pvm-smoke-%s' % uuidlib.uuid4().hex[:6]
    lpar_uuid = uuidlib.uuid4()
    pvm_uuid = ('%x%s' % (int(str(lpar_uuid)[0], 16) & 7,
                          str(lpar_uuid)[1:])).upper()

    def create():
        stdz = lb.DefaultStandardize(st['sys'])
        attrs = {lb.NAME: name, lb.MEM: 1024, lb.VCPU: 1, lb.UUID: pvm_uuid,
                 lb.MAX_MEM: 4096}
        bld = lb.LPARBuilder(st['adapter'], attrs, stdz)
        w = bld.build()
        w = w.create(parent=st['sys'])
        check(w.uuid == pvm_uuid, 'created uuid %s, sent %s' %
              (w.uuid, pvm_uuid))
        check(w.name == name, 'created name %s' % w.name)
        check(w.state == 'not activated', 'state %s' % w.state)
        check(w.mem_config.desired == 1024, 'mem %s' % w.mem_config.desired)
        st['lpar'] = w
    step('LPARBuilder build + create', create)

    is_ours = (lambda e: (e.get('EventData') or '').upper()
               .endswith('/LOGICALPARTITION/' + pvm_uuid))

    def ev_add():
        coll.wait('ADD_URI', lambda e: e['EventType'] == 'ADD_URI' and
                  is_ours(e))
    step('ADD_URI event for the new LPAR', ev_add)

    def update_mem():
        w = pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
        old_etag = w.etag
        w.mem_config.desired = 2048
        w = w.update()
        check(w.mem_config.desired == 2048, 'mem after update %s' %
              w.mem_config.desired)
        check(w.etag != old_etag, 'etag did not change')
        again = pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
        check(again.mem_config.desired == 2048, 'mem reread %s' %
              again.mem_config.desired)
        st['lpar'] = again
        # The old etag is refused.
        stale = again
        stale._etag = old_etag
        stale.mem_config.desired = 3072
        try:
            stale.update()
        except Exception as e:  # pypowervm raises HttpError for 412
            resp = getattr(e, 'response', None)
            check(resp is not None and resp.status == pc.HTTPStatus.ETAG_MISMATCH,
                  'stale update raised %r' % e)
        else:
            raise AssertionError('an update with a stale etag succeeded')
    step('update memory (etag) + stale etag refused', update_mem)

    def mgmt_cna():
        # Deployed the NovaLink way: an adapter on MGMTSWITCH's VLAN 4094,
        # the path of the partition's RMC connection.
        from pypowervm.tasks import cna as tsk_cna
        c = tsk_cna.crt_cna(st['adapter'], st['sys'].uuid, pvm_uuid, 4094,
                            vswitch='MGMTSWITCH')
        check(c.pvid == 4094 and c.slot >= 2, 'MGMTSWITCH adapter pvid %s slot %s'
              % (c.pvid, c.slot))
        check(len(c.mac) == 12, 'MAC %r' % c.mac)
        st['lpar'] = pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
    step('tasks.cna.crt_cna on MGMTSWITCH', mgmt_cna)

    def pwr_on():
        power.power_on(st['lpar'], st['sys'].uuid)
        w = pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
        check(w.state == 'running', 'state after power_on %s' % w.state)
        check(w.ref_code == 'Linux ppc64le', 'ref code %r' % w.ref_code)
        st['lpar'] = w
    step('tasks.power.power_on', pwr_on)

    def ev_modify():
        coll.wait('MODIFY_URI PartitionState',
                  lambda e: e['EventType'] == 'MODIFY_URI' and is_ours(e) and
                  'PartitionState' in (e['EventDetail'] or ''))
    step('MODIFY_URI PartitionState event', ev_modify)

    def pwr_off():
        # Wait for RMC so the default flow (OS shutdown first) is taken.
        deadline = time.time() + 10
        w = st['lpar']
        while time.time() < deadline:
            w = pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
            if w.rmc_state == 'active':
                break
            time.sleep(0.1)
        check(w.rmc_state == 'active', 'RMC state %s' % w.rmc_state)
        power.power_off(w, st['sys'].uuid)
        w = pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
        check(w.state == 'not activated', 'state after power_off %s' %
              w.state)
        st['lpar'] = w
    step('tasks.power.power_off', pwr_off)

    def pwr_cycle_force():
        w = st['lpar']
        power.power_on(w, None)
        w = pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
        power.power_off(w, None, force_immediate=power.Force.TRUE)
        w = pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
        check(w.state == 'not activated', 'state %s' % w.state)
        st['lpar'] = w
    step('power_on + power_off(force_immediate=TRUE)', pwr_cycle_force)

    def delete():
        st['lpar'].delete()
        try:
            pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
        except Exception as e:
            resp = getattr(e, 'response', None)
            check(resp is not None and resp.status == 404,
                  'GET after delete raised %r' % e)
        else:
            raise AssertionError('the LPAR is still there after delete')
    step('delete', delete)

    def ev_delete():
        coll.wait('DELETE_URI', lambda e: e['EventType'] == 'DELETE_URI' and
                  is_ours(e))
    step('DELETE_URI event', ev_delete)

    def stop_listener():
        st['listener'].shutdown()
    step('EventListener shutdown', stop_listener)

    # --- Local (file-based) logon ----------------------------------------
    def local():
        sess = adp.Session(host='localhost', protocol='http', port=args.port)
        check(sess.use_file_auth and sess.traits.local_api,
              'not a local file-auth session')
        a = adp.Adapter(sess)
        systems = pvm_ms.System.get(a)
        check(len(systems) == 1 and systems[0].uuid == st['sys'].uuid,
              'local session sees %s' % [s.uuid for s in systems])
        lpars = pvm_lpar.LPAR.get(a)
        check(any(lp.name == 'lpar10' for lp in lpars), 'no lpar10')
    step('local file-based Session (password=None)', local)

    if failed:
        print('pypowervm smoke test FAILED at: %s' % failed[0], flush=True)
        return 1
    print('pypowervm smoke test passed', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
