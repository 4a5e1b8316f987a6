#!/usr/bin/python3
"""ceilometer-powervm's PowerVMInspector, unmodified, against pvmd.

Run by test/clients (ceilometer_test.go) against a fresh pvmd; see
harness.py. The inspector logs on locally and reads the partitions'
metrics from PCM (pypowervm.tasks.monitor): every step waits for issue 10
until pvmd serves PCM. The instance inspected is a running partition with
a network adapter and a disk, made through pypowervm; ceilometer's instance
is what Nova's API would return for it (its id and name).
"""

import sys
import uuid as uuidlib

import harness
import shims


class Instance(object):
    """A Nova server as ceilometer's compute agent sees it."""

    def __init__(self, server_id, name):
        self.id, self.name = server_id, name


def main():
    h = harness.Scenario('ceilometer-powervm inspector')
    step, check = h.step, harness.check
    h.session_config()
    st = h.state

    shims.ceilometer_interface_stats()
    from oslo_config import cfg
    from ceilometer_powervm.compute.virt.powervm import inspector as pvm_insp
    from pypowervm.tasks import cna as tsk_cna
    from pypowervm.tasks import power
    from pypowervm.tasks import scsi_mapper
    from pypowervm.tasks import storage as tstor
    from pypowervm.utils import lpar_builder as lb
    from pypowervm.utils import uuid as pvm_uuid
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import storage as pvm_stor
    from pypowervm.wrappers import virtual_io_server as pvm_vios

    a = h.adapter()
    conf = cfg.ConfigOpts()
    conf([], project='ceilometer', default_config_files=[])

    def workload():
        sysw = pvm_ms.System.get(a)[0]
        server_id = str(uuidlib.uuid4())
        name = 'ceilo-%s' % server_id[:8]
        bld = lb.LPARBuilder(a, {lb.NAME: name, lb.MEM: 1024, lb.VCPU: 1,
                                 lb.UUID: pvm_uuid.convert_uuid_to_pvm(
                                     server_id).upper()},
                             lb.DefaultStandardize(sysw))
        lp = bld.build().create(parent=sysw)
        tsk_cna.crt_cna(a, sysw.uuid, lp.uuid, 4094, vswitch='MGMTSWITCH')
        tsk_cna.crt_cna(a, sysw.uuid, lp.uuid, 2001)
        ssp = pvm_stor.SSP.get(a)[0]
        _, lu = tstor.crt_lu(tstor.default_tier_for_ssp(ssp),
                             'ceilo_disk_%s' % server_id[:8], 1)
        vios = pvm_vios.VIOS.get(a)[0]
        scsi_mapper.add_vscsi_mapping(sysw.uuid, vios.uuid, lp.uuid, lu)
        power.power_on(lp, sysw.uuid)
        st['inst'] = Instance(server_id, name)
    step('a running partition with two adapters and a disk', workload,
         needs=[])

    def samples():
        # The inspector reads the long-term monitor's newest two samples
        # when it starts: turn monitoring on and wait for two samples with
        # the partition running (pvmd samples every second here).
        from pypowervm.tasks.monitor import util as mon_util
        from pypowervm.wrappers.pcm import phyp as pcm_phyp
        sys_uuid = pvm_ms.System.get(a)[0].uuid
        mon_util.ensure_ltm_monitors(a, sys_uuid)
        lpar_uuid = pvm_uuid.convert_uuid_to_pvm(st['inst'].id).upper()

        def running_in_two():
            phyp = [m for m in mon_util.query_ltm_feed(a, sys_uuid)
                    if m.category == 'phyp']
            phyp.sort(key=lambda m: m.updated_datetime)
            ok = 0
            for m in phyp[-2:]:
                info = pcm_phyp.PhypInfo(a.read_by_href(m.link, xag=[]).body)
                ok += any(lp.uuid == lpar_uuid and lp.state == 'Running'
                          for lp in info.sample.lpars)
            return ok == 2
        harness.wait_for('two long-term samples of the running partition',
                         running_in_two)
    step('long-term monitoring is on, with samples of the partition',
         samples, waits='pcm')

    def start():
        st['insp'] = pvm_insp.PowerVMInspector(conf)
    step('the inspector starts (PCM metrics enabled)', start, waits='pcm')

    def instance_stats():
        stats = st['insp'].inspect_instance(st['inst'], 30)
        check(stats.cpu_time is not None and stats.cpu_time >= 0,
              'cpu_time %s' % stats.cpu_time)
        # PowerVM's inspector reports no memory_usage (None): CPU only.
        check(stats.cpu_util is not None and 0 <= stats.cpu_util,
              'cpu_util %s' % stats.cpu_util)
        check(stats.cpu_number == 1, 'cpu_number %s' % stats.cpu_number)
    step('inspect_instance reports CPU time and utilization', instance_stats,
         waits='pcm')

    def vnics():
        stats = list(st['insp'].inspect_vnics(st['inst'], 30))
        check(len(stats) == 2, '%d vNICs' % len(stats))
        for s in stats:
            check(s.mac and s.rx_bytes is not None, 'vNIC %s' % (s,))
    step('inspect_vnics reports both adapters', vnics, waits='pcm')

    def vnic_rates():
        stats = list(st['insp'].inspect_vnic_rates(st['inst'], 30))
        check(len(stats) == 2, '%d vNIC rates' % len(stats))
    step('inspect_vnic_rates reports both adapters', vnic_rates, waits='pcm')

    def disks():
        stats = list(st['insp'].inspect_disks(st['inst'], 30))
        check(len(stats) >= 1, '%d disks' % len(stats))
    step('inspect_disks reports the disk', disks, waits='pcm')

    def disk_iops():
        stats = list(st['insp'].inspect_disk_iops(st['inst'], 30))
        check(len(stats) >= 1, '%d disks' % len(stats))
    step('inspect_disk_iops reports the disk', disk_iops, waits='pcm')

    return h.finish()


if __name__ == '__main__':
    sys.exit(main())
