#!/usr/bin/python3
"""PCM metrics with the real clients: pypowervm.tasks.monitor (what
nova-powervm's host CPU statistics and ceilometer-powervm read) and
ceilometer-powervm's PowerVMInspector, unmodified, against pvmd.

Run by test/clients (pcm_test.go) against a fresh pvmd whose monitors
sample every second (--pcm-interval 1s); see harness.py. The partition
inspected runs a simulated load set through pvmd's simulator control
(/rest/api/sim), so the figures the clients compute can be checked: 0.4
processing units of its 0.5 entitlement (80%), 2 MB/s received, 1 MB/s
read from its disk, 60% of its memory in use.
"""

import datetime
import sys
import time
import uuid as uuidlib

import harness
import shims

LOAD = {'cpu': 0.4, 'netRx': 2e6, 'netTx': 5e5, 'diskRead': 1e6,
        'diskWrite': 2.5e5, 'mem': 60}
INTERVAL = 1  # seconds: pvmd --pcm-interval
CYCLES = 512000000  # procCyclesPerSecond


class Instance(object):
    """A Nova server as ceilometer's compute agent sees it."""

    def __init__(self, server_id, name):
        self.id, self.name = server_id, name


def within(what, got, want, tol):
    harness.check(abs(got - want) <= tol * want,
                  '%s is %s, want %s within %d%%' % (what, got, want,
                                                    tol * 100))


