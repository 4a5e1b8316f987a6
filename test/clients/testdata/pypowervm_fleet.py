#!/usr/bin/python3
"""The real pypowervm against two systems of one fleet pvmd at once: two
sessions and adapters in one process, each logged on to its own system's
NovaLink (its own address), as PowerVC's per-host agents would be.

Run by test/clients (scenario_test.go) against a fresh fleet pvmd of
three systems of the default layout (one shared storage pool cluster);
PVM_TEST_FLEET lists the systems as JSON ([{"name", "http", "https"}]).
"""

import json
import os
import sys
import threading
import time
import uuid as uuidlib

import harness


def main():
    h = harness.Scenario('pypowervm fleet test')
    step, check = h.step, harness.check

    import pypowervm.adapter as adp
    import pypowervm.const as pc
    from pypowervm.tasks import scsi_mapper
    from pypowervm.tasks import storage as tstor
    from pypowervm.utils import lpar_builder as lb
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import storage as pvm_stor
    from pypowervm.wrappers import virtual_io_server as pvm_vios

    fleet = json.loads(os.environ['PVM_TEST_FLEET'])
    check(len(fleet) >= 2, 'the fleet has %d systems' % len(fleet))
    one, two = fleet[0], fleet[1]
    st = {}

    def connect(s):
        host, port = s['https'].rsplit(':', 1)
        sess = adp.Session(host=host, port=int(port), protocol='https',
                           username='padmin', password=harness.PASSWORD,
                           certpath=None)
        return sess, adp.Adapter(sess)

    def logon():
        for key, s in (('1', one), ('2', two)):
            sess, a = connect(s)
            check(sess.mc_type == 'PVM', '%s: mc_type %r, want PVM' %
                  (s['name'], sess.mc_type))
            st['sess' + key], st['a' + key] = sess, a
        check(st['sess1'].host != st['sess2'].host,
              'both sessions on %s' % st['sess1'].host)
    step('two adapters log on to two systems of the fleet at once', logon)

    def own_system():
        for key in ('1', '2'):
            systems = pvm_ms.System.get(st['a' + key])
            check(len(systems) == 1, 'system %s serves %d managed systems' %
                  (key, len(systems)))
            st['sys' + key] = systems[0]
        check(st['sys1'].uuid != st['sys2'].uuid,
              'both adapters see the system %s' % st['sys1'].uuid)
        check(st['sys1'].mtms.serial != st['sys2'].mtms.serial,
              'both systems have the serial %s' % st['sys1'].mtms.serial)
        # Asking one system for the other's ManagedSystem is a 404.
        try:
            st['a1'].read(pvm_ms.System.schema_type, root_id=st['sys2'].uuid)
            raise harness.CheckFailed('system 1 serves system 2')
        except harness.CheckFailed:
            raise
        except Exception as e:
            resp = getattr(e, 'response', None)
            check(resp is not None and resp.status == 404,
                  'reading system 2 from system 1: %r' % e)
    step('each adapter sees only its own ManagedSystem', own_system)

    def own_partitions():
        seen = {}
        for key in ('1', '2'):
            a = st['a' + key]
            lpars = pvm_lpar.LPAR.get(a)
            vioses = pvm_vios.VIOS.get(a)
            check(len(vioses) == 2, 'system %s: %d VIOSes' %
                  (key, len(vioses)))
            check(any(lp.name == 'novalink' or lp.is_mgmt_partition
                      for lp in lpars),
                  'system %s: no NovaLink partition in %s' %
                  (key, [lp.name for lp in lpars]))
            seen[key] = set(p.uuid for p in lpars) | set(v.uuid for v in vioses)
        check(not (seen['1'] & seen['2']),
              'partitions on both systems: %s' % (seen['1'] & seen['2']))
    step('each adapter sees only its own partitions', own_partitions)

    def concurrent_reads():
        # Both adapters read their feeds at once from several threads.
        errors = []

        def reader(key):
            try:
                for _ in range(5):
                    lpars = pvm_lpar.LPAR.get(st['a' + key])
                    sysw = pvm_ms.System.get(st['a' + key])
                    if sysw[0].uuid != st['sys' + key].uuid or not lpars:
                        errors.append('system %s answered another' % key)
            except Exception as e:  # noqa
                errors.append('%s: %r' % (key, e))
        threads = [threading.Thread(target=reader, args=(k,))
                   for k in ('1', '2', '1', '2')]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        check(not errors, '; '.join(errors))
    step('both adapters read their feeds at once from several threads',
         concurrent_reads)

    class Collector(adp.RawEventHandler):
        def __init__(self):
            self.lock = threading.Lock()
            self.events = []

        def process(self, events):
            with self.lock:
                self.events.extend(events)

        def find(self, pred):
            with self.lock:
                return [e for e in self.events if pred(e)]

    colls = {'1': Collector(), '2': Collector()}

    def listeners():
        for key in ('1', '2'):
            lst = st['sess' + key].get_event_listener()
            lst.subscribe(colls[key])
            st['lst' + key] = lst
    step('each session has its EventListener', listeners)

    name = 'fleet-py-%s' % uuidlib.uuid4().hex[:6]

    def create_on_two():
        stdz = lb.DefaultStandardize(st['sys2'])
        attrs = {lb.NAME: name, lb.MEM: 1024, lb.VCPU: 1, lb.MAX_MEM: 4096}
        w = lb.LPARBuilder(st['a2'], attrs, stdz).build()
        w = w.create(parent=st['sys2'])
        check(w.name == name, 'created %s' % w.name)
        st['lpar'] = w
        check(not pvm_lpar.LPAR.search(st['a1'], name=name),
              'system 1 lists the partition made on system 2')
        check(len(pvm_lpar.LPAR.search(st['a2'], name=name)) == 1,
              'system 2 does not list its new partition')
    step('a partition made on system 2 is not on system 1', create_on_two)

    def events_apart():
        ours = (lambda e: e['EventType'] == 'ADD_URI' and
                (e.get('EventData') or '').upper().endswith(
                    '/LOGICALPARTITION/' + st['lpar'].uuid.upper()))
        harness.wait_for('system 2 sends ADD_URI',
                         lambda: colls['2'].find(ours), timeout=15)
        # System 1's listener has had the same time; a little more.
        time.sleep(1)
        check(not colls['1'].find(ours),
              'system 1 sent the ADD_URI of system 2\'s partition')
    step('only system 2\'s listener hears of its partition', events_apart)

    def shared_pool():
        ssp1 = pvm_stor.SSP.get(st['a1'])
        ssp2 = pvm_stor.SSP.get(st['a2'])
        check(len(ssp1) == 1 and len(ssp2) == 1,
              'pools: %d and %d' % (len(ssp1), len(ssp2)))
        check(ssp1[0].uuid == ssp2[0].uuid,
              'the systems have pools %s and %s, not one' %
              (ssp1[0].uuid, ssp2[0].uuid))
        st['ssp1'], st['free0'] = ssp1[0], ssp1[0].free_space
        st['tier1'] = tstor.default_tier_for_ssp(ssp1[0])
    step('both systems see one shared storage pool', shared_pool)

    lu_name = 'fleet_lu_%s' % uuidlib.uuid4().hex[:6]

    def lu_on_one():
        tier, lu = tstor.crt_lu(st['tier1'], lu_name, 2, thin=False)
        st['lu'] = lu
        ssp2 = pvm_stor.SSP.get(st['a2'])[0]
        mine = [x for x in ssp2.logical_units if x.name == lu_name]
        check(len(mine) == 1 and mine[0].udid == lu.udid,
              'system 2\'s pool lacks the LU made on system 1: %s' %
              [x.name for x in ssp2.logical_units])
        check(abs(ssp2.free_space - pvm_stor.SSP.get(st['a1'])[0].free_space)
              < 0.001, 'the systems account the pool differently')
        check(ssp2.free_space < st['free0'], 'free %s, was %s' %
              (ssp2.free_space, st['free0']))
        st['lu2'] = mine[0]
    step('a LU made through system 1 is in system 2\'s pool', lu_on_one)

    def map_on_two():
        vios2 = [v for v in pvm_vios.VIOS.get(
            st['a2'], xag=[pc.XAG.VIO_SMAP]) if v.name == 'vios1'][0]
        vw = scsi_mapper.add_vscsi_mapping(
            st['sys2'].uuid, vios2.uuid, st['lpar'].uuid, st['lu2'])
        maps = scsi_mapper.find_maps(vw.scsi_mappings,
                                     client_lpar_id=st['lpar'].uuid,
                                     stg_elem=st['lu2'])
        check(len(maps) == 1, '%d mappings of the LU on system 2' % len(maps))
        st['vios2'] = vw
        # In use in the cluster: system 1 says so too, in the tier's LU
        # feed and in the pool.
        lus = pvm_stor.LUEnt.get(st['a1'], parent=st['tier1'])
        check([x.in_use for x in lus if x.udid == st['lu'].udid] == [True],
              'system 1 does not see the LU in use')
        ssp1 = pvm_stor.SSP.get(st['a1'])[0]
        check([x.in_use for x in ssp1.logical_units
               if x.udid == st['lu'].udid] == [True],
              'system 1\'s pool does not show the LU in use')
    step('system 2 maps the LU to its partition; system 1 sees it in use',
         map_on_two)

    def refused_on_one():
        # Removing it through system 1 while system 2 maps it is refused,
        # and changes nothing.
        from pypowervm import exceptions as pvm_exc
        lus = [x for x in pvm_stor.LUEnt.get(st['a1'], parent=st['tier1'])
               if x.udid == st['lu'].udid]
        check(len(lus) == 1, 'system 1 lists the LU %d times' % len(lus))
        try:
            lus[0].delete()
            raise harness.CheckFailed('system 1 removed a LU system 2 maps')
        except pvm_exc.HttpError as e:
            check(400 <= e.response.status < 500,
                  'status %s' % e.response.status)
            check('mapped on the managed system' in e.response.body,
                  e.response.body)
        ssp2 = pvm_stor.SSP.get(st['a2'])[0]
        check(lu_name in [x.name for x in ssp2.logical_units],
              'the refused removal took the LU from system 2')
    step('system 1 refuses to remove the LU system 2 maps', refused_on_one)

    def unmap_and_remove():
        vw = pvm_vios.VIOS.get(st['a2'], uuid=st['vios2'].uuid,
                               xag=[pc.XAG.VIO_SMAP])
        removed = scsi_mapper.remove_maps(vw, st['lpar'].uuid)
        check(len(removed) == 1, '%d mappings removed' % len(removed))
        vw.update()
        lus = pvm_stor.LUEnt.get(st['a1'], parent=st['tier1'])
        check([x.in_use for x in lus if x.udid == st['lu'].udid] == [False],
              'system 1 still sees the unmapped LU in use')
        tstor.rm_tier_storage([st['lu']], tier=st['tier1'])
        for key in ('1', '2'):
            ssp = pvm_stor.SSP.get(st['a' + key])[0]
            check(lu_name not in [x.name for x in ssp.logical_units],
                  'system %s still has the LU' % key)
            check(abs(ssp.free_space - st['free0']) < 0.01,
                  'system %s: free %s, was %s' %
                  (key, ssp.free_space, st['free0']))
    step('unmapped on system 2, removed through system 1, gone from both',
         unmap_and_remove)

    def cleanup():
        pvm_lpar.LPAR.get(st['a2'], uuid=st['lpar'].uuid).delete()
        check(not pvm_lpar.LPAR.search(st['a2'], name=name),
              'the partition is still on system 2')
        for key in ('1', '2'):
            st['lst' + key].shutdown()
    step('the partition is deleted and the listeners shut down', cleanup)

    return h.finish()


if __name__ == '__main__':
    sys.exit(main())
