#!/usr/bin/python3
"""Smoke test of pvmd with the real pypowervm client library.

Run by test/clients (scenario_test.go) against a fresh pvmd; see harness.py.
"""

import sys
import threading
import time
import uuid as uuidlib

import harness


def main():
    h = harness.Scenario('pypowervm smoke test')
    step, check = h.step, harness.check

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
                           password=harness.PASSWORD, protocol='http',
                           port=harness.HTTP_PORT)
        check(sess.mc_type == 'PVM', 'mc_type %r, want PVM' % sess.mc_type)
        check(not sess.traits.has_lpar_profiles,
              'traits say HMC (has_lpar_profiles)')
        st['sess'] = sess
        st['adapter'] = adp.Adapter(sess)
    step('pypowervm logs on with a password', logon)

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
    step('System.get reads the one managed system', get_system)

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
    step('LPAR.get lists the partitions and one management partition', get_lpars)

    def get_vios():
        vioses = pvm_vios.VIOS.get(st['adapter'])
        check(len(vioses) == 2, '%d VIOS' % len(vioses))
        for v in vioses:
            check(v.state == 'running', 'VIOS %s is %s' % (v.name, v.state))
            print('   VIOS %s id %d rmc %s' % (v.name, v.id, v.rmc_state))
    step('VIOS.get lists two running VIOS', get_vios)

    def this_partition():
        # /proc/ppc64/lparcfg comes from pvmd's --proc-dir through the
        # start-up hook in python/partition.
        from pypowervm.tasks import partition as tpar
        me = tpar.get_this_partition(st['adapter'])
        mgmt = tpar.get_mgmt_partition(st['adapter'])
        check(me.uuid == mgmt.uuid and me.is_mgmt_partition,
              'this partition is %s (id %s), the management partition %s'
              % (me.name, me.id, mgmt.name))
    step('tasks.partition.get_this_partition is the NovaLink partition',
         this_partition)

    # --- Events ----------------------------------------------------------
    def raw_event_get():
        appid = uuidlib.uuid4().hex
        evs = pvm_event.Event.get(st['adapter'], appid)
        types = [e.etype for e in evs]
        check('NEW_CLIENT' in types, 'first Event.get gave %s' % types)
    step('the first Event.get answers NEW_CLIENT', raw_event_get)

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
            raise harness.CheckFailed('no %s event in %ds; saw:\n  %s' %
                                 (what, timeout, '\n  '.join(seen)))

    coll = Collector()

    def listener():
        # Priming the listener reads the first answer of a new queue and
        # raises unless it is NEW_CLIENT.
        lst = st['sess'].get_event_listener()
        lst.subscribe(coll)
        st['listener'] = lst
    step('the EventListener primes on NEW_CLIENT',
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
    step('LPARBuilder creates a partition with a client-chosen UUID', create)

    is_ours = (lambda e: (e.get('EventData') or '').upper()
               .endswith('/LOGICALPARTITION/' + pvm_uuid))

    def ev_add():
        coll.wait('ADD_URI', lambda e: e['EventType'] == 'ADD_URI' and
                  is_ours(e))
    step('creating a partition sends ADD_URI', ev_add)

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
            raise harness.CheckFailed('an update with a stale etag succeeded')
    step('an update with the etag applies and a stale etag is refused', update_mem)

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
    step('tasks.cna.crt_cna adds an RMC adapter on MGMTSWITCH', mgmt_cna)

    def pwr_on():
        power.power_on(st['lpar'], st['sys'].uuid)
        w = pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
        check(w.state == 'running', 'state after power_on %s' % w.state)
        check(w.ref_code == 'Linux ppc64le', 'ref code %r' % w.ref_code)
        st['lpar'] = w
    step('tasks.power.power_on boots the partition', pwr_on)

    def ev_modify():
        coll.wait('MODIFY_URI PartitionState',
                  lambda e: e['EventType'] == 'MODIFY_URI' and is_ours(e) and
                  'PartitionState' in (e['EventDetail'] or ''))
    step('powering on sends MODIFY_URI PartitionState', ev_modify)

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
    step('tasks.power.power_off shuts down through the OS', pwr_off)

    def pwr_cycle_force():
        w = st['lpar']
        power.power_on(w, None)
        w = pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
        power.power_off(w, None, force_immediate=power.Force.TRUE)
        w = pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
        check(w.state == 'not activated', 'state %s' % w.state)
        st['lpar'] = w
    step('tasks.power.power_off force_immediate stops the partition', pwr_cycle_force)

    def delete():
        st['lpar'].delete()
        try:
            pvm_lpar.LPAR.get(st['adapter'], uuid=pvm_uuid)
        except Exception as e:
            resp = getattr(e, 'response', None)
            check(resp is not None and resp.status == 404,
                  'GET after delete raised %r' % e)
        else:
            raise harness.CheckFailed('the LPAR is still there after delete')
    step('deleting a partition removes it', delete)

    def ev_delete():
        coll.wait('DELETE_URI', lambda e: e['EventType'] == 'DELETE_URI' and
                  is_ours(e))
    step('deleting a partition sends DELETE_URI', ev_delete)

    def stop_listener():
        st['listener'].shutdown()
    step('the EventListener shuts down', stop_listener)

    # --- Local (file-based) logon ----------------------------------------
    def local():
        sess = adp.Session(host='localhost', protocol='http', port=harness.HTTP_PORT)
        check(sess.use_file_auth and sess.traits.local_api,
              'not a local file-auth session')
        a = adp.Adapter(sess)
        systems = pvm_ms.System.get(a)
        check(len(systems) == 1 and systems[0].uuid == st['sys'].uuid,
              'local session sees %s' % [s.uuid for s in systems])
        lpars = pvm_lpar.LPAR.get(a)
        check(any(lp.name == 'lpar10' for lp in lpars), 'no lpar10')
    step('pypowervm logs on locally through a session file', local)

    return h.finish()


if __name__ == '__main__':
    sys.exit(main())