def main():
    h = harness.Scenario('PCM metrics with pypowervm and ceilometer-powervm')
    step, check = h.step, harness.check
    h.session_config()
    st = h.state

    import requests
    from pypowervm.tasks import cna as tsk_cna
    from pypowervm.tasks import power
    from pypowervm.tasks import scsi_mapper
    from pypowervm.tasks import storage as tstor
    from pypowervm.tasks.monitor import host_cpu
    from pypowervm.tasks.monitor import util as mon_util
    from pypowervm.utils import lpar_builder as lb
    from pypowervm.utils import uuid as pvm_uuid
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import monitor as pvm_mon
    from pypowervm.wrappers import network as pvm_net
    from pypowervm.wrappers import storage as pvm_stor
    from pypowervm.wrappers import virtual_io_server as pvm_vios

    a = h.adapter()

    def workload():
        sysw = pvm_ms.System.get(a)[0]
        server_id = str(uuidlib.uuid4())
        lpar_uuid = pvm_uuid.convert_uuid_to_pvm(server_id).upper()
        name = 'pcm-%s' % server_id[:8]
        bld = lb.LPARBuilder(a, {lb.NAME: name, lb.MEM: 2048, lb.VCPU: 1,
                                 lb.PROC_UNITS: 0.5, lb.MAX_VCPU: 2,
                                 lb.SHARING_MODE: 'uncapped',
                                 lb.UUID: lpar_uuid},
                             lb.DefaultStandardize(sysw))
        lp = bld.build().create(parent=sysw)
        tsk_cna.crt_cna(a, sysw.uuid, lp.uuid, 4094, vswitch='MGMTSWITCH')
        tsk_cna.crt_cna(a, sysw.uuid, lp.uuid, 1)
        ssp = pvm_stor.SSP.get(a)[0]
        _, lu = tstor.crt_lu(tstor.default_tier_for_ssp(ssp),
                             'pcm_disk_%s' % server_id[:8], 1)
        vios = pvm_vios.VIOS.get(a)[0]
        scsi_mapper.add_vscsi_mapping(sysw.uuid, vios.uuid, lp.uuid, lu)
        power.power_on(lp, sysw.uuid)
        harness.wait_for('RMC active on %s' % name, lambda: pvm_lpar.LPAR.get(
            a, uuid=lp.uuid).rmc_state == 'active')
        resp = requests.put(
            'http://localhost:%d/rest/api/sim/LogicalPartition/%s/Load' %
            (harness.HTTP_PORT, lp.uuid), json=LOAD,
            headers={'X-API-Session': a.session._sessToken})
        check(resp.status_code == 200, 'setting the load: %s %s'
              % (resp.status_code, resp.text))
        st.update(sys=sysw, lpar=lp, inst=Instance(server_id, name))
    step('a running partition with a network adapter, a disk and a load',
         workload, needs=[])

    def ensure():
        mon_util.ensure_ltm_monitors(a, st['sys'].uuid)
        resp = a.read(pvm_ms.System.schema_type, root_id=st['sys'].uuid,
                      child_type=pvm_mon.PREFERENCES,
                      service=pvm_mon.PCM_SERVICE)
        pref = pvm_mon.PcmPref.wrap(resp)[0]
        check(pref.ltm_enabled and not pref.compute_ltm_enabled,
              'after ensure_ltm_monitors: ltm %s compute %s'
              % (pref.ltm_enabled, pref.compute_ltm_enabled))
        check(pref.system_name == st['sys'].system_name,
              'SystemName %s' % pref.system_name)

        # Samples with the load on: wait for five more (and an RMC one).
        def enough():
            ms = mon_util.query_ltm_feed(a, st['sys'].uuid)
            phyp = [m for m in ms if m.category == 'phyp']
            lpar = [m for m in ms if m.category == 'lpar']
            return len(phyp) >= 6 and len(lpar) >= 2 and ms
        metrics = harness.wait_for('six long-term samples', enough)
        cats = set(m.category for m in metrics)
        check({'phyp', 'vios_2', 'vios_3', 'lpar'} <= cats,
              'feed categories %s' % sorted(cats))
    step('ensure_ltm_monitors turns long-term monitoring on and samples come',
         ensure)

    def lpar_cache():
        cache = mon_util.LparMetricCache(a, st['sys'].uuid)
        uuid = st['lpar'].uuid
        _, cur = cache.get_latest_metric(uuid)
        _, prev = cache.get_previous_metric(uuid)
        check(cur is not None and prev is not None,
              'metrics of the partition: cur %s prev %s' % (cur, prev))
        p, q = prev.processor, cur.processor
        ent = q.entitled_proc_cycles - p.entitled_proc_cycles
        used = (q.util_cap_proc_cycles + q.util_uncap_proc_cycles -
                q.idle_proc_cycles - q.donated_proc_cycles) - (
                p.util_cap_proc_cycles + p.util_uncap_proc_cycles -
                p.idle_proc_cycles - p.donated_proc_cycles)
        within('processor use (of the entitlement)', used / float(ent), 0.8,
               0.1)
        within('entitled cycles a second', ent / float(INTERVAL), 0.5 * CYCLES,
               0.01)
        cnas = pvm_net.CNA.wrap(a.read(pvm_lpar.LPAR.schema_type,
                                       root_id=uuid,
                                       child_type=pvm_net.CNA.schema_type))
        locs = sorted(c.loc_code for c in cnas)
        check(sorted(c.physical_location for c in cur.network.cnas) == locs,
              'metric adapters %s, the partition has %s' %
              ([c.physical_location for c in cur.network.cnas], locs))
        data = [c for c in cur.network.cnas if c.vlan_id == 1][0]
        prev_data = [c for c in prev.network.cnas if c.vlan_id == 1][0]
        within('bytes received a second', (data.received_bytes -
                                          prev_data.received_bytes) /
               float(INTERVAL), LOAD['netRx'], 0.1)
        check(len(cur.storage.virt_adpts) == 1, 'storage adapters %s'
              % cur.storage.virt_adpts)
        va, pa = cur.storage.virt_adpts[0], prev.storage.virt_adpts[0]
        check(va.name.startswith('vhost') and va.type == 'virtual',
              'adapter %s %s' % (va.name, va.type))
        within('bytes read a second', (va.read_bytes - pa.read_bytes) /
               float(INTERVAL), LOAD['diskRead'], 0.1)
        within('memory free (RMC)', cur.memory.pct_real_mem_free,
               100 - LOAD['mem'], 0.15)
        check(cur.memory.logical_mem == 2048, 'logical memory %s'
              % cur.memory.logical_mem)
        st['cache'], st['cur'] = cache, cur
    step('LparMetricCache reads the partition: processor, network, disk, '
         'memory', lpar_cache)

    def moves():
        cache, old = st['cache'], st['cur']
        time.sleep(3 * INTERVAL)
        # The cache refreshes after 30 s of wall time; age it instead.
        cache.cur_date -= datetime.timedelta(seconds=31)
        _, cur = cache.get_latest_metric(st['lpar'].uuid)
        grew = (cur.processor.util_cap_proc_cycles +
                cur.processor.util_uncap_proc_cycles) - (
                old.processor.util_cap_proc_cycles +
                old.processor.util_uncap_proc_cycles)
        check(grew > 0.3 * CYCLES * 2 * INTERVAL,
              'processor cycles grew by %d in 3 samples' % grew)
        rx = lambda m: [c for c in m.network.cnas if c.vlan_id == 1][0]
        check(rx(cur).received_bytes - rx(old).received_bytes >
              LOAD['netRx'] * 2 * INTERVAL, 'bytes received grew by %d'
              % (rx(cur).received_bytes - rx(old).received_bytes))
        check(cur.storage.virt_adpts[0].num_reads >
              old.storage.virt_adpts[0].num_reads, 'no more reads')
    step('the counters move as simulated time passes', moves)

    def host():
        cache = host_cpu.HostCPUMetricCache(a, st['sys'].uuid)
        check(cache.total_cycles > 0 and cache.total_user_cycles > 0,
              'total %d user %d' % (cache.total_cycles,
                                    cache.total_user_cycles))
        check(cache.total_user_cycles + cache.total_fw_cycles <=
              cache.total_cycles, 'user %d + firmware %d above total %d'
              % (cache.total_user_cycles, cache.total_fw_cycles,
                 cache.total_cycles))
        # 20 processors for one interval; the partitions use a few percent.
        within('total cycles of one interval', cache.total_cycles,
               20 * CYCLES * INTERVAL, 0.01)
        check(cache.total_user_cycles > 0.4 * CYCLES * INTERVAL * 0.9,
              'user cycles %d below the load' % cache.total_user_cycles)
    step('HostCPUMetricCache (nova get_host_cpu_stats): user and firmware '
         'cycles within the total', host)

    def start():
        shims.ceilometer_interface_stats()
        from oslo_config import cfg
        from ceilometer_powervm.compute.virt.powervm import inspector
        conf = cfg.ConfigOpts()
        conf([], project='ceilometer', default_config_files=[])
        st['insp'] = inspector.PowerVMInspector(conf)
    step("ceilometer-powervm's inspector starts (local logon)", start,
         needs=['ensure_ltm_monitors turns long-term monitoring on and '
                'samples come'])

    def instance():
        stats = st['insp'].inspect_instance(st['inst'], 30)
        within('cpu_util', stats.cpu_util, 80, 0.1)
        check(stats.cpu_number == 1, 'cpu_number %s' % stats.cpu_number)
        check(stats.cpu_time > 0, 'cpu_time %s' % stats.cpu_time)
        st['cpu_time'] = stats.cpu_time
    step('inspect_instance: cpu_util follows the load', instance)

    def vnics():
        stats = {s.name: s for s in
                 st['insp'].inspect_vnics(st['inst'], 30)}
        cnas = pvm_net.CNA.wrap(a.read(pvm_lpar.LPAR.schema_type,
                                       root_id=st['lpar'].uuid,
                                       child_type=pvm_net.CNA.schema_type))
        check(sorted(stats) == sorted(c.loc_code for c in cnas),
              'vNICs %s' % sorted(stats))
        for c in cnas:
            mac = ':'.join(c.mac.lower()[i:i + 2] for i in range(0, 12, 2))
            check(stats[c.loc_code].mac == mac, 'MAC %s, want %s'
                  % (stats[c.loc_code].mac, mac))
            check(stats[c.loc_code].rx_bytes > 0, 'no bytes received on %s'
                  % c.loc_code)
        rates = list(st['insp'].inspect_vnic_rates(st['inst'], 30))
        check(len(rates) == 2, '%d vNIC rates' % len(rates))
        check(all(r.rx_bytes_rate > 0 for r in rates),
              'rates %s' % [r.rx_bytes_rate for r in rates])
    step('inspect_vnics and inspect_vnic_rates: both adapters, by MAC',
         vnics)

    def disks():
        stats = list(st['insp'].inspect_disks(st['inst'], 30))
        check(len(stats) == 1 and stats[0].device.startswith('vhost'),
              'disks %s' % stats)
        check(stats[0].read_bytes > 0 and stats[0].read_requests > 0,
              'disk %s' % (stats[0],))
        iops = list(st['insp'].inspect_disk_iops(st['inst'], 30))
        check(len(iops) == 1 and iops[0].iops_count >= 0, 'IOPS %s' % iops)
        st['read'] = stats[0].read_bytes
    step('inspect_disks and inspect_disk_iops: the disk', disks)

    def later():
        time.sleep(3 * INTERVAL)
        st['insp'].vm_metrics.cur_date -= datetime.timedelta(seconds=31)
        stats = st['insp'].inspect_instance(st['inst'], 30)
        check(stats.cpu_time > st['cpu_time'], 'cpu_time %s, was %s'
              % (stats.cpu_time, st['cpu_time']))
        within('cpu_util', stats.cpu_util, 80, 0.1)
        d = list(st['insp'].inspect_disks(st['inst'], 30))[0]
        check(d.read_bytes > st['read'], 'read_bytes %s, was %s'
              % (d.read_bytes, st['read']))
    step("the inspector's values move as simulated time passes", later)

    return h.finish()


if __name__ == '__main__':
    sys.exit(main())
