#!/usr/bin/python3
"""What nova-powervm does with the partition API, through its own code.

Shared processor pool flavors (powervm:shared_proc_pool_name) through
nova-powervm's VMBuilder, its NVRAM manager keeping a partition's NVRAM
across destroy and spawn (with an in-memory store standing in for Swift),
and its Open vSwitch VIF driver putting a VM's trunk on the NovaLink
partition.
Run by test/clients (see harness.py).
"""

import uuid as uuidlib

import harness


class FakeFlavor(object):
    def __init__(self, mem, vcpus, extra_specs):
        self.memory_mb, self.vcpus, self.extra_specs = mem, vcpus, extra_specs
        self.root_gb, self.ephemeral_gb, self.flavorid = 1, 0, 'pvm1'


class FakeInstance(object):
    """The attributes of a Nova instance that nova-powervm's vm module
    reads (Nova's database is not part of what is tested)."""

    def __init__(self, name, extra_specs=None):
        self.uuid = str(uuidlib.uuid4())
        self.name = name
        self.flavor = FakeFlavor(1024, 1, extra_specs or {})
        self.system_metadata = {}
        self.task_state = None
        self.vm_state = 'building'


def main():
    h = harness.Scenario('nova-powervm partition API')
    step, check = h.step, harness.check

    import shims
    shims.nova_powervm_options()
    import nova_powervm.conf  # noqa: registers the [powervm] options
    from nova import exception as nova_exc
    from nova_powervm.virt.powervm import vm
    from nova_powervm.virt.powervm.nvram import api as nvram_api
    from nova_powervm.virt.powervm.nvram import manager as nvram_mgr
    import pypowervm.const as pc
    from pypowervm.tasks import power
    from pypowervm.wrappers import logical_partition as pvm_lpar
    from pypowervm.wrappers import managed_system as pvm_ms
    from pypowervm.wrappers import shared_proc_pool as pvm_spp

    adapter = h.adapter()
    st = {'host': pvm_ms.System.get(adapter)[0]}

    def pool_flavor():
        pool = [p for p in pvm_spp.SharedProcPool.get(
            adapter, parent=st['host']) if p.id == 5][0]
        pool.name = 'gold'
        pool.max_proc_units = 4
        pool.update()
        inst = FakeInstance('pool-vm',
                            {'powervm:shared_proc_pool_name': 'gold'})
        w = vm.create_lpar(adapter, st['host'], inst)
        check(w.proc_config.shared_proc_cfg.pool_id == 5,
              'the flavor\'s pool gave pool %s, want 5' %
              w.proc_config.shared_proc_cfg.pool_id)
        dflt = FakeInstance('dflt-vm',
                            {'powervm:shared_proc_pool_name': 'DefaultPool'})
        w = vm.create_lpar(adapter, st['host'], dflt)
        check(w.proc_config.shared_proc_cfg.pool_id == 0, 'pool %s' %
              w.proc_config.shared_proc_cfg.pool_id)
        bad = FakeInstance('bad-vm',
                           {'powervm:shared_proc_pool_name': 'nosuchpool'})
        try:
            vm.create_lpar(adapter, st['host'], bad)
        except nova_exc.ValidationError:
            pass
        else:
            raise harness.CheckFailed('a flavor naming no pool built a VM')
    step('a flavor with powervm:shared_proc_pool_name puts the VM in that '
         'pool', pool_flavor)

    class MemoryStore(nvram_api.NvramStore):
        def __init__(self):
            self.data = {}

        def store(self, instance, data, force=True):
            self.data[instance] = data

        def fetch(self, instance):
            return self.data.get(instance)

        def delete(self, instance):
            self.data.pop(instance, None)

    def nvram_store():
        store = MemoryStore()
        mgr = nvram_mgr.NvramManager(store, adapter, st['host'].uuid)
        try:
            inst = FakeInstance('nvram-vm')
            w = vm.create_lpar(adapter, st['host'], inst)
            power.power_on(w, None)
            power.power_off(vm.get_instance_wrapper(adapter, inst), None,
                            force_immediate=power.Force.TRUE)
            mgr.store(inst, immediate=True)
            saved = store.fetch(inst.uuid)
            check(saved and len(saved) > 10000,
                  'the store got %r' % (saved and saved[:40]))
            # Destroy (the partition's delete: vm.delete_lpar also closes
            # its console, issue 11's CloseVterm), then spawn again from
            # the store.
            vm.get_instance_wrapper(adapter, inst).delete()
            w = vm.create_lpar(adapter, st['host'], inst,
                               nvram=mgr.fetch(inst))
            got = pvm_lpar.LPAR.get(adapter, uuid=w.uuid,
                                    xag=[pc.XAG.NVRAM]).nvram
            check(got == saved, 'the respawned VM has other NVRAM')
            mgr.remove(inst)
            check(store.fetch(inst.uuid) is None, 'the store kept the NVRAM')
        finally:
            mgr.shutdown()
    step('nova-powervm\'s NVRAM manager keeps the NVRAM across destroy and '
         'spawn', nvram_store)

    def ovs_vif():
        from nova.network import model as net_model
        from nova_powervm.virt.powervm import slot
        from nova_powervm.virt.powervm import vif as pvm_vif
        from pypowervm.tasks import cna as tcna
        from pypowervm.tasks import partition as tpar
        from pypowervm.wrappers import network as pvm_net
        inst = FakeInstance('ovs-vm')
        vm.create_lpar(adapter, st['host'], inst)
        vif_id = str(uuidlib.uuid4())

        def ovs_vif_of(bridge, mtu):
            net = net_model.Network(
                id=str(uuidlib.uuid4()), bridge=bridge, label='ovs',
                meta={'mtu': mtu}, subnets=[])
            # Neutron names the device: tap and the port's ID.
            return net_model.VIF(id=vif_id, address='fa:16:3e:12:34:56',
                                 network=net, type='ovs', vnic_type='normal',
                                 devname=('tap' + vif_id)[:14], active=True)
        slot_mgr = slot.build_slot_mgr(inst, None)
        mgmt = tpar.get_mgmt_partition(adapter)

        def trunk_of(cna):
            trunks = tcna.find_trunks(adapter, cna)
            check(len(trunks) == 1, '%d trunks for the VM\'s adapter'
                  % len(trunks))
            t = trunks[0]
            check(t.is_trunk and t.pvid == cna.pvid,
                  'trunk %s, PVID %s (the VM\'s %s)' % (t.is_trunk, t.pvid,
                                                        cna.pvid))
            mine = [c.uuid for c in pvm_net.CNA.get(adapter, parent=mgmt)]
            check(t.uuid in mine, 'the trunk is not on the NovaLink '
                  'partition')
            return t

        cna = pvm_vif.plug(adapter, st['host'].uuid, inst,
                           ovs_vif_of('br-int', 1450), slot_mgr)
        t = trunk_of(cna)
        check(t.ovs_bridge == 'br-int' and t.configured_mtu == 1450 and
              t.dev_name == ('tap' + vif_id)[:14],
              'bridge %s MTU %s device %s' % (t.ovs_bridge, t.configured_mtu,
                                              t.dev_name))
        ids = t.ovs_ext_ids.split(',')
        check('iface-id=%s' % vif_id in ids and 'vm-uuid=%s' % inst.uuid in
              ids and 'attached-mac=fa:16:3e:12:34:56' in ids,
              'external ids %s' % t.ovs_ext_ids)
        vsw = pvm_net.VSwitch.search(adapter, parent=st['host'],
                                     name='NovaLinkVEABridge')
        check(len(vsw) == 1, 'the vswitch NovaLinkVEABridge was not made')

        # A host reboot: the VIF is plugged again on the bridge only, with
        # new settings.
        pvm_vif.plug(adapter, st['host'].uuid, inst,
                     ovs_vif_of('br-ex', 9000), slot_mgr, new_vif=False)
        t = trunk_of(cna)
        check(t.ovs_bridge == 'br-ex' and t.configured_mtu == 9000,
              'after the re-plug: bridge %s MTU %s' % (t.ovs_bridge,
                                                       t.configured_mtu))

        pvm_vif.unplug(adapter, st['host'].uuid, inst,
                       ovs_vif_of('br-ex', 9000), slot_mgr)
        check(not vm.get_cnas(adapter, inst), 'the VM kept its adapter')
        left = [c for c in pvm_net.CNA.get(adapter, parent=mgmt)
                if c.uuid == t.uuid]
        check(not left, 'the trunk outlived the unplug')
        vm.get_instance_wrapper(adapter, inst).delete()
    step('nova-powervm\'s OVS VIF driver plugs a VM through a trunk on the '
         'NovaLink partition, re-plugs it and unplugs it', ovs_vif)

    return h.finish()


if __name__ == '__main__':
    raise SystemExit(main())
