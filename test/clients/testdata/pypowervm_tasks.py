#!/usr/bin/python3
"""The pypowervm task modules nova-powervm uses, against pvmd.

Run by test/clients (pypowervm_test.go) against a fresh pvmd; see
harness.py.
"""

import sys
import uuid as uuidlib

import harness


def main():
    h = harness.Scenario('pypowervm task modules')
    step, check = h.step, harness.check
    st = h.state

    import pypowervm.const as pc
    from pypowervm.tasks import cna as tsk_cna
    from pypowervm.tasks import memory as tsk_mem
    from pypowervm.tasks import partition as tsk_par
    from pypowervm.tasks import power
    from pypowervm.tasks import power_opts
    from pypowervm.tasks import storage as tsk_stg
    from pypowervm.tasks import vopt as tsk_vopt
    from pypowervm.utils import lpar_builder as lb
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import network as pvm_net

    a = h.adapter()
    sysw = pvm_ms.System.get(a)[0]

    def partitions():
        check(tsk_par.get_mgmt_partition(a).is_mgmt_partition,
              'get_mgmt_partition')
        parts = tsk_par.get_partitions(a, lpars=True, vioses=True, mgmt=True)
        check(len(parts) >= 6, '%d partitions' % len(parts))
        active = tsk_par.get_active_vioses(a)
        check(len(active) == 2, '%d active VIOS' % len(active))
        tsk_par.validate_vios_ready(a)
        ft = tsk_par.build_active_vio_feed_task(a, xag=[pc.XAG.VIO_SMAP])
        check(len(ft.wrapper_tasks) == 2, '%d VIOS in the feed task'
              % len(ft.wrapper_tasks))
        wwpns = tsk_par.get_physical_wwpns(a)
        check(len(wwpns) >= 2, 'physical WWPNs %s' % wwpns)
    step('tasks.partition finds the management partition, the active VIOS '
         'and their WWPNs', partitions, needs=[])

    def scrub():
        tsk_stg.ComprehensiveScrub(a).execute()
    step('tasks.storage.ComprehensiveScrub runs on a clean system', scrub,
         needs=[])

    def vopt_repo():
        vios, repo = tsk_vopt.validate_vopt_repo_exists(a)
        check(vios and repo, 'vopt repository %s on %s' % (repo, vios))
    step('tasks.vopt.validate_vopt_repo_exists finds the media repository',
         vopt_repo, needs=[])

    def create():
        name = 'tasks-%s' % uuidlib.uuid4().hex[:6]
        bld = lb.LPARBuilder(a, {lb.NAME: name, lb.MEM: 2048, lb.VCPU: 2,
                                 lb.MAX_MEM: 4096},
                             lb.DefaultStandardize(sysw))
        st['lpar'] = bld.build().create(parent=sysw)
    step('an LPAR for the tasks below', create, needs=[])

    def mem_overhead():
        overhead, avail = tsk_mem.calculate_memory_overhead_on_host(
            a, sysw.uuid, reserved_mem_data={'desired_mem': 2048,
                                             'max_mem': 4096,
                                             'lpar_id': st['lpar'].id,
                                             'num_virt_eth_adapters': 1,
                                             'num_vscsi_adapters': 1,
                                             'num_vfc_adapters': 0})
        check(overhead > 0, 'overhead %s' % overhead)
    step('tasks.memory.calculate_memory_overhead_on_host asks the '
         'hypervisor', mem_overhead, needs=['an LPAR for the tasks below'])

    def rmc_vif():
        c = tsk_cna.crt_cna(a, sysw.uuid, st['lpar'].uuid, 4094,
                            vswitch='MGMTSWITCH')
        st['rmc'] = c
        trunks = tsk_cna.find_trunks(a, c)
        check(trunks, 'no trunk adapter carries the RMC VLAN')
    step('tasks.cna.find_trunks finds the trunk of an RMC adapter', rmc_vif,
         needs=['an LPAR for the tasks below'])

    def assign_vlan():
        vsw = pvm_net.VSwitch.search(a, parent_type=pvm_ms.System,
                                     parent_uuid=sysw.uuid,
                                     name='ETHERNET0')[0]
        c = tsk_cna.crt_cna(a, sysw.uuid, st['lpar'].uuid, 1,
                            vswitch='ETHERNET0')
        c = tsk_cna.assign_free_vlan(a, sysw.uuid, vsw, c)
        check(c.pvid not in (0, 1), 'free VLAN %s' % c.pvid)
    step('tasks.cna.assign_free_vlan moves an adapter to a free VLAN',
         assign_vlan, needs=['an LPAR for the tasks below'])

    def trunk_mgmt():
        # nova-powervm's OVS VIF driver: a trunk adapter on the NovaLink
        # partition, on a switch other than MGMTSWITCH.
        mgmt = tsk_par.get_mgmt_partition(a)
        tsk_cna.crt_trunk_with_free_vlan(
            a, sysw.uuid, [mgmt.uuid], 'ETHERNET0', crt_vswitch=False,
            dev_name='tap-test', ovs_bridge='br-int',
            ovs_ext_ids='iface-id=1234')
    step('tasks.cna.crt_trunk_with_free_vlan puts a trunk on the NovaLink '
         'partition', trunk_mgmt, needs=[])

    def power_cycle(opts):
        lp = pvm_lpar.LPAR.get(a, uuid=st['lpar'].uuid)
        power.power_on(lp, sysw.uuid, add_parms=opts)
        lp = pvm_lpar.LPAR.get(a, uuid=st['lpar'].uuid)
        check(lp.state == 'running', 'state %s' % lp.state)
        power.power_off_progressive(lp)
        lp = pvm_lpar.LPAR.get(a, uuid=st['lpar'].uuid)
        check(lp.state == 'not activated', 'state %s' % lp.state)
    step('tasks.power powers on with a boot mode and off progressively',
         lambda: power_cycle(power_opts.PowerOnOpts().bootmode(
             power_opts.BootMode.NORM)),
         needs=['an LPAR for the tasks below'])
    step('tasks.power powers on with the keylock pypowervm spells "norm"',
         lambda: power_cycle(power_opts.PowerOnOpts().keylock_pos(
             power_opts.KeylockPos.NORMAL)),
         needs=['an LPAR for the tasks below'])

    def quick():
        from pypowervm.wrappers import base_partition as bp
        resp = a.read(pvm_lpar.LPAR.schema_type, root_id=st['lpar'].uuid,
                      suffix_type='quick', suffix_parm='PartitionState')
        check(resp.body.strip('"') == bp.LPARState.NOT_ACTIVATED,
              'PartitionState %r' % resp.body)
        import json
        props = json.loads(a.read(pvm_lpar.LPAR.schema_type,
                                  root_id=st['lpar'].uuid,
                                  suffix_type='quick').body)
        for k in ('PartitionName', 'PartitionState', 'PartitionID',
                  'AssociatedManagedSystem', 'RMCState', 'MigrationState',
                  'HasDedicatedProcessors', 'SharingMode'):
            check(k in props, 'quick properties lack %s: %s'
                  % (k, sorted(props)))
    step('the quick properties nova reads', quick,
         needs=['an LPAR for the tasks below'])

    def clone_uuid():
        # The surrogate takes the LPAR's UUID; the LPAR goes.
        sur = lb.LPARBuilder(a, {lb.NAME: 'surrogate', lb.MEM: 2048,
                                 lb.VCPU: 2, lb.MAX_MEM: 4096},
                             lb.DefaultStandardize(sysw)).build().create(
            parent=sysw)
        tsk_par.clone_uuid(a, st['lpar'].uuid, 'surrogate')
        lp = pvm_lpar.LPAR.get(a, uuid=st['lpar'].uuid)
        check(lp.name == 'surrogate' and lp.id == sur.id,
              'under the LPAR\'s UUID: %s (ID %s)' % (lp.name, lp.id))
    step('tasks.partition.clone_uuid', clone_uuid,
         needs=['an LPAR for the tasks below'])

    def delete():
        pvm_lpar.LPAR.get(a, uuid=st["lpar"].uuid).delete()
    step('deleting the LPAR with its adapters', delete,
         needs=['an LPAR for the tasks below'])

    return h.finish()


if __name__ == '__main__':
    sys.exit(main())
