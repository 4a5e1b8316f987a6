#!/usr/bin/python3
"""What nova-powervm does with the partition API, through its own code.

Shared processor pool flavors (powervm:shared_proc_pool_name) through
nova-powervm's VMBuilder, and its NVRAM manager keeping a partition's NVRAM
across destroy and spawn (with an in-memory store standing in for Swift).
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

    return h.finish()


if __name__ == '__main__':
    raise SystemExit(main())
